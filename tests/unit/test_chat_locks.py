"""One chat's work never runs twice at once, however many chats there are (bot.chatlocks)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

from bot.chatlocks import ChatLocks
from bot.telegram import ChatSerializer
from handlers.inputs import Incoming, Person

BUSY_CHATS = 10_001
"""More chats than the old pruning threshold (10,000) in use at once."""


def incoming(chat_id: int) -> Incoming:
    return Incoming(chat_id, Person(chat_id, chat_id, "P"), datetime(2026, 1, 1, tzinfo=UTC), text="hi")


async def test_a_lock_released_to_a_waiter_is_not_dropped_when_many_chats_finish_at_once() -> None:
    # A holds chat 1 and B waits for it; ten thousand other chats are busy. A and every other chat end
    # together: B has been handed the lock but has not run yet when the others finish. C arrives for
    # chat 1 then and must wait for B (a table pruned of unlocked locks handed C a fresh lock).
    gates: dict[int, asyncio.Event] = {}
    running: Counter[int] = Counter()
    most: Counter[int] = Counter()

    async def handle(update: Incoming) -> None:
        chat = update.person.chat_id
        running[chat] += 1
        most[chat] = max(most[chat], running[chat])
        await gates.setdefault(update.update_id, asyncio.Event()).wait()
        running[chat] -= 1

    serialize = ChatSerializer(handle)
    others = [asyncio.ensure_future(serialize(incoming(chat))) for chat in range(100, 100 + BUSY_CHATS)]
    first = Incoming(1, Person(1, 1, "A"), datetime(2026, 1, 1, tzinfo=UTC), text="a")
    second = Incoming(2, Person(1, 1, "B"), datetime(2026, 1, 1, tzinfo=UTC), text="b")
    third = Incoming(3, Person(1, 1, "C"), datetime(2026, 1, 1, tzinfo=UTC), text="c")
    a, b = asyncio.ensure_future(serialize(first)), asyncio.ensure_future(serialize(second))
    await asyncio.sleep(0)
    for update_id in [1, *range(100, 100 + BUSY_CHATS)]:
        gates.setdefault(update_id, asyncio.Event()).set()
    await asyncio.wait([a, *others])
    c = asyncio.ensure_future(serialize(third))
    for _ in range(5):
        await asyncio.sleep(0)
    assert most[1] == 1, "two updates of one chat ran at the same time"
    gates.setdefault(2, asyncio.Event()).set()
    gates.setdefault(3, asyncio.Event()).set()
    await asyncio.gather(b, c)
    assert most[1] == 1


async def test_the_table_holds_only_busy_chats() -> None:
    locks = ChatLocks()
    release = asyncio.Event()

    async def hold(chat: int) -> None:
        async with locks.holding(chat):
            await release.wait()

    tasks = [asyncio.ensure_future(hold(chat % 3)) for chat in range(9)]
    await asyncio.sleep(0)
    assert len(locks) == 3
    release.set()
    await asyncio.gather(*tasks)
    assert len(locks) == 0


async def test_an_error_inside_releases_the_chat() -> None:
    locks = ChatLocks()
    try:
        async with locks.holding(5):
            raise ValueError("boom")
    except ValueError:
        pass
    assert len(locks) == 0
    async with locks.holding(5):
        assert len(locks) == 1
