"""What each part of the method adds: hit rates on the question sets, from plain rank-bm25 up.

Run: .venv/bin/python benchmarks/quality.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.analysis import Analyzer  # noqa: E402
from bot.answering import Answer, Engine, RefusalPolicy, Result  # noqa: E402
from bot.evaluation import evaluate, load_questions  # noqa: E402
from bot.search import SearchIndex, Weights  # noqa: E402
from corpus import load_corpus, shipped_corpus_dir  # noqa: E402

NEVER_REFUSE = RefusalPolicy(min_coverage=0, min_matched=0, min_margin=0)


def plain_rank_bm25(corpus):
    """The starting point: BM25Okapi over paragraphs, lower-cased whitespace tokens."""
    passages = [(s, p) for s in corpus.sections() for p in s.passages]
    model = BM25Okapi([re.findall(r"\S+", p.text.lower()) for _, p in passages])

    def ask(question: str) -> Answer:
        scores = model.get_scores(re.findall(r"\S+", question.lower()))
        order = sorted(range(len(passages)), key=lambda i: -scores[i])[:3]
        results = [
            Result(article="", section=passages[i][0].heading, text=passages[i][1].text, score=scores[i],
                   citation="", url=None, section_id="", article_id="", passage_ids=[])
            for i in order
        ]
        return Answer(question=question, answered=True, kind="answer", results=results, suggestions=[],
                      suggestion_ids=[])

    return ask


def engine(corpus, synonyms: bool = True, refuse: bool = True, **weights) -> Engine:
    e = Engine(corpus, policy=None if refuse else NEVER_REFUSE)
    if not synonyms:
        e.analyzer = Analyzer([])
    e.index = SearchIndex(corpus, e.analyzer, Weights(**weights))
    return e


def main() -> None:
    corpus = load_corpus(shipped_corpus_dir())
    names = ("reader_questions", "held_out_questions")
    sets = {n: load_questions(ROOT / "tests" / "data" / f"{n}.json") for n in names}
    no_fields = {"heading": 0.0, "section": 0.0}
    flat = {"summary": 1.0, "lead": 1.0, "prefix_weight": 0.0}
    steps = [
        ("plain rank-bm25: BM25Okapi, whitespace tokens, paragraphs", plain_rank_bm25(corpus)),
        ("+ analyzer (NFKC, stems, stop words, possessives), no synonyms",
         engine(corpus, synonyms=False, refuse=False, variant="okapi", **no_fields, **flat).ask),
        ("+ synonyms", engine(corpus, refuse=False, variant="okapi", **no_fields, **flat).ask),
        ("+ BM25Plus instead of BM25Okapi", engine(corpus, refuse=False, **no_fields, **flat).ask),
        ("+ heading and section fields (section first)", engine(corpus, refuse=False, **flat).ask),
        ("+ summary 0.7, lead paragraph 1.15", engine(corpus, refuse=False, prefix_weight=0.0).ask),
        ("+ prefix fallback for unknown forms (= all, never refusing)", engine(corpus, refuse=False).ask),
        ("+ refusal policy (the shipped engine)", engine(corpus).ask),
    ]
    print(f"| step | {' | '.join(f'{n}: top-1 | top-3 | refused on/off' for n in sets)} |")
    print("|---|" + "---|---|---|" * len(sets))
    for label, ask in steps:
        cells = []
        for questions in sets.values():
            r = evaluate(ask, questions)
            cells += [f"{r.top1}/{r.on_topic} ({r.top1 / r.on_topic:.0%})", f"{r.top3 / r.on_topic:.0%}",
                      f"{r.wrongly_refused} / {r.refused_off_topic} of {r.off_topic}"]
        print(f"| {label} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
