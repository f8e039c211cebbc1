"""A registration left open while the person joins an organisation by invitation is closed when they join: finishing
it later took them out of the organisation they had just joined, with nothing handed over and nobody told."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Draft, Entity
from models.values import Role

STAFF, AWA, ROSA = 9400, 9401, 9402


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def register(chat: ChatDriver, telegram_id: int, org: str, name: str) -> None:
    """A person registers an organisation (or, if it exists, asks to join it)."""
    person = chat.person(telegram_id)
    await chat.send(person, "/start")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, org)
    await chat.press(person, "f:sector:c:government")
    await chat.send(person, "Senegal")
    await chat.send(person, name)
    await chat.press(person, "f:$sum:submit")


async def registering_another(chat: ChatDriver) -> None:
    """Rosa asked to join Awa's organisation, then began registering another one, and stopped at its sector."""
    await register(chat, AWA, "Ministry of ICT", "Awa Diop")
    await register(chat, ROSA, "Ministry of ICT", "Rosa Pérez")
    rosa = chat.person(ROSA)
    await chat.press(rosa, "jr:reg")
    await chat.press(rosa, "f:consent:c:yes")
    sector = await chat.send(rosa, "Otra Org")
    assert "sector" in sector[-1].text


async def place(database: Database, telegram_id: int) -> tuple[str | None, str | None, int]:
    """(role, organisation name, drafts) of a person."""
    async with database.uow() as uow:
        found = await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == telegram_id))
        contact = found.scalar_one()
        entity = await uow.session.get(Entity, contact.entity_id) if contact.entity_id else None
        drafts = (await uow.session.execute(select(Draft).where(col(Draft.contact_id) == contact.id))).all()
        return contact.role, entity.name if entity else None, len(drafts)


async def test_joining_by_invitation_closes_the_registration_left_open(chat: ChatDriver, database: Database) -> None:
    await registering_another(chat)
    token, _, _ = await invite(CreateInvite("Ministry of Telecommunications", Role.focal_point), database.uow(),
                               utcnow())
    rosa = chat.person(ROSA)
    await chat.send(rosa, f"/start {token}")
    await chat.press(rosa, "f:consent:c:yes")
    joined = await chat.send(rosa, "Rosa Pérez")
    said = "\n".join(message.text for message in joined)
    assert "Welcome, Rosa Pérez! You are now a focal point of “Ministry of Telecommunications”." in said
    assert "registration of another organisation that you had begun is closed" in joined[-1].text
    assert "back to the questions" not in said and "sector" not in said
    assert await place(database, ROSA) == (Role.focal_point, "Ministry of Telecommunications", 0)
    # the old registration's buttons are stale: they register nothing and move nobody
    for code in ("f:sector:c:government", "f:$sum:submit"):
        await chat.press(rosa, code)
    assert await place(database, ROSA) == (Role.focal_point, "Ministry of Telecommunications", 0)
    async with database.uow() as uow:
        names = (await uow.session.execute(select(Entity.name))).scalars().all()
        assert "Otra Org" not in names


async def test_a_failed_joining_gives_the_registration_back(chat: ChatDriver, database: Database) -> None:
    """The registration is closed only when the person actually joins: a link used by someone else meanwhile
    leaves it to finish."""
    await registering_another(chat)
    token, _, _ = await invite(CreateInvite("Ministry of Telecommunications", Role.focal_point), database.uow(),
                               utcnow())
    rosa = chat.person(ROSA)
    await chat.send(rosa, f"/start {token}")
    await chat.press(rosa, "f:consent:c:yes")
    other = chat.person(9403)
    await chat.send(other, f"/start {token}")
    await chat.press(other, "f:consent:c:yes")
    await chat.send(other, "Someone Else")
    refused = await chat.send(rosa, "Rosa Pérez")
    assert "already been used" in refused[0].text
    assert "back to the questions you left open" in refused[-1].text and "sector" in refused[-1].text
    assert await place(database, ROSA) == (None, None, 1)


@pytest.mark.parametrize("organisation", ["Ministry of ICT", "Ministry of Telecommunications"])
async def test_joining_by_invitation_closes_the_staff_notice_of_the_request_to_join(
        chat: ChatDriver, database: Database, organisation: str) -> None:
    """A tester's staff member, reading "… asks to join … /invite 1" after the person had joined by another
    invitation, would have invited them again."""
    await register(chat, AWA, "Ministry of ICT", "Awa Diop")
    await register(chat, ROSA, "Ministry of ICT", "Rosa Pérez")
    assert sum("asks to join" in m.text for m in await chat.collect(STAFF)) == 1
    token, _, _ = await invite(CreateInvite(organisation, Role.focal_point), database.uow(), utcnow())
    rosa = chat.person(ROSA)
    await chat.send(rosa, f"/start {token}")
    await chat.press(rosa, "f:consent:c:yes")
    await chat.send(rosa, "Rosa Pérez")
    staff_got = await chat.collect(STAFF)
    edited = [m for m, edit in zip(staff_got, chat.edited, strict=True) if edit]
    assert len(edited) == 1 and all("Rosa" not in m.text for m in staff_got if m not in edited), edited
    assert "asks to join" not in edited[0].text and "/invite" not in edited[0].text, edited[0].text
    assert "Rosa Pérez (id 9402) asked to join “Ministry of ICT” (no. 1)." in edited[0].text, edited[0].text
    joined = "joined it by invitation" if organisation == "Ministry of ICT" else "joined another organisation"
    assert f"✅ Rosa Pérez {joined}" in edited[0].text, edited[0].text
