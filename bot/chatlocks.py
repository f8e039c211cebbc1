"""One lock per chat, kept exactly as long as someone holds it or waits for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ChatLocks:
    """Per-chat locks that cannot be dropped while in use: each counts its holder and waiters.

    A lock leaves the table when its last user is done, so the table holds only the chats busy at this
    moment however many chats there are, and two users of one chat always share one lock (pruning by
    `locked()` could drop a lock just released to a waiter that had not yet run).
    """

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def holding(self, chat_id: int) -> AsyncIterator[None]:
        """Hold the chat's lock for the block, after whoever holds or waits for it now."""
        lock, users = self._locks.get(chat_id) or (asyncio.Lock(), 0)
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)

    def __len__(self) -> int:
        """Chats with a holder or a waiter now."""
        return len(self._locks)
