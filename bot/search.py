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
        self._build(docs, variant)

    def _build(self, docs: Sequence[list[str]], variant: str) -> None:
        """Every term's postings (documents and weights) from the fitted model, vectorized with numpy."""
        m = self.model
        ids_of: dict[str, int] = {}
        flat = [ids_of.setdefault(t, len(ids_of)) for doc in docs for t in doc]
        if not flat:
            return
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        keys, tf = np.unique(np.asarray(flat, dtype=np.int64) * len(docs) + doc_of, return_counts=True)
        term_of, doc = np.divmod(keys, len(docs))
        terms = list(ids_of)
        idf = np.asarray([m.idf.get(t, 0.0) for t in terms])[term_of]
        tf = tf.astype(np.float64)
        doc_len = np.asarray(m.doc_len[: self.size], dtype=np.float64)[doc]
        length_norm = 1 - m.b + m.b * doc_len / m.avgdl
        if variant == "l":
            ctd = tf / length_norm
            w = idf * tf * (m.k1 + 1) * (ctd + m.delta) / (m.k1 + ctd + m.delta)
        else:
            # BM25Plus: rank-bm25 adds idf * delta to every document, matching or not: a constant
            # per query term that changes no ranking, so only the matching part is kept; the
            # matching part has Okapi's form.
            w = idf * (tf * (m.k1 + 1) / (tf + m.k1 * length_norm))
        bounds = np.flatnonzero(np.diff(term_of)) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [len(term_of)]))
        for t_id, start, end in zip(term_of[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
            term = terms[t_id]
            self.postings[term] = (doc[start:end], w[start:end])
            self.df[term] = end - start

    def release(self) -> None:
        """Drop what the merged postings now hold: rank-bm25's per-document counts and our float64 weights.
        The fitted IDF, lengths and parameters stay, and so do the document frequencies."""
        self.model.doc_freqs = []
        self.postings = {}

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
        self.section_start = np.searchsorted(self.passage_section, np.arange(len(self.sections)))
        self.passage_field = Bm25Field(passage_terms, w.variant, w.k1, w.b)
        self.heading_field = Bm25Field(heading_terms, w.variant, w.k1, w.b)
        self.section_field = Bm25Field(section_terms, w.variant, w.k1, w.b)
        # The constant factors are folded into the postings once, so a query only adds them up:
        # a passage scores kind * (heading * H + section * S)(its section) + passage * kind * lead * P.
        kind = np.asarray([1.0 if s.kind == "faq" else w.summary for s in self.sections])
        per_passage = w.passage * kind[self.passage_section] * np.asarray(passage_factor)
        self._passage_postings = {
            t: (ids.astype(np.intp), (wts * per_passage[ids]).astype(np.float32))
            for t, (ids, wts) in self.passage_field.postings.items()
        }
        self._section_postings = _merge_postings(
            [(self.heading_field.postings, w.heading), (self.section_field.postings, w.section)], kind
        )
        self.vocabulary: frozenset[str] = frozenset(self.section_field.postings)
        for field_ in (self.passage_field, self.heading_field, self.section_field):
            field_.release()
        self._section_pos = {s.id: i for i, s in enumerate(self.sections)}
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

    def scores(self, query: Sequence[tuple[str, float]]) -> np.ndarray:
        """Every passage's score for an expanded query: its own evidence plus its section's."""
        passage_parts: list[tuple[np.ndarray, np.ndarray]] = []
        section_parts: list[tuple[np.ndarray, np.ndarray]] = []
        for term, weight in query:
            for postings, parts in ((self._passage_postings, passage_parts), (self._section_postings, section_parts)):
                hit = postings.get(term)
                if hit is not None:
                    parts.append((hit[0], hit[1] * weight if weight != 1.0 else hit[1]))
        passages = _sum_postings(passage_parts, len(self.passages))
        sections = _sum_postings(section_parts, len(self.sections))
        if sections is None:
            return passages if passages is not None else np.zeros(len(self.passages), dtype=np.float32)
        combined = sections[self.passage_section]
        if passages is not None:
            combined += passages
        return combined

    def search(self, terms: Sequence[str], limit: int = 10) -> list[SectionHit]:
        """The best sections, best first, each with its passages ranked; none when no term matches.

        A section's score is its best passage's, so the best passages name the best sections.
        """
        if not terms or not self.sections:
            return []
        combined = self.scores(self.expand(terms))
        k = min(len(combined), max(4 * limit, 32))
        while True:
            top = top_indices(combined, k)
            found: list[int] = []
            for p_idx in top[combined[top] > 0]:
                s_idx = int(self.passage_section[p_idx])
                if s_idx not in found:
                    found.append(s_idx)
            if len(found) >= limit or k >= len(combined):
                break
            k = min(len(combined), k * 4)
        hits = []
        for s_idx in found[:limit]:
            section = self.sections[s_idx]
            first = int(self.section_start[s_idx])
            local = combined[first : first + len(section.passages)]
            order = np.lexsort((np.arange(len(local)), -local))[:PASSAGES_PER_HIT]
            ranked = tuple(PassageHit(section.passages[i], float(local[i]), int(i)) for i in order)
            hits.append(SectionHit(section, ranked[0].score, ranked))
        return hits

    def coverage(self, terms: Sequence[str], section: Section) -> tuple[float, float]:
        """How much of the query's information (IDF-weighted) a section holds: share and amount."""
        s_idx = self._section_pos[section.id]
        total = matched = 0.0
        for (term, weight), original in zip(self.expand(terms), terms, strict=True):
            if original in self.vocabulary or weight == 1.0:
                idf = self.passage_field.idf(term)
            else:  # an unknown word standing in for a corpus term weighs what the unknown word would
                idf = self.passage_field.idf(original)
            total += idf
            hit = self._section_postings.get(term)
            if hit is not None and _contains(hit[0], s_idx):
                matched += idf * weight
        return (matched / total if total else 0.0), matched


def _contains(sorted_ids: np.ndarray, value: int) -> bool:
    i = int(np.searchsorted(sorted_ids, value))
    return i < len(sorted_ids) and int(sorted_ids[i]) == value


def _sum_postings(parts: list[tuple[np.ndarray, np.ndarray]], size: int) -> np.ndarray | None:
    """Dense scores from a few postings lists.

    Measured on 210k postings over 120k documents: np.add.at with native-size ids and float32
    weights 0.28 ms, fancy-index += 0.5-1.2 ms, concatenate + bincount 3-5 ms.
    """
    if not parts:
        return None
    out = np.zeros(size, dtype=np.float32)
    for ids, weights in parts:
        np.add.at(out, ids, weights)
    return out


def top_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """The indices of the k largest scores, best first (ties by index). Exact.

    The k-th largest of a 1-in-16 sample is no larger than the k-th largest of all, so every
    score at or above it is a candidate: a partition of ~N/16 and one comparison pass replace a
    partition of all N (0.08 ms instead of 0.38 ms at 120k).
    """
    n = len(scores)
    if k >= n:
        candidates = np.arange(n)
    else:
        sample = scores[::16]
        if len(sample) > k:
            threshold = np.partition(sample, len(sample) - k)[len(sample) - k]
            candidates = np.flatnonzero(scores >= threshold)
        else:
            candidates = np.arange(n)
        if len(candidates) > k:
            values = scores[candidates]
            kth = np.partition(values, len(values) - k)[len(values) - k]
            above = candidates[values > kth]
            tied = candidates[values == kth]  # ascending, so the lowest indices win ties
            candidates = np.concatenate((above, tied[: k - len(above)]))
    return candidates[np.lexsort((candidates, -scores[candidates]))]


def _merge_postings(
    fields: list[tuple[dict[str, tuple[np.ndarray, np.ndarray]], float]], factor: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """One postings list per term over sections: the fields' weights, scaled and added."""
    merged: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for postings, scale in fields:
        if not scale:
            continue
        for term, (ids, weights) in postings.items():
            scaled = weights * scale * factor[ids]
            if term in merged:
                ids_a, w_a = merged[term]
                all_ids = np.concatenate((ids_a, ids))
                union, inverse = np.unique(all_ids, return_inverse=True)
                merged[term] = (union, np.bincount(inverse, weights=np.concatenate((w_a, scaled))))
            else:
                merged[term] = (ids, scaled)
    return {t: (ids.astype(np.intp), w.astype(np.float32)) for t, (ids, w) in merged.items()}


def _common_prefix(a: str, b: str) -> int:
    """How many leading characters two strings share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
