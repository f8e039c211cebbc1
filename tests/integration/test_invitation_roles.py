"""Invitations never lower a role, and change an existing place only with the person's Yes, telling staff
(issue 11, item 10)."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Contact, Entity, Invite
from models.values import Role

STAFF, PERSON = 9300, 9301


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member, who hears about changes of place."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def link(chat: ChatDriver, entity: str, role: Role) -> str:
    """A fresh invitation's token."""
    token, _, _ = await invite(CreateInvite(entity, role), chat.database.uow(), utcnow())
    return token


async def join(chat: ChatDriver, entity: str, role: Role, telegram_id: int = PERSON) -> None:
    """The person joins an organisation by invitation (a newcomer: consent, then name)."""
    person = chat.person(telegram_id)
    await chat.send(person, f"/start {await link(chat, entity, role)}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, "Awa Diop")


async def place(database: Database, telegram_id: int = PERSON) -> tuple[str | None, str | None]:
    """(role, entity name) of a person."""
    async with database.uow() as uow:
        found = await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == telegram_id))
        contact = found.scalar_one()
        entity = await uow.session.get(Entity, contact.entity_id) if contact.entity_id else None
        return contact.role, entity.name if entity else None


async def unused_invites(database: Database) -> int:
    async with database.uow() as uow:
        return len((await uow.session.execute(select(Invite).where(col(Invite.used_at).is_(None)))).all())


async def test_a_staff_member_is_not_made_a_coordinator(chat: ChatDriver, database: Database) -> None:
    token = await link(chat, "GSMA", Role.coordinator)
    answers = await chat.send(chat.person(STAFF, "Bea"), f"/start {token}")
    assert "never lowers a role" in answers[-1].text and "GSMA" in answers[-1].text
    assert await place(database, STAFF) == (Role.staff, None)
    assert await unused_invites(database) == 1  # still there for the person it was meant for
    async with database.uow() as uow:
        found = await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "invite.refused"))
        refused = found.scalar_one()
        assert refused.details["reason"] == "would_demote"


async def test_a_coordinator_is_not_made_a_focal_point(chat: ChatDriver, database: Database) -> None:
    await join(chat, "UNICEF Giga", Role.coordinator)
    token = await link(chat, "Ministry of ICT", Role.focal_point)
    answers = await chat.send(chat.person(PERSON), f"/start {token}")
    assert "never lowers a role" in answers[-1].text
    assert await place(database) == (Role.coordinator, "UNICEF Giga")


async def test_moving_to_another_entity_needs_a_yes_and_tells_staff(chat: ChatDriver, database: Database) -> None:
    await join(chat, "Org A", Role.focal_point)
    await chat.collect(STAFF)
    person = chat.person(PERSON)
    question = await chat.send(person, f"/start {await link(chat, 'Org B', Role.focal_point)}")
    assert "Org A" in question[-1].text and "Org B" in question[-1].text and "move" in question[-1].text
    assert "f:move:c:yes" in codes(question[-1])
    assert await place(database) == (Role.focal_point, "Org A")  # nothing yet
    await chat.press(person, "f:move:c:yes")
    await chat.press(person, "f:consent:c:yes")
    welcome = await chat.send(person, "Awa Diop")
    assert "Org B" in welcome[0].text
    assert await place(database) == (Role.focal_point, "Org B")
    notice = [m.text for m in await chat.collect(STAFF)]
    assert any("Awa Diop" in m and "Org A" in m and "Org B" in m for m in notice), notice


async def test_a_move_declined_keeps_the_place_and_the_invitation(chat: ChatDriver, database: Database) -> None:
    """A tester pressed No: "Nothing changes unless you agree. Press Yes to accept, or Cancel to keep your place",
    and the question again; Cancel then asked whether to discard her answers. No keeps her place, in one message."""
    await join(chat, "Org A", Role.focal_point)
    await chat.collect(STAFF)
    person = chat.person(PERSON)
    await chat.send(person, f"/start {await link(chat, 'Org B', Role.focal_point)}")
    (declined,) = await chat.press(person, "f:move:c:no")
    assert declined.text == ("Nothing was changed: you stay with “Org A” as focal point. The invitation was not used, "
                             "and its link still works if you change your mind."), declined.text
    assert not codes(declined)
    assert await place(database) == (Role.focal_point, "Org A")
    assert await unused_invites(database) == 1
    assert await chat.collect(STAFF) == []
    async with database.uow() as uow:
        found = await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "invite.declined"))
        assert found.scalar_one().details["reason"] == "move"
    (menu,) = await chat.send(person, "/mypledges")
    assert "Nothing was changed" not in menu.text and "move" not in menu.text, "the joining is over"


async def test_a_move_cancelled_changes_nothing(chat: ChatDriver, database: Database) -> None:
    await join(chat, "Org A", Role.focal_point)
    await chat.collect(STAFF)
    person = chat.person(PERSON)
    await chat.send(person, f"/start {await link(chat, 'Org B', Role.focal_point)}")
    await chat.send(person, "/cancel")
    await chat.press(person, "f:$cancel:yes")
    assert await place(database) == (Role.focal_point, "Org A")
    assert await unused_invites(database) == 1
    assert await chat.collect(STAFF) == []


