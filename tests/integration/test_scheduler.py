"""One scheduling instance: the advisory-lock election on PostgreSQL, and the jobs themselves."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.scheduler import (
    build_scheduler,
    run_broadcasts,
    run_question_reminders,
    run_report_reminders,
    run_retention,
    run_when_elected,
)
from models.database import Database
from models.retention import Retention


async def test_only_one_instance_schedules_and_another_takes_over(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("the election is for several instances on PostgreSQL; SQLite runs one process")
    other = Database(database.url)
    first, second = AsyncIOScheduler(), AsyncIOScheduler()
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    one = asyncio.create_task(run_when_elected(database, first, stop_first, retry=0.1))
    await until(lambda: first.running)
    two = asyncio.create_task(run_when_elected(other, second, stop_second, retry=0.1))
    assert not await until(lambda: second.running, timeout=0.5), "a second instance is not elected meanwhile"
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


async def test_digest_jobs_run_and_forget_old_files(database: Database) -> None:
    from datetime import timedelta

    from bot.scheduler import forget_generated_files, run_digests
    from models.clock import utcnow
    from models.repositories.subscriptions import Files

    woken: list[bool] = []
    await run_digests(database, lambda: woken.append(True), lambda label, locale: "", "en", "UTC")
    assert woken == []
    scheduler = build_scheduler(database, lambda: None, translate=lambda label, locale: "")
    assert {"digests", "generated_files"} <= {job.id for job in scheduler.get_jobs()}
    async with database.uow() as uow:
        old = await Files(uow.session).add("old.png", "image/png", b"x", utcnow() - timedelta(days=15))
        new = await Files(uow.session).add("new.png", "image/png", b"y", utcnow())
        await uow.commit()
    await forget_generated_files(database)
    async with database.uow() as uow:
        assert set(await Files(uow.session).get([old, new])) == {new}
