"""Long polling that confirms an update to Telegram only once it has been handled (at-least-once).

Telegram forgets an update once getUpdates is called with an offset above its id. aiogram's own
polling asks for the next updates at once, so an update is confirmed while it is still being
handled, and lost if handling then fails for a passing reason (the database restarting) or the
process stops. Here the offset moves only past updates whose handling is over: the updates
fetched together are handled concurrently (one chat's in order), and the next getUpdates waits until
they are done, or for `settle` seconds at most; after that it asks from the oldest update still in
hand, so a slow update holds back no one else, and nothing in hand is confirmed. Updates fetched
again while in hand, or handled while an older one is still in hand, are skipped here; after a
restart, updates handled but not yet confirmed are recognised by their key in the database
(handlers.router), so each update is handled once.

Telegram cannot be asked for the updates after those in hand only: asking from the oldest one in hand brings the
others back too (at 100 people at once, 1,267 of 3,267 updates fetched were such). So the answer is taken as JSON
(`Fetch`) and only an update not seen before is built into aiogram's `Update` (`Parse`, about a third of the cost
of fetching). An update that cannot be built is logged by id and confirmed: it would otherwise stop polling for
good, since Telegram would send it first every time.

Telegram refuses getUpdates (409 Conflict) while a webhook is set for the token or another process polls with it:
this process then receives nothing. Each refusal is logged with Telegram's words; repeated ones are an error line
saying what to do, the `p2c_polling_conflicts` counter, and /readyz's "updates" check (`Conflicts`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot.delivery import ConflictError
from bot.metrics import POLLING_CONFLICTS

log = logging.getLogger(__name__)

Feed = Callable[[Update], Awaitable[object]]
Fetch = Callable[[int | None, int, list[str]], Awaitable[list[dict[str, Any]]]]
"""getUpdates(offset, timeout, allowed_updates): the updates as Telegram sent them (JSON objects)."""
Parse = Callable[[dict[str, Any]], Update]
"""One update's JSON as aiogram's `Update`, bound to the bot (feed_update would otherwise rebuild it)."""
Unreadable = Callable[[dict[str, Any]], Awaitable[None]]
"""Called with the JSON of an update that could not be built, to tell its person (it must not raise)."""

LONG_POLL_SECONDS = 25
SETTLE_SECONDS = 0.25
"""How long the next getUpdates waits for the updates in hand before asking for newer ones anyway."""
RETRY = BackoffConfig(min_delay=0.5, max_delay=30.0, factor=2.0, jitter=0.1)
CONFLICTS_ALARM = 3
"""409 refusals in one spell before an error line and /readyz say that updates do not arrive: one alone may be a
poller that was just replaced (a restart), or a webhook instance deleting its webhook."""
CONFLICT_CLEAR = 90.0
"""Seconds without a 409 that end a spell: longer than a long poll and the longest wait between two attempts."""


@dataclass
class Conflicts:
    """getUpdates refused with 409 Conflict: Telegram gives this bot's updates to a webhook or to another poller."""

    clock: Callable[[], float] = time.monotonic
    count: int = 0
    """Refusals in the current spell."""
    last: float | None = None

    def seen(self, description: str) -> None:
        """Count one refusal; the spell's CONFLICTS_ALARM-th says what to do, once."""
        now = self.clock()
        if self.last is None or now - self.last > CONFLICT_CLEAR:
            self.count = 0
        self.count, self.last = self.count + 1, now
        POLLING_CONFLICTS.inc()
        if self.count == CONFLICTS_ALARM:
            log.error("getUpdates keeps being refused (%s): this process receives no updates while another one polls "
                      "with the same bot token or a webhook is set for it (a `run --webhook` instance). Stop the other "
                      "process: one process polls, or every instance runs in webhook mode", description)

    def state(self) -> str:
        """"ok", or why updates do not arrive (/readyz's "updates" check)."""
        if self.count < CONFLICTS_ALARM or self.last is None or self.clock() - self.last > CONFLICT_CLEAR:
            return "ok"
        return f"refused {self.count} times (409 Conflict): another process polls or a webhook is set"


