"""A report stored at the very moment the day's plan runs (PostgreSQL: SQLite runs one unit of work at a time).

The report's transaction locks its pledge, stores the report and takes the pledge out of the reminders not sent yet
(withdraw_changed), locking them. Planning skipped a reminder so locked: a person's older one, whose day passed
unsent, was neither folded into the new one nor dropped, and both went out on one day; and planning, reading before
the report committed, wrote a reminder of a report that had arrived. Each interleaving is made here by hand."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from chat_driver import ChatDriver
from sqlalchemy import text as sql
from sqlmodel import col, select
from test_report_reminders import FOCAL, add_pledge, chat, entity_of, reminders, utc

from handlers.report_reminders import plan_report_reminders, withdraw_changed
from models.database import Database, UnitOfWork
from models.repositories.people import People
from models.repositories.reminders import Reminders
from models.tables import Contact, Pledge, PledgeReminder, ProgressReport

__all__ = ["chat"]  # the fixture, used by name

PLANNED = utc(2027, 2, 1, 10)
"""A Monday: the reminders of the pledges below are due, the old reminder's day (18 January) long passed."""


def skip_on_sqlite(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite runs one unit of work at a time: the two cannot interleave")


async def report(uow: UnitOfWork, pledge_id: int, at: datetime) -> None:
    """What finish_report does in its transaction, but commit: lock the pledge, store the report, and take the pledge
    out of the reminders not sent yet."""
    pledge = await uow.session.get(Pledge, pledge_id, with_for_update=True)
    assert pledge is not None
    focal = (await uow.session.execute(select(Contact).where(Contact.telegram_id == FOCAL))).scalar_one()
    uow.session.add(ProgressReport(pledge_id=pledge_id, period="2026", status="in_progress",
                                   steps_taken="Twenty schools connected so far.", created_at=at))
    await uow.flush()
    await withdraw_changed(Reminders(uow.session), pledge.entity_id, at, focal.id)


async def listed(database: Database) -> list[tuple[str, list[int]]]:
    """The reminders not sent yet: their key's day and the pledges they list."""
    return [(row.key.rsplit(":", 1)[1], sorted(item[0] for item in row.payload["reminder"]["items"]))
            for row in await reminders(database) if row.status == "pending"]


async def an_old_reminder(chat: ChatDriver, database: Database) -> tuple[int, int, int]:
    """Two pledges in a reminder whose day (18 January) passed unsent, and a third validated since: all three due on
    PLANNED."""
    entity = await entity_of(database)
    first, second = await add_pledge(database, entity, 40), await add_pledge(database, entity, 41)
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 18, 8)) == 1  # for 09:00, never sent
    third = await add_pledge(database, entity, 42, validated=utc(2027, 1, 25, 10))
    return first, second, third


async def test_a_report_changing_an_old_reminder_while_planning_leaves_one_reminder_that_day(
        chat: ChatDriver, database: Database) -> None:
    """The report holds the old reminder (it takes its pledge out) and its pledge while the plan runs: planning
    skipped the old reminder and wrote the day's beside it, listing the pledge just reported. Now the person's
    reminder waits for the next plan, which folds the old one into it."""
    skip_on_sqlite(database)
    first, second, third = await an_old_reminder(chat, database)
    async with database.uow() as uow:
        await report(uow, first, PLANNED)
        assert await asyncio.wait_for(plan_report_reminders(database.uow(), PLANNED), timeout=10) == 0
        await uow.commit()
    assert await listed(database) == [("2027-01-18", [second])]  # as the report left it
    async with database.uow() as uow:
        ledgers = (await uow.session.execute(select(PledgeReminder).order_by(col(PledgeReminder.pledge_id)))).all()
    # nothing given today, and looked at again at the next plan
    assert [(ledger.kinds, ledger.next_on) for (ledger,) in ledgers] == [("before", PLANNED.date())] * 2 + [
        ("", PLANNED.date())]
    assert await plan_report_reminders(database.uow(), PLANNED + timedelta(minutes=15)) == 1
    assert await listed(database) == [("2027-02-01", [second, third])]
    assert len(await chat.collect(FOCAL)) == 1


