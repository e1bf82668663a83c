"""The corpus model: articles made of FAQ sections made of passages.

Ids are derived from content (article file name, heading, passage text), so a
citation or a button pointing at a section still finds it after a reload.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SectionKind = Literal["faq", "overview", "summary"]


def content_id(*parts: str, length: int = 12) -> str:
    """A short, stable id: the hex sha1 of the parts."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


class Passage(BaseModel):
    """One paragraph of a section: the unit that is quoted."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    line: int = Field(description="1-based line in the source file")


class Section(BaseModel):
    """One FAQ entry: a question heading and the paragraphs that answer it."""

    model_config = ConfigDict(frozen=True)

    id: str
    article_id: str
    heading: str
    kind: SectionKind = "faq"
    line: int
    passages: tuple[Passage, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.passages)

    @property
    def checksum(self) -> str:
        return content_id(self.heading, self.text, length=16)


class Article(BaseModel):
    """One explainer file."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    source: str | None = None
    url: str | None = None
    author: str | None = None
    published: str | None = None
    path: str
    sha256: str
    sections: tuple[Section, ...]

    @property
    def label(self) -> str:
        """How an answer names the article: its title, and the source when known."""
        return f"{self.title} ({self.source})" if self.source else self.title


class Corpus:
    """Every article of a corpus folder, with look-ups by id."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles: tuple[Article, ...] = tuple(articles)
        self._articles = {a.id: a for a in self.articles}
        self._sections = {s.id: s for a in self.articles for s in a.sections}

    def __len__(self) -> int:
        return len(self._sections)

    def sections(self) -> Iterator[Section]:
        for article in self.articles:
            yield from article.sections

    def section(self, section_id: str) -> Section | None:
        return self._sections.get(section_id)

    def article(self, article_id: str) -> Article:
        return self._articles[article_id]

    def article_of(self, section: Section) -> Article:
        return self._articles[section.article_id]

    @property
    def passage_count(self) -> int:
        return sum(len(s.passages) for s in self.sections())
