"""A synthetic newsroom archive: Zipf-distributed words, FAQ-shaped articles, varied questions."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

SYLLABLES = ["ka", "lo", "mi", "ra", "ten", "vo", "shi", "pa", "ne", "du", "bri", "sol", "gan", "te", "mor", "qui"]


def vocabulary(size: int, seed: int = 1) -> list[str]:
    """Pronounceable, distinct made-up words (the analyzer stems them like English)."""
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


class Archive:
    """Articles of sections of paragraphs, with word frequencies following Zipf's law."""

    def __init__(self, vocab_size: int = 50_000, seed: int = 7) -> None:
        self.vocab = vocabulary(vocab_size, seed)
        ranks = np.arange(1, vocab_size + 1)
        weights = 1.0 / ranks**1.07
        self.p = weights / weights.sum()
        self.rng = np.random.default_rng(seed)

    def words(self, n: int) -> list[str]:
        return [self.vocab[i] for i in self.rng.choice(len(self.vocab), size=n, p=self.p)]

    def write(self, folder: Path, articles: int, sections: int = 10, paragraphs: int = 3) -> int:
        """Write `articles` .md files; return the number of passages."""
        folder.mkdir(parents=True, exist_ok=True)
        for a in range(articles):
            lines = [f"# Article {a}: {' '.join(self.words(4))}", ""]
            for s in range(sections):
                lines += [f"## What about {' '.join(self.words(4))} {a}-{s}?", ""]
                for _ in range(paragraphs):
                    lines += [" ".join(self.words(int(self.rng.integers(30, 80)))) + ".", ""]
            (folder / f"article-{a:05}.md").write_text("\n".join(lines), encoding="utf-8")
        return articles * sections * paragraphs

    def questions(self, n: int, seed: int = 11) -> list[str]:
        """Varied questions: 2 to 6 words, mostly from the middle of the frequency range."""
        rng = random.Random(seed)
        out = []
        for _ in range(n):
            k = rng.randint(2, 6)
            picks = [self.vocab[min(int(rng.paretovariate(0.6)) * 3, len(self.vocab) - 1)] for _ in range(k)]
            out.append(rng.choice(["What about", "Why", "How does", "Is there", "Who"]) + " " + " ".join(picks) + "?")
        return out
