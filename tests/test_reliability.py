"""Flood limits, a flaky network, junk input, restarts and kills, against the stand-in Bot API."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.evaluation import holds, load_questions
from bot.ordering import PerChatUpdateProcessor
from bot.ratelimits import ReaderFloodLimit
from tests.conftest import DATA
from tests.fake_telegram import BOT, TOKEN, USER, FakeTelegram, group_message, private_message, running_bot

QUESTIONS = load_questions(DATA / "reader_questions.json")["on_topic"]


def reader(n: int) -> dict:
    return {"id": 5000 + n, "is_bot": False, "first_name": f"Reader {n}"}


@pytest.fixture
async def limited_telegram() -> AsyncIterator[FakeTelegram]:
    """Telegram's flood limits enforced, and every 5th getUpdates failing with 502."""
    server = FakeTelegram(enforce_limits=True, fail_every=5)
    await server.start()
    yield server
    await server.stop()


async def test_45_questions_from_40_readers_under_flood_limits_and_502s(
    limited_telegram: FakeTelegram, tmp_path: Path
) -> None:
    telegram = limited_telegram
    from bot.answering import Engine
    from corpus import shipped_corpus_dir

    engine = Engine.from_folder(shipped_corpus_dir())
    good = [q for q in QUESTIONS if holds(engine.ask(q["q"]).results[0].text, q["facts"])]
    plan: list[tuple[dict, dict]] = [(reader(0), q) for q in good[:5]]  # one reader asks 5 in a row
    plan += [(reader(1), q) for q in good[5:7]]
    plan += [(reader(n), good[(n * 3) % len(good)]) for n in range(2, 40)]
    assert len(plan) == 45 and len({r["id"] for r, _ in plan}) == 40
    async with running_bot(telegram, tmp_path, FAQBOT_SEND_RATE=30):
        for i, (user, question) in enumerate(plan):
            telegram.push(private_message(question["q"], 100 + i, user))
            if i % 5 == 4:
                await asyncio.sleep(0.05)  # several getUpdates calls, so some of them fail
        await telegram.wait_for("sendMessage", 45, within=90)
        await asyncio.sleep(1.5)  # anything sent twice would show up now
    sent = telegram.sent("sendMessage")
    assert len(sent) == 45
    by_chat: dict[int, list[str]] = {}
    for message in sent:
        by_chat.setdefault(int(message["chat_id"]), []).append(message["text"])
    for user in {r["id"]: r for r, _ in plan}.values():
        expected = [q for r, q in plan if r["id"] == user["id"]]
        replies = by_chat[user["id"]]
        assert len(replies) == len(expected), user
        for reply, question in zip(replies, expected, strict=True):  # in the order asked
            assert holds(reply, question["facts"]), (question["q"], reply[:80])
    assert telegram._get_updates_calls >= 5  # the 502s happened and polling went on


