"""The analyzer: one path from text to terms for documents and questions."""

from __future__ import annotations

import pytest

from bot.analysis import Analyzer, default_synonyms, parse_synonyms
from corpus import CorpusError


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(default_synonyms())


def test_empty_and_stop_words_only(analyzer: Analyzer) -> None:
    assert analyzer.terms("") == []
    assert analyzer.terms("   ") == []
    assert analyzer.terms("What is it, and why would they?") == []


@pytest.mark.parametrize("text", ["Russia's position", "Russias position", "RUSSIA’S POSITION", "russia position"])
def test_possessives_and_case(analyzer: Analyzer, text: str) -> None:
    assert analyzer.terms(text) == ["russia", "posit"]


def test_stemming(analyzer: Analyzer) -> None:
    assert analyzer.terms("negotiations") == analyzer.terms("negotiate")
    assert analyzer.terms("guarantees") == analyzer.terms("guarantee")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kyiv", "Kiev"),
        ("truce", "ceasefire"),
        ("cease-fire", "ceasefire"),
        ("Moscow", "Russia"),
        ("Kremlin", "Russia"),
        ("US", "USA"),
        ("Washington", "American"),
        ("the U.S.", "America"),
        ("wants", "is demanding"),
        ("calls for", "demands"),
    ],
)
def test_default_synonyms(analyzer: Analyzer, a: str, b: str) -> None:
    assert analyzer.terms(a) == analyzer.terms(b)
    assert analyzer.terms(a)


def test_acronym_us_is_not_the_pronoun_us(analyzer: Analyzer) -> None:
    assert analyzer.terms("Tell us what the US wants") == ["usa", "demand"]
    assert analyzer.terms("WHAT DOES THE US WANT") == ["demand"]  # shouting: no acronyms


def test_filler_idioms_are_dropped(analyzer: Analyzer) -> None:
    assert analyzer.terms("Is a truce coming right now?") == analyzer.terms("Is a truce coming?")


def test_invisible_characters_and_lookalike_letters(analyzer: Analyzer) -> None:
    assert analyzer.terms("Rus\u200bsia") == ["russia"]
    assert analyzer.terms("Russi\u0430") == ["russia"]  # Cyrillic а
    assert analyzer.terms("\u041ayiv") == analyzer.terms("Kyiv")  # Cyrillic К
    assert analyzer.terms("ＵＫＲＡＩＮＥ") == ["ukrain"]  # full-width


def test_corpus_synonyms_extend_and_override(analyzer: Analyzer) -> None:
    extra = parse_synonyms("# moderators' list\nmedinsky, putin's envoy\nRussia, Muscovy\n")
    mine = Analyzer(default_synonyms() + extra)
    assert mine.terms("Putin's envoy") == mine.terms("Medinsky")
    assert mine.terms("Muscovy") == mine.terms("Russia")
    assert analyzer.terms("Muscovy") != analyzer.terms("Russia")


def test_bad_synonym_line() -> None:
    with pytest.raises(CorpusError, match="synonyms:2: a synonym group needs two or more terms"):
        parse_synonyms("a, b\nlonely\n")
