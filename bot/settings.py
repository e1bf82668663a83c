"""Settings: one pydantic-settings class, read once at start from the environment or `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from platformdirs import user_data_path
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from corpus.loading import shipped_corpus_dir

APP_NAME = "faqbot"


def data_dir() -> Path:
    """Where the bot keeps its database (and, later, its live corpus) by default."""
    return user_data_path(APP_NAME, appauthor=False)


class Settings(BaseSettings):
    """Everything configurable; names are the environment variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    faqbot_api_base_url: str = Field(default="https://api.telegram.org/bot", validation_alias="FAQBOT_API_BASE_URL")
    faqbot_moderators: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), validation_alias="FAQBOT_MODERATORS"
    )
    faqbot_corpus_dir: Path | None = Field(default=None, validation_alias="FAQBOT_CORPUS_DIR")
    faqbot_db: Path | None = Field(default=None, validation_alias="FAQBOT_DB")
    faqbot_send_rate: float = Field(default=30.0, ge=0, validation_alias="FAQBOT_SEND_RATE")
    faqbot_user_limit: int = Field(default=20, ge=0, validation_alias="FAQBOT_USER_LIMIT")

    @field_validator("faqbot_moderators", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("FAQBOT_MODERATORS must be comma-separated numeric Telegram user ids") from None
        return value

    @property
    def corpus_dir(self) -> Path:
        return self.faqbot_corpus_dir or shipped_corpus_dir()

    @property
    def live_corpus_dir(self) -> Path:
        """The bot's corpus: FAQBOT_CORPUS_DIR, else a `corpus` folder beside the database."""
        return self.faqbot_corpus_dir or self.db_path.parent / "corpus"

    @property
    def cache_dir(self) -> Path:
        """Indexes cached by corpus checksum, beside the database."""
        return self.db_path.parent / "cache"

    @property
    def db_path(self) -> Path:
        return self.faqbot_db or data_dir() / "faqbot.sqlite3"

    @property
    def file_base_url(self) -> str:
        """Files are served beside the Bot API: '/bot' becomes '/file/bot'."""
        base = self.faqbot_api_base_url
        return base[: base.rfind("/bot")] + "/file/bot" if "/bot" in base else base.rstrip("/") + "/file/bot"
