"""The performance table: start-up, answer latency against bm25s, memory, and throughput
through the Bot API against a plain python-telegram-bot echo bot. Run:

    .venv/bin/pip install ".[bench]" && .venv/bin/python benchmarks/run.py

Sizes are synthetic Zipf archives of 400 and 4,000 articles (10 sections of 3 paragraphs each:
12,000 and 120,000 passages), written once under the system's temp folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = Path(tempfile.gettempdir()) / "faqbot-bench"


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def measure_size(articles: int) -> dict:
    """One corpus size, in a fresh process so that memory is its own."""
    import bm25s

    from benchmarks.synthetic import Archive
    from bot.answering import Engine
    from corpus.loading import corpus_files

    archive = Archive()
    folder = DATA / f"archive-{articles}"
    if not folder.exists():
        archive.write(folder.with_suffix(".tmp"), articles)
        folder.with_suffix(".tmp").rename(folder)
    questions = archive.questions(2000)
    base = rss_mb()
    started = time.perf_counter()
    engine = Engine.from_files(corpus_files(folder), folder)
    cold = time.perf_counter() - started
    memory = rss_mb() - base
    passages = engine.corpus.passage_count
    with tempfile.TemporaryDirectory() as cache:
        Engine.from_files(corpus_files(folder), folder, Path(cache))
        started = time.perf_counter()
        Engine.from_files(corpus_files(folder), folder, Path(cache))
        warm = time.perf_counter() - started
    for q in questions[:100]:
        engine.ask(q)
    ours = []
    for q in questions:
        t = time.perf_counter()
        engine.ask(q)
        ours.append((time.perf_counter() - t) * 1000)
    # bm25s on the same passages and the same analyzer's tokens; the query's analysis is timed for both.
    docs = [engine.analyzer.terms(p.text) for p in engine.index.passages]
    retriever = bm25s.BM25(method="bm25+")
    retriever.index(docs, show_progress=False)
    theirs = []
    for q in questions[:100]:
        retriever.retrieve([engine.analyzer.terms(q) or ["\0"]], k=10, show_progress=False)
    for q in questions:
        t = time.perf_counter()
        retriever.retrieve([engine.analyzer.terms(q) or ["\0"]], k=10, show_progress=False)
        theirs.append((time.perf_counter() - t) * 1000)
    return {
        "passages": passages,
        "cold": cold,
        "warm": warm,
        "memory_per_10k": memory / passages * 10_000,
        "p50": percentile(ours, 0.5),
        "p99": percentile(ours, 0.99),
        "bm25s_p50": percentile(theirs, 0.5),
        "bm25s_p99": percentile(theirs, 0.99),
    }


async def throughput(port: int, readers: int = 100, per_reader: int = 4) -> dict:
    """Answers a second through the stand-in (30 ms a send): this bot against an echo bot."""
    import httpx
    from telegram.ext import ApplicationBuilder, MessageHandler, filters

    from bot.app import build_application
    from bot.evaluation import load_questions
    from bot.settings import Settings
    from tests.fake_telegram import TOKEN, private_message

    base = f"http://127.0.0.1:{port}"
    questions = [q["q"] for q in load_questions(ROOT / "tests" / "data" / "reader_questions.json")["on_topic"]]
    reader = [{"id": 10_000 + r, "is_bot": False, "first_name": f"Reader {r}"} for r in range(readers)]
    updates = [
        private_message(questions[(r * 7 + i) % len(questions)], i + 1, reader[r])
        for i in range(per_reader)
        for r in range(readers)
    ]

    async def run(app, post_init=None) -> float:
        async with httpx.AsyncClient() as client:
            await client.post(f"{base}/_control/reset")
            await app.initialize()
            if post_init:
                await post_init(app)
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await app.start()
            started = time.perf_counter()
            await client.post(f"{base}/_control/push", json=updates)
            while (await client.get(f"{base}/_control/count/sendMessage")).json()["result"] < len(updates):  # noqa: ASYNC110
                await asyncio.sleep(0.005)  # the server is another process: polling it is the way to know
            elapsed = time.perf_counter() - started
            await app.updater.stop()
            await app.stop()
            if app.post_shutdown:
                await app.post_shutdown(app)
            await app.shutdown()
        return len(updates) / elapsed

    async def echo(update, context) -> None:
        await update.message.reply_text(update.message.text)

    results: dict[str, list[float]] = {"echo": [], "faqbot": []}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(2):  # alternate, best of two each
            echo_app = ApplicationBuilder().token(TOKEN).base_url(f"{base}/bot").concurrent_updates(16).build()
            echo_app.add_handler(MessageHandler(filters.TEXT, echo))
            results["echo"].append(await run(echo_app))
            settings = Settings(
                TELEGRAM_BOT_TOKEN=TOKEN, FAQBOT_API_BASE_URL=f"{base}/bot", FAQBOT_SEND_RATE=0,
                FAQBOT_DB=Path(tmp) / f"bench-{round_}.sqlite3",
            )
            app = build_application(settings)
            results["faqbot"].append(await run(app, app.post_init))
    return {"questions": len(updates), "readers": readers, "echo": max(results["echo"]),
            "faqbot": max(results["faqbot"])}


async def inline_during_reload(port: int, articles: int = 1200) -> dict:
    """Inline queries every 100 ms while a moderator's /reload rebuilds a large corpus."""
    import shutil

    import httpx

    from bot.app import build_application
    from bot.settings import Settings
    from tests.fake_telegram import TOKEN, private_message

    base = f"http://127.0.0.1:{port}"
    source = DATA / f"archive-{articles}"
    if not source.exists():
        from benchmarks.synthetic import Archive

        Archive().write(source.with_suffix(".tmp"), articles)
        source.with_suffix(".tmp").rename(source)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        shutil.copytree(source, folder)
        settings = Settings(TELEGRAM_BOT_TOKEN=TOKEN, FAQBOT_API_BASE_URL=f"{base}/bot", FAQBOT_SEND_RATE=0,
                            FAQBOT_DB=Path(tmp) / "bot.sqlite3", FAQBOT_CORPUS_DIR=folder, FAQBOT_MODERATORS="7")
        app = build_application(settings)
        await app.initialize()
        await app.post_init(app)
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        (folder / "article-00000.md").write_text("# Changed\n\n## What changed?\n\nThis article.\n")
        moderator = {"id": 7, "is_bot": False, "first_name": "Mod"}
        latencies = []
        async with httpx.AsyncClient() as client:
            await client.post(f"{base}/_control/reset")
            started = time.perf_counter()
            await client.post(f"{base}/_control/push", json=[private_message("/reload", 1, moderator)])
            n = 0
            while (await client.get(f"{base}/_control/count/sendMessage")).json()["result"] < 1:
                n += 1
                sent = time.perf_counter()
                query = {"inline_query": {"id": f"q{n}", "from": {"id": 99, "is_bot": False, "first_name": "I"},
                                          "query": "What about kaloten", "offset": ""}}
                await client.post(f"{base}/_control/push", json=[query])
                while (await client.get(f"{base}/_control/count/answerInlineQuery")).json()["result"] < n:  # noqa: ASYNC110
                    await asyncio.sleep(0.002)
                latencies.append(time.perf_counter() - sent)
                await asyncio.sleep(0.1)
            reload_seconds = time.perf_counter() - started
        await app.updater.stop()
        await app.stop()
        await app.post_shutdown(app)
        await app.shutdown()
    passages = articles * 30
    return {"passages": passages, "reload": reload_seconds, "queries": len(latencies),
            "p50": percentile(latencies, 0.5) * 1000, "max": max(latencies) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="400,4000", help="articles per corpus, comma-separated")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_size(args.one)))
        return
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "standin.py"), "0", "0.03"],
                              stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        tp = asyncio.run(throughput(port))
        during = asyncio.run(inline_during_reload(port))
    finally:
        server.terminate()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print("| passages | start-up (parse + index) | start-up from cache | answer p50 | answer p99 "
          "| bm25s p50 | bm25s p99 | p50 / bm25s | memory per 10,000 passages |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['passages']:,} | {r['cold']:.1f} s | {r['warm']:.1f} s | {r['p50']:.2f} ms | {r['p99']:.2f} ms "
              f"| {r['bm25s_p50']:.2f} ms | {r['bm25s_p99']:.2f} ms | {r['p50'] / r['bm25s_p50']:.2f}× "
              f"| {r['memory_per_10k']:.0f} MB |")
    print(f"\nThroughput through the stand-in Bot API (30 ms a send, {tp['readers']} readers, {tp['questions']} "
          f"questions, FAQBOT_SEND_RATE=0): faqbot {tp['faqbot']:.0f} answers/s, echo bot (16 concurrent updates) "
          f"{tp['echo']:.0f} messages/s: {tp['faqbot'] / tp['echo']:.2f}× the echo bot.")
    print(f"\nInline queries during a /reload of {during['passages']:,} passages ({during['reload']:.1f} s): "
          f"{during['queries']} answered, p50 {during['p50']:.0f} ms, slowest {during['max']:.0f} ms.")


if __name__ == "__main__":
    main()
