"""Turn engine answers into Telegram HTML and buttons: every piece of text escaped, 4096 chars at most."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.answering import Answer, Engine, Result
from corpus.model import Section

MAX_MESSAGE = 4096
BUTTON_LABEL = 60
SECTIONS_PER_PAGE = 8


def html_text(text: str) -> str:
    """Text for Telegram HTML: only <, > and & need escaping there."""
    return escape(text, quote=False)


def _label(text: str) -> str:
    return text if len(text) <= BUTTON_LABEL else text[: BUTTON_LABEL - 1] + "…"


def section_button(section: Section, prefix: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(prefix + _label(section.heading), callback_data=f"s:{section.id}")


def quote_html(result: Result) -> str:
    """A cited passage: heading, text, citation."""
    citation = html_text(result.citation)
    return f"<b>{html_text(result.section)}</b>\n\n{html_text(result.text)}\n\n<i>— {citation}</i>"


def answer_message(answer: Answer, engine: Engine, question_id: str) -> tuple[str, InlineKeyboardMarkup]:
    """The reply to a question: the quote and its buttons, or an honest refusal with sections to try."""
    if answer.kind in ("greeting", "thanks"):
        return greeting(engine, thanks=answer.kind == "thanks"), examples_keyboard(engine)
    if not answer.answered:
        text = "I don't know: the articles I have don't answer that. Perhaps one of these sections helps:"
        rows = [[section_button(s)] for s in _sections(engine, answer.suggestion_ids)]
        return text, InlineKeyboardMarkup(rows)
    top = answer.results[0]
    related: list[str] = []
    for section_id in [r.section_id for r in answer.results[1:]] + answer.suggestion_ids:
        if section_id != top.section_id and section_id not in related:
            related.append(section_id)
    rows = [[InlineKeyboardButton("📖 Full section", callback_data=f"s:{top.section_id}")]]
    rows += [[section_button(s, "➡️ ")] for s in _sections(engine, related[:3])]
    rows.append(
        [
            InlineKeyboardButton("👍", callback_data=f"f:{question_id}:1"),
            InlineKeyboardButton("👎", callback_data=f"f:{question_id}:-1"),
        ]
    )
    return quote_html(top), InlineKeyboardMarkup(rows)


def _sections(engine: Engine, ids: list[str]) -> list[Section]:
    return [s for s in (engine.corpus.section(i) for i in ids) if s is not None]


def section_message(engine: Engine, section: Section) -> str:
    """A whole section, cut at a paragraph so that the escaped text fits one message."""
    article = engine.corpus.article_of(section)
    head = f"<b>{html_text(section.heading)}</b>\n\n"
    byline = f", by {html_text(article.author)}" if article.author else ""
    foot = f"\n\n<i>— {html_text(article.label)}{byline}</i>"
    body = ""
    for passage in section.passages:
        piece = ("\n\n" if body else "") + html_text(passage.text)
        if len(head) + len(body) + len(piece) + len(foot) + 2 > MAX_MESSAGE:
            body += "\n\n…"
            break
        body += piece
    return head + body + foot


def greeting(engine: Engine, thanks: bool = False) -> str:
    titles = ", ".join(f"<i>{html_text(a.title)}</i>" for a in engine.corpus.articles[:3])
    if thanks:
        return "You're welcome! Ask me anything else about " + titles + "."
    return (
        f"Hello! I answer questions about {titles}, quoting the passage that answers and saying where it "
        "comes from. Just write your question, or pick a section below."
    )


def examples_keyboard(engine: Engine) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[section_button(s)] for s in engine.table_of_contents()[:2]])


def toc_page(engine: Engine, page: int) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the table of contents, with ◀/▶ buttons when there are more."""
    sections = engine.table_of_contents()
    pages = max(1, -(-len(sections) // SECTIONS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    chunk = sections[page * SECTIONS_PER_PAGE : (page + 1) * SECTIONS_PER_PAGE]
    rows = [[section_button(s)] for s in chunk]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀ Previous", callback_data=f"t:{page - 1}"))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("Next ▶", callback_data=f"t:{page + 1}"))
    if nav:
        rows.append(nav)
    suffix = f" (page {page + 1} of {pages})" if pages > 1 else ""
    return f"<b>Sections</b>{suffix}: tap one to read it.", InlineKeyboardMarkup(rows)
