"""Settings from the environment and .env; the database: migrations, WAL, log and feedback."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from bot.storage import LOG_BATCH, MIGRATIONS, LoggedQuestion, Storage, migrate


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith(("FAQBOT_", "TELEGRAM_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_defaults_and_file_url() -> None:
    settings = Settings()
    assert settings.telegram_bot_token is None
    assert settings.faqbot_api_base_url == "https://api.telegram.org/bot"
    assert settings.file_base_url == "https://api.telegram.org/file/bot"
    assert settings.faqbot_send_rate == 30
    assert settings.corpus_dir.name == "articles"
    assert settings.db_path.name == "faqbot.sqlite3"


def test_dotenv_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(
        "TELEGRAM_BOT_TOKEN=1:abc\nFAQBOT_MODERATORS=11, 22;33\nFAQBOT_API_BASE_URL=http://127.0.0.1:8081/bot\n"
    )
    monkeypatch.setenv("FAQBOT_SEND_RATE", "0")
    settings = Settings()
    assert settings.telegram_bot_token.get_secret_value() == "1:abc"
    assert "1:abc" not in repr(settings)
    assert settings.faqbot_moderators == {11, 22, 33}
    assert settings.file_base_url == "http://127.0.0.1:8081/file/bot"
    assert settings.faqbot_send_rate == 0


def test_bad_moderators_are_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQBOT_MODERATORS", "alice")
    with pytest.raises(ValidationError, match="comma-separated numeric Telegram user ids"):
        Settings()


@pytest.fixture
async def storage(tmp_path: Path):
    store = await Storage.open(tmp_path / "sub" / "bot.sqlite3")
    yield store
    await store.close()


async def test_fresh_database_is_wal_and_migrated(storage: Storage) -> None:
    async with storage.db.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"
    async with storage.db.execute("SELECT name FROM schema_migrations ORDER BY name") as cur:
        assert [r[0] for r in await cur.fetchall()] == [name for name, _ in MIGRATIONS]
    assert await migrate(storage.db) == []  # idempotent


async def test_reopening_keeps_data_and_hash_key(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = await Storage.open(path)
    entry = LoggedQuestion("q1", "private", 42, "What?", "answer", True, "s1", 1.5, 0.4)
    await first.log_question(entry)
    hashed = first.user_hash(42)
    await first.close()
    second = await Storage.open(path)
    try:
        assert second.user_hash(42) == hashed != "42"
        async with second.db.execute("SELECT user_hash, question FROM questions") as cur:
            assert await cur.fetchall() == [(hashed, "What?")]
    finally:
        await second.close()


async def test_feedback_replaces_a_users_vote_and_needs_a_logged_answer(storage: Storage) -> None:
    await storage.log_question(LoggedQuestion("q1", "group", 7, "Why?", "answer", True, "s", 2.0, 0.3))
    assert await storage.add_feedback("q1", 7, 1)
    assert await storage.add_feedback("q1", 7, -1)
    assert not await storage.add_feedback("missing", 7, 1)
    async with storage.db.execute("SELECT value FROM feedback") as cur:
        assert await cur.fetchall() == [(-1,)]


async def test_log_entries_queued_together_share_one_insert_each_batch(storage: Storage) -> None:
    statements: list[str] = []
    execute = storage.db.execute

    def counting(sql: str, *args: object):
        statements.append(sql)
        return execute(sql, *args)

    storage.db.execute = counting  # type: ignore[method-assign]
    entries = [LoggedQuestion(f"q{i}", "private", i, f"Question {i}?", "answer", True, "s", 1.0, 0.2)
               for i in range(LOG_BATCH + 100)]
    await asyncio.gather(*[storage.queue_log(e) for e in entries])
    assert len([s for s in statements if s.startswith("INSERT INTO questions")]) == 2
    assert statements.count("BEGIN IMMEDIATE") == 0  # autocommit: the INSERT commits itself
    async with execute("SELECT count(*), count(DISTINCT user_hash) FROM questions") as cur:
        assert await cur.fetchone() == (LOG_BATCH + 100, LOG_BATCH + 100)


async def test_a_failed_log_write_fails_its_entries_and_the_next_ones_still_land(storage: Storage) -> None:
    await storage.log_question(LoggedQuestion("q1", "private", 1, "First?", "answer", True, "s", 1.0, 0.2))
    duplicate = storage.queue_log(LoggedQuestion("q1", "private", 1, "Again?", "answer", True, "s", 1.0, 0.2))
    with pytest.raises(Exception, match="UNIQUE"):
        await duplicate
    await storage.log_question(LoggedQuestion("q2", "private", 1, "Next?", "answer", True, "s", 1.0, 0.2))
    async with storage.db.execute("SELECT id FROM questions ORDER BY id") as cur:
        assert await cur.fetchall() == [("q1",), ("q2",)]
