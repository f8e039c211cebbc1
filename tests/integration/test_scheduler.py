"""One scheduling instance: the advisory-lock election on PostgreSQL, and the jobs themselves."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text

from bot.scheduler import (
    SCHEDULER_LOCK,
    FirstRound,
    build_scheduler,
    run_broadcasts,
    run_question_reminders,
    run_report_reminders,
    run_retention,
    run_when_elected,
)
from models.clock import TEST_CLOCK_ENV, advance_test_clock
from models.database import Database
from models.retention import Retention


async def test_only_one_instance_schedules_and_another_takes_over(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("the election is for several instances on PostgreSQL; SQLite runs one process")
    other = Database(database.url)
    first, second = AsyncIOScheduler(), AsyncIOScheduler()
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    one = asyncio.create_task(run_when_elected(database, lambda: first, stop_first, retry=0.1))
    assert await until(lambda: first.running)
    two = asyncio.create_task(run_when_elected(other, lambda: second, stop_second, retry=0.1))
    assert not await until(lambda: second.running, timeout=0.5), "a second instance is not elected meanwhile"
    async with other.engine.connect() as connection:  # a tester: the leader's backend was "idle in transaction"
        states = (await connection.execute(text(
            "SELECT a.state FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
            "WHERE l.locktype = 'advisory' AND l.objid = :key AND l.granted "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
            {"key": SCHEDULER_LOCK})).scalars().all()
    assert len(states) == 1 and states[0] in ("idle", "active"), states  # "active" during its check's SELECT 1
    stop_first.set()
    await one
    assert await until(lambda: second.running), "the other instance takes over"
    stop_second.set()
    await two
    await other.dispose()


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Wait until `condition` holds (True) or `timeout` seconds pass (False)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def test_the_jobs_run_on_an_empty_database(database: Database) -> None:
    woken: list[bool] = []
    await run_broadcasts(database, lambda: woken.append(True), "en")
    scheduler = build_scheduler(database, lambda: None)
    assert {job.id for job in scheduler.get_jobs()} == {"draft_reminders", "report_reminders", "broadcasts",
                                                        "retention", "question_reminders"}
    await run_report_reminders(database, lambda: woken.append(True))
    await run_question_reminders(database, lambda: woken.append(True))
    await run_retention(database, Retention())
    assert woken == []


async def test_digest_job_runs_and_generated_files_have_no_job_of_their_own(database: Database) -> None:
    from bot.scheduler import run_digests

    woken: list[bool] = []
    await run_digests(database, lambda: woken.append(True), lambda label, locale: "", "en", "UTC")
    assert woken == []
    jobs = {job.id for job in build_scheduler(database, lambda: None, translate=lambda label, locale: "").get_jobs()}
    assert "digests" in jobs and "retention" in jobs and "generated_files" not in jobs  # models.retention does it


async def test_a_leader_that_loses_its_lock_stops_its_jobs_and_another_takes_over(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("the election is for several instances on PostgreSQL; SQLite runs one process")
    other = Database(database.url)
    firsts: list[AsyncIOScheduler] = []
    seconds: list[AsyncIOScheduler] = []

    def make(made: list[AsyncIOScheduler]) -> AsyncIOScheduler:
        made.append(build_scheduler(database, lambda: None))
        return made[-1]

    def running(made: list[AsyncIOScheduler]) -> bool:
        return bool(made) and made[-1].running

    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    one = asyncio.create_task(run_when_elected(database, lambda: make(firsts), stop_first, retry=0.1, check=0.1))
    assert await until(lambda: running(firsts))
    two = asyncio.create_task(run_when_elected(other, lambda: make(seconds), stop_second, retry=0.1, check=0.1))
    # what a PostgreSQL restart does to the leader: its backend, and with it the advisory lock, goes away
    async with other.engine.connect() as connection:
        killed = (await connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = :key AND granted"),
            {"key": SCHEDULER_LOCK})).scalars().all()
    assert killed == [True]
    assert await until(lambda: not running(firsts)), "the instance that lost its lock stops its jobs"
    assert await until(lambda: running(seconds) or running(firsts)), "someone is elected again"
    assert running(firsts) != running(seconds), "never both"
    leader = next(made[-1] for made in (firsts, seconds) if running(made))
    assert leader.get_jobs(), "the new term of office has its jobs"
    stop_first.set()
    stop_second.set()
    await one
    await two
    await other.dispose()


@pytest.mark.parametrize("leader_checks", [0.1, 60.0])
async def test_a_stopped_leader_loses_its_lock_and_a_live_one_keeps_it(database: Database,
                                                                      leader_checks: float) -> None:
    """A tester stopped the leader (SIGSTOP): its connection lived on with the lock, and nobody ran the jobs. A
    leader silent on its lock's connection for `hung_after` (0.5 s here) loses the session, and another is elected;
    one that checks its lock more often than that (every 0.1 s) keeps it, one that does not run (no check for a
    minute) does not."""
    if database.is_sqlite:
        pytest.skip("the election is for several instances on PostgreSQL; SQLite runs one process")
    other = Database(database.url)
    first, second = AsyncIOScheduler(), AsyncIOScheduler()
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    one = asyncio.create_task(run_when_elected(database, lambda: first, stop_first, retry=0.1, check=leader_checks,
                                               hung_after=0.5))
    assert await until(lambda: first.running)
    two = asyncio.create_task(run_when_elected(other, lambda: second, stop_second, retry=0.1, check=0.1,
                                               hung_after=0.5))
    if leader_checks < 0.5:
        assert not await until(lambda: second.running, timeout=1.5), "a live leader keeps its lock"
        stop_first.set()
    assert await until(lambda: second.running, timeout=5), "another instance is elected"
    stop_first.set()
    stop_second.set()
    await one
    await two
    # the leaders' connections, with their sessions' idle timeout, went nowhere near the pools (a review): a unit of
    # work after that timeout finds every pooled connection alive
    await asyncio.sleep(0.8)
    for pool in (database, other):
        async with contextlib.AsyncExitStack() as held:  # every pooled connection at once, and one more
            for _ in range(pool.engine.pool.checkedin() + 1):  # type: ignore[attr-defined]
                connection = await held.enter_async_context(pool.engine.connect())
                assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    await other.dispose()


async def test_a_failing_term_of_office_gives_the_lock_up_and_stands_again(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("the election is for several instances on PostgreSQL; SQLite runs one process")
    made: list[AsyncIOScheduler] = []

    def make() -> AsyncIOScheduler:
        if not made:
            made.append(AsyncIOScheduler())
            raise RuntimeError("the jobs could not be set up")  # e.g. a job's arguments failed to build
        made.append(build_scheduler(database, lambda: None))
        return made[-1]

    stop = asyncio.Event()
    election = asyncio.create_task(run_when_elected(database, make, stop, retry=0.1, check=0.1))
    assert await until(lambda: len(made) == 2 and made[-1].running), "elected again after the failure, with its jobs"
    stop.set()
    await election
    assert not made[-1].running


async def test_a_moved_test_clock_brings_the_planning_jobs_forward(database: Database, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A tester pressed the sandbox page's Advance one week and waited 14 minutes for the reminder: the jobs ran at
    their next turn. The scheduler now watches the clock file and runs them at once when it changes."""
    clock = tmp_path / "clock"
    monkeypatch.setenv(TEST_CLOCK_ENV, str(clock))
    scheduler = build_scheduler(database, lambda: None, reminder_every=3600)
    watch = scheduler.get_job("test_clock")
    assert watch is not None
    scheduler.start(paused=True)
    try:
        later = datetime.now(UTC) + timedelta(minutes=30)
        for job in scheduler.get_jobs():
            if job.id != "test_clock":
                job.modify(next_run_time=later)
        await watch.func()
        assert all(job.next_run_time >= later for job in scheduler.get_jobs() if job.id != "test_clock")
        advance_test_clock(str(clock), 7 * 86400)
        await watch.func()
        moved = {job.id: job.next_run_time for job in scheduler.get_jobs()}
        assert all(moved[name] < later for name in ("draft_reminders", "report_reminders", "question_reminders"))
        assert moved["retention"] >= later  # not a planning job
    finally:
        scheduler.shutdown(wait=False)
    monkeypatch.delenv(TEST_CLOCK_ENV)
    assert build_scheduler(database, lambda: None).get_job("test_clock") is None  # never without a test clock


