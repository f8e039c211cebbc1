"""Pacing to Telegram's flood limits, so that delivery waits instead of collecting 429 answers.

Token buckets: each chat may receive a small burst, then about one message per second; all
chats together stay under the global rate. The clock is injected so tests can drive it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


class SlidingWindow:
    """At most `limit` events in any `window` seconds (stricter than a bucket: no double burst)."""

    __slots__ = ("events", "limit", "window")

    def __init__(self, limit: int, window: float = 1.0) -> None:
        self.limit, self.window = max(1, limit), window
        self.events: deque[float] = deque()

    def delay(self, now: float) -> float:
        """Seconds until one more event fits in the window."""
        while self.events and now - self.events[0] >= self.window:
            self.events.popleft()
        return 0.0 if len(self.events) < self.limit else self.events[0] + self.window - now

    def take(self, now: float) -> None:
        """Record an event now."""
        self.events.append(now)


class TokenBucket:
    """Up to `capacity` tokens, refilled at `rate` per second."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate, self.capacity, self.tokens, self.stamp = rate, capacity, capacity, now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def delay(self, now: float) -> float:
        """Seconds until one token is available (0: now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        """Spend one token (may go negative after a forced send, which delays the next)."""
        self._refill(now)
        self.tokens -= 1.0

    def pause(self, seconds: float, now: float) -> None:
        """Telegram said "retry after": no token until then."""
        self._refill(now)
        self.tokens = min(self.tokens, 1.0 - seconds * self.rate)


@dataclass(frozen=True, slots=True)
class PaceLimits:
    """Telegram's limits: messages per second overall, and per chat with a small burst."""

    global_per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3


class Pacer:
    """Says how long to wait before a message to a chat may go out, and books it when it does."""

    def __init__(self, limits: PaceLimits = PaceLimits(), clock: Clock = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._global = SlidingWindow(int(limits.global_per_second))
        self._chats: dict[int, TokenBucket] = {}

    def _chat(self, chat_id: int, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 100_000:
                self._forget_idle(now)
            bucket = TokenBucket(self.limits.per_chat_per_second, float(self.limits.per_chat_burst), now)
            self._chats[chat_id] = bucket
        return bucket

    def delay(self, chat_id: int) -> float:
        """Seconds to wait before sending to this chat (0: now)."""
        now = self.clock()
        return max(self._global.delay(now), self._chat(chat_id, now).delay(now))

    def book(self, chat_id: int) -> None:
        """A message to this chat is going out now."""
        now = self.clock()
        self._global.take(now)
        self._chat(chat_id, now).take(now)

    def retry_after(self, chat_id: int, seconds: float) -> None:
        """Telegram answered 429 for this chat: hold it (and, gently, everyone) for `seconds`."""
        now = self.clock()
        self._chat(chat_id, now).pause(seconds, now)

    def _forget_idle(self, now: float) -> None:
        full = [chat for chat, bucket in self._chats.items() if bucket.delay(now) == 0.0
                and bucket.tokens + (now - bucket.stamp) * bucket.rate >= bucket.capacity]
        for chat in full:
            del self._chats[chat]
