"""Readers' commands: /start (with a deep link to a section), /help, /sections."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.answering import Engine
from handlers import live
from handlers.formatting import examples_keyboard, greeting, html_text, section_message, toc_page

READER_COMMANDS = (
    ("start", "What I know, with examples"),
    ("help", "How to ask me"),
    ("sections", "Table of contents"),
    ("ask", "Ask a question: /ask What does Moscow want?"),
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet, say what the bot knows; a deep-link payload naming a section opens it."""
    message = update.effective_message
    if not message:
        return
    engine: Engine = live.engine(context)
    if context.args:
        section = engine.corpus.section(context.args[0])
        if section is not None:
            await message.reply_text(section_message(engine, section), parse_mode=ParseMode.HTML)
            return
    examples = [s.heading for s in engine.table_of_contents()[:2]]
    text = greeting(engine) + "\n\nFor example:\n" + "\n".join(f"• {html_text(e)}" for e in examples)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=examples_keyboard(engine))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask, in private, in groups and inline."""
    message = update.effective_message
    if not message:
        return
    username = html_text(context.bot.username)
    text = (
        "<b>How to ask</b>\n"
        "• Here: just write your question, e.g. <i>What does Moscow want?</i>\n"
        f"• In a group: mention me (@{username} your question), reply to one of my messages, "
        "or use /ask your question\n"
        f"• In any chat: type @{username} and your question, then pick an answer\n\n"
        "I quote the passage that answers and say where it comes from; if the articles don't answer, "
        "I say so.\n\n/sections lists what I know."
    )
    await message.reply_text(text, parse_mode=ParseMode.HTML)


async def sections(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The table of contents as buttons, paged when long."""
    message = update.effective_message
    if message:
        text, markup = toc_page(live.engine(context), 0)
        await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command we do not have, in a private chat."""
    message = update.effective_message
    if message:
        await message.reply_text("I don't know that command. /help says what I can do.")
