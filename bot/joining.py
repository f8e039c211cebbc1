"""Long pastes made whole again: Telegram's apps send a text over 4,096 characters as several messages.

A text that could be the first part of such a split (over HOLD_FROM UTF-16 units: the apps cut at a line break
or a space in the second half of 4,096) is held for up to HOLD_SECONDS; the person's next text within that
time is joined to it, and the journeys see one answer. Anything else from that chat (a button, a command, a
file, or the hold running out) hands the held text over first, so order is kept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from itertools import pairwise

from handlers.inputs import Incoming

log = logging.getLogger(__name__)

Handle = Callable[[Incoming], Awaitable[None]]
MESSAGE_LIMIT = 4096  # Telegram's limit on a message's text, in UTF-16 units
HOLD_FROM = MESSAGE_LIMIT // 2
HOLD_SECONDS = 2.0
SENTENCE_ENDS = tuple(".!?:;…。！？；：")


def utf16_units(text: str) -> int:
    """The length of `text` in UTF-16 code units, the unit of Telegram's limits."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF) if not text.isascii() else len(text)


def _plain_text(incoming: Incoming) -> bool:
    return (incoming.text is not None and incoming.command is None and incoming.code is None
            and incoming.file_id is None and incoming.unreadable is None)


def joined(parts: list[Incoming]) -> Incoming:
    """One input from the parts of a split text, with the first part's update id and time.

    The apps drop the whitespace at a cut: a part that fills the limit was cut inside a word (no space
    near: a link, or Chinese), one ending a sentence most likely at a line break, any other at a space.
    """
    pieces = [parts[0].text or ""]
    for previous, part in pairwise(parts):
        before = previous.text or ""
        gap = "" if utf16_units(before) == MESSAGE_LIMIT else "\n" if before.endswith(SENTENCE_ENDS) else " "
        pieces += [gap, part.text or ""]
    return replace(parts[0], text="".join(pieces))


@dataclass
class _Held:
    parts: list[Incoming]
    timer: asyncio.TimerHandle | None = None
    handled: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the joined text was handed over: each part's call returns only then, so an update is not
    confirmed to Telegram (bot.polling) while its text is only held in memory."""


@dataclass
class LongTextJoiner:
    """Wraps a handler: joins the parts of a long text a person pasted before handing it over."""

    handle: Handle
    hold_seconds: float = HOLD_SECONDS
    held: dict[int, _Held] = field(default_factory=dict)
    flushing: set[asyncio.Task[None]] = field(default_factory=set)

    async def __call__(self, incoming: Incoming) -> None:
        """Hold a possible first part, join a continuation, or pass the input on (after what is held)."""
        chat = incoming.person.chat_id
        held = self.held.get(chat)
        long = _plain_text(incoming) and utf16_units(incoming.text or "") >= HOLD_FROM
        if held is not None and _plain_text(incoming):
            held.parts.append(incoming)
            if long:
                self._arm(chat, held)
                await held.handled.wait()
                return
            await self._release(chat)
            return
        if held is not None:
            await self._release(chat)
        if long:
            held = _Held([incoming])
            self.held[chat] = held
            self._arm(chat, held)
            await held.handled.wait()
            return
        await self.handle(incoming)

    def _arm(self, chat: int, held: _Held) -> None:
        if held.timer is not None:
            held.timer.cancel()
        held.timer = asyncio.get_running_loop().call_later(self.hold_seconds, self._expire, chat)

    def _expire(self, chat: int) -> None:
        task = asyncio.create_task(self._release(chat))
        self.flushing.add(task)
        task.add_done_callback(self.flushing.discard)

    async def _release(self, chat: int) -> None:
        held = self.held.pop(chat, None)
        if held is None:
            return
        if held.timer is not None:
            held.timer.cancel()
        if len(held.parts) > 1:
            log.info("long text joined", extra={"parts": len(held.parts)})
        try:
            await self.handle(joined(held.parts))
        finally:
            held.handled.set()

    async def drain(self) -> None:
        """Hand over every held text now (at shutdown), and wait for the ones being handed over."""
        for chat in list(self.held):
            await self._release(chat)
        if self.flushing:
            await asyncio.gather(*self.flushing, return_exceptions=True)
