"""The analyzer: one object turns documents and queries alike into index terms.

Steps: Unicode normalization (NFKC, zero-width characters removed), case folding
that keeps acronyms such as "US" apart from the word "us", possessives dropped
("Russia's" -> "russia"), Snowball stemming, synonym groups mapped to one term
(longest phrase first), and stop words removed last so that a synonym phrase
such as "call for" can still match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.resources import files

import Stemmer

from corpus.parsing import CorpusError, Problem

# Characters that change nothing a reader sees but split or join words.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'", "\u00b4": "'"})
# Cyrillic and Greek letters that look like Latin ones: "Кyiv" typed with a Cyrillic K.
_LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁԛԝАВЕКМНОРСТУХІЈЅԌαοκνρτχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwABEKMHOPCTYXIJSGaokvptxABEZHIKMNOPTYX",
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_CYRILLIC_GREEK = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")
WORD, STOP, ACRONYM = 0, 1, 2
WORD_CACHE = 500_000

STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren't",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "can't",
        "cannot",
        "could",
        "couldn't",
        "did",
        "didn't",
        "do",
        "does",
        "doesn't",
        "doing",
        "don't",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "hadn't",
        "has",
        "hasn't",
        "have",
        "haven't",
        "having",
        "he",
        "he'd",
        "he'll",
        "he's",
        "her",
        "here",
        "here's",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "how's",
        "i",
        "i'd",
        "i'll",
        "i'm",
        "i've",
        "if",
        "in",
        "into",
        "is",
        "isn't",
        "it",
        "it's",
        "its",
        "itself",
        "let's",
        "me",
        "more",
        "most",
        "mustn't",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "us",
        "out",
        "over",
        "own",
        "same",
        "shan't",
        "she",
        "she'd",
        "she'll",
        "she's",
        "should",
        "shouldn't",
        "so",
        "some",
        "such",
        "than",
        "that",
        "that's",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "there's",
        "these",
        "they",
        "they'd",
        "they'll",
        "they're",
        "they've",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "wasn't",
        "we",
        "we'd",
        "we'll",
        "we're",
        "we've",
        "were",
        "weren't",
        "what",
        "what's",
        "when",
        "when's",
        "where",
        "where's",
        "which",
        "while",
        "who",
        "who's",
        "whom",
        "why",
        "why's",
        "will",
        "with",
        "won't",
        "would",
        "wouldn't",
        "you",
        "you'd",
        "you'll",
        "you're",
        "you've",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "just",
        "now",
        "yet",
        "still",
        "ever",
        "even",
        "really",
        "actually",
        "exactly",
        "please",
        "tell",
        "know",
        "explain",
        "anything",
        "else",
        "something",
        "thing",
        "things",
        "get",
        "gets",
        "got",
        "getting",
        "going",
        "go",
        "goes",
        "whats",
        "whos",
        "hows",
        "wheres",
        "whens",
    ]
)


# Idioms that say nothing about the topic; they would otherwise match "right", "place", "first".
STOP_PHRASES = (
    "right now",
    "right away",
    "at the moment",
    "in the first place",
    "these days",
    "at all",
    "in all this",
    "out of",
    "a lot",
    "as well",
    "for now",
    "so far",
    "by the way",
    "kind of",
    "sort of",
)


def _fold_word(word: str) -> str:
    """'Russia's' -> 'russia'; "don't" -> "don't" (kept whole so the stop list sees it)."""
    if word.endswith("'s"):
        return word[:-2]
    if word.endswith("s'"):
        return word[:-1]
    return word


@dataclass(frozen=True)
class SynonymGroup:
    """Words and phrases that mean one thing here; the first names the group."""

    terms: tuple[str, ...]
    line: int = 0


def parse_synonyms(text: str, source: str = "synonyms") -> list[SynonymGroup]:
    """One group a line, comma-separated; '#' starts a comment."""
    groups = []
    problems = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        terms = tuple(t.strip() for t in line.split(",") if t.strip())
        if len(terms) < 2:
            problems.append(Problem(source, number, "a synonym group needs two or more terms, comma-separated"))
            continue
        groups.append(SynonymGroup(terms, number))
    if problems:
        raise CorpusError(problems)
    return groups


def default_synonyms() -> list[SynonymGroup]:
    """The generic list shipped with the bot (place names, news vocabulary)."""
    return parse_synonyms((files("bot") / "synonyms.txt").read_text("utf-8"), "bot/synonyms.txt")


