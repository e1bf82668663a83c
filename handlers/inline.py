"""Inline mode: `@bot query` in any chat."""

from __future__ import annotations

import logging

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.answering import Engine
from corpus.model import Section
from handlers import live
from handlers.formatting import quote_html, section_message
from handlers.updates import mark_answered

log = logging.getLogger(__name__)

# Short, so that a corpus reload shows within seconds (Telegram's default is 300 s).
INLINE_CACHE_SECONDS = 5
MAX_RESULTS = 10
SNIPPET = 120


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1].rsplit(" ", 1)[0] + "…"


def _section_result(engine: Engine, section: Section, title: str) -> InlineQueryResultArticle:
    """A whole section to send, listed by `title`."""
    return InlineQueryResultArticle(
        id=f"s-{section.id}",
        title=title,
        description=_snippet(section.passages[0].text),
        input_message_content=InputTextMessageContent(section_message(engine, section), parse_mode=ParseMode.HTML),
    )


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers for a query; the table of contents, paged, for an empty one."""
    query = update.inline_query
    if query is None:
        return
    engine: Engine = live.engine(context)
    text = query.query.strip()
    next_offset = None
    if not text:
        sections = engine.table_of_contents()
        start = int(query.offset) if query.offset.isdigit() else 0
        page = sections[start : start + MAX_RESULTS]
        results = [_section_result(engine, s, s.heading) for s in page]
        if start + MAX_RESULTS < len(sections):
            next_offset = str(start + MAX_RESULTS)
        answered = True
    else:
        answer = engine.ask(text)
        answered = answer.answered
        results = [
            InlineQueryResultArticle(
                id=f"a-{n}-{r.passage_ids[0]}",
                title=r.section,
                description=_snippet(r.text),
                input_message_content=InputTextMessageContent(quote_html(r), parse_mode=ParseMode.HTML),
            )
            for n, r in enumerate(answer.results[:MAX_RESULTS])
        ]
        if not results:
            results = [
                _section_result(engine, s, f"Not answered here. Try: {s.heading}")
                for s in (engine.corpus.section(i) for i in answer.suggestion_ids)
                if s is not None
            ]
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=False, next_offset=next_offset)
    mark_answered(context, update, answered)
