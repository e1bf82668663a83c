"""Telegram handlers: they format the answer engine's results; registration is in one place."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers.buttons import button
from handlers.commands import help_command, sections, start, unknown_command
from handlers.errors import error_handler
from handlers.inline import inline_query
from handlers.moderation import (
    reload_command,
    rollback_command,
    stats_command,
    upload_document,
    versions_command,
)
from handlers.questions import ask_command, group_text, private_other, private_text
from handlers.updates import log_update, note_arrival

FIRST, LAST = -1, 1


def register(app: Application) -> None:
    """Every handler of the bot."""
    app.add_handler(TypeHandler(Update, note_arrival), group=FIRST)
    # New messages only: an edited message is not asked again, and never re-runs a moderator's command.
    new = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE & new
    for name, callback in [
        ("start", start),
        ("help", help_command),
        ("sections", sections),
        ("ask", ask_command),
        ("reload", reload_command),
        ("rollback", rollback_command),
        ("versions", versions_command),
        ("stats", stats_command),
    ]:
        app.add_handler(CommandHandler(name, callback, filters=new))
    app.add_handler(MessageHandler(private & filters.Document.ALL, upload_document))
    app.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT, private_text))
    app.add_handler(MessageHandler(private, private_other))
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & new & filters.TEXT & ~filters.COMMAND, group_text))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(InlineQueryHandler(inline_query))
    app.add_handler(TypeHandler(Update, log_update), group=LAST)
    app.add_error_handler(error_handler)
