"""One reminder a day counts only a reminder that was enqueued: an untouched draft whose reminder sent nothing (the
pledge it edits was resubmitted by a colleague meanwhile) was still marked reminded, and that mark took the person's
day, so the reminder of their other pledge returned for changes was put off although they received nothing. The draft
stays marked, so it is not looked at again; a draft reminder that was sent still takes the day. Both backends."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select, update
from test_changes_reminders import (
    ASKED,
    AWA,
    STAFF,
    add_pledge,
    changes_reminders,
    contact_of,
    join,
    pledge_id_of,
    return_for_changes,
)

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from handlers.reminders import remind_stale_drafts
from models.clock import utcnow
from models.database import Database
from models.tables import Draft, Outbox, Pledge
from models.values import PledgeStatus, Role

DUE = ASKED + timedelta(days=7, hours=1)
"""The first round of the reminder of Awa's pledge P2C-2027-00001 is due (a Monday, 11:00 in Dakar)."""


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff (Bea) and Awa, focal point of a Senegalese ministry, whose pledge P2C-2027-00001 BDT returned for
    changes at ASKED."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    token, _, _ = await invite(CreateInvite("Ministère du Numérique", Role.focal_point, country_iso3="SEN"),
                               database.uow(), utcnow())
    await join(driver, AWA, token, "Awa Diop")
    await return_for_changes(driver, await add_pledge(database, AWA, 1))
    driver.mailbox.clear()
    return driver


async def untouched_since(database: Database, when: datetime) -> None:
    """Awa's pledge draft was last touched at `when` (three days later it is stale)."""
    async with database.uow() as uow:
        await uow.session.execute(update(Draft).values(created_at=when, updated_at=when))
        await uow.commit()


async def draft_reminders(database: Database) -> list[Outbox]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith("draft-reminder:"))
                                               )).scalars())


async def test_a_draft_reminder_that_sent_nothing_leaves_the_day_to_the_changes_reminder(chat: ChatDriver,
                                                                                        database: Database) -> None:
    second = await add_pledge(database, AWA, 2)
    await return_for_changes(chat, second)
    await chat.press(chat.person(AWA, "Awa"), f"mp:edit:{second}")  # Awa opens the edit of her second pledge...
    async with database.uow() as uow:  # ... which a colleague resubmits meanwhile: her draft has nothing to finish
        await uow.session.execute(update(Pledge).where(col(Pledge.id) == second)
                                  .values(status=PledgeStatus.submitted, version=2))
        await uow.commit()
    await untouched_since(database, DUE - timedelta(days=3, hours=1))  # stale when the first pledge's round is due
    assert await remind_stale_drafts(database.uow(), DUE) == 1
    awa = await contact_of(database, AWA)
    (row,) = await changes_reminders(database)
    assert row.contact_id == awa.id and row.key.startswith(f"changes-reminder:{await pledge_id_of(database)}:v1:r1:")
    assert await draft_reminders(database) == []
    async with database.uow() as uow:  # marked all the same: that draft is not looked at again
        draft = (await uow.session.execute(select(Draft))).scalar_one()
        assert draft.reminded_at == DUE
    assert await remind_stale_drafts(database.uow(), DUE + timedelta(days=1)) == 0
    assert len(await changes_reminders(database)) == 1


async def test_a_draft_reminder_sent_still_takes_the_day(chat: ChatDriver, database: Database) -> None:
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, "/pledge")
    await chat.send(awa, "Connect 500 rural schools")
    await untouched_since(database, DUE - timedelta(days=3, hours=1))
    assert await remind_stale_drafts(database.uow(), DUE) == 1  # the draft's reminder alone that day
    assert len(await draft_reminders(database)) == 1 and await changes_reminders(database) == []
    assert await remind_stale_drafts(database.uow(), DUE + timedelta(hours=3)) == 0
    assert await remind_stale_drafts(database.uow(), DUE + timedelta(days=1)) == 1  # the pledge's the next day
    assert len(await changes_reminders(database)) == 1
