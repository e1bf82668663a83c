"""The bot's SQLite database: named migrations, the question log, feedback.

No user names are stored; user ids only as an HMAC keyed with a secret kept in
the database itself, so the log can count distinct users without naming them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

# Applied in order, each once, recorded by name in schema_migrations. Never edit one that shipped.
MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_meta",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
    (
        "0002_question_log",
        """CREATE TABLE questions (
            id TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            chat_type TEXT NOT NULL,
            user_hash TEXT,
            question TEXT NOT NULL,
            kind TEXT NOT NULL,
            answered INTEGER NOT NULL,
            section_id TEXT,
            score REAL,
            latency_ms REAL NOT NULL
        );
        CREATE INDEX questions_at ON questions(at);""",
    ),
    (
        "0003_feedback",
        """CREATE TABLE feedback (
            question_id TEXT NOT NULL REFERENCES questions(id),
            user_hash TEXT NOT NULL,
            value INTEGER NOT NULL CHECK (value IN (-1, 1)),
            at TEXT NOT NULL,
            PRIMARY KEY (question_id, user_hash)
        );""",
    ),
    (
        "0004_corpus_versions",
        """CREATE TABLE corpus_blobs (sha256 TEXT PRIMARY KEY, content BLOB NOT NULL);
        CREATE TABLE corpus_versions (
            number INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            moderator_hash TEXT,
            restored_from INTEGER,
            articles INTEGER NOT NULL,
            sections INTEGER NOT NULL,
            passages INTEGER NOT NULL
        );
        CREATE TABLE corpus_files (
            version INTEGER NOT NULL REFERENCES corpus_versions(number),
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL REFERENCES corpus_blobs(sha256),
            size INTEGER NOT NULL,
            PRIMARY KEY (version, name)
        );""",
    ),
    (
        "0005_audit",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            user_hash TEXT,
            action TEXT NOT NULL,
            allowed INTEGER NOT NULL,
            detail TEXT
        );""",
    ),
)


# Log entries per INSERT: 10 values each, well under SQLite's 32,766 variables a statement.
LOG_BATCH = 500


@dataclass(frozen=True)
class Version:
    """One corpus that loaded: what, when, by whom (a keyed hash), and its files (name -> sha256)."""

    number: int
    at: str
    action: str
    moderator_hash: str | None
    restored_from: int | None
    articles: int
    sections: int
    passages: int
    files: dict[str, str]


@dataclass(frozen=True)
class Stats:
    asked_today: int
    asked_week: int
    asked_all: int
    answered_all: int
    top_sections: list[tuple[str, int]]
    unanswered: list[tuple[str, int]]
    thumbs_up: int
    thumbs_down: int


@dataclass(frozen=True)
class LoggedQuestion:
    id: str
    chat_type: str
    user_id: int | None
    question: str
    kind: str
    answered: bool
    section_id: str | None
    score: float | None
    latency_ms: float


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_question_id() -> str:
    """Made before the write, so the reply's buttons can point at the log entry at once."""
    return secrets.token_hex(6)


