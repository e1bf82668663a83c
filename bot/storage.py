"""The bot's SQLite database: named migrations, the question log, feedback.

No user names are stored; user ids only as an HMAC keyed with a secret kept in
the database itself, so the log can count distinct users without naming them.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
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
)


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

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        """Open (creating if needed) the database, in WAL mode, with every migration applied."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(str(path))
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
        await self.db.close()

    def user_hash(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()[:24]

    async def log_question(self, entry: LoggedQuestion) -> None:
        await self.db.execute(
            "INSERT INTO questions (id, at, chat_type, user_hash, question, kind, answered, section_id, score,"
            " latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.id,
                now(),
                entry.chat_type,
                self.user_hash(entry.user_id),
                entry.question,
                entry.kind,
                int(entry.answered),
                entry.section_id,
                entry.score,
                round(entry.latency_ms, 3),
            ),
        )
        await self.db.commit()

    async def add_feedback(self, question_id: str, user_id: int, value: int) -> bool:
        """Record 👍 (1) or 👎 (-1); a second vote by the same user replaces the first. False if unknown."""
        async with self.db.execute("SELECT 1 FROM questions WHERE id = ?", (question_id,)) as cur:
            if await cur.fetchone() is None:
                return False
        await self.db.execute(
            "INSERT INTO feedback (question_id, user_hash, value, at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (question_id, user_hash) DO UPDATE SET value = excluded.value, at = excluded.at",
            (question_id, self.user_hash(user_id), value, now()),
        )
        await self.db.commit()
        return True


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
    await db.execute("INSERT INTO meta (key, value) VALUES ('user_hash_key', ?)", (key.hex(),))
    await db.commit()
    return key
