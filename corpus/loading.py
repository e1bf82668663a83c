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


def _is_article_name(name: str) -> bool:
    return Path(name).suffix.lower() in ARTICLE_SUFFIXES and name != SYNONYMS_FILE and not name.startswith((".", "_"))


def article_paths(folder: Path) -> list[Path]:
    """The article files of a folder, in name order; hidden files and the synonyms list are skipped."""
    return sorted(p for p in folder.iterdir() if p.is_file() and _is_article_name(p.name))


def corpus_files(folder: Path) -> dict[str, bytes]:
    """The files that make a corpus: the articles and the synonyms list."""
    files = {p.name: p.read_bytes() for p in article_paths(folder)}
    synonyms = folder / SYNONYMS_FILE
    if synonyms.is_file():
        files[SYNONYMS_FILE] = synonyms.read_bytes()
    return files


def load_corpus_files(files: dict[str, bytes], folder: Path) -> Corpus:
    """Parse articles given as {file name: bytes}, reported as files of `folder`; all or nothing."""
    names = sorted(n for n in files if _is_article_name(n))
    if not names:
        raise CorpusError([Problem(str(folder), None, "no articles (.md or .txt files) in this folder")])
    articles: list[Article] = []
    problems: list[Problem] = []
    for name in names:
        try:
            articles.append(parse_article(folder / name, files[name]))
        except CorpusError as exc:
            problems.extend(exc.problems)
    return _assemble(articles, problems)


def read_corpus(path: Path) -> tuple[dict[str, bytes], Path]:
    """The files of a corpus folder (or one article file) as {name: bytes}, and the folder they are in."""
    if not path.exists():
        raise CorpusError([Problem(str(path), None, "no such file or folder")])
    if path.is_file() and not _is_article_name(path.name):
        raise CorpusError([Problem(str(path), None, "not an article: expected a .md or .txt file")])
    try:
        files = {path.name: path.read_bytes()} if path.is_file() else corpus_files(path)
    except OSError as exc:
        raise CorpusError([Problem(str(exc.filename or path), None, f"cannot read: {exc.strerror or exc}")]) from None
    return files, path.parent if path.is_file() else path


def load_corpus(path: Path) -> Corpus:
    """Parse a folder of articles (or one file); raise CorpusError naming every bad file."""
    return load_corpus_files(*read_corpus(path))


def _assemble(articles: list[Article], problems: list[Problem]) -> Corpus:
    by_id: dict[str, Article] = {}
    for article in articles:
        if article.id in by_id:
            problems.append(Problem(article.path, None, f"same article name as {by_id[article.id].path}; rename one"))
        by_id.setdefault(article.id, article)
    if problems:
        raise CorpusError(problems)
    return Corpus(articles)
