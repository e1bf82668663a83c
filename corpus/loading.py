"""Load a folder of articles as one corpus, all or nothing."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from corpus.model import Article, Corpus
from corpus.parsing import ARTICLE_SUFFIXES, CorpusError, Problem, parse_article

# A corpus folder may hold a synonyms list beside the articles; it is not an article.
SYNONYMS_FILE = "synonyms.txt"


def shipped_corpus_dir() -> Path:
    """The articles installed with the package."""
    return Path(str(files("corpus") / "articles"))


def article_paths(folder: Path) -> list[Path]:
    """The article files of a folder, in name order; hidden files and the synonyms list are skipped."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in ARTICLE_SUFFIXES
        and p.name != SYNONYMS_FILE
        and not p.name.startswith((".", "_"))
    )


def load_corpus(path: Path) -> Corpus:
    """Parse a folder of articles (or one file); raise CorpusError naming every bad file."""
    if not path.exists():
        raise CorpusError([Problem(str(path), None, "no such file or folder")])
    paths = [path] if path.is_file() else article_paths(path)
    if not paths:
        raise CorpusError([Problem(str(path), None, "no articles (.md or .txt files) in this folder")])
    articles: list[Article] = []
    problems: list[Problem] = []
    for file in paths:
        try:
            articles.append(parse_article(file))
        except CorpusError as exc:
            problems.extend(exc.problems)
    by_id: dict[str, Article] = {}
    for article in articles:
        if article.id in by_id:
            problems.append(Problem(article.path, None, f"same article name as {by_id[article.id].path}; rename one"))
        by_id.setdefault(article.id, article)
    if problems:
        raise CorpusError(problems)
    return Corpus(articles)
