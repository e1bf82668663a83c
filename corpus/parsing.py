"""Parse explainer files (.md, or .txt as scraped) into articles.

Both formats go through the same steps: read the bytes strictly, split off the
front matter, cut the body into blocks (paragraphs and headings), drop scrape
debris (photo captions with agency credits, "Show more", the byline), lift the
"No time?" block out as the summary, and group the rest into sections.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from corpus.model import Article, Passage, Section, SectionKind, content_id

ARTICLE_SUFFIXES = (".md", ".txt")
FRONT_MATTER_KEYS = ("title", "source", "url", "author", "published")

# A .txt heading is a short stand-alone line that ends in "?".
MAX_HEADING_CHARS = 160
MAX_HEADING_WORDS = 25

# Photo credits end a caption: "... (archive picture) Alex Babenko/AP/dpa".
AGENCIES = frozenset(
    a.casefold()
    for a in (
        "dpa",
        "AP",
        "AFP",
        "Reuters",
        "EPA",
        "Keystone",
        "Getty Images",
        "Getty",
        "imago",
        "Xinhua",
        "ANP",
        "SDA",
        "TASS",
        "Sputnik",
        "BelTA",
        "RIA Novosti",
        "Ukrinform",
        "EFE",
        "ANSA",
        "picture alliance",
        "picture-alliance",
        "ddp",
        "PA",
        "Anadolu",
        "Bloomberg",
        "NurPhoto",
        "ZUMA",
        "Sipa",
        "Abaca",
        "KEYSTONE-SDA",
        "UPI",
        "Kyodo",
        "Yonhap",
    )
)
_CREDIT_LABEL = re.compile(r"(?:^|\s)(?:Photo|Image|Picture|Pictures|Bild|Foto|Credit)s?:\s*\S[^.!?]*$")
_SHOW_MORE = re.compile(r"\s*\b(?:Show (?:more|less)|Read more)\s*$", re.IGNORECASE)
_DEBRIS = frozenset({"show more", "show less", "read more", "advertisement", "share", "close"})
_SUMMARY_START = re.compile(
    r"^No time\?\s*(?:(?P<who>.{0,60}?)\s+summari[sz]es(?: (?:it|this))? for you\b[.:!]?)?\s*",
    re.IGNORECASE,
)
_BYLINE_PREFIX = re.compile(r"^(?:by|von|par|text:)\s+", re.IGNORECASE)
_NAME_WORD = re.compile(r"^[A-ZÀ-ÖØ-Þ][\w'’.-]*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, located for the person who must fix it."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class CorpusError(Exception):
    """The corpus cannot be loaded; every problem found is listed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class _Block:
    line: int
    text: str
    heading: bool = False


