"""Reports and pledges changed by two people at once: what one of them confirms still holds when it commits."""

from __future__ import annotations

import asyncio

import pytest
from chat_driver import ChatDriver, codes
from sqlalchemy import text as sql
from sqlmodel import select
from test_reports import STAFF, STEPS, completed_report, member, validated_pledge

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.repositories.reports import Reports
from models.tables import Pledge, ProgressReport
from models.values import PledgeStatus


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def report_at_75_percent_said_complete(chat: ChatDriver, telegram_id: int) -> int:
    """A report at 75 % whose focal point said the pledge is complete: the id its 🏁 button confirms."""
    done = await completed_report(chat, telegram_id, 75)
    (confirm,) = [code for code in codes(done[-1]) if code.startswith("rp:done:")]
    return int(confirm.rsplit(":", 1)[1])


async def test_a_report_replaced_while_its_pledge_is_closed_does_not_close_it(
        chat: ChatDriver, database: Database) -> None:
    """The report was read before the pledge was locked: replaced meanwhile (the replacing report held the pledge),
    the stale copy still said current, and 🏁 closed the pledge from a report that was no longer the one."""
    if database.is_sqlite:
        pytest.skip("SQLite runs one unit of work at a time: the two cannot interleave")
    await member(chat, 31)
    pledge_id = await validated_pledge(chat, 31)
    report_id = await report_at_75_percent_said_complete(chat, 31)
    async with database.uow() as uow:  # a newer report for the period, as finish_report stores it: pledge first
        pledge = await uow.session.get(Pledge, pledge_id, with_for_update=True)
        old = await uow.session.get(ProgressReport, report_id)
        assert pledge is not None and old is not None
        await Reports(uow.session).add(ProgressReport(pledge_id=pledge_id, period=old.period, status="in_progress",
                                                      percent_complete=60, steps_taken=STEPS, created_at=utcnow(),
                                                      updated_at=utcnow()), replacing=report_id)
        pressed = asyncio.ensure_future(chat.press(chat.person(31), f"rp:done:{report_id}"))
        for _ in range(500):  # until the press waits for the pledge's lock
            waiting = (await uow.session.execute(sql("SELECT count(*) FROM pg_locks WHERE NOT granted"))).scalar()
            if waiting or pressed.done():
                break
            await asyncio.sleep(0.01)
        await uow.commit()
    answer = await pressed
    assert "no longer valid" in answer[-1].text, answer[-1].text
    async with database.uow() as uow:
        pledge = (await uow.session.execute(select(Pledge).where(Pledge.id == pledge_id))).scalar_one()
    assert pledge.status == PledgeStatus.validated, "closed from a replaced report"
