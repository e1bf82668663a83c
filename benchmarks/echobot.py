"""The yardstick: a plain python-telegram-bot echo bot, 16 concurrent updates, PTB's defaults otherwise.

    python benchmarks/echobot.py BASE_URL     (BASE_URL like http://127.0.0.1:8081/bot)
"""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    if update.message and update.message.text:
        await update.message.reply_text(update.message.text)


def main(base_url: str) -> None:
    app = ApplicationBuilder().token(TOKEN).base_url(base_url).concurrent_updates(16).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling()


if __name__ == "__main__":
    main(sys.argv[1])