def read_text(path: Path, data: bytes | None = None) -> str:
    """Decode a file strictly as UTF-8 text, or raise a CorpusError saying where it is not."""
    name = str(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CorpusError([Problem(name, None, f"cannot read file: {exc.strerror or exc}")]) from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise CorpusError([Problem(name, line, "not a text file (contains NUL bytes)")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise CorpusError([Problem(name, line, f"not UTF-8 text (byte 0x{bad}); save the file as UTF-8")]) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def parse_article(path: Path, data: bytes | None = None) -> Article:
    """Parse one .md or .txt file; raise CorpusError listing every problem found."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in ARTICLE_SUFFIXES:
        raise CorpusError([Problem(name, None, "not an article: expected a .md or .txt file")])
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CorpusError([Problem(name, None, f"cannot read file: {exc.strerror or exc}")]) from None
    text = read_text(path, data)
    if not text.strip():
        raise CorpusError([Problem(name, 1, "file is empty")])

    problems: list[Problem] = []
    lines = text.split("\n")
    meta, body_start = _front_matter(lines, name, problems)
    body = lines[body_start:]
    if suffix == ".md":
        blocks, title = _markdown_blocks(body, body_start)
        meta.setdefault("title", title or "")
    else:
        blocks = _text_blocks(body, body_start)
    article_id = _slug(path.stem)
    if not meta.get("title"):
        meta["title"] = path.stem.replace("-", " ").replace("_", " ").strip().capitalize()

    sections = _sections(blocks, article_id, meta, name, problems)
    if not any(s.kind == "faq" for s in sections) and not problems:
        hint = "'## Question?' headings" if suffix == ".md" else "short lines ending in '?'"
        problems.append(Problem(name, None, f"no FAQ sections found (expected {hint})"))
    if problems:
        raise CorpusError(problems)
    return Article(
        id=article_id,
        title=meta["title"],
        source=meta.get("source"),
        url=meta.get("url"),
        author=meta.get("author"),
        published=meta.get("published"),
        path=name,
        sha256=hashlib.sha256(data).hexdigest(),
        sections=tuple(sections),
    )


def _slug(stem: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", stem).casefold()).strip("-")
    return slug or content_id(stem, length=8)


def _front_matter(lines: list[str], name: str, problems: list[Problem]) -> tuple[dict[str, str], int]:
    """Read `key: value` lines between two `---` lines at the top of the file."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or lines[first].strip() != "---":
        return {}, 0
    meta: dict[str, str] = {}
    for i in range(first + 1, len(lines)):
        line = lines[i].strip()
        if line == "---":
            return meta, i + 1
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().casefold()
        if not sep or key not in FRONT_MATTER_KEYS:
            allowed = ", ".join(FRONT_MATTER_KEYS)
            problems.append(Problem(name, i + 1, f"bad front matter line {line!r}: expected one of {allowed}"))
            continue
        value = value.strip().strip("\"'").strip()
        if value:
            meta[key] = value
    problems.append(Problem(name, first + 1, "front matter opened with '---' is never closed"))
    return meta, len(lines)


def _markdown_blocks(lines: list[str], offset: int) -> tuple[list[_Block], str | None]:
    """Paragraphs split by blank lines; `## ` lines are headings, the first `# ` the title."""
    blocks: list[_Block] = []
    title: str | None = None
    para: list[str] = []
    para_line = 0

    def flush() -> None:
        if para:
            blocks.append(_Block(para_line, " ".join(s.strip() for s in para)))
            para.clear()

    for i, raw in enumerate(lines):
        line = raw.strip()
        number = offset + i + 1
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            blocks.append(_Block(number, line[3:].strip().rstrip("#").strip(), heading=True))
        elif line.startswith("# ") and title is None and not any(b.heading for b in blocks):
            flush()
            title = line[2:].strip().rstrip("#").strip()
        else:
            if not para:
                para_line = number
            para.append(line)
    flush()
    return blocks, title


def _text_blocks(lines: list[str], offset: int) -> list[_Block]:
    """One paragraph a line; a short stand-alone line ending in '?' is a heading."""
    blocks = []
    for i, raw in enumerate(lines):
        line = " ".join(raw.split())
        if line:
            blocks.append(_Block(offset + i + 1, line, heading=_looks_like_heading(line)))
    return blocks


def _looks_like_heading(line: str) -> bool:
    return (
        line.endswith("?")
        and len(line) <= MAX_HEADING_CHARS
        and len(line.split()) <= MAX_HEADING_WORDS
        and not _SUMMARY_START.match(line)
    )


def is_caption(text: str) -> bool:
    """A photo caption: it ends in an agency credit such as 'Alex Babenko/AP/dpa'."""
    if "/" in text:
        last = text.rsplit("/", 1)[1].strip().casefold()
        if last in AGENCIES:
            return True
    # The label regex scans the whole paragraph: only run it when a label's colon is there.
    return (":" in text and bool(_CREDIT_LABEL.search(text))) or text.strip().casefold() in AGENCIES


def _is_byline(text: str, author: str | None) -> bool:
    bare = _BYLINE_PREFIX.sub("", text).strip()
    if author and bare.casefold() == author.casefold():
        return True
    words = bare.split()
    return (
        (bare != text.strip() or author is None)
        and 2 <= len(words) <= 4
        and all(_NAME_WORD.match(w) for w in words)
        and not bare.endswith(".")
    )


def _sections(
    blocks: list[_Block], article_id: str, meta: dict[str, str], name: str, problems: list[Problem]
) -> list[Section]:
    """Group cleaned blocks into overview, summary and FAQ sections."""
    groups: list[tuple[SectionKind, str, int, list[_Block]]] = []
    preamble: list[_Block] = []
    summary: list[_Block] | None = None
    summary_open = False
    current: list[_Block] | None = None
    seen: dict[str, int] = {}

    for block in blocks:
        if block.heading:
            summary_open = False
            key = " ".join(block.text.casefold().split())
            if key in seen:
                problems.append(
                    Problem(name, block.line, f"duplicate heading {block.text!r} (first at line {seen[key]})")
                )
            seen.setdefault(key, block.line)
            current = []
            groups.append(("faq", block.text, block.line, current))
            continue
        text = block.text
        if is_caption(text) or text.casefold().strip(" .") in _DEBRIS:
            continue
        ends_summary = False
        # The strip regex tries every position: run it only on paragraphs that can end in it.
        stripped = _SHOW_MORE.sub("", text) if text.rstrip().lower().endswith(("more", "less")) else text
        if stripped != text:
            ends_summary = summary_open
            text = stripped.strip()
        match = _SUMMARY_START.match(text) if current is None else None
        if match and summary is None:
            text = text[match.end() :].strip()
            summary, summary_open = [], True
            groups.append(("summary", "Summary", block.line, summary))
        if not text:
            summary_open = summary_open and not ends_summary
            continue
        if current is None and not summary_open and _is_byline(text, meta.get("author")):
            meta.setdefault("author", _BYLINE_PREFIX.sub("", text).strip())
            continue
        target = summary if summary_open and summary is not None else current
        if target is None:
            target = preamble
        target.append(_Block(block.line, text))
        if ends_summary:
            summary_open = False

    if preamble:
        groups.insert(0, ("overview", "Overview", preamble[0].line, preamble))

    sections = []
    for kind, heading, line, group in groups:
        if not group:
            problems.append(Problem(name, line, f"section {heading!r} has no text under it"))
            continue
        section_id = content_id(article_id, kind, " ".join(heading.casefold().split()))
        passages = tuple(Passage(id=content_id(section_id, b.text), text=b.text, line=b.line) for b in group)
        sections.append(
            Section(id=section_id, article_id=article_id, heading=heading, kind=kind, line=line, passages=passages)
        )
    return sections
