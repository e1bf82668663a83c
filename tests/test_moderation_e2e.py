"""Moderators keep the corpus current through the real Application; readers can change nothing."""

from __future__ import annotations

import asyncio
import gc
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.library import Library
from bot.storage import Storage
from corpus import CorpusError, shipped_corpus_dir
from tests.fake_telegram import (
    MODERATOR,
    USER,
    FakeTelegram,
    document_message,
    private_message,
    running_bot,
)

TEA = (
    "---\ntitle: All about tea\nsource: Tea Times\n---\n"
    "## How is green tea made?\n\nThe leaves are steamed and rolled.\n"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(shipped_corpus_dir() / "istanbul-talks.txt", corpus)
    return corpus


@pytest.fixture
async def app(telegram: FakeTelegram, tmp_path: Path, folder: Path) -> AsyncIterator[Application]:
    async with running_bot(telegram, tmp_path, FAQBOT_CORPUS_DIR=folder, FAQBOT_MODERATORS="7") as application:
        yield application


class Chat:
    """Send as one user and read the bot's next reply."""

    def __init__(self, telegram: FakeTelegram, user: dict) -> None:
        self.telegram, self.user, self.n = telegram, user, 100

    async def say(self, text: str) -> str:
        return await self._send(private_message(text, self.n, self.user))

    async def upload(self, name: str, data: bytes, mime: str = "text/markdown") -> str:
        return await self._send(document_message(self.telegram.document(name, data, mime), self.user, self.n))

    async def _send(self, update: dict) -> str:
        before = len(self.telegram.sent("sendMessage"))
        self.n += 1
        self.telegram.push(update)
        return (await self.telegram.wait_for("sendMessage", before + 1))[before]["text"]


async def answered(chat: Chat, question: str) -> bool:
    return not (await chat.say(question)).startswith("I don't know")


async def test_readers_change_nothing_and_see_nothing(app, telegram: FakeTelegram, folder: Path) -> None:
    reader = Chat(telegram, USER)
    before = sorted(p.name for p in folder.iterdir())
    for command in ["/reload", "/rollback", "/versions", "/stats"]:
        assert await reader.say(command) == "Sorry, only the bot's moderators can do that."
    assert await reader.upload("tea.md", TEA.encode()) == "Sorry, only the bot's moderators can do that."
    assert sorted(p.name for p in folder.iterdir()) == before
    assert not telegram.sent("getFile")
    storage: Storage = app.bot_data["storage"]
    assert [v.number for v in await storage.versions()] == [1]
    async with storage.db.execute("SELECT action, allowed FROM audit ORDER BY id") as cur:
        assert await cur.fetchall() == [("reload", 0), ("rollback", 0), ("versions", 0), ("stats", 0), ("upload", 0)]


async def test_reload_adds_an_article(app, telegram: FakeTelegram, folder: Path) -> None:
    mod = Chat(telegram, MODERATOR)
    assert not await answered(mod, "How is green tea made?")
    (folder / "tea.md").write_text(TEA, encoding="utf-8")
    reply = await mod.say("/reload")
    assert reply.startswith("✅ Reloaded: version 2, 2 articles, 10 sections")
    assert "Articles added</b> (1): All about tea" in reply
    assert "Sections added</b> (1): How is green tea made?" in reply
    assert "steamed and rolled" in await mod.say("How is green tea made?")
    assert "No changes." in await mod.say("/reload")


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("latin1.txt", "What?\nCaf\xe9\n".encode("latin-1"), "latin1.txt:2: not UTF-8"),
        ("empty.md", b"", "empty.md:1: file is empty"),
        ("plain.md", b"# Title\n\nNo questions here.\n", "plain.md: no FAQ sections found"),
    ],
)
async def test_bad_file_fails_reload_and_old_corpus_answers(
    app, telegram: FakeTelegram, folder: Path, name: str, content: bytes, problem: str
) -> None:
    mod = Chat(telegram, MODERATOR)
    (folder / name).write_bytes(content)
    reply = await mod.say("/reload")
    assert reply.startswith("❌ Reload failed. Nothing changed: version 1 stays live.")
    assert problem in reply and str(folder) in reply
    assert "recognition of the annexation of Crimea" in await mod.say("What does Moscow want?")


async def test_upload_lands_inside_the_folder_only(app, telegram: FakeTelegram, folder: Path, tmp_path: Path) -> None:
    mod = Chat(telegram, MODERATOR)
    reply = await mod.upload("../../x.md", TEA.encode())
    assert reply.startswith("✅ Saved as x.md and loaded: version 2")
    assert (folder / "x.md").read_text(encoding="utf-8") == TEA
    assert not (tmp_path / "x.md").exists() and not (tmp_path.parent / "x.md").exists()
    assert "steamed and rolled" in await mod.say("How is green tea made?")


