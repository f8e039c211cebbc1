"""The reminder that BDT waits for a pledge's changes, queued for its reader's working hours, is withdrawn when the
changes are sent or the pledge withdrawn first (a tester: it came on Sunday in Riyadh, after the changes were sent on
Friday); and it is not an optional reminder (a tester: turning those off stopped it, though /settings does not name
it)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select, update
from test_pledges import fill_pledge, focal_point

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.inputs import Incoming
from handlers.reminders import remind_stale_drafts
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Outbox, Pledge
from models.values import Role

BEA, FOCAL = 9511, 9512


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> tuple[ChatDriver, int]:
    """A staff member, and a focal point's pledge returned for changes: the pledge's id."""
    driver = ChatDriver(database, deps, renderer)
    await grant_role(GrantRole(BEA, Role.staff), database.uow(), utcnow())
    await driver.send(driver.person(BEA, "Bea"), "/help")
    await focal_point(driver, FOCAL, "Ministry of ICT")
    await fill_pledge(driver, FOCAL)
    async with database.uow() as uow:
        pledge_id = int((await uow.session.execute(select(Pledge.id))).scalar_one())
    bea = driver.person(BEA, "Bea")
    await driver.press(bea, f"pv:chg:{pledge_id}:1")
    await driver.send(bea, "Please say how many teachers you will train.")
    return driver, pledge_id


async def waiting(database: Database) -> list[str]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Outbox.key).where(
            col(Outbox.key).startswith("changes-reminder:"), col(Outbox.status) == "pending"))).scalars())


async def queue_a_round(database: Database, pledge_id: int) -> None:
    """The first round, a week on, queued for later hours (not taken by the test's chat, which takes everything)."""
    async with database.uow() as uow:
        focal = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == FOCAL))).scalar_one()
        uow.session.add(Outbox(key=f"changes-reminder:{pledge_id}:v1:r1:{focal.id}", chat_id=FOCAL,
                               contact_id=focal.id, priority=5, payload={"reply": {"parts": []}}, status="pending",
                               attempts=0, not_before=utcnow() + timedelta(days=2), created_at=utcnow()))
        await uow.commit()


async def test_changes_sent_withdraw_the_reminder_waiting(chat: tuple[ChatDriver, int], database: Database) -> None:
    driver, pledge_id = chat
    await queue_a_round(database, pledge_id)
    focal = driver.person(FOCAL)
    for update_id, given in enumerate((f"mp:edit:{pledge_id}", "f:$sum:edit:title"), start=91_001):
        await handle(Incoming(update_id, focal, utcnow(), code=given), database.uow(), driver.deps)
    await handle(Incoming.from_text(91_003, focal, "Connect 500 rural schools and train 2,000 teachers", utcnow()),
                 database.uow(), driver.deps)
    assert await waiting(database)  # not yet sent
    await handle(Incoming(91_004, focal, utcnow(), code="f:$sum:submit"), database.uow(), driver.deps)
    assert await waiting(database) == []


async def test_a_withdrawal_withdraws_the_reminder_waiting(chat: tuple[ChatDriver, int], database: Database) -> None:
    driver, pledge_id = chat
    await queue_a_round(database, pledge_id)
    await handle(Incoming(92_001, driver.person(FOCAL), utcnow(), code=f"mp:wdy:{pledge_id}:1:changes_requested"),
                 database.uow(), driver.deps)
    async with database.uow() as uow:
        assert (await uow.session.get(Pledge, pledge_id)).status == "withdrawn"  # type: ignore[union-attr]
    assert await waiting(database) == []


async def test_optional_reminders_turned_off_do_not_stop_it(chat: tuple[ChatDriver, int], database: Database) -> None:
    async with database.uow() as uow:
        await uow.session.execute(update(Contact).where(col(Contact.telegram_id) == FOCAL)
                                  .values(optional_reminders=False))
        await uow.commit()
    assert await remind_stale_drafts(database.uow(), utcnow() + timedelta(days=7, hours=1)) == 1
