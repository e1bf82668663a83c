"""Answers a second through the Bot API: faqbot (`faqbot run`, as deployed) against a plain PTB echo bot.

Each bot runs as its own process against one stand-in Bot API (another process, 30 ms a send), so
neither shares a core with this script, which only pushes updates and asks the stand-in, once, when
the last answer came in. Run alone: python benchmarks/throughput.py
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.evaluation import load_questions  # noqa: E402
from tests.fake_telegram import TOKEN, private_message  # noqa: E402

READERS = 100
PER_READER = 4


def questions() -> list[str]:
    """Every question of both question sets, on-topic and off: varied, answers and refusals."""
    found: list[str] = []
    for name in ("reader_questions.json", "held_out_questions.json"):
        data = load_questions(ROOT / "tests" / "data" / name)
        found += [q["q"] for q in data["on_topic"]] + list(data["off_topic"])
    return found


def batch(number: int) -> list[dict]:
    """400 questions, 4 from each of 100 new readers (the bot's flood limit is per reader and minute)."""
    pool = questions()
    readers = [{"id": 10_000 + number * READERS + r, "is_bot": False, "first_name": f"Reader {r}"}
               for r in range(READERS)]
    return [
        private_message(pool[(number * 13 + r * 7 + i * 31) % len(pool)], i + 1, readers[r])
        for i in range(PER_READER)
        for r in range(READERS)
    ]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(base: str, command: list[str], env: dict[str, str], rounds: int) -> list[dict]:
    """Start one bot, warm it up with a batch, then time `rounds` batches: answers/s, CPU ms an answer,
    and what came back (replies that quote a section, for faqbot; replies equal to the question, for echo)."""
    results = []
    # The bot logs a line per update, as deployed; it goes to a file, read only if the bot fails.
    with tempfile.TemporaryFile() as stderr:
        async with aiohttp.ClientSession() as client:

            async def call(verb: str, path: str, **kwargs: object) -> object:
                async with client.request(verb, f"{base}/_control/{path}", **kwargs) as response:
                    return (await response.json())["result"]

            polls = await call("GET", "polls")
            bot = await asyncio.create_subprocess_exec(*command, env={**os.environ, **env},
                                                       stdout=subprocess.DEVNULL, stderr=stderr)
            try:
                while await call("GET", "polls") == polls:
                    if bot.returncode is not None:
                        stderr.seek(0)
                        raise RuntimeError(f"{command} exited with {bot.returncode} before polling:\n"
                                           + stderr.read().decode(errors="replace")[-2000:])
                    await asyncio.sleep(0.05)
                for round_ in range(rounds + 1):
                    await call("POST", "reset")
                    updates = batch(round_)
                    cpu = cpu_seconds(bot.pid)
                    await call("POST", "push", json=updates)
                    done = await call("GET", f"wait/sendMessage?n={len(updates)}")
                    cpu = cpu_seconds(bot.pid) - cpu
                    assert isinstance(done, dict)
                    if done["count"] < len(updates):
                        raise RuntimeError(f"{command}: only {done['count']} of {len(updates)} answered")
                    sent = await call("GET", "sent/sendMessage")
                    assert isinstance(sent, list)
                    asked = {u["message"]["text"] for u in updates}
                    if round_:  # the first is the warm-up
                        results.append({
                            "rate": len(updates) / done["seconds"],
                            "cpu_ms": cpu / len(updates) * 1000,
                            "quoting": sum(str(m["text"]).startswith("<b>") for m in sent),
                            "echoed": sum(str(m["text"]) in asked for m in sent),
                        })
            finally:
                bot.send_signal(signal.SIGTERM)
                await asyncio.wait_for(bot.wait(), 30)
    return results


async def compare(port: int, rounds: int = 3, cycles: int = 2) -> dict:
    """Echo bot and faqbot, alternating `cycles` times, `rounds` timed batches each; medians."""
    base = f"http://127.0.0.1:{port}"
    echo = [sys.executable, str(ROOT / "benchmarks" / "echobot.py"), f"{base}/bot"]
    faqbot = [sys.executable, "-m", "bot.cli", "run"]
    runs: dict[str, list[dict]] = {"echo": [], "faqbot": []}
    with tempfile.TemporaryDirectory() as tmp:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "FAQBOT_API_BASE_URL": f"{base}/bot", "FAQBOT_SEND_RATE": "0",
               "FAQBOT_DB": str(Path(tmp) / "bench.sqlite3"), "PYTHONPATH": str(ROOT)}
        for _ in range(cycles):
            runs["echo"] += await measure(base, echo, {}, rounds)
            runs["faqbot"] += await measure(base, faqbot, env, rounds)
    summary = {
        name: {key: statistics.median(r[key] for r in values) for key in ("rate", "cpu_ms", "quoting", "echoed")}
        | {"rates": [round(r["rate"]) for r in values]}
        for name, values in runs.items()
    }
    return {"questions": READERS * PER_READER, "readers": READERS, **summary,
            "ratio": summary["faqbot"]["rate"] / summary["echo"]["rate"]}


def standin(delay: float = 0.03) -> tuple[subprocess.Popen, int]:
    server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "standin.py"), "0", str(delay)],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    return server, int(server.stdout.readline())


def main() -> None:
    server, port = standin()
    try:
        started = time.perf_counter()
        result = asyncio.run(compare(port))
    finally:
        server.terminate()
    print(json.dumps(result, indent=1))
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
