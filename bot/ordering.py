"""Updates of one chat are handled one at a time, in the order they came; chats run side by side.

With plain concurrent updates, two replies to one chat race each other, and when Telegram
answers one with 429 its retry lands after the next: answers come out of order. Here a chat's
updates queue on that chat's lock (FIFO) before they take one of the shared slots, so a busy
chat never holds slots that other chats could use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def chat_key(update: object) -> str | None:
    """What orders an update: its chat, else (inline queries) its user."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return f"c{update.effective_chat.id}"
    if update.effective_user is not None:
        return f"u{update.effective_user.id}"
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Sequential within a chat, concurrent across chats, at most `max_concurrent_updates` at once."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[str, asyncio.Lock] = {}
        self._queued: dict[str, int] = {}

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await super().process_update(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._queued[key] = self._queued.get(key, 0) + 1
        try:
            async with lock:
                await super().process_update(update, coroutine)
        finally:
            self._queued[key] -= 1
            if not self._queued[key]:  # forget idle chats: memory stays bounded by active ones
                del self._queued[key]
                del self._locks[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
