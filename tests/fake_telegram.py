"""A stand-in Bot API server on 127.0.0.1 that answers like Telegram, for end-to-end tests.

It serves getMe and long-polled getUpdates, records every other call, and rejects
what Telegram rejects: HTML it cannot parse and texts over 4096 characters.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from itertools import count
from pathlib import Path
from typing import Any

from aiohttp import web
from telegram.ext import Application

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
BOT = {"id": 123456, "is_bot": True, "first_name": "FAQ", "username": "IstanbulFaqBot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                "tg-spoiler", "span", "blockquote", "tg-emoji"}


class _TelegramHTML(HTMLParser):
    """Telegram's parser: known tags only, balanced, and no bare '<' or '&'."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f"Unsupported start tag \"{tag}\""
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = f"Unexpected end tag \"{tag}\""

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self.error = f"Unsupported entity \"{name}\""


def html_error(text: str) -> str | None:
    if re.search(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        return "Can't parse entities: unescaped '&'"
    if re.search(r"<(?![a-zA-Z/])", text):
        return "Can't parse entities: unescaped '<'"
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.error or parser.stack:
        return "Can't parse entities: " + (parser.error or "unclosed tag")
    return None


def _visible_length(text: str) -> int:
    return len(re.sub(r"<[^>]+>", "", text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


class FakeTelegram:
    """Queue updates with `push`, read what the bot sent from `calls`."""

    def __init__(
        self, enforce_limits: bool = False, fail_every: int = 0, conflict: bool = False, send_delay: float = 0.0
    ) -> None:
        self.send_delay = send_delay  # seconds each send takes, like a round trip to Telegram
        # Telegram's flood limits: 1 message a second per private chat, 20 a minute per group, 30 a second
        # in all; a send over them gets 429 with retry_after and is not delivered.
        self.enforce_limits = enforce_limits
        self.fail_every = fail_every  # every n-th getUpdates answers 502
        self.conflict = conflict  # another poller: getUpdates answers 409
        self.rejected: list[tuple[str, dict, int]] = []
        self._sends: dict[int, list[float]] = {}
        self._all_sends: list[float] = []
        self._get_updates_calls = 0
        self._pushed_at = 0.0
        self._recorded = asyncio.Event()
        self.updates: list[dict] = []
        self.calls: list[tuple[str, dict]] = []
        self._update_id = count(1)
        self._message_id = count(1000)
        self._new = asyncio.Event()
        self.files: dict[str, bytes] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def outage(self, seconds: float) -> None:
        """Go away entirely (connections refused) for a while, then come back on the same port."""
        await self.stop()
        await asyncio.sleep(seconds)
        self._new = asyncio.Event()
        await self.start(self.port)

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._download)
        # For benchmarks that run this server in another process.
        app.router.add_route("POST", "/_control/push", self._control_push)
        app.router.add_route("GET", "/_control/count/{method}", self._control_count)
        app.router.add_route("GET", "/_control/wait/{method}", self._control_wait)
        app.router.add_route("GET", "/_control/polls", self._control_polls)
        app.router.add_route("GET", "/_control/sent/{method}", self._control_sent)
        app.router.add_route("POST", "/_control/reset", self._control_reset)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._new.set()  # release held long polls so the server can close at once
        if self._runner:
            await self._runner.cleanup()

    def push(self, update: dict) -> int:
        update_id = next(self._update_id)
        self.updates.append({"update_id": update_id, **update})
        self._new.set()
        return update_id

    def _record(self, method: str, params: dict) -> None:
        self.calls.append((method, params))
        self._recorded.set()

    def sent(self, method: str) -> list[dict]:
        return [params for name, params in self.calls if name == method]

    async def wait_for(self, method: str, n: int = 1, within: float = 10.0) -> list[dict]:
        if not await self._arrived(method, n, within):
            raise AssertionError(f"expected {n} {method} calls, got {self.calls}")
        return self.sent(method)

    async def _arrived(self, method: str, n: int, within: float) -> bool:
        """Wait until `n` calls of a method are in, or `within` seconds pass; whether they are in."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while len(self.sent(method)) < n:
            if loop.time() >= deadline:
                return False
            self._recorded.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._recorded.wait(), deadline - loop.time())
        return True

    async def _params(self, request: web.Request) -> dict:
        # Telegram takes a JSON body, a form or multipart; values that are JSON (reply_markup…) are decoded alike.
        data = await request.json() if request.content_type == "application/json" else await request.post()
        params: dict[str, Any] = {}
        for key, value in data.items():
            try:
                params[key] = json.loads(value) if isinstance(value, str) else value
            except ValueError:
                params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params = await self._params(request)
        if method == "getMe":
            return self._ok(BOT)
        if method == "getUpdates":
            self._get_updates_calls += 1
            if self.conflict:
                return self._error(409, "Conflict: terminated by other getUpdates request; "
                                        "make sure that only one bot instance is running")
            if self.fail_every and self._get_updates_calls % self.fail_every == 0:
                return web.Response(status=502, text="<html>502 Bad Gateway</html>", content_type="text/html")
            return self._ok(await self._get_updates(params))
        if method == "getFile":
            self._record(method, params)
            file_id = str(params.get("file_id"))
            if file_id not in self.files:
                return self._error(400, "Bad Request: invalid file_id")
            return self._ok({"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self.files[file_id]),
                             "file_path": f"documents/{file_id}"})
        if method in ("sendMessage", "editMessageText", "answerInlineQuery") and self.send_delay:
            await asyncio.sleep(self.send_delay)
        if method in ("deleteWebhook", "setMyCommands", "answerInlineQuery", "answerCallbackQuery",
                      "sendChatAction", "close", "logOut"):
            self._record(method, params)
            return self._ok(True)
        if method in ("sendMessage", "editMessageText"):
            text = str(params.get("text", ""))
            if params.get("parse_mode") == "HTML":
                error = html_error(text)
                if error:
                    return self._error(400, f"Bad Request: {error}")
            if _visible_length(text) > 4096:
                return self._error(400, "Bad Request: message is too long")
            if not text.strip():
                return self._error(400, "Bad Request: message text is empty")
            if method == "sendMessage" and self.enforce_limits:
                wait = self._flood_wait(int(params["chat_id"]))
                if wait:
                    self.rejected.append((method, params, wait))
                    return web.json_response(
                        {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {wait}",
                         "parameters": {"retry_after": wait}},
                        status=429,
                    )
            self._record(method, params)
            return self._ok(self._message(params))
        self._record(method, params)
        return self._error(404, "Not Found: method not found")

    async def _control_push(self, request: web.Request) -> web.Response:
        for update in await request.json():
            self.push(update)
        self._pushed_at = asyncio.get_running_loop().time()
        return self._ok(True)

    async def _control_wait(self, request: web.Request) -> web.Response:
        """Once `n` calls of a method are in: how many, and the seconds since the last push (timed here, so
        the benchmark's own requests cost the bot under test nothing)."""
        method = request.match_info["method"]
        await self._arrived(method, int(request.query.get("n", 1)), float(request.query.get("within", 60)))
        seconds = asyncio.get_running_loop().time() - self._pushed_at
        return self._ok({"count": len(self.sent(method)), "seconds": seconds})

    async def _control_sent(self, request: web.Request) -> web.Response:
        return self._ok(self.sent(request.match_info["method"]))

    async def _control_polls(self, request: web.Request) -> web.Response:
        return self._ok(self._get_updates_calls)

    async def _control_count(self, request: web.Request) -> web.Response:
        return self._ok(len(self.sent(request.match_info["method"])))

    async def _control_reset(self, request: web.Request) -> web.Response:
        self.calls.clear()
        return self._ok(True)

    def _flood_wait(self, chat_id: int) -> int:
        """Seconds to wait if this send breaks a limit; else 0, and the send is counted."""
        now = asyncio.get_running_loop().time()
        chat = self._sends.setdefault(chat_id, [])
        if chat_id > 0 and chat and now - chat[-1] < 1.0:
            return 1
        if chat_id < 0 and len([t for t in chat if now - t < 60]) >= 20:
            return 60 - int(now - chat[-20])
        if len([t for t in self._all_sends if now - t < 1]) >= 30:
            return 1
        chat.append(now)
        self._all_sends.append(now)
        return 0

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.Response(status=401)
        file_id = request.match_info["path"].removeprefix("documents/")
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])

    def document(self, file_name: str, data: bytes, mime_type: str = "text/markdown") -> dict:
        """A document attached to a message; its bytes are served by getFile and the file URL."""
        file_id = f"f{len(self.files) + 1}"
        self.files[file_id] = data
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name,
                "mime_type": mime_type, "file_size": len(data)}

    async def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates and timeout:
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), timeout)
        return self.updates[: int(params.get("limit") or 100)]

    def _message(self, params: dict) -> dict:
        chat_id = int(params["chat_id"]) if "chat_id" in params else 1
        return {"message_id": params.get("message_id") or next(self._message_id), "date": 0,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": BOT, "text": re.sub(r"<[^>]+>", "", str(params["text"]))}

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str) -> web.Response:
        return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)


