"""The index: its weights equal rank-bm25's own scores; edge cases of queries and corpora."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25L, BM25Okapi, BM25Plus

from bot.analysis import Analyzer
from bot.search import Bm25Field, SearchIndex
from corpus import load_corpus


@pytest.mark.parametrize(("variant", "cls"), [("okapi", BM25Okapi), ("l", BM25L), ("plus", BM25Plus)])
@pytest.mark.parametrize("seed", range(5))
def test_postings_equal_rank_bm25_get_scores(variant: str, cls: type, seed: int) -> None:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(60)]
    weights = [1 / (i + 1) for i in range(60)]  # Zipf-like
    docs = [rng.choices(vocab, weights, k=rng.randint(1, 40)) for _ in range(rng.randint(1, 80))]
    field = Bm25Field(docs, variant)
    model = cls(docs)
    for _ in range(20):
        query = rng.choices([*vocab, "unseen"], k=rng.randint(1, 6))
        ours = np.zeros(len(docs))
        for term in query:  # repeats count, as in rank-bm25
            if term in field.postings:
                ids, weights = field.postings[term]
                ours[ids] += weights
        theirs = model.get_scores(query)
        if variant == "plus":
            # rank-bm25 adds idf * delta to every document for every query term: a constant.
            theirs = theirs - sum(model.idf.get(t, 0) * model.delta for t in query)
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


def test_okapi_trap_that_plus_avoids() -> None:
    docs = [["russia", "a"], ["russia", "b"], ["c"], ["d"]]  # "russia" in exactly half
    assert BM25Okapi(docs).idf["russia"] == 0
    assert Bm25Field(docs, "plus").postings["russia"][1].min() > 0


def test_empty_and_unknown_queries(engine) -> None:
    index = engine.index
    assert index.search([]) == []
    assert index.search(["zzzz"]) == []


def test_one_section_corpus(write, tmp_path) -> None:
    write("one.md", "## Is this the only question?\n\nYes, this is the only answer.\n")
    index = SearchIndex(load_corpus(tmp_path), Analyzer())
    hits = index.search(Analyzer().terms("only answer"))
    assert len(hits) == 1 and hits[0].passages[0].passage.text.startswith("Yes")


def test_heading_is_a_strong_signal(engine) -> None:
    hits = engine.index.search(engine.analyzer.terms("economic aspects"))
    assert hits[0].section.heading == "What economic aspects are being discussed?"


def test_unknown_form_falls_back_to_corpus_term_by_prefix(engine) -> None:
    # Snowball stems "economy" to "economi" and "economic" to "econom".
    expanded = engine.index.expand(engine.analyzer.terms("economy"))
    assert expanded == [("econom", engine.index.weights.prefix_weight)]
    assert engine.index.expand(["light"]) == [("light", 1.0)]  # too short a share of "lightweight"


@pytest.mark.parametrize("seed", range(20))
def test_top_indices_is_exact(seed: int) -> None:
    from bot.search import top_indices

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 5000))
    scores = rng.integers(0, 50, size=n).astype(np.float32)  # many ties
    k = int(rng.integers(1, 100))
    expected = np.lexsort((np.arange(n), -scores))[:k]
    np.testing.assert_array_equal(top_indices(scores, k), expected)


def test_index_cache_hit_invalidation_and_corruption(tmp_path) -> None:
    from bot.answering import Engine
    from corpus import shipped_corpus_dir
    from corpus.loading import corpus_files

    cache = tmp_path / "cache"
    files = corpus_files(shipped_corpus_dir())
    first = Engine.from_files(files, shipped_corpus_dir(), cache)
    (cached,) = cache.glob("engine-*.pickle")
    second = Engine.from_files(files, shipped_corpus_dir(), cache)
    assert second is not first
    assert second.ask("What does Moscow want?").public() == first.ask("What does Moscow want?").public()
    changed = dict(files, **{"tea.md": b"## How is green tea made?\n\nSteamed.\n"})
    third = Engine.from_files(changed, shipped_corpus_dir(), cache)
    assert third.ask("how is green tea made").answered
    assert len(list(cache.glob("engine-*.pickle"))) == 2
    cached.write_bytes(b"not a pickle")
    again = Engine.from_files(files, shipped_corpus_dir(), cache)
    assert again.ask("What does Moscow want?").answered
