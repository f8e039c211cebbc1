"""A staff member whose role was revoked is not shown what a notice says once decided (a review: their copy of an
organisation's notice, edited when a colleague validated it, named with her Telegram id the focal point who had taken
over the organisation since, whom they never saw while staff)."""

from __future__ import annotations

from chat_driver import ChatDriver
from sqlmodel import select
from test_onboarding import register

from bot.i18n import Renderer
from handlers.admin import GrantRole, RevokeRole, grant_role, revoke_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import Entity
from models.values import Role

STAFF, FORMER, AWA = 9100, 9200, 201


async def test_a_revoked_staff_member_s_copy_closes_without_what_it_now_says(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    chat = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    await grant_role(GrantRole(FORMER, Role.staff), database.uow(), utcnow())
    await chat.send(chat.person(FORMER, "Sam"), "/help")
    await register(chat, AWA, org="Acme Telecom")
    assert any("Acme Telecom" in m.text for m in await chat.collect(FORMER))
    await revoke_role(RevokeRole(FORMER), database.uow(), utcnow())
    await chat.collect(FORMER)
    async with database.uow() as uow:
        entity_id = (await uow.session.execute(select(Entity.id))).scalars().one()
    decision = await chat.press(chat.person(STAFF, "Bea"), f"ent:ok:{entity_id}")
    decided = [m.text for m, edit in zip(decision, chat.edited, strict=True) if edit]
    assert any("Acme Telecom" in t and "Validated by Bea" in t for t in decided), decided  # staff: the whole notice

    (closed,) = await chat.collect(FORMER)
    assert chat.edited == [True]
    assert closed.text == "(This notice is closed: you no longer have a BDT staff role.)", closed.text
    assert closed.buttons == ()