async def planning_with(monkeypatch: pytest.MonkeyPatch, method: str,
                        meanwhile: Callable[[], Awaitable[None]]) -> None:
    """Patch Reminders.`method` so that the plan does `meanwhile` before it (once)."""
    original = getattr(Reminders, method)
    done: list[bool] = []

    async def patched(self: Reminders, *args: Any, **kwargs: Any) -> Any:
        if not done:
            done.append(True)
            await meanwhile()
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(Reminders, method, patched)


async def test_a_report_committed_after_planning_read_its_pledge_is_not_reminded_of(
        chat: ChatDriver, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The report commits after planning read where its pledge stands, before planning writes: the reminder written
    named the report just sent. Planning reads the pledge's reports again once it holds it, and looks again later."""
    skip_on_sqlite(database)
    first, _, _ = await an_old_reminder(chat, database)

    async def reported() -> None:
        async with database.uow() as uow:
            await report(uow, first, PLANNED)
            await uow.commit()

    await planning_with(monkeypatch, "claim", reported)
    await asyncio.wait_for(plan_report_reminders(database.uow(), PLANNED), timeout=10)
    assert all(first not in pledges for _, pledges in await listed(database)), await listed(database)
    assert [day for day, _ in await listed(database)] == ["2027-02-01"]


async def test_a_report_stored_while_planning_writes_finds_the_reminder_written(
        chat: ChatDriver, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The report begins once planning has written the day's reminder, and commits after it: its transaction did not
    see the reminder (not committed yet) and left its pledge in it. Now it waits for planning (which holds the
    pledge), then takes the pledge out of the reminder planning wrote."""
    skip_on_sqlite(database)
    first, second, third = await an_old_reminder(chat, database)
    reporting: list[asyncio.Task[None]] = []

    async def stored() -> None:
        async with database.uow() as uow:
            await report(uow, first, PLANNED)
            await uow.commit()

    async def begun() -> None:
        reporting.append(asyncio.ensure_future(stored()))
        async with database.uow() as uow:
            for _ in range(300):  # until the report waits for a lock, or is done
                waiting = (await uow.session.execute(sql("SELECT count(*) FROM pg_locks WHERE NOT granted"))).scalar()
                if waiting or reporting[0].done():
                    break
                await asyncio.sleep(0.01)

    await planning_with(monkeypatch, "looked", begun)
    assert await asyncio.wait_for(plan_report_reminders(database.uow(), PLANNED), timeout=10) == 1
    await asyncio.wait_for(reporting[0], timeout=10)
    assert await listed(database) == [("2027-02-01", [second, third])]


async def test_a_plan_never_waits_for_a_report_on_a_pledge_it_looks_at_for_the_first_time(
        chat: ChatDriver, database: Database) -> None:
    """A pledge never planned (no ledger row yet), nothing due, is being reported on (its row locked FOR UPDATE) while
    the plan runs: writing its first ledger row made the plan wait for the report (the row's key to the pledge is
    checked under a share lock), so every reminder of the day waited for one person's report, and a report waiting
    in turn for a reminder that plan held deadlocked. The plan now leaves that pledge to the next plan."""
    skip_on_sqlite(database)
    entity = await entity_of(database)
    busy, other = await add_pledge(database, entity, 43), await add_pledge(database, entity, 44)
    june = utc(2026, 6, 1, 10)  # their first report is due in January 2027: a look, no reminder
    async with database.uow() as uow:
        await uow.session.get(Pledge, busy, with_for_update=True)
        assert await asyncio.wait_for(plan_report_reminders(database.uow(), june), timeout=10) == 0
        await uow.commit()
    async with database.uow() as uow:
        ledgers = {ledger.pledge_id for (ledger,) in (await uow.session.execute(select(PledgeReminder))).all()}
    assert ledgers == {other}, "the pledge being reported is looked at by the next plan"
    await plan_report_reminders(database.uow(), june + timedelta(minutes=15))
    async with database.uow() as uow:
        ledgers = {ledger.pledge_id for (ledger,) in (await uow.session.execute(select(PledgeReminder))).all()}
    assert ledgers == {busy, other}


async def test_a_plan_during_a_departure_leaves_its_pledges_to_the_next_plan(chat: ChatDriver,
                                                                             database: Database) -> None:
    """A review: the hand-over's UPDATE of the pledges took no lock a plan's claim (FOR KEY SHARE SKIP LOCKED) skips,
    so a plan running during /leave wrote the leaver a reminder the departure could not see."""
    skip_on_sqlite(database)
    entity = await entity_of(database)
    await add_pledge(database, entity, 42)
    async with database.uow() as uow:
        focal = (await uow.session.execute(select(Contact).where(Contact.telegram_id == FOCAL))).scalar_one()
        assert focal.id is not None
        await People(uow.session).hand_over(entity, focal.id, None)  # not committed yet: the entity's pledges locked
        assert await plan_report_reminders(database.uow(), utc(2027, 1, 18, 10)) == 0  # deferred, not written
    assert await reminders(database) == []
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 18, 10, 15)) == 1  # the next plan


async def test_a_report_and_the_plan_lock_reminders_then_escalations_and_never_deadlock(database: Database) -> None:
    """Review: a report's one read of what it brings up to date (Reminders.settling) locked rows by id alone. An
    escalation older than a focal point's reminder was locked first; the plan, holding that reminder (pending, skip
    locked) and then waiting for the escalations, deadlocked with it, and PostgreSQL aborted the report (an apology,
    the report not stored). Both now lock reminders, then escalations."""
    skip_on_sqlite(database)
    from models.repositories.contacts import Contacts
    from models.repositories.outbox import OutboxRows
    from models.tables import Entity

    at = utc(2027, 2, 15, 10)
    async with database.uow() as uow:
        entity = Entity(name="Org", name_key="org", sector="government", country_iso3="SEN", status="validated")
        uow.session.add(entity)
        await uow.flush()
        coordinator = Contact(telegram_id=1, chat_id=1, first_name="Coord")
        focal = Contact(telegram_id=2, chat_id=2, first_name="Awa", entity_id=entity.id)
        for person in (coordinator, focal):
            await Contacts(uow.session).add(person)
        rows = OutboxRows(uow.session)  # the escalation written first (the lower id), the reminder after it
        await rows.enqueue("esc:1:2027-02-15", 1, coordinator.id, {"escalation": []}, priority=5, now=at)
        await rows.enqueue("rm:2:2027-02-15", 2, focal.id, {"reminder": {"day": "2027-02-15", "items": []}},
                           priority=5, now=at)
        await uow.commit()
    assert entity.id is not None
    planning, reporting = asyncio.Event(), asyncio.Event()

    async def planner() -> None:  # as plan_report_reminders: the reminders (skipping locked ones), then escalations
        async with database.uow() as uow:
            repo = Reminders(uow.session)
            assert await repo.pending(skip_locked=True), "the reminder locked"
            planning.set()
            await reporting.wait()
            await asyncio.sleep(0.3)  # the report's read waits meanwhile
            await repo.pending_escalations()
            await uow.commit()

    async def reporter() -> None:
        await planning.wait()
        async with database.uow() as uow:
            read = asyncio.ensure_future(Reminders(uow.session).settling(entity.id or 0))
            await asyncio.sleep(0.2)
            reporting.set()
            settled = await read
            await uow.commit()
        assert [len(settled.reminders), len(settled.escalations)] == [1, 1]

    await asyncio.wait_for(asyncio.gather(planner(), reporter()), timeout=20)
