"""The `faqbot` command: ask the corpus, check a corpus, run the bot."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from bot import __version__
from bot.answering import Answer, Engine
from bot.settings import Settings
from corpus import CorpusError, load_corpus


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faqbot",
        description="Answer readers' questions about news explainers, quoting the passage that answers.",
    )
    parser.add_argument("--version", action="version", version=f"faqbot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser(
        "ask",
        help="answer a question from the corpus",
        description="Answer a question from the corpus (FAQBOT_CORPUS_DIR, else the shipped explainer).",
    )
    ask.add_argument("question", help="the question; '-' reads one question a line from standard input")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument(
        "--corpus", type=Path, metavar="PATH", help="a corpus folder or file (overrides FAQBOT_CORPUS_DIR)"
    )

    commands.add_parser(
        "run",
        help="run the Telegram bot (long polling) until SIGINT or SIGTERM",
        description="Run the Telegram bot with long polling until SIGINT or SIGTERM, then shut down cleanly. "
        "Needs TELEGRAM_BOT_TOKEN; see the README for the other settings.",
    )

    corpus = commands.add_parser("corpus", help="work with corpus files", description="Work with corpus files.")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True, metavar="COMMAND")
    check = corpus_commands.add_parser(
        "check",
        help="parse a corpus and list its sections, or its errors",
        description="Parse a corpus folder or file and list the sections found (heading, passages, "
        "characters), or every error with its file and line. Exit status 1 on errors.",
    )
    check.add_argument(
        "path", nargs="?", type=Path, help="folder or file (default: FAQBOT_CORPUS_DIR or the shipped corpus)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `faqbot` console script."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = error["loc"][0] if error["loc"] else "setting"
            print(f"faqbot: {name}: {error['msg']}", file=sys.stderr)
        return 2
    if args.command == "ask":
        return _ask(args, settings)
    if args.command == "run":
        if settings.telegram_bot_token is None:
            print("faqbot: TELEGRAM_BOT_TOKEN is not set (the token from @BotFather)", file=sys.stderr)
            return 2
        from bot.app import run  # Telegram is imported only by the command that needs it

        return run(settings)
    return _check(args.path or settings.corpus_dir)


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    try:
        engine = Engine.from_folder(args.corpus or settings.corpus_dir)
    except CorpusError as exc:
        _print_problems("cannot load the corpus", exc)
        return 1
    questions = (line.rstrip("\r\n") for line in sys.stdin) if args.question == "-" else [args.question]
    for question in questions:
        answer = engine.ask(question)
        if args.json:
            print(json.dumps(answer.public(), ensure_ascii=False), flush=True)
        else:
            print(format_answer(answer, engine), flush=True)
    return 0


def format_answer(answer: Answer, engine: Engine, width: int = 88) -> str:
    """An answer for a person at a terminal."""
    lines: list[str] = []
    if answer.kind in ("greeting", "thanks"):
        titles = "; ".join(a.title for a in engine.corpus.articles)
        lines.append(("You're welcome! " if answer.kind == "thanks" else "Hello! ") + f"Ask me about: {titles}.")
    elif not answer.answered:
        lines.append("I don't know: the articles I have don't answer that.")
    else:
        top, *more = answer.results
        lines.append(top.section)
        lines.append("")
        for para in top.text.split("\n\n"):
            lines.extend(textwrap.wrap(para, width, initial_indent="  ", subsequent_indent="  "))
            lines.append("")
        lines.append(f"  Source: {top.citation}" + (f" <{top.url}>" if top.url else ""))
        if more:
            lines.append("")
            lines.append("Related passages:")
            lines.extend(f"  • {r.section}: {textwrap.shorten(r.text, width - len(r.section) - 6)}" for r in more)
    if answer.suggestions:
        lines.append("")
        lines.append("Sections to try:" if not answer.answered else "Other sections:")
        lines.extend(f"  • {s}" for s in answer.suggestions)
    return "\n".join(lines)


def _check(path: Path) -> int:
    try:
        corpus = load_corpus(path)
    except CorpusError as exc:
        _print_problems(f"{path}: the corpus has errors", exc)
        return 1
    for article in corpus.articles:
        print(f"{article.path}: {article.title}" + (f" ({article.source})" if article.source else ""))
        for section in article.sections:
            chars = sum(len(p.text) for p in section.passages)
            label = section.heading if section.kind == "faq" else f"[{section.kind}]"
            print(f"  {label}  — {len(section.passages)} passages, {chars} characters")
    total = sum(1 for s in corpus.sections() if s.kind == "faq")
    print(f"OK: {len(corpus.articles)} articles, {total} FAQ sections, {corpus.passage_count} passages")
    return 0


def _print_problems(headline: str, exc: CorpusError, stream: TextIO = sys.stderr) -> None:
    print(f"faqbot: {headline}:", file=stream)
    for problem in exc.problems:
        print(f"  {problem}", file=stream)


if __name__ == "__main__":
    raise SystemExit(main())
