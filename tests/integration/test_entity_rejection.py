"""Rejecting an organisation asks the reason first and sends it to whoever registered it; a rejection can be taken
back (validated after all, once confirmed); only staff may do either (exploratory finding g_staff 1: one tap
rejected for good, with no reason given and no way back)."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import GrantRole, RevokeRole, grant_role, revoke_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Entity, Outbox
from models.values import EntityStatus, Role

BEA, CARL, OLGA = 9401, 9402, 9403
NAME = "SvyazInvest LLP"
REASON = "It is not a legal entity of Kazakhstan."


@pytest.fixture
async def chat(sqlite_database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Two staff members, and Olga, who registered an organisation that waits for validation."""
    driver = ChatDriver(sqlite_database, deps, renderer)
    for telegram_id, name in ((BEA, "Bea"), (CARL, "Carl")):
        await grant_role(GrantRole(telegram_id, Role.staff), sqlite_database.uow(), utcnow())
        await driver.send(driver.person(telegram_id, name), "/help")
    olga = driver.person(OLGA, "Olga")
    await driver.send(olga, "/start")
    await driver.press(olga, "f:consent:c:yes")
    await driver.send(olga, NAME)
    await driver.press(olga, "f:sector:c:private_sector")
    await driver.send(olga, "Kazakhstan")
    await driver.send(olga, "Olga Smirnova")
    await driver.press(olga, "f:$sum:submit")
    for telegram_id in (BEA, CARL, OLGA):
        await driver.collect(telegram_id)
    return driver


async def the_entity(database: Database) -> Entity:
    async with database.uow() as uow:
        entity = (await uow.session.execute(select(Entity).where(col(Entity.name) == NAME))).scalar_one()
        return entity


async def decisions(database: Database, entity_id: int) -> list[tuple[str, dict[str, object]]]:
    """The audited decisions on the organisation: (action, details)."""
    async with database.uow() as uow:
        rows = await uow.session.execute(select(AuditLog.action, AuditLog.details).where(
            col(AuditLog.target_type) == "entity", col(AuditLog.target_id) == entity_id,
            col(AuditLog.action).in_(("entity.validated", "entity.rejected"))).order_by(col(AuditLog.id)))
        return [(action, dict(details)) for action, details in rows]


async def news_keys(database: Database, entity_id: int) -> list[str]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Outbox.key).where(
            col(Outbox.key).startswith(f"entity:{entity_id}:")))).scalars())


async def reject(chat: ChatDriver, telegram_id: int, name: str, entity_id: int) -> None:
    person = chat.person(telegram_id, name)
    await chat.press(person, f"ent:no:{entity_id}")
    await chat.send(person, REASON)


async def test_rejecting_an_organisation_asks_the_reason_and_tells_it_to_the_registrant(chat: ChatDriver) -> None:
    entity = await the_entity(chat.database)
    bea = chat.person(BEA, "Bea")
    asked = await chat.press(bea, f"ent:no:{entity.id}")
    assert f"Why is “{NAME}” rejected? The person will read the reason you give." in asked[-1].text
    assert codes(asked[-1]) == ["f:comment:cancel"]
    assert (await the_entity(chat.database)).status == EntityStatus.pending  # nothing decided on one tap
    assert await chat.collect(OLGA) == [] and await decisions(chat.database, entity.id or 0) == []

    done = await chat.send(bea, REASON)
    assert any(m.text == f"“{NAME}” is rejected." for m in done)
    assert (await the_entity(chat.database)).status == EntityStatus.rejected
    assert await decisions(chat.database, entity.id or 0) == [("entity.rejected", {"reason": REASON})]
    [news] = await chat.collect(OLGA)
    assert f"could not validate “{NAME}”" in news.text and REASON in news.text and "/ask" in news.text
    closed = [m for m in await chat.collect(CARL) if "❌ Rejected by Bea on " in m.text]
    assert closed and codes(closed[-1]) == [f"ent:ok:{entity.id}"]  # the way back


async def test_a_rejection_cancelled_before_its_reason_rejects_nothing(chat: ChatDriver) -> None:
    entity = await the_entity(chat.database)
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"ent:no:{entity.id}")
    await chat.press(bea, "f:comment:cancel")
    await chat.press(bea, "f:$cancel:yes")
    assert (await the_entity(chat.database)).status == EntityStatus.pending
    assert await chat.collect(OLGA) == [] and await news_keys(chat.database, entity.id or 0) == []
    assert "is validated" in (await chat.press(bea, f"ent:ok:{entity.id}"))[-1].text  # still waiting, decidable


