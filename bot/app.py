"""The Telegram application: built from settings, engine and database opened in post_init."""

from __future__ import annotations

import logging
import signal
import sys

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.library import Library
from bot.ordering import PerChatUpdateProcessor
from bot.ratelimits import ReaderFloodLimit, TelegramRateLimiter
from bot.settings import Settings
from bot.storage import Storage
from bot.transport import AiohttpRequest, env_proxy
from corpus.parsing import CorpusError
from handlers import register
from handlers.commands import READER_COMMANDS
from handlers.errors import EXIT_CODE
from handlers.moderation import MODERATOR_COMMANDS

log = logging.getLogger(__name__)


class QuietConflicts(logging.Filter):
    """python-telegram-bot logs Conflict with a traceback while stopping; our error handler already said it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], Conflict):
            record.msg, record.args = f"{record.getMessage()} (Conflict: {record.exc_info[1]})", None
            record.exc_info = None
        return True


class RedactingFilter(logging.Filter):
    """Replace secrets in every record, whatever logger or library wrote it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so the formatter does not print the raw one.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        redacted = message
        for secret in self.secrets:
            redacted = redacted.replace(secret, "[token]")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "[token]")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup_logging(settings: Settings) -> None:
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(QuietConflicts())
    handler.addFilter(RedactingFilter([token]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    # httpx logs every request URL at INFO, and the URL holds the token. Our requests go through aiohttp,
    # which does not, but PTB may still use httpx for something one day.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def build_application(settings: Settings) -> Application:
    """The PTB Application, with the engine and database opened in post_init and closed in post_shutdown."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    proxy = env_proxy(settings.faqbot_api_base_url)
    app = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.faqbot_api_base_url)
        .base_file_url(settings.file_base_url)
        .request(AiohttpRequest(proxy=proxy))
        .get_updates_request(AiohttpRequest(connection_pool_size=1, proxy=proxy))
        .concurrent_updates(PerChatUpdateProcessor())
        # With FAQBOT_SEND_RATE=0 the caps are off, but a 429 is still waited out and retried.
        .rate_limiter(TelegramRateLimiter(settings.faqbot_send_rate))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data["settings"] = settings
    app.bot_data["flood"] = ReaderFloodLimit(settings.faqbot_user_limit)
    register(app)
    return app


async def post_init(app: Application) -> None:
    """Open the database, load the live corpus (or the last good version), set the command menus."""
    settings: Settings = app.bot_data["settings"]
    storage = await Storage.open(settings.db_path)
    app.bot_data["storage"] = storage
    folder = settings.live_corpus_dir
    if settings.faqbot_corpus_dir is None and Library.seed(folder):
        log.info("created the corpus folder %s from the shipped articles", folder)
    library = Library(folder, storage, settings.cache_dir)
    log.info("corpus: %s", await library.start())
    app.bot_data["library"] = library
    engine = library.engine
    assert engine is not None
    readers = [BotCommand(name, about) for name, about in READER_COMMANDS]
    await app.bot.set_my_commands(readers, scope=BotCommandScopeDefault())
    moderators = readers + [BotCommand(name, about) for name, about in MODERATOR_COMMANDS]
    for user_id in sorted(settings.faqbot_moderators):
        try:  # a moderator's private chat has the moderator's user id
            await app.bot.set_my_commands(moderators, scope=BotCommandScopeChat(user_id))
        except TelegramError as exc:
            log.warning("could not set the moderator menu for user %s (has it started the bot?): %s", user_id, exc)
    log.info(
        "faqbot ready as @%s: %d articles, %d sections, database %s",
        app.bot.username,
        len(engine.corpus.articles),
        len(engine.table_of_contents()),
        settings.db_path,
    )


async def post_shutdown(app: Application) -> None:
    """Close the database after the last update was handled."""
    storage: Storage | None = app.bot_data.pop("storage", None)
    if storage is not None:
        await storage.close()


def run(settings: Settings) -> int:
    """Long polling until SIGINT or SIGTERM; then a clean shutdown."""
    setup_logging(settings)
    try:
        app = build_application(settings)
        app.run_polling(
            allowed_updates=Update.ALL_TYPES,
            stop_signals=(signal.SIGINT, signal.SIGTERM),
            close_loop=False,
        )
    except InvalidToken:
        log.error("Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather")
        return 1
    except CorpusError as exc:
        problems = "\n".join(f"  {p}" for p in exc.problems)
        log.error("cannot start: the corpus does not load and no good version is stored:\n%s", problems)
        return 1
    code = int(app.bot_data.get(EXIT_CODE, 0))
    log.info("faqbot stopped" + (f" (exit status {code})" if code else ""))
    return code