class Storage:
    """One aiosqlite connection to the bot's database."""

    def __init__(self, db: aiosqlite.Connection, key: bytes) -> None:
        self.db = db
        self._key = key
        # One connection, many tasks: writes take turns, so no task's commit lands inside another's transaction.
        self._writing = asyncio.Lock()
        self._log_queue: list[tuple[LoggedQuestion, asyncio.Future[None]]] = []
        self._log_writer: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        """Open (creating if needed) the database, in WAL mode, with every migration applied."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: a statement outside BEGIN…COMMIT commits by itself, so a batch of log entries is one
        # INSERT and one trip to the database thread instead of three (BEGIN, INSERT, COMMIT).
        db = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await migrate(db)
            key = await _secret_key(db)
        except BaseException:
            await db.close()
            raise
        return cls(db, key)

    async def close(self) -> None:
        """Flush queued log entries, then close."""
        if self._log_writer is not None:
            await asyncio.gather(self._log_writer, return_exceptions=True)
        await self.db.close()

    def user_hash(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()[:24]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A write, alone: committed whole, or rolled back when the block fails."""
        async with self._writing:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self.db.rollback()
                raise
            await self.db.commit()

    def queue_log(self, entry: LoggedQuestion) -> asyncio.Future[None]:
        """Queue one log entry; the future is done once it is committed. Entries queued together share one write."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._log_queue.append((entry, future))
        if self._log_writer is None or self._log_writer.done():
            self._log_writer = asyncio.create_task(self._write_log_entries(), name="question-log-writer")
        return future

    async def log_question(self, entry: LoggedQuestion) -> None:
        """Write one log entry; returns once it is committed."""
        await self.queue_log(entry)

    async def _write_log_entries(self) -> None:
        """Drain the queue: every entry waiting goes in one INSERT, atomic and committed alone (group commit)."""
        while self._log_queue:
            batch, self._log_queue = self._log_queue[:LOG_BATCH], self._log_queue[LOG_BATCH:]
            values: list[object] = []
            for e, _ in batch:
                values += (e.id, now(), e.chat_type, self.user_hash(e.user_id), e.question, e.kind, int(e.answered),
                           e.section_id, e.score, round(e.latency_ms, 3))
            try:
                async with self._writing:
                    await self.db.execute(
                        "INSERT INTO questions (id, at, chat_type, user_hash, question, kind, answered, section_id,"
                        " score, latency_ms) VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(batch)),
                        values,
                    )
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    async def add_feedback(self, question_id: str, user_id: int, value: int) -> bool:
        """Record 👍 (1) or 👎 (-1); a second vote by the same user replaces the first. False if unknown."""
        async with self.db.execute("SELECT 1 FROM questions WHERE id = ?", (question_id,)) as cur:
            if await cur.fetchone() is None:
                return False
        async with self.transaction():
            await self.db.execute(
                "INSERT INTO feedback (question_id, user_hash, value, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (question_id, user_hash) DO UPDATE SET value = excluded.value, at = excluded.at",
                (question_id, self.user_hash(user_id), value, now()),
            )
        return True


    async def audit(self, user_id: int | None, action: str, allowed: bool, detail: str = "") -> None:
        """Every moderation command, allowed or refused."""
        async with self.transaction():
            await self.db.execute(
                "INSERT INTO audit (at, user_hash, action, allowed, detail) VALUES (?, ?, ?, ?, ?)",
                (now(), self.user_hash(user_id), action, int(allowed), detail[:500]),
            )

    async def record_version(
        self,
        action: str,
        moderator: int | None,
        files: dict[str, bytes],
        counts: tuple[int, int, int],
        restored_from: int | None = None,
        only_if_changed: bool = False,
    ) -> Version:
        """Store a corpus that loaded, file contents included, so it can be restored or started from."""
        digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        last = await self.last_version()
        if only_if_changed and last is not None and last.files == digests:
            return last
        async with self.transaction():
            cur = await self.db.execute(
                "INSERT INTO corpus_versions (at, action, moderator_hash, restored_from, articles, sections, passages)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now(), action, self.user_hash(moderator), restored_from, *counts),
            )
            number = cur.lastrowid
            for name, data in files.items():
                await self.db.execute(
                    "INSERT OR IGNORE INTO corpus_blobs (sha256, content) VALUES (?, ?)", (digests[name], data)
                )
                await self.db.execute(
                    "INSERT INTO corpus_files (version, name, sha256, size) VALUES (?, ?, ?, ?)",
                    (number, name, digests[name], len(data)),
                )
        version = await self.get_version(number)
        assert version is not None
        return version

    async def get_version(self, number: int) -> Version | None:
        async with self.db.execute(
            "SELECT number, at, action, moderator_hash, restored_from, articles, sections, passages"
            " FROM corpus_versions WHERE number = ?",
            (number,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        async with self.db.execute(
            "SELECT name, sha256 FROM corpus_files WHERE version = ? ORDER BY name", (number,)
        ) as cur:
            files = {name: digest for name, digest in await cur.fetchall()}
        return Version(*row, files=files)

    async def last_version(self) -> Version | None:
        async with self.db.execute("SELECT max(number) FROM corpus_versions") as cur:
            row = await cur.fetchone()
        return await self.get_version(row[0]) if row and row[0] is not None else None

    async def versions(self, limit: int = 10) -> list[Version]:
        async with self.db.execute("SELECT number FROM corpus_versions ORDER BY number DESC LIMIT ?", (limit,)) as cur:
            numbers = [row[0] for row in await cur.fetchall()]
        found = [await self.get_version(n) for n in numbers]
        return [v for v in found if v is not None]

    async def version_files(self, number: int) -> dict[str, bytes]:
        async with self.db.execute(
            "SELECT f.name, b.content FROM corpus_files f JOIN corpus_blobs b USING (sha256) WHERE f.version = ?",
            (number,),
        ) as cur:
            return {name: bytes(content) for name, content in await cur.fetchall()}

    async def stats(self, limit: int = 5) -> Stats:
        """What readers asked: counts, share answered, top sections, frequent unanswered questions, feedback."""
        day = datetime.now(UTC) - timedelta(days=1)
        week = datetime.now(UTC) - timedelta(days=7)

        async def one(sql: str, *args: object) -> int:
            async with self.db.execute(sql, args) as cur:
                row = await cur.fetchone()
            return int(row[0] or 0) if row else 0

        async def rows(sql: str, *args: object) -> list[tuple[str, int]]:
            async with self.db.execute(sql, args) as cur:
                return [(str(a), int(b)) for a, b in await cur.fetchall()]

        return Stats(
            asked_today=await one("SELECT count(*) FROM questions WHERE at >= ?", day.isoformat()),
            asked_week=await one("SELECT count(*) FROM questions WHERE at >= ?", week.isoformat()),
            asked_all=await one("SELECT count(*) FROM questions"),
            answered_all=await one("SELECT count(*) FROM questions WHERE answered = 1"),
            top_sections=await rows(
                "SELECT section_id, count(*) AS n FROM questions WHERE answered = 1 AND section_id IS NOT NULL"
                " GROUP BY section_id ORDER BY n DESC, section_id LIMIT ?",
                limit,
            ),
            unanswered=await rows(
                "SELECT min(question), count(*) AS n FROM questions WHERE answered = 0 AND kind = 'refusal'"
                " GROUP BY lower(trim(question)) ORDER BY n DESC, min(at) LIMIT ?",
                limit,
            ),
            thumbs_up=await one("SELECT count(*) FROM feedback WHERE value = 1"),
            thumbs_down=await one("SELECT count(*) FROM feedback WHERE value = -1"),
        )


async def migrate(db: aiosqlite.Connection) -> list[str]:
    """Apply the migrations not yet recorded; return their names. Safe to run any number of times."""
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    async with db.execute("SELECT name FROM schema_migrations") as cur:
        done = {row[0] for row in await cur.fetchall()}
    applied = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        body = sql.strip().rstrip(";")
        await db.executescript(f"BEGIN;\n{body};\nINSERT INTO schema_migrations VALUES ('{name}', '{now()}');\nCOMMIT;")
        applied.append(name)
        log.info("database migration applied: %s", name)
    return applied


async def _secret_key(db: aiosqlite.Connection) -> bytes:
    async with db.execute("SELECT value FROM meta WHERE key = 'user_hash_key'") as cur:
        row = await cur.fetchone()
    if row:
        return bytes.fromhex(row[0])
    key = secrets.token_bytes(32)
    await db.execute("INSERT INTO meta (key, value) VALUES ('user_hash_key', ?)", (key.hex(),))  # autocommit
    return key
