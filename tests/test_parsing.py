"""The parser: both formats, scrape cleaning, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import CorpusError, load_corpus, parse_article, shipped_corpus_dir
from corpus.parsing import is_caption
from tests.conftest import SHARED_SCRAPE

MD = """---
title: Ignored because front matter wins
source: Example News
url: https://example.org/explainer
published: 2025-05-16
---
# The Title

Intro paragraph before any question.

## What happened?

First paragraph
continues on this line.

Second paragraph.

## Why does it matter?

Because it does.
"""


def test_shipped_txt_sections_and_metadata() -> None:
    article = parse_article(shipped_corpus_dir() / "istanbul-talks.txt")
    assert article.source == "blue News"
    assert article.author == "Jenny Keller"
    kinds = [s.kind for s in article.sections]
    assert kinds[:2] == ["overview", "summary"]
    faq = [s.heading for s in article.sections if s.kind == "faq"]
    assert faq[0] == "Who is taking part in the talks in Istanbul?"
    assert faq[-1] == "What is the current situation on the front?"
    assert len(faq) == 9


def test_scrape_cleaning_drops_captions_byline_and_show_more() -> None:
    article = parse_article(shipped_corpus_dir() / "istanbul-talks.txt")
    texts = [p.text for s in article.sections for p in s.passages]
    assert not any("/dpa" in t or "/AP" in t for t in texts), "photo captions are not passages"
    assert not any("Show more" in t for t in texts)
    assert "Jenny Keller" not in texts
    summary = next(s for s in article.sections if s.kind == "summary")
    assert summary.passages[0].text.startswith("Vladimir Putin is not taking part")
    assert summary.passages[-1].text == "Despite all diplomatic efforts, observers do not expect a comprehensive peace."


@pytest.mark.skipif(not SHARED_SCRAPE.exists(), reason="shared corpus not beside the checkout")
def test_raw_scrape_without_front_matter_finds_the_byline(tmp_path: Path) -> None:
    raw = tmp_path / "istanbul-talks.txt"
    raw.write_bytes(SHARED_SCRAPE.read_bytes())
    article = parse_article(raw)
    assert article.author == "Jenny Keller"
    assert article.title == "Istanbul talks"


@pytest.mark.parametrize(
    "line",
    [
        "Ukrainian marines walk through terrain near the Dnieper River. (archive picture) Alex Babenko/AP/dpa",
        "Energy issues are a central part of the negotiations (archive image). Patrick Pleul/dpa",
        "Fighting has dominated (archive image). Uncredited/Russian Defense Ministry Press Service/AP/dpa",
        "The delegations meet in Istanbul. Photo: Keystone",
    ],
)
def test_captions_are_recognised(line: str) -> None:
    assert is_caption(line)


@pytest.mark.parametrize("line", ["Talks and/or meetings are planned.", "Russia rejects this in principle."])
def test_ordinary_paragraphs_are_not_captions(line: str) -> None:
    assert not is_caption(line)


def test_markdown_format(write) -> None:
    article = parse_article(write("explainer.md", MD))
    assert article.title == "Ignored because front matter wins"
    assert article.url == "https://example.org/explainer"
    assert article.published == "2025-05-16"
    overview, happened, matters = article.sections
    assert overview.kind == "overview"
    assert happened.heading == "What happened?"
    assert [p.text for p in happened.passages] == ["First paragraph continues on this line.", "Second paragraph."]
    assert happened.passages[0].line == 13
    assert matters.passages[0].text == "Because it does."


def test_markdown_title_from_heading(write) -> None:
    article = parse_article(write("x.md", "# Only Title\n\n## Q?\n\nA.\n"))
    assert article.title == "Only Title"


def test_one_section_corpus(write) -> None:
    path = write("one.txt", "What is it?\nIt is one section.\n")
    corpus = load_corpus(path.parent)
    assert len(corpus) == 1


def test_ids_are_stable_across_parses_and_folders(write, tmp_path: Path) -> None:
    first = parse_article(write("a.md", MD))
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "a.md").write_text(MD, encoding="utf-8")
    second = parse_article(other / "a.md")
    assert [s.id for s in first.sections] == [s.id for s in second.sections]
    assert [p.id for s in first.sections for p in s.passages] == [p.id for s in second.sections for p in s.passages]


def _problems(path: Path) -> list[str]:
    with pytest.raises(CorpusError) as info:
        parse_article(path)
    return [str(p) for p in info.value.problems]


def test_non_utf8_file_names_file_and_line(write) -> None:
    path = write("latin1.txt", "What is it?\nCaf\xe9 au lait.\n".encode("latin-1"))
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:2: not UTF-8")


def test_binary_file(write) -> None:
    (problem,) = _problems(write("x.txt", b"What?\n\x00\x01\x02"))
    assert "not a text file" in problem


@pytest.mark.parametrize("content", ["", "  \n\n \t\n"])
def test_empty_file(write, content: str) -> None:
    path = write("empty.md", content)
    assert _problems(path) == [f"{path}:1: file is empty"]


@pytest.mark.parametrize(
    ("name", "content", "hint"),
    [
        ("plain.txt", "Just a statement.\nAnother one.\n", "short lines ending in '?'"),
        ("plain.md", "# Title\n\nSome text.\n", "'## Question?' headings"),
        ("meta.md", "---\ntitle: T\n---\n", "'## Question?' headings"),
    ],
)
def test_file_without_sections(write, name: str, content: str, hint: str) -> None:
    (problem,) = _problems(write(name, content))
    assert "no FAQ sections found" in problem and hint in problem


def test_duplicate_heading_names_both_lines(write) -> None:
    path = write("dup.md", "## Why?\n\nOne.\n\n## Why?\n\nTwo.\n")
    (problem,) = _problems(path)
    assert problem == f"{path}:5: duplicate heading 'Why?' (first at line 1)"


def test_heading_without_text(write) -> None:
    path = write("bare.md", "## First?\n\n## Second?\n\nText.\n")
    (problem,) = _problems(path)
    assert problem == f"{path}:1: section 'First?' has no text under it"


def test_front_matter_errors(write) -> None:
    path = write("fm.md", "---\ntitel: Typo\nauthor: A\n")
    problems = _problems(path)
    assert any(p.startswith(f"{path}:2: bad front matter line") for p in problems)
    assert any("never closed" in p for p in problems)


def test_folder_reports_every_bad_file(write, tmp_path: Path) -> None:
    write("good.md", "## Q?\n\nA.\n")
    write("bad.txt", b"\xff\xfe")
    write("empty.md", "")
    write("notes.pdf", b"%PDF-1.4")
    with pytest.raises(CorpusError) as info:
        load_corpus(tmp_path)
    named = sorted(Path(p.path).name for p in info.value.problems)
    assert named == ["bad.txt", "empty.md"]


def test_same_article_name_twice(write, tmp_path: Path) -> None:
    write("a.md", "## Q?\n\nA.\n")
    write("a.txt", "Q?\nA.\n")
    with pytest.raises(CorpusError, match="same article name"):
        load_corpus(tmp_path)


def test_missing_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file"):
        load_corpus(tmp_path / "nope")
    with pytest.raises(CorpusError, match="no articles"):
        load_corpus(tmp_path)
