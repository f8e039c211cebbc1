"""One Telegram budget for several instances on PostgreSQL (bot.shared_pacing, models.repositories.pacing).

Two or three pacers on one database stand for instances: what they book together must be what the sandbox's own
limiter (Telegram's flood control as token buckets) accepts without a single refusal.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import pytest

from bot.pacing import PaceLimits, Pacer
from bot.sandbox.limits import Limits, RateLimiter
from bot.shared_pacing import SharedBudget
from models.database import Database
from models.migrate import upgrade
from models.repositories.pacing import Beat, SharedPace


@pytest.fixture
async def instances(postgres_url: str) -> AsyncIterator[list[Database]]:
    """Three instances' connections to one migrated PostgreSQL database."""
    databases = [Database(postgres_url, instance=f"i{number}") for number in range(3)]
    await upgrade(databases[0])
    yield databases
    for database in databases:
        await database.dispose()


def pacer(database: Database, limits: PaceLimits, instances: int) -> Pacer:
    shared = SharedBudget(database, database.instance, limits.global_per_second, limits.per_chat_per_second,
                          limits.per_chat_burst)
    shared.saw(instances)
    shared.ready_at = float("-inf")  # the others know of it already (the wait is tested apart)
    return Pacer(limits, shared=shared)


def refusals(bookings: list[tuple[float, int]], limits: Limits) -> int:
    """How many of these sends (time, chat) the sandbox's flood control would refuse."""
    now = [0.0]
    limiter = RateLimiter(limits, clock=lambda: now[0])
    refused = 0
    for at, chat in sorted(bookings):
        now[0] = at
        refused += limiter.retry_after(chat) > 0
    return refused


async def test_three_instances_share_the_global_limit_and_use_it(instances: list[Database]) -> None:
    limits = PaceLimits(global_per_second=30.0)
    pacers = [pacer(database, limits, 3) for database in instances]
    bookings: list[tuple[float, int]] = []
    started = time.monotonic()

    async def send(each: Pacer, chat: int) -> None:
        await each.turn(chat)
        bookings.append((time.monotonic(), chat))

    # 120 messages to 120 chats, from three instances at once: 4 s at the limit
    await asyncio.gather(*(send(pacers[chat % 3], chat) for chat in range(120)))
    elapsed = time.monotonic() - started
    assert refusals(bookings, Limits(global_per_second=30.0)) == 0
    assert 120 / elapsed >= 0.9 * 30, f"{120 / elapsed:.1f} messages/s"


async def test_one_chat_served_by_two_instances_gets_a_burst_then_one_a_second(instances: list[Database]) -> None:
    limits = PaceLimits(global_per_second=30.0, per_chat_per_second=1.0, per_chat_burst=3)
    first, second = pacer(instances[0], limits, 2), pacer(instances[1], limits, 2)
    bookings: list[tuple[float, int]] = []
    for number in range(6):  # a person tapping fast, each update reaching the other instance (round robin)
        await (first if number % 2 else second).turn(7)
        bookings.append((time.monotonic(), 7))
    assert refusals(bookings, Limits(global_per_second=None)) == 0
    assert bookings[-1][0] - bookings[0][0] >= 2.5, "after the burst of three, one a second"


async def test_a_lease_gives_what_is_left_of_the_current_tenth(instances: list[Database]) -> None:
    for _ in range(20):  # two leases in one tenth of a second (not astride two)
        async with instances[0].uow() as uow:
            pace = SharedPace(uow.session)
            first = await pace.lease(2, 3)
            second = await pace.lease(5, 3)
            third = await pace.lease(5, 3)
            await uow.commit()
        if third.ends_in < first.ends_in:
            break
        # astride two tenths: the third lease used the next one's budget, so the next try waits for a fresh tenth
        # (10 ms later it could still be in it, and get nothing at all: CI saw (0, 0, 0) on a slow host)
        await asyncio.sleep(third.ends_in + 0.01)
    assert (first.granted, second.granted, third.granted) == (2, 1, 0)
    assert 0 <= third.ends_in <= first.ends_in <= 0.1


async def test_instances_count_each_other_and_leave(instances: list[Database]) -> None:
    async with instances[0].uow() as uow:
        pace = SharedPace(uow.session)
        assert await pace.heartbeat("a", 3.0, "run-a") == Beat(1)
        assert await pace.heartbeat("b", 3.0, "run-b") == Beat(2)
        await pace.gone("b")
        assert await pace.heartbeat("a", 3.0, "run-a") == Beat(1)
        await uow.commit()


