"""HTTP to the Bot API over aiohttp, as a python-telegram-bot request class.

PTB's default, HTTPXRequest, spends most of the bot's CPU: measured through a stand-in Bot API
(30 ms a send, 16 requests in flight), PTB's httpx request took 1.6-1.9 ms of CPU per
sendMessage and an aiohttp session 0.41-0.45 ms, at the same rate. A bot that answers thousands of readers
is bound by that CPU, so its requests go through aiohttp; PTB itself is unchanged above
`do_request` (errors, retries, rate limiting and parsing stay its own).
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """Bot API requests over one aiohttp session: JSON bodies, multipart when a file goes up.

    Timeouts mean what they mean for HTTPXRequest: `read` between bytes of the answer, `connect`
    for a new connection, `pool` for a free one (aiohttp counts the connect in it), and `write`
    bounds, with the others, the whole request (aiohttp has no write timeout of its own).
    """

    __slots__ = ("_connect_timeout", "_media_write_timeout", "_pool_size", "_pool_timeout", "_proxy",
                 "_read_timeout", "_session", "_write_timeout")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        proxy: str | None = None,
    ) -> None:
        self._proxy = proxy
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """See :attr:`BaseRequest.read_timeout`."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (inside the running loop, as aiohttp wants)."""
        if self._session is None or self._session.closed:
            # Not trust_env: aiohttp would then read ~/.netrc and the proxy variables in a worker thread on
            # every request. The proxy is looked up once instead (env_proxy).
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._pool_size))

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See :meth:`BaseRequest.do_request`."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        uploads = request_data is not None and request_data.contains_files
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write_timeout if uploads else self._write_timeout
        timeout = aiohttp.ClientTimeout(
            total=_sum(read, write, connect, pool),
            connect=_sum(connect, pool),
            sock_connect=connect,
            sock_read=read,
        )
        headers = {"User-Agent": self.USER_AGENT}
        body: bytes | aiohttp.FormData | None = None
        if uploads:
            assert request_data is not None
            body = aiohttp.FormData(request_data.json_parameters)
            for name, (file_name, content, mime_type) in request_data.multipart_data.items():
                body.add_field(name, content, filename=file_name, content_type=mime_type)
        elif request_data is not None and request_data.parameters:
            # Objects (reply_markup…) nested as JSON objects, which Telegram takes: one encoding pass, not
            # PTB's json_payload, which encodes each object to a string and then the whole again.
            body = json.dumps(request_data.parameters).encode()
            headers["Content-Type"] = "application/json"
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=self._proxy
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            if isinstance(exc, aiohttp.ConnectionTimeoutError):
                raise TimedOut(
                    "Timed out getting a connection to the Bot API (all pooled connections busy, or connecting "
                    "took too long); the request was not sent."
                ) from exc
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def env_proxy(url: str) -> str | None:
    """The proxy the environment names for this URL (HTTPS_PROXY, ALL_PROXY…, minus NO_PROXY), as httpx would."""
    parts = urllib.parse.urlsplit(url)
    if urllib.request.proxy_bypass_environment(parts.hostname or ""):
        return None
    proxies = urllib.request.getproxies_environment()
    return proxies.get(parts.scheme) or proxies.get("all")


def _sum(*timeouts: float | None) -> float | None:
    """The timeouts added up; None (no limit) if any of them is None."""
    if any(t is None for t in timeouts):
        return None
    return float(sum(t for t in timeouts if t is not None))
