"""BM25 retrieval over FAQ sections: index once, retrieve many times; no Telegram here.

rank-bm25 fits the model (IDF, document lengths, k1, b, delta). Scoring does not call
its `get_scores`, which walks every document in Python for every query term:
each term's weights are computed once, vectorized, from the fitted model into a
postings list, and a query adds up the postings of its few terms. A test holds
these weights equal to rank-bm25's own `get_scores`.

Variant: BM25Plus. BM25Okapi gives a term in half the documents an IDF of 0 and
floors negative IDFs, so on a corpus of ten sections "Russia" counts for nothing;
BM25Plus's IDF, log((N + 1) / df), stays positive and its delta keeps a match in a
long passage from counting for almost nothing.

Fields: a passage is scored on its own text, on its section's heading (a strong
signal of what the section answers) and on its whole section (context the
paragraph leaves implicit). Their weights are `Weights` below, measured on the
reader question set in tests/data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25L, BM25Okapi, BM25Plus

from bot.analysis import Analyzer
from corpus.model import Corpus, Passage, Section

Variant = type[BM25Okapi] | type[BM25L] | type[BM25Plus]
VARIANTS: dict[str, Variant] = {"okapi": BM25Okapi, "l": BM25L, "plus": BM25Plus}


@dataclass(frozen=True)
class Weights:
    """How much each field counts in a passage's score."""

    passage: float = 1.0  # the section's best paragraph
    heading: float = 1.0
    section: float = 1.0  # the section's whole text
    variant: str = "plus"
    k1: float = 1.5
    b: float = 0.75
    summary: float = 0.7  # the "No time?" summary and the overview repeat the body in brief
    lead: float = 1.15  # a factor on the first paragraph under a heading: news puts the answer first
    # A word the corpus never uses may be a form Snowball does not join to the corpus's own
    # (economy/economic, threaten/threat, motorbike/motorcycle): it then counts, discounted, as
    # the corpus term sharing its longest prefix of at least `prefix_min` letters.
    prefix_min: int = 5
    prefix_weight: float = 0.7


class Bm25Field:
    """One rank-bm25 model over one list of documents, with per-term postings."""

    def __init__(self, docs: Sequence[list[str]], variant: str = "plus", k1: float = 1.5, b: float = 0.75) -> None:
        # rank-bm25 divides by the corpus size and the average length: give it something.
        safe = [d if d else ["\x00empty"] for d in docs] or [["\x00empty"]]
        self.model = VARIANTS[variant](safe, k1=k1, b=b)
        self.size = len(docs)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.df: dict[str, int] = {}
        self._build(variant)

    def _build(self, variant: str) -> None:
        m = self.model
        doc_len = np.asarray(m.doc_len, dtype=np.float64)
        norm = m.k1 * (1 - m.b + m.b * doc_len / m.avgdl)
        by_term: dict[str, tuple[list[int], list[int]]] = {}
        for i, freqs in enumerate(m.doc_freqs[: self.size]):
            for term, tf in freqs.items():
                ids, tfs = by_term.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        for term, (ids_list, tfs_list) in by_term.items():
            ids = np.asarray(ids_list, dtype=np.int64)
            tf = np.asarray(tfs_list, dtype=np.float64)
            idf = m.idf.get(term, 0.0)
            if variant == "plus":
                # rank-bm25 adds idf * delta to every document, matching or not: a constant
                # per query term that changes no ranking, so only the matching part is kept.
                w = idf * (tf * (m.k1 + 1) / (norm[ids] + tf))
            elif variant == "l":
                ctd = tf / (1 - m.b + m.b * doc_len[ids] / m.avgdl)
                w = idf * tf * (m.k1 + 1) * (ctd + m.delta) / (m.k1 + ctd + m.delta)
            else:
                w = idf * (tf * (m.k1 + 1) / (tf + norm[ids]))
            self.postings[term] = (ids, w)
            self.df[term] = len(ids_list)

    def add_scores(self, query: Sequence[tuple[str, float]], out: np.ndarray, factor: float = 1.0) -> None:
        """Add this field's score for each (term, weight) to `out`; repeats count, as in rank-bm25."""
        for term, weight in query:
            hit = self.postings.get(term)
            if hit is not None:
                ids, w = hit
                scale = weight * factor
                out[ids] += w * scale if scale != 1.0 else w

    def idf(self, term: str) -> float:
        """The field's IDF; a term it never saw is rarer than any it did."""
        return math.log((self.size + 1) / (self.df.get(term, 0) + 0.5))


@dataclass(frozen=True)
class PassageHit:
    passage: Passage
    score: float
    position: int  # in its section


# Answers quote from a section's best few paragraphs; ranking the rest would be wasted work.
PASSAGES_PER_HIT = 3


@dataclass(frozen=True)
class SectionHit:
    """A section that matches, with its passages best first."""

    section: Section
    score: float
    passages: tuple[PassageHit, ...]


