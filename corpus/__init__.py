"""FAQ articles: parsing, the corpus model, and the shipped explainer."""

from corpus.loading import load_corpus, shipped_corpus_dir
from corpus.model import Article, Corpus, Passage, Section
from corpus.parsing import CorpusError, Problem, parse_article

__all__ = [
    "Article",
    "Corpus",
    "CorpusError",
    "Passage",
    "Problem",
    "Section",
    "load_corpus",
    "parse_article",
    "shipped_corpus_dir",
]
