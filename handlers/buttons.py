"""Button presses: open a section, page the table of contents, 👍/👎 feedback."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from handlers import live
from handlers.formatting import section_message, toc_page
from handlers.questions import PENDING_LOGS

log = logging.getLogger(__name__)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Dispatch a callback by its prefix; stale or forged data gets a short notice, never a crash."""
    query = update.callback_query
    if query is None:
        return
    kind, _, rest = (query.data or "").partition(":")
    engine = live.engine(context)
    if kind == "s":
        section = engine.corpus.section(rest)
        if section is None:
            await query.answer("That section is no longer in the articles.", show_alert=True)
            return
        await query.answer()
        if query.message is not None:
            await query.message.reply_text(section_message(engine, section), parse_mode=ParseMode.HTML)
        return
    if kind == "t" and rest.isdigit():
        await query.answer()
        text, markup = toc_page(engine, int(rest))
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as exc:  # the same page pressed twice: "message is not modified"
            log.debug("toc page unchanged: %s", exc)
        return
    if kind == "f":
        question_id, _, value = rest.partition(":")
        storage = live.storage(context)
        pending = context.bot_data.get(PENDING_LOGS, {}).get(question_id)
        if pending is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(pending), 5)
        valid = value in ("1", "-1") and storage is not None and query.from_user is not None
        if valid and await storage.add_feedback(question_id, query.from_user.id, int(value)):
            await query.answer("Thanks for the feedback!")
            log.info("update=feedback value=%s", value)
            return
        await query.answer("That answer is too old to rate.")
        return
    await query.answer("This button no longer works.")