async def test_every_bad_input_then_a_good_question(
    telegram: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    group = {"id": -100, "type": "supergroup", "title": "Readers"}
    junk = [
        {
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "from": USER,
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "s",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                },
            }
        },
        {
            "message": {
                "message_id": 2,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "from": USER,
                "photo": [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}],
            }
        },
        {
            "edited_message": {
                "message_id": 3,
                "date": 0,
                "edit_date": 1,
                "chat": {"id": 42, "type": "private"},
                "from": USER,
                "text": "What does Moscow want?",
            }
        },
        private_message("Russia " * 585 + "ceasefire?", 4),  # 4096 characters
        private_message("🙂🔥🇺🇦", 5),
        private_message(" \t\n ", 6),
        private_message("What\x00\x07 does Mos\u200bcow\u202e want?", 7),
        private_message("Wh\u0430t d\u043ees M\u043esc\u043ew w\u0430nt?", 8),  # Cyrillic look-alikes
        private_message("'; DROP TABLE questions; --", 9),
        private_message("/frobnicate now", 10),
        {"callback_query": {"id": "c1", "from": USER, "chat_instance": "c", "data": "s:../../etc/passwd"}},
        {"callback_query": {"id": "c2", "from": USER, "chat_instance": "c", "data": "f:nope:9"}},
        {"callback_query": {"id": "c3", "from": USER, "chat_instance": "c", "data": "x" * 64}},
        {"inline_query": {"id": "i1", "from": USER, "query": ("Moscow " * 40)[:256], "offset": ""}},
        {"inline_query": {"id": "i2", "from": USER, "query": "", "offset": "999x"}},
        {
            "channel_post": {
                "message_id": 11,
                "date": 0,
                "chat": {"id": -1001, "type": "channel", "title": "News"},
                "text": "What does Moscow want?",
            }
        },
        {
            "my_chat_member": {
                "chat": group,
                "from": USER,
                "date": 0,
                "old_chat_member": {"user": BOT, "status": "left"},
                "new_chat_member": {"user": BOT, "status": "member"},
            }
        },
        {
            "my_chat_member": {
                "chat": group,
                "from": USER,
                "date": 0,
                "old_chat_member": {"user": BOT, "status": "member"},
                "new_chat_member": {"user": BOT, "status": "left"},
            }
        },
        group_message("/help@OtherBot", 12),
        group_message("/frobnicate", 13),
    ]
    async with running_bot(telegram, tmp_path) as app:
        for update in junk:
            telegram.push(update)
        telegram.push(private_message("What does Moscow want?", 99, {"id": 77, "is_bot": False, "first_name": "Z"}))
        sent = await telegram.wait_for("sendMessage", 9)
        await asyncio.sleep(0.5)
        sent = telegram.sent("sendMessage")
        assert app.running
    good = [m for m in sent if int(m["chat_id"]) == 77]
    assert len(good) == 1 and "annexation of Crimea" in good[0]["text"]
    to_reader = [m["text"] for m in sent if int(m["chat_id"]) == 42]
    assert to_reader[:2] == ["I can only read questions typed as text. What would you like to know?"] * 2
    assert any("Crimea" in t for t in to_reader[2:]), "the zero-width and look-alike questions are understood"
    assert any(t.startswith("I don't know that command") for t in to_reader)
    assert not [m for m in sent if int(m["chat_id"]) < 0], "silence in the group and the channel"
    # sticker, photo, long text, emoji, whitespace, two questions, the SQL-looking text (refused), unknown command
    assert len(to_reader) == 9
    assert any(t.startswith("I don't know: the articles") for t in to_reader)
    assert len(telegram.sent("answerCallbackQuery")) == 3
    assert len(telegram.sent("answerInlineQuery")) == 2
    assert "error while handling an update" not in caplog.text


async def test_polling_resumes_after_connections_are_refused(telegram: FakeTelegram, tmp_path: Path) -> None:
    async with running_bot(telegram, tmp_path):
        telegram.push(private_message("What does Moscow want?", 1))
        await telegram.wait_for("sendMessage")
        await telegram.outage(2.5)
        telegram.push(private_message("What does Kyiv demand?", 2))
        sent = await telegram.wait_for("sendMessage", 2, within=30)
        await asyncio.sleep(0.5)
    assert len(telegram.sent("sendMessage")) == 2 and "ceasefire" in sent[1]["text"]


async def test_restart_keeps_the_log_and_answers_go_on(telegram: FakeTelegram, tmp_path: Path) -> None:
    async with running_bot(telegram, tmp_path):
        telegram.push(private_message("What does Moscow want?", 1))
        await telegram.wait_for("sendMessage")
    async with running_bot(telegram, tmp_path) as app:
        telegram.push(private_message("What does Kyiv demand?", 2))
        second = (await telegram.wait_for("sendMessage", 2))[1]
        assert "ceasefire" in second["text"]
        await asyncio.sleep(0.2)
        async with app.bot_data["storage"].db.execute("SELECT question FROM questions ORDER BY at") as cur:
            assert [r[0] for r in await cur.fetchall()] == ["What does Moscow want?", "What does Kyiv demand?"]
        assert [v.number for v in await app.bot_data["storage"].versions()] == [1]


