"""Staff who open a focal point's link keep their role, and are told they can pass the link on: "Please contact
BDT" said to BDT's own staff made no sense."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import Invite
from models.values import Role

STAFF, COORDINATOR = 9600, 9601


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def link(chat: ChatDriver, role: Role) -> str:
    token, _, _ = await invite(CreateInvite("Ministry of ICT", role), chat.database.uow(), utcnow())
    return token


async def test_staff_are_told_to_pass_the_link_on(chat: ChatDriver, database: Database) -> None:
    answer = await chat.send(chat.person(STAFF, "Bea"), f"/start {await link(chat, Role.focal_point)}")
    assert "you keep yours" in answer[-1].text and "pass the link on" in answer[-1].text, answer[-1].text
    assert "contact BDT" not in answer[-1].text
    async with database.uow() as uow:
        unused = await uow.session.execute(select(Invite).where(col(Invite.used_at).is_(None)))
        assert len(unused.all()) == 1


async def test_a_coordinator_is_still_told_to_contact_bdt(chat: ChatDriver) -> None:
    person = chat.person(COORDINATOR)
    await chat.send(person, f"/start {await link(chat, Role.coordinator)}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, "Lee Min")
    answer = await chat.send(person, f"/start {await link(chat, Role.focal_point)}")
    assert "Please contact BDT if this is a mistake." in answer[-1].text
    assert "pass the link on" not in answer[-1].text
