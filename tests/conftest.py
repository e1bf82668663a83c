"""Shared fixtures: the shipped corpus, its engine, and small corpora written on the fly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.answering import Engine
from corpus import shipped_corpus_dir
from tests.fake_telegram import FakeTelegram

DATA = Path(__file__).parent / "data"
SHARED_SCRAPE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "istanbul-talks.txt"


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.from_folder(shipped_corpus_dir())


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file into a fresh corpus folder and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """A stand-in Bot API server on 127.0.0.1 for the test."""
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()