async def test_a_flooding_reader_gets_one_notice_and_others_stay_fast(telegram: FakeTelegram, tmp_path: Path) -> None:
    async with running_bot(telegram, tmp_path, FAQBOT_USER_LIMIT=20):
        for i in range(30):
            telegram.push(private_message("What does Moscow want?", i + 1))
        telegram.push(private_message("What does Kyiv demand?", 1, {"id": 88, "is_bot": False, "first_name": "B"}))
        await telegram.wait_for("sendMessage", 22)
        await asyncio.sleep(0.5)
    flooder = [m["text"] for m in telegram.sent("sendMessage") if int(m["chat_id"]) == 42]
    assert len(flooder) == 21
    assert sum(t.startswith("You're asking faster") for t in flooder) == 1
    assert [m for m in telegram.sent("sendMessage") if int(m["chat_id"]) == 88]


def _command() -> list[str]:
    exe = Path(sys.executable).parent / "faqbot"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "bot.cli"]


def _env(server: FakeTelegram, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAQBOT_", "TELEGRAM_"))}
    return env | {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "FAQBOT_API_BASE_URL": server.base_url,
        "FAQBOT_DB": str(tmp_path / "bot.sqlite3"),
        "FAQBOT_SEND_RATE": "0",
    }


async def test_conflict_exits_with_one_clear_line(tmp_path: Path) -> None:
    server = FakeTelegram(conflict=True)
    await server.start()
    try:
        proc = await asyncio.create_subprocess_exec(
            *_command(),
            "run",
            env=_env(server, tmp_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        await server.stop()
    log = err.decode()
    assert proc.returncode == 3, log
    assert log.count("another process is already polling with this token (Conflict)") == 1
    assert "Traceback" not in log and TOKEN not in log


async def test_kill_9_under_load_keeps_the_database_sound(telegram: FakeTelegram, tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        *_command(),
        "run",
        env=_env(telegram, tmp_path),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        for n in range(60):
            telegram.push(private_message(QUESTIONS[n % len(QUESTIONS)]["q"], n + 1, reader(n)))
        await telegram.wait_for("sendMessage", 20, within=30)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        sent = list(telegram.sent("sendMessage"))
    finally:
        if proc.returncode is None:
            proc.kill()
    ids = {
        button["callback_data"].split(":")[1]
        for message in sent
        for row in message["reply_markup"]["inline_keyboard"]
        for button in row
        if button["callback_data"].startswith("f:")
    }
    assert len(ids) >= 15
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        logged = {row[0] for row in db.execute("SELECT id FROM questions")}
    assert ids <= logged, f"answers sent but not logged: {ids - logged}"


def test_flood_limit_window() -> None:
    now = [0.0]
    limit = ReaderFloodLimit(3, clock=lambda: now[0])
    assert [limit.check(1) for _ in range(5)] == ["ok", "ok", "ok", "warn", "drop"]
    assert limit.check(2) == "ok"
    now[0] = 61
    assert [limit.check(1) for _ in range(5)] == ["ok", "ok", "ok", "warn", "drop"]
    assert ReaderFloodLimit(0).check(1) == "ok"


async def test_per_chat_processor_orders_one_chat_and_overlaps_chats() -> None:
    from telegram import Update

    from tests.fake_telegram import private_message as pm

    processor = PerChatUpdateProcessor(8)
    events: list[str] = []

    async def work(name: str, delay: float) -> None:
        events.append(f"start {name}")
        await asyncio.sleep(delay)
        events.append(f"end {name}")

    def update(n: int, user: int) -> Update:
        return Update.de_json({"update_id": n, **pm("q", n, {"id": user, "is_bot": False, "first_name": "x"})}, None)

    await asyncio.gather(
        processor.process_update(update(1, 1), work("a1", 0.05)),
        processor.process_update(update(2, 1), work("a2", 0.0)),
        processor.process_update(update(3, 2), work("b1", 0.0)),
    )
    assert events.index("end a1") < events.index("start a2")
    assert events.index("end b1") < events.index("end a1")
    logging.getLogger(__name__).info("order: %s", events)
