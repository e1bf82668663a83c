"""The one error handler: log with the traceback; the reader is not left without a word."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log any exception a handler raised, with exc_info."""
    log.error("error while handling an update", exc_info=context.error)
    if not (isinstance(update, Update) and update.effective_message and update.effective_chat):
        return
    if update.effective_chat.type == "private":
        try:
            await update.effective_message.reply_text("Sorry, something went wrong. Please try again.")
        except Exception:
            log.warning("could not tell the reader about the error", exc_info=True)
