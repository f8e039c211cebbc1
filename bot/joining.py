"""When held texts are handed over: a timer for each text this instance held, and a sweep of holds left behind.

The holding itself, and the joining of a continuation, happen in the update's own transaction (handlers.pastes,
handlers.router.handle): the held parts are in the database, so any instance can join the next part, and an
update is confirmed to Telegram once its text is held there. Here, only what happens when no continuation comes:
after HOLD_SECONDS the instance that held the text hands it over alone; and every instance looks every
SWEEP_SECONDS for holds older than HOLD_SECONDS + STALE_SECONDS (their instance was stopped or killed before its
timer ran) and hands those over. Each hand-over claims the text by a compare-and-set (handlers.pastes.take), so a
timer, a sweep and a continuation on another instance never all hand it over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.logs import Spell
from handlers.pastes import HOLD_SECONDS, STALE_SECONDS, Held
from models.clock import utcnow

log = logging.getLogger(__name__)

SWEEP_SECONDS = 2.0
"""How often every instance looks for holds left behind."""

HandOver = Callable[[Held], Coroutine[Any, Any, None]]
Stale = Callable[[datetime], Awaitable[list[Held]]]
"""The holds made before a moment (handlers.pastes.held_before, in a transaction of its own)."""


@dataclass
class HeldTexts:
    """Hands over held texts whose continuation did not come: this instance's by timer, anyone's by a sweep."""

    hand_over: HandOver
    stale: Stale
    hold_seconds: float = HOLD_SECONDS
    timers: dict[int, asyncio.TimerHandle] = field(default_factory=dict)
    """The timer of each chat whose text this instance held last."""
    running: set[asyncio.Task[None]] = field(default_factory=set)

    def arm(self, held: Held) -> None:
        """Hand `held` over in `hold_seconds` unless it changed by then (a continuation added to it or took it)."""
        previous = self.timers.pop(held.chat_id, None)
        if previous is not None:
            previous.cancel()
        self.timers[held.chat_id] = asyncio.get_running_loop().call_later(self.hold_seconds, self._expire, held)

    def _expire(self, held: Held) -> None:
        self.timers.pop(held.chat_id, None)
        task = asyncio.create_task(self.hand_over(held), name=f"held-{held.chat_id}")
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def sweep(self, stop: asyncio.Event, every: float = SWEEP_SECONDS,
                    after: float = HOLD_SECONDS + STALE_SECONDS) -> None:
        """Until `stop`: every `every` seconds, hand over the holds older than `after` seconds, one by one."""
        looking = Spell(log, "could not look for held texts left behind; looking again every sweep",
                        "held texts left behind are looked for again")
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
                return
            try:
                left = await self.stale(utcnow() - timedelta(seconds=after))
            except Exception as error:  # the database is away: the next sweep looks again
                looking.failed(error)  # one line when it begins, not one a sweep (an operator: 32 in 70 s)
                continue
            looking.passed()
            for held in left:
                log.info("a held text left behind is handed over")
                await self.hand_over(held)

    async def close(self) -> None:
        """Cancel the timers (the texts stay held in the database, for a sweep or a continuation) and wait for the
        hand-overs under way."""
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()
        if self.running:
            await asyncio.gather(*self.running, return_exceptions=True)