async def test_bad_uploads_are_refused_and_nothing_saved(app, telegram: FakeTelegram, folder: Path) -> None:
    mod = Chat(telegram, MODERATOR)
    before = sorted(p.name for p in folder.iterdir())
    reply = await mod.upload("report.pdf", b"%PDF-1.4 ...", "application/pdf")
    assert reply.startswith("I can only take .md or .txt articles")
    reply = await mod.upload("huge.md", b"## Q?\n\n" + b"a" * (1024 * 1024 + 1))
    assert reply.startswith("That file is larger than 1024 KB")
    reply = await mod.upload("broken.md", b"no headings at all\n")
    assert reply.startswith("❌ broken.md was not saved. Nothing changed: version 1 stays live.")
    assert "no FAQ sections found" in reply
    reply = await mod.upload("dup.md", b"## Why?\n\nOne.\n\n## Why?\n\nTwo.\n")
    assert "dup.md:5: duplicate heading" in reply
    assert sorted(p.name for p in folder.iterdir()) == before


async def test_rollback_restores_answers_and_versions_list_them(app, telegram: FakeTelegram, folder: Path) -> None:
    mod = Chat(telegram, MODERATOR)
    await mod.upload("tea.md", TEA.encode())
    assert await answered(mod, "How is green tea made?")
    reply = await mod.say("/rollback")
    assert reply.startswith("✅ Rolled back to version 1: version 3, 1 articles, 9 sections")
    assert "Articles removed</b> (1): All about tea" in reply
    assert not (folder / "tea.md").exists()
    assert not await answered(mod, "How is green tea made?")
    versions = await mod.say("/versions")
    assert "#3" in versions and "rollback to 1" in versions and "← live" in versions
    assert "istanbul-talks.txt" in versions and "tea.md" in versions
    assert (await mod.say("/rollback 2")).startswith("✅ Rolled back to version 2")
    assert await answered(mod, "How is green tea made?")
    assert "there is no version 99" in await mod.say("/rollback 99")


async def test_stats_for_moderators(app, telegram: FakeTelegram) -> None:
    reader, mod = Chat(telegram, USER), Chat(telegram, MODERATOR)
    await reader.say("What does Moscow want?")
    await reader.say("How do I bake sourdough bread?")
    await reader.say("how do I bake sourdough bread? ")
    await asyncio.sleep(0.2)
    stats = await mod.say("/stats")
    assert "today 3 · 7 days 3 · all 3 · answered 33%" in stats
    assert "1 × What is Russia's position?" in stats
    assert "2 × How do I bake sourdough bread?" in stats
    assert "👍 0 · 👎 0" in stats


async def test_inline_shows_the_new_corpus_after_reload(app, telegram: FakeTelegram, folder: Path) -> None:
    mod = Chat(telegram, MODERATOR)
    (folder / "tea.md").write_text(TEA, encoding="utf-8")
    await mod.say("/reload")
    telegram.push({"inline_query": {"id": "i1", "from": USER, "query": "green tea", "offset": ""}})
    (call,) = await telegram.wait_for("answerInlineQuery")
    assert call["results"][0]["title"] == "How is green tea made?"
    assert int(call["cache_time"]) <= 10


async def test_questions_during_a_large_reload_are_all_answered(app, telegram: FakeTelegram, folder: Path) -> None:
    for n in range(150):
        sections = "\n\n".join(
            f"## What about item {n}-{k}?\n\nItem {n}-{k} is known as codeword{n}x{k} here." for k in range(10)
        )
        (folder / f"bulk-{n:03}.md").write_text(f"# Bulk {n}\n\n{sections}\n", encoding="utf-8")
    mod = Chat(telegram, MODERATOR)
    telegram.push(private_message("/reload", 1, MODERATOR))
    for i in range(30):
        reader = {"id": 1000 + i, "is_bot": False, "first_name": f"Reader {i}"}
        telegram.push(private_message("What does Moscow want?", 10 + i, reader))
    sent = await telegram.wait_for("sendMessage", 31, within=60)
    replies = [s["text"] for s in sent]
    assert sum("annexation of Crimea" in r for r in replies) == 30
    assert any(r.startswith("✅ Reloaded: version 2, 151 articles") for r in replies)
    assert "Item 7-3 is known" in await mod.say("What is codeword7x3?")


async def test_start_falls_back_to_the_last_good_version(tmp_path: Path, folder: Path) -> None:
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    try:
        library = Library(folder, storage)
        assert "version 1" in await library.start()
        (folder / "istanbul-talks.txt").write_bytes(b"\xff\xfe broken")
        again = Library(folder, storage)
        assert "last good version 1" in await again.start()
        assert again.engine is not None and again.engine.ask("What does Moscow want?").answered
        empty = await Storage.open(tmp_path / "other.sqlite3")
        try:
            with pytest.raises(CorpusError):
                await Library(folder, empty).start()
        finally:
            await empty.close()
    finally:
        await storage.close()


async def test_a_loaded_index_is_left_out_of_gc_scans_and_gc_stays_on(tmp_path: Path, folder: Path) -> None:
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    try:
        library = Library(folder, storage)
        frozen = gc.get_freeze_count()
        await library.start()
        assert gc.isenabled() and gc.get_freeze_count() > frozen
        (folder / "broken.md").write_bytes(b"\xff\xfe broken")
        with pytest.raises(CorpusError):
            await library.reload(None)
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        await storage.close()


def test_seed_fills_a_new_folder_once(tmp_path: Path) -> None:
    target = tmp_path / "data" / "corpus"
    assert Library.seed(target)
    assert [p.name for p in target.iterdir()] == ["istanbul-talks.txt"]
    (target / "istanbul-talks.txt").unlink()
    assert not Library.seed(target)
    assert list(target.iterdir()) == []
