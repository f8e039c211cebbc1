"""Pacing to Telegram's flood limits, so that delivery waits instead of collecting 429 answers.

Token buckets: each chat may receive a small burst, then about one message per second; all
chats together stay under the global rate. Senders wait for the global slots in a queue, first come
first served (`Pacer.turn`). The clock and the sleep are injected so tests can drive them.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
SLOW_DOWN = 0.8
"""After a 429 the global pace drops to this share of the limit (again at each 429) ..."""
SLOW_FOR_SECONDS = 10.0
"""... until this long has passed without one."""


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
    per_group_per_minute: int = 20


class Shared(Protocol):
    """The limits shared with other instances (bot.shared_pacing.SharedBudget), when there are any."""

    @property
    def active(self) -> bool: ...

    async def until_ready(self) -> None: ...

    async def chat_wait(self, chat_id: int) -> float: ...

    async def global_slot(self, waiting: int) -> None: ...

    def pause_chat(self, chat_id: int, seconds: float) -> None: ...


class Pacer:
    """Says how long to wait before a message to a chat may go out, and books it when it does."""

    def __init__(self, limits: PaceLimits = PaceLimits(), clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep, shared: Shared | None = None) -> None:
        self.limits = limits
        self.shared = shared
        """With other instances on PostgreSQL, the limits they share (each message then asks it too)."""
        self._waiting = 0
        self.clock = clock
        self.sleep = sleep
        # The global slots are handed out in the order senders asked for them: asyncio's lock is fair (its
        # first waiter proceeds first), whereas senders each sleeping until the clock allows and then racing
        # for the slot left some of them losing again and again (a minute's wait for seven seconds of work).
        self._queue = asyncio.Lock()
        # A tenth of a second's worth at a time, not a whole second's: the limit holds in every window of a
        # second all the same, and requests that arrive a little late or early never pile up at Telegram.
        self._global_burst = max(1, round(limits.global_per_second / 10))
        self._global = SlidingWindow(self._global_burst, self._global_burst / limits.global_per_second)
        self._chats: dict[int, TokenBucket] = {}
        self._groups: dict[int, SlidingWindow] = {}
        self._slow_until = 0.0
        self._slowed_at = float("-inf")

    def _chat(self, chat_id: int, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 100_000:
                self._forget_idle(now)
            bucket = TokenBucket(self.limits.per_chat_per_second, float(self.limits.per_chat_burst), now)
            self._chats[chat_id] = bucket
        return bucket

    def _group(self, chat_id: int) -> SlidingWindow | None:
        """Groups (negative chat ids) get at most `per_group_per_minute` messages a minute."""
        if chat_id >= 0:
            return None
        return self._groups.setdefault(chat_id, SlidingWindow(self.limits.per_group_per_minute, 60.0))

    async def turn(self, chat_id: int, longest: float = math.inf) -> float:
        """Wait until this chat may receive a message, then for a global slot in arrival order; book it (0).

        With other instances delivering (`shared`), the chat's cell is also reserved for everyone and the global
        slot leased from the shared budget, after this instance's own pace.

        A chat that must wait longer than `longest` (paused by a 429, here or at another instance) is not waited
        for: nothing is booked, and the seconds it must still wait are returned, so that a sender holding rows on
        a lease gives them back rather than sleep past it. A pause learned from the shared budget is then kept in
        this instance's pace too (the cell reserved for the answer is lost: the chat's next turn comes one cell
        later).
        """
        # the chat's own wait comes first, outside the queue: a chat that must wait a second would otherwise
        # hold everyone behind it; a chat has one sender at a time (delivery's chat locks), so none races here
        while (delay := self.chat_delay(chat_id)) > 0:
            if delay > longest:
                return delay
            await self.sleep(delay)
        shared = self.shared if self.shared is not None and self.shared.active else None
        if shared is not None:
            await shared.until_ready()
            if (delay := await shared.chat_wait(chat_id)) > 0:
                if delay > longest:
                    now = self.clock()
                    self._chat(chat_id, now).pause(delay, now)
                    return delay
                await self.sleep(delay)
        self._waiting += 1
        try:
            async with self._queue:
                while (delay := self.global_delay()) > 0:
                    await self.sleep(delay)
                if shared is not None:
                    await shared.global_slot(self._waiting)
                self.book(chat_id)
        finally:
            self._waiting -= 1
        return 0.0

    def delay(self, chat_id: int) -> float:
        """Seconds to wait before sending to this chat (0: now)."""
        return max(self.global_delay(), self.chat_delay(chat_id))

    def global_delay(self) -> float:
        """Seconds until the global limit lets one more message go."""
        now = self.clock()
        if self._slow_until and now >= self._slow_until:
            self._global.limit, self._slow_until = self._global_burst, 0.0
        return self._global.delay(now)

    def chat_delay(self, chat_id: int) -> float:
        """Seconds until this chat (and its group limit) may receive one more message."""
        now = self.clock()
        group = self._group(chat_id)
        return max(self._chat(chat_id, now).delay(now), group.delay(now) if group else 0.0)

    def book(self, chat_id: int) -> None:
        """A message to this chat is going out now."""
        now = self.clock()
        self._global.take(now)
        self._chat(chat_id, now).take(now)
        group = self._group(chat_id)
        if group is not None:
            group.take(now)

    def retry_after(self, chat_id: int, seconds: float) -> None:
        """Telegram answered 429: hold this chat for `seconds`, and slow everyone to 80% for a while."""
        now = self.clock()
        self._chat(chat_id, now).pause(seconds, now)
        if self.shared is not None and self.shared.active:
            self.shared.pause_chat(chat_id, seconds)
        if now - self._slowed_at >= 1.0:  # 429s arriving together are one signal, not many
            self._global.limit = max(1, int(self._global.limit * SLOW_DOWN))
            self._slowed_at = now
        self._slow_until = now + SLOW_FOR_SECONDS

    def _forget_idle(self, now: float) -> None:
        full = [chat for chat, bucket in self._chats.items() if bucket.delay(now) == 0.0
                and bucket.tokens + (now - bucket.stamp) * bucket.rate >= bucket.capacity]
        for chat in full:
            del self._chats[chat]