async def test_two_live_processes_under_one_name_are_seen(instances: list[Database]) -> None:
    """A tester ran two instances with one P2C_INSTANCE_ID: they count as one and take each other's rows. A heartbeat
    finding another run live under its name says so; one gone for longer than `within` (a restart) does not."""
    async with instances[0].uow() as uow:
        pace = SharedPace(uow.session)
        assert await pace.heartbeat("bot-1", 3.0, "first") == Beat(1)
        assert await pace.heartbeat("bot-1", 3.0, "second") == Beat(1, twin=True)
        assert await pace.heartbeat("bot-1", 3.0, "first") == Beat(1, twin=True)
        assert await pace.heartbeat("bot-1", 3.0, "first") == Beat(1)  # its own run last: nobody else
        await uow.commit()
    await asyncio.sleep(0.3)
    async with instances[0].uow() as uow:  # the first run is gone (0.3 s ago: longer than this `within`)
        assert await SharedPace(uow.session).heartbeat("bot-1", 0.2, "restarted") == Beat(1)
        await uow.commit()


async def test_two_instances_under_one_name_warn_and_a_restart_does_not(instances: list[Database],
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    """Two processes delivering under one name warn within a few heartbeats; a process restarted under its name a
    moment after its former run was killed (that run's heartbeat still fresh, no `gone`) does not."""
    async def beating(budgets: list[SharedBudget], seconds: float) -> list[str]:
        stop = asyncio.Event()
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="bot.shared_pacing"):
            tasks = [asyncio.create_task(budget.run(stop)) for budget in budgets]
            await asyncio.sleep(seconds)
            stop.set()
            await asyncio.gather(*tasks)
        return [record.getMessage() for record in caplog.records if "has this instance's name" in record.getMessage()]

    async with instances[0].uow() as uow:  # the killed run's last heartbeat, just now
        await SharedPace(uow.session).heartbeat("bot-7", 3.0, "killed")
        await uow.commit()
    assert await beating([SharedBudget(instances[1], "bot-7", 30.0, 1.0, 3)], 2.5) == []
    twins = [SharedBudget(instances[number], "bot-7", 30.0, 1.0, 3) for number in (1, 2)]
    assert len(await beating(twins, 3.5)) >= 1


async def test_a_twin_is_warned_of_once_in_a_while(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    budget = SharedBudget(None, "bot-1", 30.0, 1.0, 3, clock=lambda: now[0])  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="bot.shared_pacing"):
        for step in range(700):  # a heartbeat a second for 700 s, each finding the twin
            now[0] = 100.0 + step
            budget.twin_seen()
    warned = [record for record in caplog.records if "has this instance's name" in record.getMessage()]
    assert len(warned) == 3  # at once, after five minutes, after ten


async def test_a_new_instance_waits_until_the_others_know_it_and_an_old_one_does_not() -> None:
    now = [100.0]
    new = SharedBudget(None, "new", 30.0, 1.0, 3, clock=lambda: now[0])  # type: ignore[arg-type]
    new.saw(2)
    assert new.active and new.ready_at > now[0]
    old = SharedBudget(None, "old", 30.0, 1.0, 3, clock=lambda: now[0])  # type: ignore[arg-type]
    old.saw(1)
    assert not old.active
    old.saw(2)
    assert old.active and old.ready_at <= now[0]
    old.saw(1)
    now[0] += 5
    assert old.active, "shared a while after the other was last seen: its reserved cells still count"
    now[0] += 10
    assert not old.active


async def test_a_shared_pause_holds_the_chat_past_its_burst_for_every_instance(instances: list[Database]) -> None:
    async with instances[0].uow() as uow:
        await SharedPace(uow.session).pause_chat(9, 2.0, 2.1)  # Telegram: retry after 2 s (burst of three, 1.05 s)
        await uow.commit()
    async with instances[1].uow() as uow:
        wait = await SharedPace(uow.session).reserve_chat(9, 1.05, 2.1)
        await uow.commit()
    assert 1.9 <= wait <= 2.1, "no other instance sends to the chat before Telegram's retry_after"


def test_the_shared_slots_never_exceed_the_limit() -> None:
    caps = {limit: SharedBudget(None, "x", limit, 1.0, 3).cap for limit in (5.0, 15.0, 30.0, 35.0, 1000.0)}  # type: ignore[arg-type]
    assert caps == {5.0: 1, 15.0: 1, 30.0: 3, 35.0: 3, 1000.0: 100}
