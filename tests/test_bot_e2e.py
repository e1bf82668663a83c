"""The real python-telegram-bot Application, over HTTP, against the stand-in Bot API server."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.app import setup_logging
from bot.settings import Settings
from tests.fake_telegram import BOT, TOKEN, USER, FakeTelegram, group_message, private_message, running_bot


@pytest.fixture
async def app(telegram: FakeTelegram, tmp_path: Path) -> AsyncIterator[Application]:
    async with running_bot(telegram, tmp_path) as application:
        yield application


async def test_private_question_gets_cited_passage_and_buttons(app, telegram: FakeTelegram) -> None:
    telegram.push(private_message("What does Moscow want?"))
    (sent,) = await telegram.wait_for("sendMessage")
    assert sent["parse_mode"] == "HTML"
    assert sent["text"].startswith("<b>What is Russia's position?</b>\n\nRussia is demanding")
    assert "recognition of the annexation of Crimea" in sent["text"]
    assert "blue News" in sent["text"]
    labels = [b["text"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[0] == "📖 Full section" and labels[-2:] == ["👍", "👎"]
    assert await telegram.wait_for("setMyCommands")


async def test_markup_in_question_is_escaped(app, telegram: FakeTelegram) -> None:
    telegram.push(private_message("<b>What</b> & <script>alert(1)</script> does Moscow want?"))
    (sent,) = await telegram.wait_for("sendMessage")  # the server rejects unparsable HTML with 400
    assert "<script>" not in sent["text"]


async def test_refusal(app, telegram: FakeTelegram) -> None:
    telegram.push(private_message("How do I bake sourdough bread?"))
    (sent,) = await telegram.wait_for("sendMessage")
    assert sent["text"].startswith("I don't know")
    assert sent["reply_markup"]["inline_keyboard"]


@pytest.mark.parametrize("command", ["/start", "/help", "/sections", "/ask What does Kyiv demand?"])
async def test_commands(app, telegram: FakeTelegram, command: str) -> None:
    telegram.push(private_message(command))
    (sent,) = await telegram.wait_for("sendMessage")
    assert sent["text"]


async def test_group_silence_mention_ask_and_reply(app, telegram: FakeTelegram) -> None:
    telegram.push(group_message("What does Moscow want?", 1))
    telegram.push(group_message("/help@OtherBot", 2))
    telegram.push(group_message("@istanbulfaqbot what does Moscow want?", 3))
    await telegram.wait_for("sendMessage", 1)
    telegram.push(group_message("/ask@IstanbulFaqBot Is Trump coming?", 4))
    await telegram.wait_for("sendMessage", 2)
    bot_message = {"message_id": 999, "date": 0, "chat": {"id": -100, "type": "supergroup"}, "from": BOT,
                   "text": "earlier answer"}
    telegram.push(group_message("and what about Ukraine's demands?", 5, reply_to=bot_message))
    sent = await telegram.wait_for("sendMessage", 3)
    await asyncio.sleep(0.3)
    sent = telegram.sent("sendMessage")
    assert len(sent) == 3
    assert [s["reply_parameters"]["message_id"] for s in sent] == [3, 4, 5]


async def test_inline_with_and_without_query(app, telegram: FakeTelegram) -> None:
    telegram.push({"inline_query": {"id": "q1", "from": USER, "query": "What does Moscow want?", "offset": ""}})
    telegram.push({"inline_query": {"id": "q2", "from": USER, "query": "", "offset": ""}})
    calls = await telegram.wait_for("answerInlineQuery", 2)
    by_id = {c["inline_query_id"]: c for c in calls}
    answered = by_id["q1"]["results"]
    assert 1 <= len(answered) <= 10
    assert len({r["id"] for r in answered}) == len(answered)
    assert answered[0]["title"] == "What is Russia's position?"
    assert int(by_id["q1"]["cache_time"]) <= 10
    assert len(by_id["q2"]["results"]) == 9


async def test_buttons_and_feedback_stored(app, telegram: FakeTelegram) -> None:
    telegram.push(private_message("What does Moscow want?"))
    (sent,) = await telegram.wait_for("sendMessage")
    keyboard = sent["reply_markup"]["inline_keyboard"]
    message = {"message_id": 1000, "date": 0, "chat": {"id": 42, "type": "private"}, "from": BOT, "text": "x"}
    for data in [keyboard[0][0]["callback_data"], keyboard[1][0]["callback_data"], keyboard[-1][0]["callback_data"],
                 "t:0", "s:forged", "f:nope:1"]:
        telegram.push({"callback_query": {"id": data, "from": USER, "chat_instance": "c", "data": data,
                                          "message": message}})
    await telegram.wait_for("answerCallbackQuery", 6)
    sections = await telegram.wait_for("sendMessage", 3)
    assert "Russia" in sections[1]["text"]
    storage = app.bot_data["storage"]
    async with storage.db.execute("SELECT value FROM feedback") as cur:
        assert [row[0] for row in await cur.fetchall()] == [1]
    async with storage.db.execute("SELECT question, answered FROM questions") as cur:
        assert await cur.fetchall() == [("What does Moscow want?", 1)]


def test_redacting_filter_hides_the_token_in_messages_and_tracebacks() -> None:
    setup_logging(Settings(TELEGRAM_BOT_TOKEN=TOKEN))
    assert logging.getLogger("httpx").level == logging.WARNING
    handler = logging.getLogger().handlers[0]
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", (f"/bot{TOKEN}/x",), sys.exc_info())
    assert handler.filter(record)
    text = handler.format(record)
    assert TOKEN not in text and "[token]" in text and "RuntimeError" in text


async def test_failed_log_write_loses_no_answer(app, telegram: FakeTelegram, caplog) -> None:
    await app.bot_data["storage"].db.execute(  # every INSERT into the log fails from now on
        "CREATE TEMP TRIGGER broken BEFORE INSERT ON questions BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    telegram.push(private_message("What does Moscow want?"))
    (sent,) = await telegram.wait_for("sendMessage")
    assert "Crimea" in sent["text"]
    await asyncio.sleep(0.2)
    assert "could not write the question log" in caplog.text and "disk full" in caplog.text


async def test_every_update_is_logged_once(app, telegram: FakeTelegram, caplog) -> None:
    caplog.set_level(logging.INFO, logger="faqbot.updates")
    telegram.push(private_message("What does Moscow want?"))
    telegram.push({"inline_query": {"id": "q1", "from": USER, "query": "sourdough bread", "offset": ""}})
    await telegram.wait_for("sendMessage")
    await telegram.wait_for("answerInlineQuery")
    await asyncio.sleep(0.2)
    lines = [r.getMessage() for r in caplog.records if r.name == "faqbot.updates"]
    assert any("kind=text chat=private answered=True" in line for line in lines), lines
    assert any("kind=inline_query chat=none answered=False" in line for line in lines), lines
    assert not any("Moscow" in line for line in lines)


async def test_deep_link_opens_a_section(app, telegram: FakeTelegram) -> None:
    section = app.bot_data["library"].engine.table_of_contents()[2]
    telegram.push(private_message(f"/start {section.id}"))
    (sent,) = await telegram.wait_for("sendMessage")
    assert sent["text"].startswith("<b>What is Russia's position?</b>")


async def test_sections_page_and_dislike(app, telegram: FakeTelegram) -> None:
    telegram.push(private_message("/sections"))
    (toc,) = await telegram.wait_for("sendMessage")
    nav = toc["reply_markup"]["inline_keyboard"][-1]
    assert [b["text"] for b in nav] == ["Next ▶"]
    message = {"message_id": 1000, "date": 0, "chat": {"id": 42, "type": "private"}, "from": BOT, "text": "x"}
    telegram.push({"callback_query": {"id": "n", "from": USER, "chat_instance": "c", "data": nav[0]["callback_data"],
                                      "message": message}})
    (edit,) = await telegram.wait_for("editMessageText")
    assert "page 2 of 2" in edit["text"]
    telegram.push(private_message("What does Kyiv demand?", 2))
    answer = (await telegram.wait_for("sendMessage", 2))[1]
    dislike = answer["reply_markup"]["inline_keyboard"][-1][1]
    assert dislike["text"] == "👎"
    await asyncio.sleep(0.2)
    telegram.push({"callback_query": {"id": "d", "from": USER, "chat_instance": "c",
                                      "data": dislike["callback_data"], "message": message}})
    await telegram.wait_for("answerCallbackQuery", 2)
    async with app.bot_data["storage"].db.execute("SELECT value FROM feedback") as cur:
        assert await cur.fetchall() == [(-1,)]


@pytest.fixture
def big_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    body = "\n\n".join(f"## What about topic {n}?\n\nTopic {n} is explained here." for n in range(15))
    (folder / "many.md").write_text("# Many topics\n\n" + body + "\n", encoding="utf-8")
    return folder


async def test_inline_sections_are_paged(telegram: FakeTelegram, tmp_path: Path, big_corpus: Path) -> None:
    async with running_bot(telegram, tmp_path, FAQBOT_CORPUS_DIR=big_corpus):
        telegram.push({"inline_query": {"id": "p1", "from": USER, "query": "", "offset": ""}})
        (first,) = await telegram.wait_for("answerInlineQuery")
        assert len(first["results"]) == 10 and str(first["next_offset"]) == "10"
        telegram.push({"inline_query": {"id": "p2", "from": USER, "query": "", "offset": "10"}})
        second = (await telegram.wait_for("answerInlineQuery", 2))[1]
        assert len(second["results"]) == 5 and not second.get("next_offset")
        ids = [r["id"] for r in first["results"] + second["results"]]
        assert len(set(ids)) == 15
