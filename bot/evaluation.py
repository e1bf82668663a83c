"""Measure answer quality on a question set: hit rates and refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.answering import Answer


@dataclass
class Report:
    on_topic: int = 0
    top1: int = 0
    top3: int = 0
    wrongly_refused: int = 0
    off_topic: int = 0
    refused_off_topic: int = 0
    misses: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"top-1 {self.top1}/{self.on_topic} ({self.top1 / self.on_topic:.0%}), "
            f"top-3 {self.top3}/{self.on_topic} ({self.top3 / self.on_topic:.0%}), "
            f"on-topic refused {self.wrongly_refused}, "
            f"off-topic refused {self.refused_off_topic}/{self.off_topic}"
        )


def load_questions(path: Path) -> dict[str, list]:
    return json.loads(path.read_text("utf-8"))


def holds(text: str, facts: list[str]) -> bool:
    folded = text.casefold()
    return any(f.casefold() in folded for f in facts)


def evaluate(ask: Callable[[str], Answer], questions: dict[str, list]) -> Report:
    """Ask every question; an on-topic answer counts when its cited text holds the fact."""
    report = Report()
    for item in questions["on_topic"]:
        answer = ask(item["q"])
        report.on_topic += 1
        texts = [r.text for r in answer.results]
        if not answer.answered:
            report.wrongly_refused += 1
        if texts and holds(texts[0], item["facts"]):
            report.top1 += 1
        else:
            got = texts[0][:70] if texts else "(refused)"
            report.misses.append(f"{item['q']!r} -> {got!r}")
        if any(holds(t, item["facts"]) for t in texts[:3]):
            report.top3 += 1
    for question in questions["off_topic"]:
        report.off_topic += 1
        if not ask(question).answered:
            report.refused_off_topic += 1
        else:
            report.misses.append(f"off-topic answered: {question!r}")
    return report