async def test_a_focal_point_made_coordinator_of_their_entity_confirms(chat: ChatDriver, database: Database) -> None:
    await join(chat, "Org A", Role.focal_point)
    await chat.collect(STAFF)
    person = chat.person(PERSON)
    question = await chat.send(person, f"/start {await link(chat, 'Org A', Role.coordinator)}")
    assert "coordinator" in question[-1].text and "f:new_role:c:yes" in codes(question[-1])
    for step in ("f:new_role:c:yes", "f:consent:c:yes"):
        await chat.press(person, step)
    await chat.send(person, "Awa Diop")
    assert await place(database) == (Role.coordinator, "Org A")
    assert any("coordinator" in m.text and "Org A" in m.text for m in await chat.collect(STAFF))


async def test_a_newcomer_is_not_asked_about_a_change(chat: ChatDriver, database: Database) -> None:
    answers = await chat.send(chat.person(PERSON), f"/start {await link(chat, 'Org C', Role.focal_point)}")
    assert "f:consent:c:yes" in codes(answers[-1])


@pytest.mark.parametrize(("language", "said"), [
    ("en", "You are invited to join “Ministerio TIC” as focal point."),
    ("es", "Se le invita a unirse a “Ministerio TIC” como punto focal.")])
async def test_a_newcomer_is_told_what_they_join_before_consenting(chat: ChatDriver, language: str, said: str) -> None:
    """A tester's colleague was asked to consent before any word of the organisation the invitation was for."""
    person = chat.person(PERSON + 20, language_code=language)
    answers = await chat.send(person, f"/start {await link(chat, 'Ministerio TIC', Role.focal_point)}")
    assert said in answers[-1].text and "f:consent:c:yes" in codes(answers[-1]), answers[-1].text
    assert answers[-1].text.index(said) < answers[-1].text.index("1")  # above the question


async def test_a_newcomer_reads_the_country_of_the_organisation_as_the_inviter_did(chat: ChatDriver) -> None:
    """A tester: the invitation named "Conecta Andes S.A." alone, while another of that name is in another country
    (the inviter's message said "(Colombia)")."""
    token, _, _ = await invite(CreateInvite("Conecta Andes S.A.", Role.focal_point, country_iso3="COL"),
                               chat.database.uow(), utcnow())
    answers = await chat.send(chat.person(PERSON + 21, language_code="es"), f"/start {token}")
    assert "Se le invita a unirse a “Conecta Andes S.A.” (Colombia) como punto focal." in answers[-1].text, \
        answers[-1].text


async def test_an_invitation_to_the_place_held_already_is_left_for_its_colleague(chat: ChatDriver,
                                                                                 database: Database) -> None:
    """A focal point opening a link to their own organisation (shared in a team chat) is told so; the link still
    works for the colleague it was meant for, and nobody is told that they joined."""
    await join(chat, "Org A", Role.focal_point)
    await chat.collect(STAFF)
    token = await link(chat, "Org A", Role.focal_point)
    answers = await chat.send(chat.person(PERSON), f"/start {token}")
    assert "already a focal point of “Org A”" in answers[-1].text and "was not used" in answers[-1].text
    assert await unused_invites(database) == 1
    assert await place(database) == (Role.focal_point, "Org A")
    async with database.uow() as uow:
        found = await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "invite.refused"))
        assert found.scalar_one().details["reason"] == "already_member"
    await join(chat, "Org A", Role.focal_point, telegram_id=PERSON + 1)  # the colleague: a fresh link works
    assert await place(database, PERSON + 1) == (Role.focal_point, "Org A")
    colleague = chat.person(PERSON + 2)
    welcome = await chat.send(colleague, f"/start {token}")
    assert "You are invited to join “Org A”" in " ".join(a.text for a in welcome)


async def test_mypledges_while_joining_points_to_the_question_not_to_start(chat: ChatDriver) -> None:
    """A tester joining by invitation sent /mypledges: "Send /start to register", which would have led him away from
    the invitation."""
    person = chat.person(PERSON)
    await chat.send(person, f"/start {await link(chat, 'Org A', Role.focal_point)}")
    await chat.press(person, "f:consent:c:yes")
    answer = await chat.send(person, "/mypledges")
    assert answer[0].text == "You are not attached to an organisation yet: answer the question below to finish " \
                             "joining it.", answer[0].text
    assert "What is your name" in answer[-1].text, "the question follows"
    stranger = await chat.send(chat.person(PERSON + 1), "/mypledges")
    assert "Send /start to register" in stranger[-1].text
    registering = chat.person(PERSON + 2)
    await chat.send(registering, "/start")
    await chat.press(registering, "f:consent:c:yes")
    answer = await chat.send(registering, "/mypledges")
    assert answer[0].text == "You are not attached to an organisation yet: answer the question below to finish " \
                             "registering yours.", answer[0].text
