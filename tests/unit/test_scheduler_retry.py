"""A planning job that found the database away runs again soon, said once; before, APScheduler logged its ERROR
traceback and the job waited for its next turn, 5 to 15 minutes (a tester locked SQLite for 20 s)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import exc

from bot.scheduler import retried


class Scheduler:
    def __init__(self) -> None:
        self.moved: list[tuple[str, datetime]] = []

    def modify_job(self, job_id: str, **changes: Any) -> None:
        self.moved.append((job_id, changes["next_run_time"]))


LOCKED = exc.OperationalError("SELECT …", {}, Exception("database is locked"))


async def test_the_database_away_runs_the_job_again_soon_and_says_it_once(caplog: pytest.LogCaptureFixture) -> None:
    scheduler, runs = Scheduler(), []

    async def plan(*args: object) -> None:
        runs.append(args)
        if len(runs) < 3:
            raise LOCKED

    job = retried(scheduler, "report_reminders", plan, retry=30)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        for _ in range(3):
            await job("db", "wake")
    assert runs == [("db", "wake")] * 3
    assert [job for job, _ in scheduler.moved] == ["report_reminders"] * 2
    assert all(timedelta(seconds=25) < at - datetime.now(UTC) <= timedelta(seconds=30) for _, at in scheduler.moved)
    said = [record.getMessage() for record in caplog.records]
    assert said == ["the scheduled job report_reminders could not use the database; it runs again in 30 s",
                    "the scheduled job report_reminders ran again"], said


async def test_a_defect_is_raised_as_before() -> None:
    async def broken(*args: object) -> None:
        raise KeyError("a defect")

    scheduler = Scheduler()
    with pytest.raises(KeyError):
        await retried(scheduler, "digests", broken)()  # type: ignore[arg-type]
    assert scheduler.moved == []


async def test_an_os_error_of_the_job_s_own_is_no_outage() -> None:
    """A review: a chart's font cache failing (an OSError) was taken for the database away, retried every 30 s and
    never shown."""
    async def chart(*args: object) -> None:
        raise OSError("No space left on device")

    scheduler = Scheduler()
    with pytest.raises(OSError):
        await retried(scheduler, "digests", chart)()  # type: ignore[arg-type]
    assert scheduler.moved == []


async def test_a_job_run_every_few_seconds_is_said_once_and_left_to_its_next_turn(
        caplog: pytest.LogCaptureFixture) -> None:
    async def locked(*args: object) -> None:
        raise LOCKED

    scheduler = Scheduler()
    job = retried(scheduler, "broadcasts", locked, retry=None)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        for _ in range(5):
            await job()
    assert scheduler.moved == []
    assert [r.getMessage() for r in caplog.records] == ["the scheduled job broadcasts could not use the database"]
