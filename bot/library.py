"""The live corpus: its folder, loading all or nothing, versions, uploads and rollback.

Knows nothing of Telegram. Every change is parsed and indexed off the event loop from the
new files' bytes first; the live engine is swapped in one assignment only when the whole
new corpus loaded, so a question is answered from the old corpus or the new one, never
from a half-built one.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from bot.answering import Engine
from bot.storage import Storage, Version
from corpus.loading import article_paths, corpus_files, shipped_corpus_dir
from corpus.model import Corpus
from corpus.parsing import ARTICLE_SUFFIXES, CorpusError, Problem

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 1024 * 1024
BUILD_SWITCH_INTERVAL = 0.0005


@dataclass
class Changes:
    """What a new corpus changes, for the moderator's reply."""

    articles_added: list[str] = field(default_factory=list)
    articles_removed: list[str] = field(default_factory=list)
    articles_changed: list[str] = field(default_factory=list)
    sections_added: list[str] = field(default_factory=list)
    sections_removed: list[str] = field(default_factory=list)
    sections_changed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(vars(self).values())


@dataclass
class LoadResult:
    version: Version
    changes: Changes


def diff(old: Corpus | None, new: Corpus) -> Changes:
    """Articles and sections added, removed and changed between two corpora."""
    changes = Changes()
    old_articles = {a.id: a for a in old.articles} if old else {}
    new_articles = {a.id: a for a in new.articles}
    changes.articles_added = [new_articles[i].title for i in new_articles.keys() - old_articles.keys()]
    changes.articles_removed = [old_articles[i].title for i in old_articles.keys() - new_articles.keys()]
    changes.articles_changed = [
        a.title for i, a in new_articles.items() if i in old_articles and old_articles[i].sha256 != a.sha256
    ]
    # An article whose file is unchanged has the same sections (their ids include the article's): only
    # the others are compared, so a reload that edits one file of thousands costs next to nothing.
    unchanged = {i for i, a in new_articles.items() if i in old_articles and old_articles[i].sha256 == a.sha256}
    old_sections = {s.id: s for i, a in old_articles.items() if i not in unchanged for s in a.sections}
    new_sections = {s.id: s for i, a in new_articles.items() if i not in unchanged for s in a.sections}
    changes.sections_added = [new_sections[i].heading for i in new_sections.keys() - old_sections.keys()]
    changes.sections_removed = [old_sections[i].heading for i in old_sections.keys() - new_sections.keys()]
    changes.sections_changed = [
        s.heading for i, s in new_sections.items() if i in old_sections and old_sections[i].checksum != s.checksum
    ]
    for name in vars(changes):
        getattr(changes, name).sort()
    return changes


