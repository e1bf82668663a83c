"""`faqbot run` as a real process against the stand-in Bot API: answers, stops cleanly, leaks no token."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.fake_telegram import TOKEN, FakeTelegram, private_message


def _command() -> list[str]:
    exe = Path(sys.executable).parent / "faqbot"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "bot.cli"]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
async def test_run_answers_then_stops_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    server = FakeTelegram()
    await server.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAQBOT_", "TELEGRAM_"))}
    env |= {"TELEGRAM_BOT_TOKEN": TOKEN, "FAQBOT_API_BASE_URL": server.base_url,
            "FAQBOT_DB": str(tmp_path / "bot.sqlite3")}
    proc = await asyncio.create_subprocess_exec(
        *_command(), "run", env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        server.push(private_message("What does Moscow want?"))
        (sent,) = await server.wait_for("sendMessage", within=30)
        assert "recognition of the annexation of Crimea" in sent["text"]
        await asyncio.sleep(0.3)  # let the log write land
        proc.send_signal(stop)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
        await server.stop()
    log = err.decode()
    assert proc.returncode == 0, log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log and TOKEN not in out.decode()
    assert "faqbot ready as @IstanbulFaqBot" in log
    assert "kind=text chat=private answered=True" in log
    assert "faqbot stopped" in log
    import sqlite3

    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        assert db.execute("SELECT question, answered FROM questions").fetchall() == [("What does Moscow want?", 1)]


async def test_run_without_token_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAQBOT_", "TELEGRAM_"))}
    proc = await asyncio.create_subprocess_exec(
        *_command(), "run", env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode != 0
    assert err.decode().strip().splitlines() == ["faqbot: TELEGRAM_BOT_TOKEN is not set (the token from @BotFather)"]
