"""One log line per update handled: kind, chat type, answered or not, milliseconds.

A first handler group notes when an update arrived; a last one logs it. Handlers in between
mark whether they answered with `mark_answered`. The question text is never logged.
"""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.ext import ContextTypes

log = logging.getLogger("faqbot.updates")

_STARTED = "_update_started"
_ANSWERED = "_update_answered"


def mark_answered(context: ContextTypes.DEFAULT_TYPE, update: Update, answered: bool) -> None:
    context.bot_data.setdefault(_ANSWERED, {})[update.update_id] = answered


async def note_arrival(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remember when the update arrived."""
    context.bot_data.setdefault(_STARTED, {})[update.update_id] = time.perf_counter()


async def log_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the update once every handler has run."""
    started = context.bot_data.get(_STARTED, {}).pop(update.update_id, None)
    answered = context.bot_data.get(_ANSWERED, {}).pop(update.update_id, None)
    ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    chat = update.effective_chat.type if update.effective_chat else "none"
    log.info("update=%s kind=%s chat=%s answered=%s ms=%.1f", update.update_id, kind(update), chat, answered, ms)


def kind(update: Update) -> str:
    if update.inline_query:
        return "inline_query"
    if update.callback_query:
        return "callback"
    message = update.message or update.edited_message or update.channel_post
    if message is None:
        return next((k for k, v in update.to_dict().items() if k != "update_id" and v), "unknown")
    if update.edited_message:
        return "edited_message"
    if update.channel_post:
        return "channel_post"
    if message.text and message.text.startswith("/"):
        return "command"
    return "text" if message.text else "other_message"
