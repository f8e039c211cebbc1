"""Long pastes that Telegram's apps split: the parts are joined into one input, order kept."""

from __future__ import annotations

import asyncio

import pytest

from bot.joining import HOLD_FROM, LongTextJoiner, joined
from handlers.inputs import Incoming, Person
from models.clock import utcnow

PERSON = Person(7, 7, "Ada")
OTHER = Person(8, 8, "Bo")


def text(update_id: int, value: str, person: Person = PERSON) -> Incoming:
    return Incoming.from_text(update_id, person, value, utcnow())


def send(joiner: LongTextJoiner, incoming: Incoming) -> asyncio.Future[None]:
    """Hand an input to the joiner as the adapter does (each update its own task)."""
    return asyncio.ensure_future(joiner(incoming))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


class Recorder:
    def __init__(self) -> None:
        self.inputs: list[Incoming] = []

    async def __call__(self, incoming: Incoming) -> None:
        self.inputs.append(incoming)


@pytest.mark.parametrize(("parts", "expected"), [
    (["a" * 3000 + " end.", "Next paragraph"], "a" * 3000 + " end.\nNext paragraph"),  # a sentence ended: a line
    (["word " * 700 + "mid", "sentence"], "word " * 700 + "mid sentence"),  # cut at a space
    (["字" * 4096, "字" * 10], "字" * 4106),  # a hard cut: nothing between
])
def test_parts_are_joined_with_what_the_cut_dropped(parts: list[str], expected: str) -> None:
    whole = joined([text(n, p) for n, p in enumerate(parts, start=1)])
    assert whole.text == expected and whole.update_id == 1


async def test_a_long_text_and_its_continuation_become_one_input() -> None:
    recorder = Recorder()
    joiner = LongTextJoiner(recorder, hold_seconds=5)
    first, second = send(joiner, text(1, "x" * 4096)), send(joiner, text(2, "y" * 4096))
    await settle()
    assert recorder.inputs == []
    assert not first.done() and not second.done(), "a held part is not done (not confirmed to Telegram)"
    await joiner(text(3, "tail"))
    await asyncio.wait_for(asyncio.gather(first, second), 1)
    assert [(i.update_id, i.text) for i in recorder.inputs] == [(1, "x" * 4096 + "y" * 4096 + "tail")]


async def test_a_long_text_alone_is_handed_over_when_the_hold_ends() -> None:
    recorder = Recorder()
    joiner = LongTextJoiner(recorder, hold_seconds=0.05)
    held = send(joiner, text(1, "z" * HOLD_FROM))
    await settle()
    await joiner(text(2, "short", OTHER))  # another chat is not held up
    assert [i.update_id for i in recorder.inputs] == [2]
    await asyncio.wait_for(held, 1)
    assert [i.update_id for i in recorder.inputs] == [2, 1]


async def test_a_button_command_or_file_hands_over_the_held_text_first() -> None:
    recorder = Recorder()
    joiner = LongTextJoiner(recorder, hold_seconds=5)
    for n, then in enumerate([Incoming(10, PERSON, utcnow(), code="f:x:skip"), text(11, "/help"),
                              Incoming(12, PERSON, utcnow(), file_id="F", file_kind="photo")]):
        held = send(joiner, text(n, "q" * 3000))
        await settle()
        await joiner(then)
        await asyncio.wait_for(held, 1)
    assert [i.update_id for i in recorder.inputs] == [0, 10, 1, 11, 2, 12]
    assert [len(i.text or "") for i in recorder.inputs[::2]] == [3000] * 3


async def test_short_texts_pass_at_once_and_drain_hands_over_what_is_held() -> None:
    recorder = Recorder()
    joiner = LongTextJoiner(recorder, hold_seconds=60)
    await joiner(text(1, "hello"))
    held = send(joiner, text(2, "w" * 3000))
    await settle()
    assert [i.update_id for i in recorder.inputs] == [1]
    await joiner.drain()
    await asyncio.wait_for(held, 1)
    assert [i.update_id for i in recorder.inputs] == [1, 2]