class Poller:
    """Fetches updates with getUpdates and feeds each to `feed`, confirming only what was handled."""

    def __init__(self, fetch: Fetch, parse: Parse, feed: Feed, allowed_updates: list[str], *,
                 settle: float = SETTLE_SECONDS, long_poll: int = LONG_POLL_SECONDS,
                 unreadable: Unreadable | None = None) -> None:
        self.fetch = fetch
        self.unreadable = unreadable
        self.parse = parse
        self.feed = feed
        self.allowed_updates = allowed_updates
        self.settle = settle
        self.long_poll = long_poll
        self.in_hand: dict[int, asyncio.Task[None]] = {}
        self.done: set[int] = set()
        """Updates handled while an older one is still in hand: fetched again, they are skipped."""
        self.newest = -1
        """The highest update id fetched so far."""
        self.conflicts = Conflicts()

    def offset(self) -> int | None:
        """The offset for the next getUpdates: the oldest update in hand, else one past the newest fetched."""
        if self.in_hand:
            return min(self.in_hand)
        return self.newest + 1 if self.newest >= 0 else None

    async def run(self, stop: asyncio.Event, grace: float = 10.0) -> None:
        """Poll until `stop` is set; then give the updates in hand `grace` seconds (the rest come again)."""
        backoff = Backoff(RETRY)
        try:
            while not stop.is_set():
                try:
                    updates = await self._fetch(stop)
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # the Bot API is unreachable or refused: wait and ask again
                    description = " ".join(str(error).split())[:300]  # Telegram's words (bot.logs redacts the token)
                    log.warning("could not fetch updates; trying again",
                                extra={"reason": type(error).__name__, "description": description or None,
                                       "seconds": round(backoff.next_delay, 1)})
                    if isinstance(error, ConflictError):
                        self.conflicts.seen(description)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), next(backoff))
                    continue
                backoff.reset()
                self._take(updates)
                await self._settle()
        finally:
            await self._finish(grace)

    async def _fetch(self, stop: asyncio.Event) -> list[dict[str, Any]]:
        # a long poll only when nothing is in hand: otherwise the answer comes at once with what is in hand
        timeout = 0 if self.in_hand else self.long_poll
        fetching = asyncio.ensure_future(self.fetch(self.offset(), timeout, self.allowed_updates))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait((fetching, stopping), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not fetching.done():
            fetching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await fetching
            return []
        return fetching.result()

    def _take(self, updates: list[dict[str, Any]]) -> None:
        offset = self.offset() or 0
        self.done = {update_id for update_id in self.done if update_id >= offset}
        for raw in updates:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                log.warning("an update without an id was left aside")  # nothing to confirm it by
                continue
            if update_id in self.in_hand or update_id in self.done:
                continue  # fetched again while it, or an older one, is still being handled: not built again
            self.newest = max(self.newest, update_id)
            try:
                update = self.parse(raw)
            except ValueError:  # pydantic's ValidationError: its fields are left out of the log (personal data)
                log.warning("an update that could not be read was confirmed unhandled", extra={"update_id": update_id})
                if self.unreadable is not None:  # its person is asked to send it again, in hand until then
                    telling = asyncio.create_task(self._tell(update_id, raw), name=f"update-{update_id}")
                    self.in_hand[update_id] = telling
                else:
                    self.done.add(update_id)
                continue
            task = asyncio.create_task(self._handle(update), name=f"update-{update_id}")
            self.in_hand[update_id] = task

    async def _handle(self, update: Update) -> None:
        try:
            await self.feed(update)
        except Exception:  # the journeys answer their own failures; this is a defect in the adapter
            log.exception("update could not be fed")
        finally:
            self.in_hand.pop(update.update_id, None)
            self.done.add(update.update_id)

    async def _tell(self, update_id: int, raw: dict[str, Any]) -> None:
        try:
            if self.unreadable is not None:
                await self.unreadable(raw)
        except Exception:
            log.exception("an unreadable update's person could not be told")
        finally:
            self.in_hand.pop(update_id, None)
            self.done.add(update_id)

    async def _settle(self) -> None:
        """Wait until the updates in hand are done, `settle` seconds at most."""
        if self.in_hand:
            await asyncio.wait(list(self.in_hand.values()), timeout=self.settle)

    async def _finish(self, grace: float) -> None:
        """Let the updates in hand end; those still running after `grace` are cancelled, unconfirmed."""
        if not self.in_hand:
            return
        _, running = await asyncio.wait(list(self.in_hand.values()), timeout=grace)
        for task in running:
            task.cancel()
        if running:
            log.warning("updates still in hand at stop will be fetched again", extra={"count": len(running)})
            await asyncio.wait(running)
