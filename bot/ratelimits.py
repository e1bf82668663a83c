"""Flood limits: Telegram's on what the bot sends, ours on what a reader asks."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, Literal

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

# Telegram: about one message a second in a private chat.
PRIVATE_CHAT_RATE = 1.0
# A 429 is waited out and the request sent again this many times; with one chat's replies sent in
# order, one at a time, a reply meets at most a couple of 429s.
MAX_RETRIES = 20


class TelegramRateLimiter(AIORateLimiter):
    """python-telegram-bot's AIORateLimiter (overall and per-group caps, 429 retries), plus one
    message a second per private chat, which it leaves to the overall cap."""

    def __init__(self, overall_max_rate: float, private_max_rate: float = PRIVATE_CHAT_RATE) -> None:
        limited = overall_max_rate > 0
        super().__init__(
            overall_max_rate=overall_max_rate,
            overall_time_period=1,
            group_max_rate=20 if limited else 0,
            group_time_period=60,
            max_retries=MAX_RETRIES,
        )
        self._private_rate = private_max_rate if limited else 0
        self._private: dict[int, AsyncLimiter] = {}

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._private) > 10_000:  # drop limiters whose capacity is all back
            self._private = {k: v for k, v in self._private.items() if not v.has_capacity(v.max_rate)}
        return self._private.setdefault(chat_id, AsyncLimiter(self._private_rate, 1))

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        try:
            chat_id = int(chat_id) if chat_id is not None else None
        except (TypeError, ValueError):
            chat_id = None
        if self._private_rate and chat_id is not None and chat_id > 0:
            limiter = self._private_limiter(chat_id)

            async def paced(*a: Any, **kw: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
                async with limiter:
                    return await callback(*a, **kw)

            return await super().process_request(paced, args, kwargs, endpoint, data, rate_limit_args)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


Verdict = Literal["ok", "warn", "drop"]


class ReaderFloodLimit:
    """At most `per_minute` questions a reader in any 60 seconds; the first one over gets a warning."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._asked: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, user_id: int | None) -> Verdict:
        if not self.per_minute or user_id is None:
            return "ok"
        now = self.clock()
        asked = self._asked.setdefault(user_id, deque())
        while asked and asked[0] <= now - 60:
            asked.popleft()
        if len(self._asked) > 50_000:
            self._forget(now)
        if len(asked) < self.per_minute:
            asked.append(now)
            return "ok"
        warned = self._warned.get(user_id)
        if warned is not None and warned >= asked[0]:
            return "drop"
        self._warned[user_id] = now
        return "warn"

    def _forget(self, now: float) -> None:
        self._asked = {u: q for u, q in self._asked.items() if q and q[-1] > now - 60}
        self._warned = {u: t for u, t in self._warned.items() if t > now - 60}