USER = {"id": 42, "is_bot": False, "first_name": "Reader"}


def private_message(text: str, message_id: int = 1, user: dict | None = None) -> dict:
    user = user or USER
    message: dict[str, Any] = {"message_id": message_id, "date": 0, "chat": {"id": user["id"], "type": "private"},
                               "from": user, "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"message": message}


def group_message(text: str, message_id: int = 1, reply_to: dict | None = None) -> dict:
    message: dict[str, Any] = {"message_id": message_id, "date": 0,
                               "chat": {"id": -100, "type": "supergroup", "title": "Readers"},
                               "from": USER, "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if reply_to:
        message["reply_to_message"] = reply_to
    return {"message": message}


MODERATOR = {"id": 7, "is_bot": False, "first_name": "Mod"}


def document_message(document: dict, user: dict | None = None, message_id: int = 1) -> dict:
    user = user or USER
    return {"message": {"message_id": message_id, "date": 0, "chat": {"id": user["id"], "type": "private"},
                        "from": user, "document": document}}


@asynccontextmanager
async def running_bot(telegram: FakeTelegram, tmp_path: Path, **settings: object) -> AsyncIterator[Application]:
    """The real Application started as run_polling starts it: initialize, post_init, polling, start."""
    from bot.app import build_application
    from bot.settings import Settings

    # Pacing is off unless a test asks for it: this server enforces no limits unless told to.
    values = {"TELEGRAM_BOT_TOKEN": TOKEN, "FAQBOT_API_BASE_URL": telegram.base_url,
              "FAQBOT_DB": tmp_path / "bot.sqlite3", "FAQBOT_SEND_RATE": 0, **settings}
    application = build_application(Settings(**values))
    await application.initialize()
    await application.post_init(application)
    await application.updater.start_polling(poll_interval=0, timeout=1)
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.post_shutdown(application)
        await application.shutdown()
