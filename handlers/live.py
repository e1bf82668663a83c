"""Where handlers find the live engine and database (kept in bot_data by post_init)."""

from __future__ import annotations

from telegram.ext import ContextTypes

from bot.answering import Engine
from bot.library import Library
from bot.settings import Settings
from bot.storage import Storage


def library(context: ContextTypes.DEFAULT_TYPE) -> Library:
    return context.bot_data["library"]


def engine(context: ContextTypes.DEFAULT_TYPE) -> Engine:
    """The engine live now; a reload swaps it between two updates, never during one's lookup."""
    live = library(context).engine
    assert live is not None, "post_init loads a corpus before polling starts"
    return live


def storage(context: ContextTypes.DEFAULT_TYPE) -> Storage | None:
    return context.bot_data.get("storage")


def settings(context: ContextTypes.DEFAULT_TYPE) -> Settings:
    return context.bot_data["settings"]


def is_moderator(context: ContextTypes.DEFAULT_TYPE, user_id: int | None) -> bool:
    """Checked on the numeric user id of the update, never on names."""
    return user_id is not None and user_id in settings(context).faqbot_moderators
