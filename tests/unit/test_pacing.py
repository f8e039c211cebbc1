"""Pacing with a fake clock: never more than the limits in any one-second window."""

from __future__ import annotations

import contextlib
from collections import Counter
from typing import Any

import pytest

from bot.pacing import PaceLimits, Pacer
from bot.shared_pacing import SharedBudget


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def simulate(pacer: Pacer, clock: FakeClock, chats: list[int], seconds: float,
             step: float = 0.01) -> list[tuple[float, int]]:
    sent: list[tuple[float, int]] = []
    queue = list(chats)
    end = clock.now + seconds
    while clock.now < end and queue:
        for chat in list(queue):
            if pacer.delay(chat) == 0:
                pacer.book(chat)
                sent.append((clock.now, chat))
                queue.remove(chat)
        clock.now += step
    return sent


def max_in_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_global_rate_is_never_exceeded() -> None:
    clock = FakeClock()
    pacer = Pacer(PaceLimits(global_per_second=30, per_chat_burst=3), clock)
    sent = simulate(pacer, clock, list(range(300)), seconds=20)
    assert len(sent) == 300
    assert max_in_window([t for t, _ in sent]) <= 30


def test_one_chat_gets_a_burst_then_one_per_second() -> None:
    clock = FakeClock()
    pacer = Pacer(PaceLimits(per_chat_per_second=1, per_chat_burst=3), clock)
    sent = simulate(pacer, clock, [7] * 10, seconds=20)
    times = [t - sent[0][0] for t, _ in sent]
    assert len(sent) == 10
    assert max_in_window(times[3:]) <= 1 + 1
    assert times[3] >= 0.99 and times[-1] >= 6.9


def test_retry_after_is_honoured() -> None:
    clock = FakeClock()
    pacer = Pacer(PaceLimits(), clock)
    pacer.retry_after(5, 7.0)
    assert 6.9 < pacer.delay(5) <= 7.0
    clock.now += 7.0
    assert pacer.delay(5) == 0
    assert pacer.delay(6) == 0


def test_many_chats_do_not_wait_for_each_other() -> None:
    clock = FakeClock()
    pacer = Pacer(PaceLimits(global_per_second=1000), clock)
    sent = simulate(pacer, clock, list(range(500)), seconds=1, step=0.001)
    assert len(sent) == 500 and Counter(chat for _, chat in sent).most_common(1)[0][1] == 1


def test_groups_get_twenty_a_minute() -> None:
    clock = FakeClock()
    pacer = Pacer(PaceLimits(global_per_second=1000, per_chat_per_second=1000, per_chat_burst=1000), clock)
    sent = simulate(pacer, clock, [-100] * 25, seconds=120, step=0.5)
    times = [t for t, _ in sent]
    assert max_in_window(times, 60.0) <= 20 and len(sent) == 25


def test_a_429_slows_everyone_down_for_a_while() -> None:
    clock = FakeClock()
    pacer = Pacer(PaceLimits(global_per_second=100, per_chat_burst=1000, per_chat_per_second=1000), clock)
    pacer.retry_after(1, 2.0)
    sent = simulate(pacer, clock, list(range(2, 300)), seconds=1.0, step=0.001)
    assert len(sent) <= 80
    clock.now += 11
    sent = simulate(pacer, clock, list(range(1000, 1200)), seconds=1.0, step=0.001)
    assert len(sent) == 100


def test_429s_arriving_together_slow_down_once() -> None:
    clock = FakeClock()
    pacer = Pacer(PaceLimits(global_per_second=100, per_chat_burst=1000, per_chat_per_second=1000), clock)
    for chat in range(29):
        pacer.retry_after(chat, 1.0)
    sent = simulate(pacer, clock, list(range(100, 400)), seconds=1.0, step=0.001)
    assert 70 <= len(sent) <= 80


class PausedElsewhere:
    """The shared budget with chat 7 paused for 300 s by another instance's 429."""

    active = True

    async def until_ready(self) -> None: ...

    async def chat_wait(self, chat_id: int) -> float:
        return 300.0 if chat_id == 7 else 0.0

    async def global_slot(self, waiting: int) -> None: ...

    def pause_chat(self, chat_id: int, seconds: float) -> None: ...


async def test_a_turn_longer_than_the_longest_is_not_waited_for() -> None:
    """A sender holding rows on a lease is told how long the chat is paused instead of sleeping it out."""
    clock, slept = FakeClock(), []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    pacer = Pacer(PaceLimits(), clock, sleep, shared=PausedElsewhere())
    assert await pacer.turn(7, longest=10) == 300.0 and slept == [], "paused by another instance"
    assert pacer.chat_delay(7) > 290, "the pause is kept here too: claims leave the chat's rows till then"
    assert await pacer.turn(7, longest=10) > 290 and slept == [], "paused in this instance's own pace"
    pacer.retry_after(8, 5.0)
    assert await pacer.turn(8, longest=10) == 0 and slept == [5.0], "a short pause is waited for, as before"


async def test_a_database_away_is_one_warning_not_one_per_message(caplog: pytest.LogCaptureFixture) -> None:
    """A tester: while PostgreSQL was stopped, the shared pacing logged a traceback for every message sent (216 in
    6 s across four instances). It is one warning when it begins, with the first traceback, and one when it ends."""
    class Away:
        """A database that cannot be reached, then can (its units of work still do nothing)."""

        def __init__(self) -> None:
            self.down = True

        @contextlib.asynccontextmanager
        async def uow(self) -> Any:
            if self.down:
                raise OSError("connection refused")
            yield self

    async def no_sleep(_: float) -> None:
        return None

    database = Away()
    budget = SharedBudget(database, "bot1", 30.0, 1.0, 1, sleep=no_sleep)  # type: ignore[arg-type]
    with caplog.at_level("WARNING", logger="bot.shared_pacing"):
        for chat in range(20):
            assert await budget.chat_wait(chat) == 0.0
            await budget.global_slot(1)
    said = [record for record in caplog.records if record.name == "bot.shared_pacing"]
    assert [record.getMessage() for record in said] == [
        "could not reserve a chat's turn; pacing chats in memory",
        "could not lease global slots; sending at this instance's share"], said
    assert all(record.exc_info for record in said), "the first failure's traceback"
