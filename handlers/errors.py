"""The one error handler: log with the traceback; the reader is not left without a word."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Conflict, NetworkError
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)

# Where the error handler leaves the exit status when it has to stop the bot.
EXIT_CODE = "exit_code"
CONFLICT_EXIT = 3


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log any exception with exc_info; stop on Conflict; a flaky network is one line, not a traceback."""
    error = context.error
    if isinstance(error, Conflict):
        if not context.bot_data.get(EXIT_CODE):
            log.error(
                "Telegram says another process is already polling with this token (Conflict). "
                "Run one bot per token: stopping."
            )
            context.bot_data[EXIT_CODE] = CONFLICT_EXIT
            context.application.stop_running()
        return
    if update is None and isinstance(error, NetworkError):
        log.warning("fetching updates failed, retrying: %s", error)
        return
    log.error("error while handling an update", exc_info=error)
    if not (isinstance(update, Update) and update.effective_message and update.effective_chat):
        return
    if update.effective_chat.type == "private":
        try:
            await update.effective_message.reply_text("Sorry, something went wrong. Please try again.")
        except Exception:
            log.warning("could not tell the reader about the error", exc_info=True)
