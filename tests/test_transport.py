"""The aiohttp request class under PTB: bodies, uploads, downloads, and errors mapped as PTB expects."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.transport import AiohttpRequest, env_proxy


class Recorder:
    """A tiny HTTP server that keeps what it was sent and answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.delay = 0.0
        self.reply: tuple[int, dict] = (200, {"ok": True, "result": True})

    async def handle(self, request: web.Request) -> web.Response:
        record: dict = {"method": request.method, "path": request.path, "host": request.host,
                        "type": request.content_type,
                        "agent": request.headers.get("User-Agent", "")}
        if request.content_type == "multipart/form-data":
            form = await request.post()
            record["form"] = {
                k: (v.filename, v.file.read(), v.content_type) if isinstance(v, web.FileField) else v
                for k, v in form.items()
            }
        else:
            record["body"] = await request.read()
        self.requests.append(record)
        await asyncio.sleep(self.delay)
        status, payload = self.reply
        return web.json_response(payload, status=status)


@pytest.fixture
async def server() -> AsyncIterator[tuple[Recorder, str]]:
    recorder = Recorder()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recorder.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield recorder, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def request_() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(connection_pool_size=4)
    await request.initialize()
    yield request
    await request.shutdown()


def params(**values: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in values.items()])


async def test_parameters_go_as_json_with_objects_serialized_as_telegram_takes_them(server, request_) -> None:
    recorder, url = server
    markup = {"inline_keyboard": [[{"text": "More", "callback_data": "m:1"}]]}
    result = await request_.post(f"{url}/botT/sendMessage", params(chat_id=5, text="<b>Hi</b> & bye",
                                                                     reply_markup=markup))
    assert result is True
    (sent,) = recorder.requests
    assert sent["method"] == "POST" and sent["type"] == "application/json"
    assert sent["agent"].startswith("python-telegram-bot")
    body = json.loads(sent["body"])
    assert body == {"chat_id": 5, "text": "<b>Hi</b> & bye", "reply_markup": markup}


async def test_a_request_without_parameters_has_no_body(server, request_) -> None:
    recorder, url = server
    await request_.post(f"{url}/botT/getMe")
    assert recorder.requests[0]["body"] == b""


async def test_a_file_goes_up_as_multipart_with_the_other_parameters(server, request_) -> None:
    recorder, url = server
    data = RequestData([
        RequestParameter.from_input("chat_id", 5),
        RequestParameter.from_input("document", InputFile(b"# Tea\n", filename="tea.md")),
    ])
    assert data.contains_files
    await request_.post(f"{url}/botT/sendDocument", data)
    (sent,) = recorder.requests
    assert sent["type"] == "multipart/form-data"
    assert sent["form"]["chat_id"] == "5"
    file_name, content, _ = sent["form"]["document"]
    assert (file_name, content) == ("tea.md", b"# Tea\n")


async def test_a_download_returns_the_bytes(server, request_) -> None:
    recorder, url = server
    recorder.reply = (200, {"some": "file"})
    assert json.loads(await request_.retrieve(f"{url}/file/botT/documents/f1")) == {"some": "file"}
    assert recorder.requests[0]["method"] == "GET"


async def test_telegram_errors_are_parsed_by_ptb(server, request_) -> None:
    recorder, url = server
    recorder.reply = (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                            "parameters": {"retry_after": 3}})
    with pytest.raises(RetryAfter, match="Retry in 3"):
        await request_.post(f"{url}/botT/sendMessage", params(chat_id=5, text="x"))


async def test_a_refused_connection_is_a_network_error(request_) -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    with pytest.raises(NetworkError, match=r"aiohttp\.Client"):
        await request_.post(f"http://127.0.0.1:{port}/botT/getMe")


async def test_a_slow_answer_times_out(server, request_) -> None:
    recorder, url = server
    recorder.delay = 1.0
    started = asyncio.get_running_loop().time()
    with pytest.raises(TimedOut):
        await request_.post(f"{url}/botT/getMe", read_timeout=0.2)
    assert asyncio.get_running_loop().time() - started < 0.9


async def test_no_free_connection_within_the_pool_timeout_is_a_timeout_and_nothing_is_sent(server) -> None:
    recorder, url = server
    recorder.delay = 1.0
    request = AiohttpRequest(connection_pool_size=1)
    await request.initialize()
    try:
        held = asyncio.create_task(request.post(f"{url}/botT/first"))
        await asyncio.sleep(0.1)
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimedOut, match="not sent"):  # aiohttp waits for a free connection and connects in one
            await request.post(f"{url}/botT/second", pool_timeout=0.1, connect_timeout=0.1)
        assert asyncio.get_running_loop().time() - started < 0.5
        await held
        assert [r["path"] for r in recorder.requests] == ["/botT/first"]
    finally:
        await request.shutdown()


async def test_lifecycle(server) -> None:
    _, url = server
    request = AiohttpRequest()
    with pytest.raises(NetworkError, match="not initialized"):  # PTB wraps what the request class raises
        await request.post(f"{url}/botT/getMe")
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is fine
    await request.initialize()  # and it opens again, as PTB's Application may re-initialize
    assert await request.post(f"{url}/botT/getMe") is True
    await request.shutdown()
    assert request.read_timeout == 5.0


def test_the_proxy_comes_from_the_environment_as_httpx_would_take_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "all_proxy",
                 "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert env_proxy("https://api.telegram.org/bot") is None
    monkeypatch.setenv("ALL_PROXY", "http://all:3128")
    assert env_proxy("https://api.telegram.org/bot") == "http://all:3128"
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy:3128")
    assert env_proxy("https://api.telegram.org/bot") == "http://proxy:3128"
    assert env_proxy("http://127.0.0.1:8081/bot") == "http://all:3128"
    monkeypatch.setenv("NO_PROXY", "api.telegram.org")
    assert env_proxy("https://api.telegram.org/bot") is None


async def test_requests_go_through_the_proxy(server) -> None:
    recorder, proxy = server
    request = AiohttpRequest(proxy=proxy)
    await request.initialize()
    try:
        assert await request.post("http://api.example.invalid/botT/getMe") is True
    finally:
        await request.shutdown()
    assert (recorder.requests[0]["host"], recorder.requests[0]["path"]) == ("api.example.invalid", "/botT/getMe")
