"""Moderators' commands: /reload, uploads, /rollback, /versions, /stats. Everyone else: a refusal, audited."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import wraps

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.library import MAX_UPLOAD_BYTES, Changes, LoadResult
from corpus.parsing import ARTICLE_SUFFIXES, CorpusError
from handlers import live
from handlers.formatting import MAX_MESSAGE, html_text

log = logging.getLogger(__name__)

MODERATOR_COMMANDS = (
    ("reload", "Moderators: re-read the corpus folder"),
    ("rollback", "Moderators: go back to the previous corpus version"),
    ("versions", "Moderators: the last corpus versions"),
    ("stats", "Moderators: questions, answers, feedback"),
)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def moderators_only(action: str) -> Callable[[Handler], Handler]:
    """Refuse anyone not in FAQBOT_MODERATORS (by user id), and audit every attempt."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            user = update.effective_user
            allowed = live.is_moderator(context, user.id if user else None)
            storage = live.storage(context)
            if storage is not None:
                try:
                    await storage.audit(user.id if user else None, action, allowed)
                except Exception:
                    log.exception("could not write the audit log")
            if not allowed:
                log.warning("refused %s for a non-moderator", action)
                if update.effective_message:
                    await update.effective_message.reply_text("Sorry, only the bot's moderators can do that.")
                return
            await handler(update, context)

        return guarded

    return decorate


def _changes_html(changes: Changes) -> str:
    if not changes:
        return "No changes."
    lines = []
    labels = {
        "articles_added": "Articles added",
        "articles_removed": "Articles removed",
        "articles_changed": "Articles changed",
        "sections_added": "Sections added",
        "sections_removed": "Sections removed",
        "sections_changed": "Sections changed",
    }
    for name, label in labels.items():
        items = getattr(changes, name)
        if items:
            more = f"; and {len(items) - 10} more" if len(items) > 10 else ""
            shown = "; ".join(html_text(i) for i in items[:10]) + more
            lines.append(f"<b>{label}</b> ({len(items)}): {shown}")
    return "\n".join(lines)


def loaded_html(headline: str, result: LoadResult) -> str:
    v = result.version
    text = (
        f"✅ {html_text(headline)}: version {v.number}, {v.articles} articles, {v.sections} sections, "
        f"{v.passages} passages.\n\n{_changes_html(result.changes)}"
    )
    return _fit(text)


def failed_html(headline: str, exc: CorpusError, context: ContextTypes.DEFAULT_TYPE) -> str:
    version = live.library(context).version
    still = f"version {version.number}" if version else "the last good corpus"
    problems = "\n".join(f"• {html_text(str(p))}" for p in exc.problems[:20])
    more = f"\n… and {len(exc.problems) - 20} more" if len(exc.problems) > 20 else ""
    return _fit(f"❌ {html_text(headline)}. Nothing changed: {still} stays live.\n\n{problems}{more}")


async def _report(
    message: Message,
    context: ContextTypes.DEFAULT_TYPE,
    change: Awaitable[LoadResult],
    failure: str,
    success: Callable[[LoadResult], str],
) -> None:
    """Await a corpus change and tell the moderator what changed, or why nothing did."""
    try:
        result = await change
    except CorpusError as exc:
        await message.reply_text(failed_html(failure, exc, context), parse_mode=ParseMode.HTML)
        return
    await message.reply_text(loaded_html(success(result), result), parse_mode=ParseMode.HTML)


def _fit(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 2].rsplit("\n", 1)[0] + "\n…"


@moderators_only("reload")
async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Re-read the corpus folder, all or nothing, and say what changed."""
    message = update.effective_message
    user = update.effective_user
    if not message or not user:
        return
    await _report(message, context, live.library(context).reload(user.id), "Reload failed", lambda _: "Reloaded")


@moderators_only("rollback")
async def rollback_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Go back to the previous corpus version (or /rollback N)."""
    message = update.effective_message
    user = update.effective_user
    if not message or not user:
        return
    target = None
    if context.args:
        if not context.args[0].isdigit():
            await message.reply_text("Usage: /rollback, or /rollback VERSION_NUMBER (see /versions).")
            return
        target = int(context.args[0])
    await _report(
        message,
        context,
        live.library(context).rollback(user.id, target),
        "Rollback failed",
        lambda result: f"Rolled back to version {result.version.restored_from}",
    )


@moderators_only("versions")
async def versions_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The last corpus versions: number, when, by whom, files and checksums."""
    message = update.effective_message
    storage = live.storage(context)
    if not message or storage is None:
        return
    current = live.library(context).version
    lines = ["<b>Corpus versions</b> (newest first)"]
    for v in await storage.versions(10):
        who = f"moderator {v.moderator_hash[:8]}" if v.moderator_hash else "the bot at start"
        what = v.action + (f" to {v.restored_from}" if v.restored_from else "")
        mark = " ← live" if current and current.number == v.number else ""
        lines.append(
            f"\n<b>#{v.number}</b> {html_text(v.at[:19].replace('T', ' '))} UTC, {html_text(what)} by {who}: "
            f"{v.articles} articles, {v.sections} sections{mark}"
        )
        lines.extend(f"  <code>{digest[:12]}</code> {html_text(name)}" for name, digest in v.files.items())
    await message.reply_text(_fit("\n".join(lines)), parse_mode=ParseMode.HTML)


@moderators_only("stats")
async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Questions asked, share answered, top sections, frequent unanswered questions, feedback."""
    message = update.effective_message
    storage = live.storage(context)
    if not message or storage is None:
        return
    s = await storage.stats()
    engine = live.engine(context)
    share = f"{s.answered_all / s.asked_all:.0%}" if s.asked_all else "–"
    lines = [
        "<b>Questions</b>",
        f"today {s.asked_today} · 7 days {s.asked_week} · all {s.asked_all} · answered {share}",
        "",
        "<b>Top sections</b>",
    ]
    for section_id, n in s.top_sections:
        section = engine.corpus.section(section_id)
        name = section.heading if section else f"(no longer in the corpus: {section_id})"
        lines.append(f"{n} × {html_text(name)}")
    lines += ["", "<b>Most frequent unanswered questions</b> (what to add next)"]
    lines += [f"{n} × {html_text(q[:200])}" for q, n in s.unanswered] or ["none"]
    lines += ["", f"<b>Feedback</b> 👍 {s.thumbs_up} · 👎 {s.thumbs_down}"]
    await message.reply_text(_fit("\n".join(lines)), parse_mode=ParseMode.HTML)


@moderators_only("upload")
async def upload_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A .md or .txt document from a moderator: validated with the corpus, saved, loaded."""
    message = update.effective_message
    user = update.effective_user
    if not message or not message.document or not user:
        return
    document = message.document
    name = document.file_name or ""
    if not name.lower().endswith(ARTICLE_SUFFIXES):
        await message.reply_text(
            f"I can only take .md or .txt articles (or synonyms.txt); {name or 'this file'} is not one. Nothing saved."
        )
        return
    if document.file_size and document.file_size > MAX_UPLOAD_BYTES:
        await message.reply_text(f"That file is larger than {MAX_UPLOAD_BYTES // 1024} KB. Nothing saved.")
        return
    file = await document.get_file()
    data = bytes(await file.download_as_bytearray())
    try:
        saved, result = await live.library(context).upload(name, data, user.id)
    except CorpusError as exc:
        await message.reply_text(failed_html(f"{name} was not saved", exc, context), parse_mode=ParseMode.HTML)
        return
    await message.reply_text(loaded_html(f"Saved as {saved} and loaded", result), parse_mode=ParseMode.HTML)
