"""Questions: any text in a private chat, `/ask`, and in groups only what is addressed to the bot."""

from __future__ import annotations

import asyncio
import logging
import re
import time

from telegram import Message, ReplyParameters, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import ContextTypes

from bot.answering import Answer, Engine
from bot.storage import LoggedQuestion, new_question_id
from handlers import live
from handlers.formatting import answer_message
from handlers.updates import mark_answered

log = logging.getLogger(__name__)

FLOOD_NOTICE = "You're asking faster than I can keep up with. Please wait a minute before your next question."
LOG_BEFORE_SEND_SECONDS = 1.0

# Log writes not yet finished, by question id: feedback on an answer waits for its entry.
PENDING_LOGS = "pending_logs"


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer any text a reader sends in a private chat."""
    message = update.effective_message
    if message and message.text:
        await answer(update, message, context, message.text, "private")


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer in a group only when mentioned or replied to; otherwise stay silent."""
    message = update.effective_message
    if not message or not message.text:
        return
    question = addressed_question(message, context.bot.username, context.bot.id)
    if question is None:
        return
    await answer(update, message, context, question, "group")


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask QUESTION, in any chat (PTB ignores /ask@OtherBot for us)."""
    message = update.effective_message
    if not message:
        return
    question = " ".join(context.args or []).strip()
    if not question:
        await message.reply_text("Ask like this: /ask What does Moscow want?", do_quote=_in_group(message))
        return
    await answer(update, message, context, question, "group" if _in_group(message) else "private")


async def private_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice and the like in a private chat: say what the bot can read."""
    message = update.effective_message
    if message:
        await message.reply_text("I can only read questions typed as text. What would you like to know?")


def addressed_question(message: Message, username: str, bot_id: int) -> str | None:
    """The question in a group message addressed to the bot, or None when it is not for us."""
    text = message.text or ""
    mention = re.compile(rf"@{re.escape(username)}\b", re.IGNORECASE)
    replied = message.reply_to_message
    if mention.search(text):
        return mention.sub(" ", text).strip(" ,:")
    if replied and replied.from_user and replied.from_user.id == bot_id:
        return text
    return None


def _in_group(message: Message) -> bool:
    return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


async def answer(
    update: Update, message: Message, context: ContextTypes.DEFAULT_TYPE, question: str, chat_kind: str
) -> None:
    """Ask the engine, log the answer (waiting at most a second for the commit), reply with the quote (a reply
    to the question in groups)."""
    started = time.perf_counter()
    user_id = message.from_user.id if message.from_user else None
    reply_to = ReplyParameters(message.message_id, allow_sending_without_reply=True) if _in_group(message) else None
    verdict = context.bot_data["flood"].check(user_id)
    if verdict != "ok":
        mark_answered(context, update, False)
        if verdict == "warn":
            await message.reply_text(FLOOD_NOTICE, reply_parameters=reply_to)
        return
    engine: Engine = live.engine(context)
    result = engine.ask(question)
    question_id = new_question_id()
    text, markup = answer_message(result, engine, question_id)
    latency = (time.perf_counter() - started) * 1000
    logged = _queue_log(context, result, question_id, chat_kind, user_id, question, latency)
    if logged is not None:
        # Entries waiting together share one commit, well under a millisecond: then every answer sent is in
        # the log even if the process is killed right after. A stalled disk holds the answer back 1 s at most,
        # and a failed write never loses it.
        await asyncio.wait({logged}, timeout=LOG_BEFORE_SEND_SECONDS)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup, reply_parameters=reply_to)
    mark_answered(context, update, result.answered)


def _queue_log(
    context: ContextTypes.DEFAULT_TYPE,
    result: Answer,
    question_id: str,
    chat_kind: str,
    user_id: int | None,
    question: str,
    latency: float,
) -> asyncio.Future[None] | None:
    """Queue the log entry; feedback on this answer waits for it. A failed write is logged; the reader
    already has the answer."""
    storage = live.storage(context)
    if storage is None or result.kind not in ("answer", "refusal"):
        return None
    top = result.results[0] if result.results else None
    entry = LoggedQuestion(
        id=question_id,
        chat_type=chat_kind,
        user_id=user_id,
        question=question[:1000],
        kind=result.kind,
        answered=result.answered,
        section_id=top.section_id if top else None,
        score=top.score if top else None,
        latency_ms=latency,
    )
    pending: dict[str, asyncio.Future[None]] = context.bot_data.setdefault(PENDING_LOGS, {})
    future = storage.queue_log(entry)
    pending[question_id] = future

    def done(future: asyncio.Future[None]) -> None:
        pending.pop(question_id, None)
        if not future.cancelled() and future.exception() is not None:
            log.error("could not write the question log (question %s)", question_id, exc_info=future.exception())

    future.add_done_callback(done)
    return future
