"""The answer engine: a question in, a cited passage (or an honest refusal) out.

It knows nothing of Telegram; the CLI and the handlers only format its answers.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from bot import index_cache
from bot.analysis import Analyzer, SynonymGroup, default_synonyms, parse_synonyms
from bot.search import PassageHit, SearchIndex, SectionHit, Weights
from corpus.loading import SYNONYMS_FILE, load_corpus_files, read_corpus
from corpus.model import Article, Corpus, Passage, Section
from corpus.parsing import read_text

MAX_QUOTE_CHARS = 1200
MAX_RESULTS = 3
SUGGESTIONS = 3

AnswerKind = Literal["answer", "refusal", "greeting", "thanks", "empty"]

_SMALL_TALK = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_GREETING_WORDS = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "hallo",
        "hiya",
        "howdy",
        "yo",
        "greetings",
        "good",
        "morning",
        "afternoon",
        "evening",
        "day",
        "night",
        "there",
        "bot",
        "all",
        "everyone",
        "folks",
    ]
)
_THANKS_WORDS = frozenset(
    [
        "thanks",
        "thank",
        "you",
        "thx",
        "ty",
        "cheers",
        "merci",
        "danke",
        "much",
        "very",
        "lot",
        "so",
        "great",
        "ok",
        "okay",
        "cool",
        "nice",
        "awesome",
        "perfect",
        "super",
        "bye",
        "goodbye",
        "see",
        "later",
        "that's",
        "that",
        "helpful",
    ]
)


class Result(BaseModel):
    """One cited passage."""

    article: str
    section: str
    text: str
    score: float
    citation: str
    url: str | None
    section_id: str
    article_id: str
    passage_ids: list[str]


class Answer(BaseModel):
    """What the engine says to one question."""

    question: str
    answered: bool
    kind: AnswerKind
    results: list[Result]
    suggestions: list[str]
    suggestion_ids: list[str]
    coverage: float = 0.0
    elapsed_ms: float = 0.0

    def public(self) -> dict[str, object]:
        """The JSON object of `faqbot ask --json`: fixed keys, results in rank order."""
        return {
            "question": self.question,
            "answered": self.answered,
            "results": [
                {k: getattr(r, k) for k in ("article", "section", "text", "score", "citation", "url")}
                for r in self.results
            ],
            "suggestions": self.suggestions,
        }


@dataclass(frozen=True)
class RefusalPolicy:
    """When the corpus does not answer a question.

    Evidence, not a fixed score: how much of the question's information (its terms
    weighted by IDF, words the corpus never uses counting as the rarest) the best
    section holds, and how far that section stands ahead of the next one. Off-topic
    questions match little of themselves, and only through a word of the setting
    ("Istanbul", "Russia"); a reader's question in other words still matches a
    good share, or one rare, specific term with a clear lead.
    """

    min_coverage: float = 0.22
    # Or: a specific match (IDF mass of a term in under ~8% of passages) clearly ahead.
    min_matched: float = 2.5
    min_margin: float = 1.3

    def answers(self, coverage: float, matched: float, margin: float) -> bool:
        return coverage >= self.min_coverage or (matched >= self.min_matched and margin >= self.min_margin)


def small_talk(text: str) -> AnswerKind | None:
    """'thanks!', 'hello bot', '👍': not questions."""
    words = [w.casefold() for w in _SMALL_TALK.findall(text)]
    if "?" in text and any(w not in _GREETING_WORDS for w in words):
        return None
    if not words:
        return "thanks" if text.strip() else "empty"
    if all(w in _THANKS_WORDS for w in words) and any(w.startswith(("thank", "thx", "ty", "cheers")) for w in words):
        return "thanks"
    if all(w in _GREETING_WORDS or w in _THANKS_WORDS for w in words) and len(words) <= 6:
        return "greeting" if any(w in _GREETING_WORDS for w in words) else "thanks"
    return None


class Engine:
    """A corpus, its index and the rules for answering from it."""

    def __init__(
        self,
        corpus: Corpus,
        synonyms: list[SynonymGroup] | None = None,
        weights: Weights | None = None,
        policy: RefusalPolicy | None = None,
    ) -> None:
        self.corpus = corpus
        self.analyzer = Analyzer(default_synonyms() + list(synonyms or []))
        self.index = SearchIndex(corpus, self.analyzer, weights)
        self.policy = policy or RefusalPolicy()

    @classmethod
    def from_folder(cls, path: Path, cache_dir: Path | None = None) -> Engine:
        """Load a corpus folder (and its synonyms.txt, if any), or one article file."""
        return cls.from_files(*read_corpus(path), cache_dir)

    @classmethod
    def from_files(cls, files: dict[str, bytes], folder: Path, cache_dir: Path | None = None) -> Engine:
        """Build from {file name: bytes} (errors name files of `folder`), or load the same build from the cache."""
        if cache_dir is not None:
            key = index_cache.cache_key(files, Weights(), RefusalPolicy())
            cached = index_cache.load(cache_dir, key)
            if cached is not None:
                return cached
        corpus = load_corpus_files(files, folder)
        synonyms = (
            parse_synonyms(read_text(folder / SYNONYMS_FILE, files[SYNONYMS_FILE]), str(folder / SYNONYMS_FILE))
            if SYNONYMS_FILE in files
            else []
        )
        engine = cls(corpus, synonyms)
        if cache_dir is not None:
            index_cache.save(cache_dir, key, engine)
        return engine

    def table_of_contents(self) -> list[Section]:
        """The FAQ sections, article by article, in reading order."""
        return [s for s in self.corpus.sections() if s.kind == "faq"]

    def ask(self, question: str) -> Answer:
        """Answer one question from the corpus, or refuse honestly."""
        started = time.perf_counter()
        question = question.strip()
        kind = small_talk(question)
        if kind is not None:
            return self._refuse(question, kind, [], started)
        terms = self.analyzer.terms(question)
        hits = self.index.search(terms, limit=MAX_RESULTS + SUGGESTIONS)
        if not hits:
            return self._refuse(question, "refusal", [], started)
        coverage, matched = self.index.coverage(terms, hits[0].section)
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        margin = hits[0].score / runner_up if runner_up > 0 else float("inf")
        if not self.policy.answers(coverage, matched, margin):
            return self._refuse(question, "refusal", [h.section for h in hits], started, coverage)
        results = self._results(hits)
        cited = {r.section_id for r in results}
        others = [h.section for h in hits if h.section.id not in cited][:SUGGESTIONS]
        return Answer(
            question=question,
            answered=True,
            kind="answer",
            results=results,
            suggestions=[s.heading for s in others],
            suggestion_ids=[s.id for s in others],
            coverage=round(coverage, 3),
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def _refuse(
        self, question: str, kind: AnswerKind, near: list[Section], started: float, coverage: float = 0.0
    ) -> Answer:
        """An honest 'I don't know', with sections worth trying: the nearest ones, else the first."""
        picks: list[Section] = []
        for section in [s for s in near if s.kind == "faq"] + self.table_of_contents():
            if section not in picks:
                picks.append(section)
        picks = picks[:SUGGESTIONS]
        return Answer(
            question=question,
            answered=False,
            kind=kind,
            results=[],
            suggestions=[s.heading for s in picks],
            suggestion_ids=[s.id for s in picks],
            coverage=round(coverage, 3),
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def _results(self, hits: list[SectionHit]) -> list[Result]:
        """The best quotes in rank order: passages of any section, two at most from one section."""
        candidates = sorted(
            ((p.score, n, hit, p) for n, hit in enumerate(hits) for p in hit.passages[:2] if p.score > 0),
            key=lambda c: (-c[0], c[1]),
        )
        results: list[Result] = []
        quoted: set[str] = set()
        for _, _, hit, passage in candidates:
            if passage.passage.id in quoted:
                continue
            result = self._result(hit, passage)
            quoted.update(result.passage_ids)
            results.append(result)
            if len(results) == MAX_RESULTS:
                break
        return results

    def _result(self, hit: SectionHit, best: PassageHit) -> Result:
        """One paragraph of a section, with its neighbour when one depends on the other."""
        section, hit_score = hit.section, best.score
        article = self.corpus.article_of(section)
        chosen = _quote(section.passages, best.position, hit)
        text = clip("\n\n".join(p.text for p in chosen), MAX_QUOTE_CHARS)
        return Result(
            article=article.title,
            section=section.heading,
            text=text,
            score=round(hit_score, 4),
            citation=citation(article, section),
            url=article.url,
            section_id=section.id,
            article_id=article.id,
            passage_ids=[p.id for p in chosen],
        )


def citation(article: Article, section: Section) -> str:
    """'Title (Source), “Heading”' — where a quote comes from."""
    where = article.label
    if article.author:
        where += f", by {article.author}"
    return f"{where} — “{section.heading}”" if section.kind == "faq" else f"{where} — {section.heading.lower()}"


def clip(text: str, limit: int) -> str:
    """Cut a text to `limit` characters at a sentence (else word) boundary, marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 2]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if end > limit // 2:
        return cut[: end + 1] + " …"
    return cut.rsplit(" ", 1)[0] + " …"


# A paragraph opening with one of these leans on the one before it.
_CONTINUES = re.compile(
    r"^(?:First|Second|Third|Firstly|Secondly|Finally|However|But|And|So|This|These|That|Those|It|"
    r"He|She|They|His|Her|Their|Its|Furthermore|Moreover|In addition|Also|Nevertheless|"
    r"Nonetheless|Therefore|Thus|Whereas|Instead|Meanwhile|Otherwise|Even so)\b"
)


_SENTENCE_STARTERS = frozenset(
    ["A", "An", "The", "In", "On", "At", "For", "With", "As", "If", "When", "While", "Although", "Despite", "According"]
)


def _continues(first: str, second: str) -> bool:
    """Does `second` lean on `first`: a connective or pronoun, or the name `first` ended on?"""
    if _CONTINUES.match(second):
        return True
    opening = re.match(r"([A-Z][\w'-]+)[ ,]", second)
    if not opening or opening.group(1) in _SENTENCE_STARTERS:
        return False
    last_sentence = re.split(r"(?<=[.!?])\s+", first.strip())[-1]
    return re.search(rf"\b{re.escape(opening.group(1))}\b", last_sentence) is not None


def _quote(passages: tuple[Passage, ...], best: int, hit: SectionHit) -> list[Passage]:
    """The best paragraph, and a neighbour where one depends on the other or answers as well."""
    chosen = [best]
    after, before = best + 1, best - 1
    if after < len(passages) and _continues(passages[best].text, passages[after].text):
        chosen.append(after)
    elif before >= 0 and _continues(passages[before].text, passages[best].text):
        chosen.append(before)
    else:
        top = hit.passages[0].score
        for other in hit.passages[1:3]:
            if abs(other.position - best) == 1 and top > 0 and other.score >= 0.75 * top:
                chosen.append(other.position)
                break
    chosen.sort()
    if sum(len(passages[i].text) + 2 for i in chosen) > MAX_QUOTE_CHARS:
        chosen = [best]
    return [passages[i] for i in chosen]
