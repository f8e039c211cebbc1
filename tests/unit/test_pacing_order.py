"""A chat's messages leave in the order they were queued, and global slots go first come, first served.

Delivery and pacing run on a fake clock whose sleeps end only when the test moves time on, waking the
sleepers due at the same moment in a shuffled order (as a loaded event loop might): no real waiting.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Callable
from typing import cast

from bot.delivery import DeliveryWorker, RetryLaterError
from bot.i18n import Rendered, Renderer
from bot.pacing import PaceLimits, Pacer
from handlers.messages import Reply, Text
from models.database import Database
from models.repositories.outbox import Queued
from models.values import OutboxStatus


class FakeTime:
    """A clock and a sleep: `run_until` moves time to the next sleeper's deadline whenever all are asleep."""

    def __init__(self, seed: int = 1) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._random = random.Random(seed)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), future))
        await future

    async def settle(self) -> None:
        for _ in range(20):
            await asyncio.sleep(0)

    async def run_until(self, done: Callable[[], bool], arrivals: dict[float, Callable[[], None]] | None = None,
                        horizon: float = 600.0) -> None:
        arrivals = dict(arrivals or {})
        end = self.now + horizon
        while self.now < end:
            await self.settle()
            if done() and not arrivals:
                return
            moments = [self._sleepers[0][0]] if self._sleepers else []
            moments += [min(arrivals)] if arrivals else []
            if not moments:
                return
            self.now = max(self.now, min(moments))
            for moment in sorted(m for m in arrivals if m <= self.now):
                arrivals.pop(moment)()
            woken = []
            while self._sleepers and self._sleepers[0][0] <= self.now:
                woken.append(heapq.heappop(self._sleepers)[2])
            self._random.shuffle(woken)  # sleepers due together wake in no promised order
            for future in woken:
                future.set_result(None)


class FakeTelegram:
    """Records what each chat received; answers 429 to the messages listed in `refuse` once each."""

    def __init__(self, refuse: set[str] | None = None, retry_after: float = 3.0) -> None:
        self.refuse = set(refuse or ())
        self.retry_after = retry_after
        self.sent: list[tuple[int, str]] = []

    async def send(self, chat_id: int, message: Rendered) -> int:
        if message.text in self.refuse:
            self.refuse.discard(message.text)
            raise RetryLaterError(self.retry_after)
        self.sent.append((chat_id, message.text))
        return len(self.sent)

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> None:
        raise AssertionError("no edits here")


def reply(row_id: int, chat_id: int) -> Queued:
    """A pushed reply whose text is its row id."""
    return Queued(row_id, chat_id, None, {}, "en", message=Reply((Text(str(row_id)),)))


class OneProcess:
    """The database of one process (SQLite): the push path records nothing until the recorder runs, and looks at no
    outbox for other instances' rows, so nothing else of a database is needed."""

    is_sqlite = True


def worker(renderer: Renderer, telegram: FakeTelegram, time: FakeTime, limits: PaceLimits) -> DeliveryWorker:
    return DeliveryWorker(cast(Database, OneProcess()), renderer, telegram, "en", Pacer(limits, time, time.sleep))


async def test_after_a_429_no_later_message_of_the_chat_overtakes_the_refused_one(renderer: Renderer) -> None:
    time = FakeTime()
    telegram = FakeTelegram(refuse={"23"})
    delivery = worker(renderer, telegram, time, PaceLimits())
    for row_id in range(22, 27):  # each reply pushed by its own journey step, as the bot does
        delivery.push([reply(row_id, 7)])
    delivery.push([reply(100 + n, 8) for n in range(3)])  # another chat is not held up
    await time.run_until(lambda: not delivery._pushes)
    assert [text for chat, text in telegram.sent if chat == 7] == ["22"]
    assert [text for chat, text in telegram.sent if chat == 8] == ["100", "101", "102"]
    outcomes = {int(a.item.id): a for a in delivery._outcomes}
    assert outcomes[23].status == OutboxStatus.pending and outcomes[23].retry_in == 3.0
    for later in (24, 25, 26):  # back to the outbox behind row 23, not tried
        assert outcomes[later].status == OutboxStatus.pending and not outcomes[later].counts
    # the outbox hands the rows back once 23's retry is due (later ones are not claimed before it): 23 first
    time.now += 3.0
    delivery.push([reply(row_id, 7) for row_id in range(23, 27)])
    await time.run_until(lambda: not delivery._pushes)
    assert [text for chat, text in telegram.sent if chat == 7] == ["22", "23", "24", "25", "26"]


async def test_a_message_pushed_while_an_earlier_one_waits_for_its_retry_waits_too(renderer: Renderer) -> None:
    time = FakeTime()
    telegram = FakeTelegram(refuse={"30"})
    delivery = worker(renderer, telegram, time, PaceLimits())
    delivery.push([reply(30, 9)])
    await time.run_until(lambda: not delivery._pushes)
    time.now += 1.0  # the retry is still 2 s away when the person's next reply is pushed
    delivery.push([reply(31, 9)])
    await time.run_until(lambda: not delivery._pushes)
    assert telegram.sent == []
    assert [a.item.id for a in delivery._outcomes if a.status == OutboxStatus.pending] == [30, 31]


async def test_global_slots_go_first_come_first_served(renderer: Renderer) -> None:
    """People keep arriving while others wait: each is served in turn, none loses the race again and again."""
    time = FakeTime(seed=7)
    telegram = FakeTelegram()
    delivery = worker(renderer, telegram, time, PaceLimits(global_per_second=30))
    arrivals: dict[float, Callable[[], None]] = {}
    chats = itertools.count(1)
    for step in range(100):  # 400 replies over 10 s at 40 a second, to a limit of 30 a second
        batch = [next(chats) for _ in range(4)]
        arrivals[1000.0 + step * 0.1] = lambda batch=batch: [delivery.push([reply(c, c)]) for c in batch]
    await time.run_until(lambda: not delivery._pushes, arrivals)
    order = [chat for chat, _ in telegram.sent]
    assert len(order) == 400
    # first come, first served: nobody is served after someone who arrived a tenth of a second later
    overtaken = [chat for index, chat in enumerate(order) if any(other < chat - 4 for other in order[index + 1:])]
    assert not overtaken, f"{len(overtaken)} replies went out before one that had waited longer"