async def test_the_first_round_is_over_once_each_job_at_start_has_run(database: Database) -> None:
    """The first answers after a start on SQLite waited behind the scheduler's first runs (each job's transaction holds
    the one connection): the start now lets that round finish first, and needs to know when it is over."""
    first = FirstRound()
    scheduler = first.watch(build_scheduler(database, lambda: None, translate=lambda label, locale: ""))
    at_start = {"broadcasts", "draft_reminders", "report_reminders", "question_reminders", "digests"}
    assert first.waiting == at_start  # retention waits five minutes, the test clock's watch two seconds: not part of it
    ran: list[str] = []
    scheduler.add_listener(lambda event: ran.append(event.job_id), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    stop = asyncio.Event()
    scheduler.start()
    try:
        assert await first.wait(stop, seconds=30)
        assert set(ran) >= at_start, "over only once every job of the round has run"
        assert first.seconds is not None and first.seconds >= 0
    finally:
        scheduler.shutdown(wait=False)


async def test_a_failed_job_ends_its_part_of_the_first_round_and_a_slow_one_is_not_waited_for_long() -> None:
    first = FirstRound()
    scheduler = AsyncIOScheduler(timezone="UTC")
    release = asyncio.Event()

    async def fails() -> None:
        raise RuntimeError("the database is away")

    async def slow() -> None:
        await release.wait()

    at_once = datetime.now(UTC)
    scheduler.add_job(fails, "interval", seconds=60, id="broadcasts", next_run_time=at_once)
    scheduler.add_job(slow, "interval", seconds=60, id="report_reminders", next_run_time=at_once)
    scheduler.add_job(slow, "interval", seconds=60, id="later", next_run_time=at_once + timedelta(hours=1))
    scheduler.add_job(slow, "interval", seconds=60, id="at_its_interval")
    first.watch(scheduler)
    assert first.waiting == {"broadcasts", "report_reminders"}
    stop = asyncio.Event()
    scheduler.start()
    try:
        assert not await first.wait(stop, seconds=0.3), "a slow round does not hold the start for longer"
        assert first.waiting == {"report_reminders"}, "the failed job's part is over"
        stop.set()
        assert not await asyncio.wait_for(first.wait(stop, seconds=30), 1), "a stop ends the wait at once"
        release.set()
        assert await first.wait(asyncio.Event(), seconds=5)
    finally:
        scheduler.shutdown(wait=False)


async def test_a_scheduler_without_jobs_at_start_has_its_first_round_over_at_once() -> None:
    first = FirstRound()
    first.watch(AsyncIOScheduler(timezone="UTC"))
    assert await first.wait(asyncio.Event(), seconds=0) and first.seconds is not None and first.seconds < 1


async def test_the_wait_for_the_first_round_ends_when_the_scheduler_could_not_run() -> None:
    first = FirstRound()

    async def failed() -> None:
        raise RuntimeError("the jobs could not be set up")

    running = asyncio.ensure_future(failed())
    assert not await asyncio.wait_for(first.wait(asyncio.Event(), running, seconds=30), 1)
    assert isinstance(running.exception(), RuntimeError), "the task is left to its owner, not cancelled"
