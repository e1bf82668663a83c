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

from benchmarks.throughput import compare, standin  # noqa: E402

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
    from bot.library import build_engine
    from corpus.loading import corpus_files

    archive = Archive()
    folder = DATA / f"archive-{articles}"
    if not folder.exists():
        archive.write(folder.with_suffix(".tmp"), articles)
        folder.with_suffix(".tmp").rename(folder)
    questions = archive.questions(2000)
    base = rss_mb()
    started = time.perf_counter()
    engine = build_engine(corpus_files(folder), folder)  # as the bot starts
    cold = time.perf_counter() - started
    memory = rss_mb() - base
    passages = engine.corpus.passage_count
    with tempfile.TemporaryDirectory() as cache:
        build_engine(corpus_files(folder), folder, Path(cache))
        started = time.perf_counter()
        build_engine(corpus_files(folder), folder, Path(cache))
        warm = time.perf_counter() - started
    # bm25s on the same passages and the same analyzer's tokens; the query's analysis is timed for both.
    docs = [engine.analyzer.terms(p.text) for p in engine.index.passages]
    retriever = bm25s.BM25(method="bm25+")
    retriever.index(docs, show_progress=False)

    def ours(q: str) -> None:
        engine.ask(q)

    def theirs(q: str) -> None:
        retriever.retrieve([engine.analyzer.terms(q) or ["\0"]], k=10, show_progress=False)

    # Question by question, each side timed right after the other (in turn first), so that a busy
    # moment of a shared machine falls on both.
    timings: dict[object, list[float]] = {ours: [], theirs: []}
    for i, q in enumerate(questions[:100] + questions):
        for side in (ours, theirs) if i % 2 else (theirs, ours):
            t = time.perf_counter()
            side(q)
            if i >= 100:  # the first hundred warm up
                timings[side].append((time.perf_counter() - t) * 1000)
    return {
        "passages": passages,
        "cold": cold,
        "warm": warm,
        "memory_per_10k": memory / passages * 10_000,
        "p50": percentile(timings[ours], 0.5),
        "p99": percentile(timings[ours], 0.99),
        "bm25s_p50": percentile(timings[theirs], 0.5),
        "bm25s_p99": percentile(timings[theirs], 0.99),
    }


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
                query = {"inline_query": {"id": f"q{n}", "from": {"id": 99, "is_bot": False, "first_name": "I"},
                                          "query": "What about kaloten", "offset": ""}}
                await client.post(f"{base}/_control/push", json=[query])
                # One request that returns when the answer is in, timed by the stand-in: polling from here
                # would spend the CPU of the bot under test, which runs in this process.
                answered = (await client.get(f"{base}/_control/wait/answerInlineQuery?n={n}&within=5")).json()["result"]
                if answered["count"] < n:
                    raise RuntimeError(f"inline query {n} was not answered within 5 s")
                latencies.append(answered["seconds"])
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
    server, port = standin()
    try:
        tp = asyncio.run(compare(port))
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
    echo, faq = tp["echo"], tp["faqbot"]
    print(f"\nThroughput through the stand-in Bot API (30 ms a send; each batch {tp['questions']} questions from "
          f"{tp['readers']} readers; median of {len(faq['rates'])} batches; FAQBOT_SEND_RATE=0): "
          f"`faqbot run` {faq['rate']:.0f} answers/s ({faq['cpu_ms']:.2f} ms of CPU an answer; {faq['quoting']:.0f} of "
          f"{tp['questions']} quote a section), plain PTB echo bot "
          f"(16 concurrent updates) {echo['rate']:.0f} messages/s ({echo['cpu_ms']:.2f} ms): "
          f"{tp['ratio']:.2f}× the echo bot. Batches: faqbot {faq['rates']}, echo {echo['rates']}.")
    print(f"\nInline queries during a /reload of {during['passages']:,} passages ({during['reload']:.1f} s): "
          f"{during['queries']} answered, p50 {during['p50']:.0f} ms, slowest {during['max']:.0f} ms.")


if __name__ == "__main__":
    main()