async def test_a_reason_written_while_another_staff_member_validated_is_not_sent(chat: ChatDriver) -> None:
    entity = await the_entity(chat.database)
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"ent:no:{entity.id}")
    await chat.press(chat.person(CARL, "Carl"), f"ent:ok:{entity.id}")
    late = await chat.send(bea, REASON)
    assert "already decided by Carl" in late[-1].text and "Nothing of yours" in late[-1].text
    assert (await the_entity(chat.database)).status == EntityStatus.validated
    assert [action for action, _ in await decisions(chat.database, entity.id or 0)] == ["entity.validated"]
    assert [key.split(":")[2] for key in await news_keys(chat.database, entity.id or 0)] == ["validated"]
    assert not any(REASON in m.text for m in await chat.collect(OLGA))


async def test_a_rejected_organisation_can_be_validated_after_all(chat: ChatDriver) -> None:
    entity = await the_entity(chat.database)
    await reject(chat, CARL, "Carl", entity.id or 0)
    await chat.collect(OLGA)
    bea = chat.person(BEA, "Bea")
    asked = await chat.press(bea, f"ent:ok:{entity.id}")
    assert f"“{NAME}” was rejected by Carl on " in asked[-1].text and REASON in asked[-1].text
    assert "Validate it now?" in asked[-1].text
    assert codes(asked[-1]) == [f"ent:re:{entity.id}", f"ent:keep:{entity.id}"]
    assert "stays rejected" in (await chat.press(bea, f"ent:keep:{entity.id}"))[-1].text
    assert (await the_entity(chat.database)).status == EntityStatus.rejected  # nothing until confirmed

    done = await chat.press(bea, f"ent:re:{entity.id}")
    assert any(m.text == f"“{NAME}” is validated." for m in done)
    now = await the_entity(chat.database)
    assert now.status == EntityStatus.validated and now.validated_at is not None
    assert await decisions(chat.database, entity.id or 0) == [("entity.rejected", {"reason": REASON}),
                                                              ("entity.validated", {"after": "rejected"})]
    [news] = await chat.collect(OLGA)
    assert f"“{NAME}” has been validated by BDT" in news.text and "To register a pledge, send /pledge." in news.text
    reopened = [m for m in await chat.collect(CARL) if "✅ Validated by Bea on " in m.text]
    assert reopened and codes(reopened[-1]) == []
    invited = await chat.send(bea, f"/invite {entity.id}")
    assert "was rejected" not in invited[0].text and "?start=" in invited[0].text
    again = await chat.press(chat.person(CARL, "Carl"), f"ent:re:{entity.id}")  # an old confirmation
    assert "already decided by Bea" in again[-1].text
    assert len(await decisions(chat.database, entity.id or 0)) == 2


@pytest.mark.parametrize("code", ["ent:no:{id}", "ent:ok:{id}", "ent:re:{id}", "ent:keep:{id}"])
async def test_only_staff_may_reject_or_validate_after_all(chat: ChatDriver, code: str) -> None:
    entity = await the_entity(chat.database)
    if code.startswith(("ent:re", "ent:keep")):
        await reject(chat, BEA, "Bea", entity.id or 0)
        await chat.collect(OLGA)
    before = (await the_entity(chat.database)).status
    answers = await chat.press(chat.person(OLGA, "Olga"), code.format(id=entity.id))
    assert len(answers) == 1 and answers[0].text.startswith("Sorry, you are not allowed to do that.")
    assert (await the_entity(chat.database)).status == before


async def test_a_staff_member_revoked_while_writing_the_reason_rejects_nothing(chat: ChatDriver) -> None:
    entity = await the_entity(chat.database)
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"ent:no:{entity.id}")
    await revoke_role(RevokeRole(BEA), chat.database.uow())
    answers = await chat.send(bea, REASON)
    assert len(answers) == 1 and answers[0].text.startswith("Sorry, you are not allowed to do that.")
    assert (await the_entity(chat.database)).status == EntityStatus.pending
    assert await news_keys(chat.database, entity.id or 0) == []
