"""Long pastes that Telegram's apps split: the joining rule (handlers.pastes), and when a held text is handed over
without its continuation (bot.joining: a timer per text this instance held, a sweep of holds left behind)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.joining import HeldTexts
from handlers.inputs import Incoming, Person
from handlers.pastes import HOLD_FROM, Held, continues, joined, may_be_first_part
from models.clock import utcnow

PERSON = Person(7, 7, "Ada")


def text(update_id: int, value: str, person: Person = PERSON) -> Incoming:
    return Incoming.from_text(update_id, person, value, utcnow())


@pytest.mark.parametrize(("parts", "expected"), [
    (["a" * 3000 + " end.", "Next paragraph"], "a" * 3000 + " end.\nNext paragraph"),  # a sentence ended: a line
    (["word " * 700 + "mid", "sentence"], "word " * 700 + "mid sentence"),  # cut at a space
    (["字" * 4096, "字" * 10], "字" * 4106),  # a hard cut: nothing between
])
def test_parts_are_joined_with_what_the_cut_dropped(parts: list[str], expected: str) -> None:
    whole = joined([text(n, p) for n, p in enumerate(parts, start=1)])
    assert whole.text == expected and whole.update_id == 1 and whole.key == text(1, parts[0]).key


def test_a_command_and_its_text_are_joined_whole_with_their_formatting() -> None:
    first = replace(text(1, "/ask " + "x" * 4000 + " end."), formatted="/ask <b>" + "x" * 4000 + "</b> end.")
    whole = joined([first, replace(text(2, "a & b"), formatted="<i>a</i> &amp; b")])
    assert (whole.command, whole.argument) == ("ask", "x" * 4000 + " end.\na & b")
    assert whole.formatted == "/ask <b>" + "x" * 4000 + "</b> end.\n<i>a</i> &amp; b"


@pytest.mark.parametrize(("last", "then", "joins"), [
    ("x" * 4000, "y" * 97, True),
    ("x" * 3998, "y" * 97, True),  # 4,095 together: the apps drop the space or the two line breaks where they cut
    ("x" * 3997, "y" * 97, False),  # 4,094: it would have been one message with two characters more
    ("x" * 2925, "P.S. one more thing", False),
    ("🚀" * 2000, "y" * 97, True),  # Telegram counts UTF-16 units: an emoji is two
    ("x" * 4000, "/help", False),
])
def test_a_continuation_is_a_text_that_would_not_have_fitted_with_the_last_part(last: str, then: str,
                                                                                 joins: bool) -> None:
    assert continues([text(1, "a" * 4090), text(2, last)], text(3, then)) is joins
    assert continues([], text(3, then)) is False


@pytest.mark.parametrize(("incoming", "held"), [
    (text(1, "x" * HOLD_FROM), True),
    (text(1, "x" * (HOLD_FROM - 1)), False),
    (text(1, "🚀" * (HOLD_FROM // 2)), True),  # Telegram counts UTF-16 units: an emoji is two
    (text(1, "/ask " + "x" * HOLD_FROM), True),  # a command followed by a long text is split as any text
    (text(1, "/ask"), False),
    (Incoming(1, PERSON, utcnow(), code="f:x:" + "x" * HOLD_FROM), False),
    (Incoming(1, PERSON, utcnow(), text="x" * HOLD_FROM, file_id="F", file_kind="photo"), False),
])
def test_only_a_long_typed_text_may_be_a_first_part(incoming: Incoming, held: bool) -> None:
    assert may_be_first_part(incoming) is held


class Recorder:
    def __init__(self, stale: list[Held] | None = None) -> None:
        self.handed: list[Held] = []
        self.asked: list[datetime] = []
        self.left = stale or []

    async def hand_over(self, held: Held) -> None:
        self.handed.append(held)

    async def stale(self, before: datetime) -> list[Held]:
        self.asked.append(before)
        left, self.left = self.left, []
        return left


async def test_the_timer_hands_over_the_latest_hold_of_a_chat_once() -> None:
    recorder = Recorder()
    held = HeldTexts(recorder.hand_over, recorder.stale, hold_seconds=0.05)
    first, again = Held(7, 7, utcnow()), Held(7, 7, utcnow() + timedelta(microseconds=1))
    held.arm(first)
    held.arm(again)  # a long continuation held again: its timer replaces the first one
    held.arm(Held(8, 8, utcnow()))
    await asyncio.sleep(0.2)
    assert sorted(recorder.handed, key=lambda h: h.chat_id) == [again, Held(8, 8, recorder.handed[-1].at)]
    assert held.timers == {}


async def test_the_sweep_hands_over_what_is_left_behind_and_stops() -> None:
    left = Held(9, 9, utcnow() - timedelta(minutes=1))
    recorder = Recorder([left])
    held = HeldTexts(recorder.hand_over, recorder.stale)
    stop = asyncio.Event()
    sweeping = asyncio.create_task(held.sweep(stop, every=0.02, after=5))
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(sweeping, 1)
    assert recorder.handed == [left]
    assert len(recorder.asked) >= 2 and all(utcnow() - timedelta(seconds=6) < at < utcnow() for at in recorder.asked)


async def test_closing_leaves_held_texts_to_the_database() -> None:
    recorder = Recorder()
    held = HeldTexts(recorder.hand_over, recorder.stale, hold_seconds=0.05)
    held.arm(Held(7, 7, utcnow()))
    await held.close()
    await asyncio.sleep(0.1)
    assert recorder.handed == [], "a stopping instance does not hand over early: the continuation may still come"


async def test_a_database_away_is_one_warning_not_one_a_sweep(caplog: pytest.LogCaptureFixture) -> None:
    """An operator: a 70 s outage logged "could not look for held texts left behind" every 2 s (32 lines)."""
    failing = asyncio.Event()

    async def stale(before: datetime) -> list[Held]:
        if not failing.is_set():
            raise OSError("Connect call failed")
        return []

    held = HeldTexts(Recorder().hand_over, stale)
    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="bot.joining"):
        sweeping = asyncio.create_task(held.sweep(stop, every=0.01, after=5))
        await asyncio.sleep(0.2)  # about twenty sweeps while the database is away
        failing.set()
        await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(sweeping, 1)
    said = [record.getMessage() for record in caplog.records]
    assert said == ["could not look for held texts left behind; looking again every sweep",
                    "held texts left behind are looked for again"], said
