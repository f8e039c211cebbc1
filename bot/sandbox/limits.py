"""Telegram's flood limits as token buckets: global, per chat and per group."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Limits:
    """Configured rates; `None` disables a limit."""

    global_per_second: float | None = 30.0
    paid_broadcast_per_second: float | None = 1000.0
    per_chat_per_second: float | None = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: float | None = 20.0

    def updated(self, changes: dict[str, Any]) -> Limits:
        """Return a copy with the given fields replaced (0 or None disables a limit)."""
        clean: dict[str, Any] = {}
        for name, value in changes.items():
            if name == "per_chat_burst":
                clean[name] = max(1, int(value))
            else:
                clean[name] = None if value is None or value <= 0 else float(value)
        return replace(self, **clean)

    @classmethod
    def unlimited(cls) -> Limits:
        """Return limits that never answer 429 (benchmarks of the sandbox itself)."""
        return cls(None, None, None, 1, None)


class _Bucket:
    """A token bucket holding up to `capacity` tokens refilled at `rate` per second."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def wait_time(self, now: float) -> float:
        """Return 0 and take a token, or the seconds until a token is available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class RateLimiter:
    """Decides whether a message to a chat may be sent now, as Telegram's flood control does."""

    def __init__(self, limits: Limits, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self.configure(limits)

    def configure(self, limits: Limits) -> None:
        """Replace the limits and forget the buckets."""
        self.limits = limits
        now = self._clock()
        self._global = self._make(limits.global_per_second, limits.global_per_second, now)
        self._paid = self._make(limits.paid_broadcast_per_second, limits.paid_broadcast_per_second, now)
        self._chats: dict[int, _Bucket] = {}

    @staticmethod
    def _make(rate: float | None, capacity: float | None, now: float) -> _Bucket | None:
        if rate is None or capacity is None:
            return None
        return _Bucket(rate, max(1.0, capacity), now)

    def retry_after(self, chat_id: int, *, paid: bool = False) -> int:
        """Return 0 if a message to `chat_id` may go now (and count it), else whole seconds to wait."""
        now = self._clock()
        limits = self.limits
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if chat_id < 0:
                per_minute = limits.per_group_per_minute
                bucket = self._make(per_minute / 60.0 if per_minute else None, per_minute, now)
            else:
                bucket = self._make(limits.per_chat_per_second, float(limits.per_chat_burst), now)
            if bucket is None:
                return self._global_wait(now, paid)
            self._chats[chat_id] = bucket
        wait = bucket.wait_time(now)
        if wait:
            return math.ceil(wait)
        wait_global = self._global_wait(now, paid)
        if wait_global:
            bucket.tokens += 1.0  # the message was not sent: give the chat's token back
        return wait_global

    def _global_wait(self, now: float, paid: bool) -> int:
        shared = self._paid if paid else self._global
        if shared is None:
            return 0
        return math.ceil(shared.wait_time(now))
