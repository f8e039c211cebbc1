"""What a coordinator reads in digests, on both backends: the first monthly digest covers the month."""

from __future__ import annotations

from datetime import UTC, datetime

from chat_driver import ChatDriver
from sqlmodel import select
from test_digests import _seed, chat  # noqa: F401 (the fixture)

from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.digests.jobs import send_due_digests
from models.clock import utcnow
from models.database import Database
from models.repositories.subscriptions import Subscriptions
from models.tables import Contact, Pledge
from models.values import PledgeStatus, Role

ENGLISH = 9700
"""A coordinator whose Telegram app is in English (the fixture's are in Russian and Arabic)."""


async def _english_coordinator(driver: ChatDriver, database: Database) -> int:
    await grant_role(GrantRole(ENGLISH, Role.coordinator), database.uow(), utcnow())
    await driver.send(driver.person(ENGLISH, "Lee"), "/help")
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == ENGLISH))).scalar_one()
        return contact.id or 0


async def test_the_first_monthly_digest_reports_the_changes_of_the_month(chat: ChatDriver, database: Database,  # noqa: F811
                                                                         deps: Deps) -> None:
    """Regression: the first monthly digest counted the changes of the last 7 days, so a pledge validated on
    2 December was in no digest (the January one said "Since 25 Dec: no pledge validated")."""
    ids = await _seed(database)
    contact_id = await _english_coordinator(chat, database)
    await chat.press(chat.person(ENGLISH, "Lee"), "dg:month")
    chosen, validated = datetime(2030, 11, 29, 10, tzinfo=UTC), datetime(2030, 12, 2, 10, tzinfo=UTC)
    async with database.uow() as uow:
        subscription = await Subscriptions(uow.session).of(contact_id)
        assert subscription is not None and subscription.cadence == "monthly"
        subscription.updated_at = chosen  # chosen at the end of November
        await Subscriptions(uow.session).save(subscription)
        pledge = await uow.session.get(Pledge, ids["p4"])
        assert pledge is not None
        pledge.status, pledge.validated_at = PledgeStatus.validated, validated
        uow.session.add(pledge)
        await uow.commit()
    first_working_day = datetime(2031, 1, 1, 9, 5, tzinfo=UTC)  # a Wednesday
    assert await send_due_digests(database.uow, first_working_day, deps.translate) >= 1
    digest = (await chat.collect(ENGLISH))[0].text
    assert "Since Dec 1, 2030" in digest and "1 pledge validated" in digest
    # the next one covers what came after this one, not the month again
    assert await send_due_digests(database.uow, datetime(2031, 2, 3, 9, 5, tzinfo=UTC), deps.translate) >= 1
    later = (await chat.collect(ENGLISH))[0].text
    assert "Since Jan 1, 2031" in later and "0 pledges validated" in later