def safe_file_name(name: str) -> str:
    """A bare, harmless file name: no folders, no dots in front, plain characters only."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).lstrip(".-_")
    return base[:100]


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Library:
    """The folder the bot answers from, and the one engine that is live."""

    def __init__(self, folder: Path, storage: Storage, cache_dir: Path | None = None) -> None:
        self.folder = folder
        self.cache_dir = cache_dir
        self.storage = storage
        self.engine: Engine | None = None
        self.version: Version | None = None
        self._lock = asyncio.Lock()

    @staticmethod
    def seed(folder: Path) -> bool:
        """Create the folder from the shipped articles on first start; never touch an existing one."""
        if folder.exists():
            return False
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".seed-", dir=folder.parent))
        for path in article_paths(shipped_corpus_dir()):
            shutil.copy2(path, staging / path.name)
        os.replace(staging, folder)
        return True

    async def start(self) -> str:
        """Load the folder; if it is broken, the last good version from the database. Returns what happened."""
        try:
            result = await self._load(await asyncio.to_thread(corpus_files_or_empty, self.folder), "start", None)
            return f"loaded {self.folder} as version {result.version.number}"
        except CorpusError as exc:
            last = await self.storage.last_version()
            if last is None:
                raise
            log.error("the corpus folder does not load:\n%s", "\n".join(f"  {p}" for p in exc.problems))
            files = await self.storage.version_files(last.number)
            self.engine = await asyncio.to_thread(build_engine, files, self.folder, self.cache_dir)
            self.version = last
            message = f"started from the last good version {last.number} stored in the database"
            log.warning("%s (%s): fix the folder and /reload", message, last.at)
            return message

    async def reload(self, moderator: int | None) -> LoadResult:
        """Re-read the folder; all or nothing."""
        async with self._lock:
            return await self._load(await asyncio.to_thread(corpus_files_or_empty, self.folder), "reload", moderator)

    async def upload(self, file_name: str, data: bytes, moderator: int) -> tuple[str, LoadResult]:
        """Validate an uploaded article with the rest of the corpus, then save and load it."""
        name = safe_file_name(file_name)
        if not name.lower().endswith(ARTICLE_SUFFIXES):
            allowed = "only .md and .txt articles (or synonyms.txt) can be uploaded"
            raise CorpusError([Problem(file_name, None, allowed)])
        if len(data) > MAX_UPLOAD_BYTES:
            raise CorpusError([Problem(name, None, f"too large: {len(data)} bytes, the limit is {MAX_UPLOAD_BYTES}")])
        async with self._lock:
            files = await asyncio.to_thread(corpus_files_or_empty, self.folder)
            files[name] = data
            result = await self._load(files, "upload", moderator, write={name: data})
            return name, result

    async def rollback(self, moderator: int, to: int | None = None) -> LoadResult:
        """Restore a stored version (by default the one before the live content) into the folder and load it."""
        async with self._lock:
            if self.version is None:
                raise CorpusError([Problem(str(self.folder), None, "no version is live")])
            target = to if to is not None else (self.version.restored_from or self.version.number) - 1
            version = await self.storage.get_version(target)
            if version is None:
                raise CorpusError([Problem("versions", None, f"there is no version {target} to go back to")])
            files = await self.storage.version_files(target)
            current = await asyncio.to_thread(corpus_files_or_empty, self.folder)
            remove = [name for name in current if name not in files]
            return await self._load(files, "rollback", moderator, write=files, remove=remove, restored_from=target)

    def _apply(self, write: dict[str, bytes], remove: list[str]) -> None:
        """Put files into the folder (each atomically) and take others out; only after the corpus loaded."""
        for name, data in write.items():
            _write_atomically(self.folder / name, data)
        for name in remove:
            (self.folder / name).unlink(missing_ok=True)

    async def _load(
        self,
        files: dict[str, bytes],
        action: str,
        moderator: int | None,
        write: dict[str, bytes] | None = None,
        remove: list[str] | None = None,
        restored_from: int | None = None,
    ) -> LoadResult:
        # Parse and index off the event loop: answering goes on meanwhile. The index cache is used at
        # start only, before polling: pickling a large engine is one long call that holds the GIL
        # (measured: inline answers stalled 1.6 s during a reload of 36,000 passages).
        cache = self.cache_dir if action == "start" else None
        # The build is Python work that holds the GIL; with the default 5 ms switch interval the event
        # loop waits for it at every wake-up (measured: inline answers p50 120 ms, worst 2.5 s during a
        # reload of 36,000 passages). At 0.5 ms: p50 62 ms, worst 185 ms. One build at a time (the lock).
        previous = sys.getswitchinterval()
        sys.setswitchinterval(BUILD_SWITCH_INTERVAL)
        try:
            engine = await asyncio.to_thread(build_engine, files, self.folder, cache)
        finally:
            sys.setswitchinterval(previous)
        await asyncio.to_thread(self._apply, write or {}, remove or [])
        old = self.engine.corpus if self.engine else None
        changes = await asyncio.to_thread(diff, old, engine.corpus)  # every file may have changed
        version = await self.storage.record_version(
            action=action,
            moderator=moderator,
            files=files,
            counts=(len(engine.corpus.articles), len(engine.table_of_contents()), engine.corpus.passage_count),
            restored_from=restored_from,
            only_if_changed=action == "start",
        )
        self.engine, self.version = engine, version  # the swap
        return LoadResult(version, changes)


def build_engine(files: dict[str, bytes], folder: Path, cache_dir: Path | None = None) -> Engine:
    """Parse and index as the bot does at start and on reload (in a worker thread).

    Python's cyclic GC would run full collections over the live index and the half-built one while
    the build allocates, each holding the GIL: eleven of 45 to 259 ms during a reload of 36,000
    passages, stalling every chat, and 5 s of a 21 s cold start at 120,000. So it is off for the build,
    and what is alive afterwards (the indexes, the modules) is frozen out of later collections. An index
    holds no reference cycles (tested), so a replaced one is still freed, by reference counting.
    """
    gc.disable()
    try:
        engine = Engine.from_files(files, folder, cache_dir)
        gc.freeze()
        return engine
    finally:
        gc.enable()


def corpus_files_or_empty(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return corpus_files(folder)
