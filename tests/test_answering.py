"""Answers: quality on readers' questions, honest refusals, citations and quotes."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from bot.answering import MAX_QUOTE_CHARS, Engine, clip
from bot.evaluation import evaluate, load_questions
from corpus import shipped_corpus_dir
from tests.conftest import DATA

READERS = load_questions(DATA / "reader_questions.json")
HELD_OUT = load_questions(DATA / "held_out_questions.json")


def test_question_set_is_large_enough() -> None:
    assert len(READERS["on_topic"]) >= 40
    assert len(READERS["off_topic"]) >= 10
    assert all(item["facts"] for item in READERS["on_topic"])


def test_hit_rate_on_readers_questions(engine: Engine) -> None:
    report = evaluate(engine.ask, READERS)
    assert report.top1 / report.on_topic >= 0.90, report.misses
    assert report.top3 / report.on_topic >= 0.97, report.misses
    assert report.wrongly_refused <= 2, report.misses
    assert report.refused_off_topic / report.off_topic >= 0.9, report.misses


def test_hit_rate_on_held_out_questions(engine: Engine) -> None:
    report = evaluate(engine.ask, HELD_OUT)
    assert report.top1 / report.on_topic >= 0.85, report.misses
    assert report.refused_off_topic == report.off_topic, report.misses


@pytest.mark.parametrize("text", READERS["not_questions"])
def test_greetings_and_thanks_are_not_questions(engine: Engine, text: str) -> None:
    answer = engine.ask(text)
    assert not answer.answered and answer.kind in ("greeting", "thanks")


@pytest.mark.parametrize("text", ["", "   ", "the of and", "???", "What is it?"])
def test_nothing_to_search_for_is_refused_with_suggestions(engine: Engine, text: str) -> None:
    answer = engine.ask(text)
    assert not answer.answered and answer.results == []
    assert 1 <= len(answer.suggestions) <= 3


def test_refusal_suggests_sections(engine: Engine) -> None:
    answer = engine.ask("How do I bake sourdough bread?")
    assert not answer.answered and answer.results == []
    assert answer.suggestions and all(s.endswith("?") for s in answer.suggestions)


def test_answer_is_cited_and_short(engine: Engine) -> None:
    answer = engine.ask("What does Moscow want?")
    top = answer.results[0]
    assert top.section == "What is Russia's position?"
    assert "recognition of the annexation of Crimea" in top.text
    assert "blue News" in top.citation and "What is Russia's position?" in top.citation
    assert top.article == "Peace talks in Istanbul: the key questions"
    for result in answer.results:
        assert len(result.text) <= MAX_QUOTE_CHARS
    scores = [r.score for r in answer.results]
    assert scores == sorted(scores, reverse=True)
    assert set(answer.public()) == {"question", "answered", "results", "suggestions"}


def test_quote_takes_the_continuing_paragraph(engine: Engine) -> None:
    top = engine.ask("What are the Kremlin's conditions for a cease-fire?").results[0]
    assert "attaching preconditions" in top.text and "territorial claims" in top.text


def test_clip_cuts_at_a_sentence() -> None:
    text = "One sentence here. " * 100
    out = clip(text, 200)
    assert len(out) <= 200 and out.endswith("here. …")


def test_several_articles_answer_says_which(write, tmp_path: Path) -> None:
    write(
        "tea.md",
        "---\ntitle: All about tea\nsource: Tea Times\n---\n## How is green tea made?\n\nLeaves are steamed.\n",
    )
    write("coffee.md", "# Coffee explained\n\n## Where does coffee grow?\n\nIn the coffee belt near the equator.\n")
    engine = Engine.from_folder(tmp_path)
    answer = engine.ask("where is coffee grown")
    assert answer.answered and answer.results[0].article == "Coffee explained"
    assert engine.ask("how is green tea produced").results[0].citation.startswith("All about tea (Tea Times)")


def test_corpus_synonyms_file_is_used(write, tmp_path: Path) -> None:
    write("tea.md", "## How is green tea made?\n\nLeaves are steamed.\n")
    assert not Engine.from_folder(tmp_path).ask("what about sencha").answered
    write("synonyms.txt", "green tea, sencha\n")
    assert Engine.from_folder(tmp_path).ask("what about sencha").answered


def test_an_engine_holds_no_reference_cycles() -> None:
    # The library freezes live indexes out of the cyclic GC; a replaced one must still be freed by
    # reference counting alone, which cycles would prevent.
    gc.collect()
    gc.disable()
    try:
        engine = Engine.from_folder(shipped_corpus_dir())
        assert engine.ask("What does Moscow want?").answered
        del engine
        assert gc.collect() == 0
    finally:
        gc.enable()