@dataclass
class Analyzer:
    """Text to terms, the same way for documents and queries."""

    synonyms: Iterable[SynonymGroup] = ()
    language: str = "english"
    _stemmer: Stemmer.Stemmer = field(init=False, repr=False)
    _phrases: dict[tuple[str, ...], str] = field(init=False, repr=False)
    _longest: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._stemmer = Stemmer.Stemmer(self.language)
        # Words repeat (Zipf): each distinct word is folded and stemmed once.
        self._cache: dict[str, tuple[str, int]] = {}
        self._cache_no_acronyms: dict[str, tuple[str, int]] = {}
        self._phrases = {}
        # Later groups win, so a corpus's own list can re-home a term of the default list.
        for group in self.synonyms:
            stems = [tuple(self._stems(t, keep_acronyms=False)[0]) for t in group.terms]
            stems = [s for s in stems if s]
            if not stems:
                continue
            canonical = "_".join(stems[0])
            for phrase in stems:
                self._phrases[phrase] = canonical
        for phrase in STOP_PHRASES:
            self._phrases[tuple(self._stems(phrase, keep_acronyms=False)[0])] = ""
        self._longest = max((len(p) for p in self._phrases), default=1)
        self._starts = frozenset(p[0] for p in self._phrases)
        self.synonyms = tuple(self.synonyms)

    def __getstate__(self) -> dict[str, object]:
        """Picklable (for the index cache): the C stemmer and the word caches are rebuilt on load."""
        state = self.__dict__.copy()
        del state["_stemmer"]
        state["_cache"], state["_cache_no_acronyms"] = {}, {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._stemmer = Stemmer.Stemmer(self.language)

    @staticmethod
    def normalize(text: str) -> str:
        """NFKC, invisible characters removed, look-alike letters mapped to Latin."""
        if text.isascii() and "`" not in text:  # most text: nothing to normalize
            return text
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_APOSTROPHES)
        return _WORD.sub(_unmix, text) if _CYRILLIC_GREEK.search(text) else text

    def _stems(self, text: str, keep_acronyms: bool = True) -> tuple[list[str], list[int]]:
        """Stems of every word, stop words included, with a kind for each: WORD, STOP or ACRONYM."""
        words = _WORD.findall(self.normalize(text))
        # Shouting is not a sea of acronyms.
        acronyms = keep_acronyms and not (len(words) >= 2 and sum(w.isupper() for w in words) > len(words) / 2)
        cache = self._cache if acronyms else self._cache_no_acronyms
        out: list[str] = []
        kinds: list[int] = []
        for word in words:
            hit = cache.get(word)
            if hit is None:
                hit = self._word(word, acronyms)
                if len(cache) < WORD_CACHE:
                    cache[word] = hit
            out.append(hit[0])
            kinds.append(hit[1])
        return out, kinds

    def _word(self, word: str, acronyms: bool) -> tuple[str, int]:
        folded = _fold_word(word.casefold())
        if acronyms and 2 <= len(word) <= 5 and word.isupper() and word.isalpha():
            return folded, ACRONYM
        if folded in STOP_WORDS:
            return folded, STOP
        return self._stemmer.stemWord(folded.replace("'", "")), WORD

    def terms(self, text: str) -> list[str]:
        """The index terms of a text, in order, with repeats."""
        stems, kinds = self._stems(text)
        starts, phrases, longest = self._starts, self._phrases, self._longest
        out: list[str] = []
        i, n = 0, len(stems)
        while i < n:
            matched = 0
            if stems[i] in starts:
                for size in range(min(longest, n - i), 0, -1):
                    canonical = phrases.get(tuple(stems[i : i + size]))
                    # A lone stop word ("us") is not a synonym; an acronym ("US") or a phrase is.
                    if canonical is not None and (size > 1 or kinds[i] != STOP):
                        if canonical:
                            out.append(canonical)
                        matched = size
                        break
            if matched:
                i += matched
            else:
                if kinds[i] != STOP:
                    out.append(stems[i])
                i += 1
        return out


def _unmix(match: re.Match[str]) -> str:
    """A word mixing Latin with Cyrillic or Greek look-alikes is read as the Latin word it mimics."""
    word = match.group()
    latin = other = False
    for ch in word:
        if "a" <= ch.lower() <= "z":
            latin = True
        elif ch.isalpha() and ord(ch) >= 0x370:
            other = True
    return word.translate(_LOOKALIKES) if latin and other else word
