"""The running sandbox: the world, the bot's identity, limits, faults and update delivery."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import ApiError, too_many_requests
from bot.sandbox.limits import Limits, RateLimiter
from bot.sandbox.state import World


@dataclass(slots=True)
class Faults:
    """Injected failures of the Bot API side, drawn from a seeded random generator."""

    error_rate: float = 0.0
    timeout_rate: float = 0.0
    hang_seconds: float = 65.0
    seed: int = 0
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @property
    def active(self) -> bool:
        """Whether any fault is configured."""
        return bool(self.error_rate or self.timeout_rate)

    def draw(self) -> str | None:
        """Return "error", "timeout" or None for the next Bot API call."""
        roll = self.rng.random()
        if roll < self.error_rate:
            return "error"
        if roll < self.error_rate + self.timeout_rate:
            return "timeout"
        return None


MAX_FILE_BYTES = 20 * 1024 * 1024
"""The largest file a person sends here: 20 MiB, the largest a bot can download (Telegram's getFile answers "file is
too big" beyond, as telegram-bot-api's 20 << 20). Telegram's apps send bigger files, but a bot can never read one, so
the sandbox refuses them with a clear error instead of storing what no bot could fetch."""
BODY_BYTES = 4 * -(-MAX_FILE_BYTES // 3) + 1024 * 1024
"""The largest request body by default: a file of MAX_FILE_BYTES in base64 (4 characters for every 3 bytes:
27,962,028), and a MiB for the JSON around it (a caption, a name). An album of big files is more than one body can
carry: the page sends the files chosen together as several albums, each within it."""


class Sandbox:
    """One simulated Telegram serving one bot."""

    def __init__(self, token: str, limits: Limits, max_upload_bytes: int) -> None:
        self.token = token
        self.max_upload_bytes = max_upload_bytes
        bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": bot_id, "is_bot": True, "first_name": "P2C Sandbox Bot", "username": "p2c_sandbox_bot",
        }
        self.me: dict[str, Any] = {
            **self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False,
        }
        self.world = World()
        self.initial_limits = limits
        self.limiter = RateLimiter(limits)
        self.faults = Faults()
        self.webhook_wakeup = asyncio.Event()
        self._poller: asyncio.Future[None] | None = None
        self.held: Callable[[], Awaitable[dict[str, Any]]] | None = None
        """What the bot holds for later (GET /sandbox/held): given by whoever runs the bot and knows its database
        (bot.sandbox_runner); the sandbox itself knows nothing of the bot's outbox."""

    def push_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update for the bot and wake whoever delivers it."""
        update_id = self.world.updates.push(kind, payload)
        if update_id is not None and self.world.webhook.url:
            self.webhook_wakeup.set()
        return update_id

    def check_rate(self, chat_id: int, paid: bool) -> None:
        """Raise 429 with retry_after if a message to `chat_id` would exceed a limit."""
        wait = self.limiter.retry_after(chat_id, paid=paid)
        if wait:
            self.world.stats.rate_limited += 1
            raise too_many_requests(wait)

    async def long_poll(self, timeout: float) -> None:
        """Wait until an update arrives or `timeout` passes; 409 if another getUpdates replaces this one."""
        self.interrupt_poll(
            "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
        )
        waiter = self.world.updates.waiter()
        self._poller = waiter
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            pass
        finally:
            if self._poller is waiter:
                self._poller = None
        failure = waiter.exception() if waiter.done() else None
        if isinstance(failure, ApiError):
            raise failure

    def interrupt_poll(self, description: str) -> None:
        """End a waiting getUpdates with 409 and `description`, as Telegram does."""
        if self._poller is not None and not self._poller.done():
            self._poller.set_exception(ApiError(409, description))

    def release_waiters(self) -> None:
        """End every long poll (getUpdates and chat readers) at once, so the server can stop quickly."""
        self.world.updates.wake()
        for log in self.world.chats.values():
            log.changed()

    def reset(self) -> None:
        """Forget chats, updates and counters; restore the limits and faults given at start."""
        self.world.reset()
        self.limiter.configure(self.initial_limits)
        self.faults = Faults()

    async def wait_idle(self, timeout: float, quiet_ms: int) -> bool:
        """Return True once every update was handed out and no Bot API call came for quiet_ms."""
        deadline = time.monotonic() + timeout
        quiet = quiet_ms / 1000.0
        world = self.world
        while True:
            now = time.monotonic()
            if not world.updates.pending() and not world.busy and now - world.last_activity >= quiet:
                return True
            if now >= deadline:
                return False
            await asyncio.sleep(min(0.01, max(0.0, deadline - now)))