class SearchIndex:
    """FAQ sections scored on heading, body and best paragraph; paragraphs ranked inside each."""

    def __init__(self, corpus: Corpus, analyzer: Analyzer, weights: Weights | None = None) -> None:
        self.corpus = corpus
        self.analyzer = analyzer
        self.weights = w = weights or Weights()
        self.sections: list[Section] = list(corpus.sections())
        self.passages: list[Passage] = []
        passage_section: list[int] = []
        passage_factor: list[float] = []
        passage_terms: list[list[str]] = []
        section_terms: list[list[str]] = []
        heading_terms: list[list[str]] = []
        for s_idx, section in enumerate(self.sections):
            body: list[str] = []
            for position, passage in enumerate(section.passages):
                passage_factor.append(w.lead if position == 0 else 1.0)
                terms = analyzer.terms(passage.text)
                self.passages.append(passage)
                passage_section.append(s_idx)
                passage_terms.append(terms)
                body.extend(terms)
            # The overview and summary have no question heading of their own.
            heading_terms.append(analyzer.terms(section.heading) if section.kind == "faq" else [])
            section_terms.append(body + heading_terms[-1])
        self.passage_section = np.asarray(passage_section, dtype=np.int64)
        self.passage_factor = np.asarray(passage_factor)
        # Sections are contiguous runs of passages: reduceat takes the best of each run.
        self.section_start = np.searchsorted(self.passage_section, np.arange(len(self.sections)))
        self.section_factor = np.asarray([1.0 if s.kind == "faq" else w.summary for s in self.sections])
        self.passage_field = Bm25Field(passage_terms, w.variant, w.k1, w.b)
        self.heading_field = Bm25Field(heading_terms, w.variant, w.k1, w.b)
        self.section_field = Bm25Field(section_terms, w.variant, w.k1, w.b)
        self.section_vocab: list[frozenset[str]] = [frozenset(t) for t in section_terms]
        self._section_pos = {s.id: i for i, s in enumerate(self.sections)}
        self.vocabulary: frozenset[str] = frozenset(self.section_field.postings)
        self._by_prefix: dict[str, list[str]] = {}
        for term in sorted(self.vocabulary):
            if len(term) >= w.prefix_min and term.isalpha():
                self._by_prefix.setdefault(term[: w.prefix_min], []).append(term)

    def expand(self, terms: Sequence[str]) -> list[tuple[str, float]]:
        """Query terms with weights; an unknown term maps to its nearest corpus term by prefix."""
        out = []
        n = self.weights.prefix_min
        for term in terms:
            if term in self.vocabulary or len(term) < n:
                out.append((term, 1.0))
                continue
            best, best_len = term, 0
            for candidate in self._by_prefix.get(term[:n], ()):
                common = _common_prefix(term, candidate)
                if common >= 0.6 * max(len(term), len(candidate)) and common > best_len:
                    best, best_len = candidate, common
            out.append((best, self.weights.prefix_weight if best_len else 1.0))
        return out

    def scores(self, query: Sequence[tuple[str, float]]) -> tuple[np.ndarray, np.ndarray]:
        """Section scores and passage scores for an expanded query."""
        w = self.weights
        passage_scores = np.zeros(len(self.passages))
        self.passage_field.add_scores(query, passage_scores)
        passage_scores *= self.passage_factor
        section_scores = np.zeros(len(self.sections))
        self.heading_field.add_scores(query, section_scores, w.heading)
        self.section_field.add_scores(query, section_scores, w.section)
        if len(self.passages):
            section_scores += w.passage * np.maximum.reduceat(passage_scores, self.section_start)
        section_scores *= self.section_factor
        return section_scores, passage_scores

    def search(self, terms: Sequence[str], limit: int = 10) -> list[SectionHit]:
        """The best sections, best first, each with its passages ranked; none when no term matches."""
        if not terms or not self.sections:
            return []
        section_scores, passage_scores = self.scores(self.expand(terms))
        k = min(limit, len(section_scores))
        top = np.argpartition(-section_scores, k - 1)[:k]
        top = top[np.lexsort((top, -section_scores[top]))]
        hits = []
        for s_idx in top:
            if section_scores[s_idx] <= 0:
                break
            section = self.sections[s_idx]
            first = int(self.section_start[s_idx])
            local = passage_scores[first : first + len(section.passages)]
            order = np.lexsort((np.arange(len(local)), -local))[:PASSAGES_PER_HIT]
            # A passage ranks by its section's evidence with its own score in place of the best one's.
            base = section_scores[s_idx] - self.weights.passage * self.section_factor[s_idx] * local[order[0]]
            combined = base + self.weights.passage * self.section_factor[s_idx] * local
            ranked = tuple(PassageHit(section.passages[i], float(combined[i]), int(i)) for i in order)
            hits.append(SectionHit(section, float(section_scores[s_idx]), ranked))
        return hits

    def coverage(self, terms: Sequence[str], section: Section) -> tuple[float, float]:
        """How much of the query's information (IDF-weighted) a section holds: share and amount."""
        vocab = self.section_vocab[self._section_pos[section.id]]
        total = matched = 0.0
        for (term, weight), original in zip(self.expand(terms), terms, strict=True):
            if original in self.vocabulary or weight == 1.0:
                idf = self.passage_field.idf(term)
            else:  # an unknown word standing in for a corpus term weighs what the unknown word would
                idf = self.passage_field.idf(original)
            total += idf
            if term in vocab:
                matched += idf * weight
        return (matched / total if total else 0.0), matched


def _common_prefix(a: str, b: str) -> int:
    """How many leading characters two strings share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
