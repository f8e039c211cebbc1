"""Regressions: /reassign displaced the focal points who held an organisation's pledges first without telling them,
and its reply did not say who held them before (two staff members undid each other's choice unseen, and choosing the
holder again claimed a change); a focal point who moved to another organisation by invitation kept its pledges (their
reminders went to nobody first, no colleague nor BDT told) and their pledge in progress for it; on both backends."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_colleagues import AWA, BOB, STAFF, add_pledge, awa_invites_bob, contact, join
from test_form_switches import drafts_of

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Pledge
from models.values import Role


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, and Awa, focal point of a Senegalese ministry, writing in French."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    token, _, _ = await invite(CreateInvite("Ministère du Numérique", Role.focal_point, country_iso3="SEN"),
                               database.uow(), utcnow())
    await join(driver, AWA, token, "Awa Diop", "fr")
    driver.mailbox.clear()
    return driver


async def primaries(database: Database, *pledge_ids: int) -> list[int | None]:
    """The primary focal point (contact id) of each pledge."""
    async with database.uow() as uow:
        found = {pledge.id: pledge.primary_contact_id for pledge in (await uow.session.execute(
            select(Pledge).where(col(Pledge.id).in_(pledge_ids)))).scalars()}
    return [found[pledge_id] for pledge_id in pledge_ids]


async def awas_two_pledges(chat: ChatDriver, database: Database) -> tuple[int, int, int]:
    """Bob joins Awa's ministry; Awa submitted two pledges of it. (ministry id, pledge ids)."""
    await awa_invites_bob(chat)
    awa = await contact(database, AWA)
    assert awa.entity_id is not None and awa.id is not None
    return (awa.entity_id, await add_pledge(database, awa.entity_id, awa.id, 1),
            await add_pledge(database, awa.entity_id, awa.id, 2))


async def test_reassign_tells_the_focal_point_displaced_and_staff_who_held_the_pledges(chat: ChatDriver,
                                                                                      database: Database) -> None:
    entity_id, first, second = await awas_two_pledges(chat, database)
    awa, bob = await contact(database, AWA), await contact(database, BOB)
    done = await chat.send(chat.person(STAFF, "Bea"), f"/reassign {entity_id} {BOB}")
    assert "2 pledges" in done[0].text and "Bob Ndiaye" in done[0].text
    assert f"Before, 2 went first to Awa Diop (id {AWA})" in done[0].text, done[0].text
    told = await chat.collect(AWA)  # in French once translated: her colleague's name and the count, no id
    assert len(told) == 1 and "Bob Ndiaye" in told[0].text and "2" in told[0].text, [m.text for m in told]
    assert str(BOB) not in told[0].text
    assert len(await chat.collect(BOB)) == 1
    assert await primaries(database, first, second) == [bob.id, bob.id]
    async with database.uow() as uow:
        row = (await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "pledges.reassigned"))
               ).scalar_one()
    assert row.details["previous"] == [{"contact": awa.id, "pledges": 2}] and row.details["to"] == bob.id


async def test_a_second_reassign_says_whose_choice_it_undoes(chat: ChatDriver, database: Database) -> None:
    entity_id, _, _ = await awas_two_pledges(chat, database)
    staff = chat.person(STAFF, "Bea")
    await chat.send(staff, f"/reassign {entity_id} {BOB}")
    for person in (AWA, BOB):
        await chat.collect(person)
    undone = await chat.send(staff, f"/reassign {entity_id} {AWA}")
    assert "2 pledges" in undone[0].text and f"Before, 2 went first to Bob Ndiaye (id {BOB})" in undone[0].text
    told = await chat.collect(BOB)
    assert len(told) == 1 and "Awa Diop" in told[0].text, [m.text for m in told]


async def test_reassigning_to_the_focal_point_who_holds_them_all_changes_nothing(chat: ChatDriver,
                                                                                database: Database) -> None:
    entity_id, first, second = await awas_two_pledges(chat, database)
    same = await chat.send(chat.person(STAFF, "Bea"), f"/reassign {entity_id} {AWA}")
    assert "already go first to Awa Diop" in same[0].text and "now go" not in same[0].text, same[0].text
    assert await chat.collect(AWA) == [] and await chat.collect(BOB) == []  # nobody told of a change that is none
    awa = await contact(database, AWA)
    assert await primaries(database, first, second) in ([None, None], [awa.id, awa.id])


async def move(chat: ChatDriver, telegram_id: int, entity: str, role: Role = Role.focal_point) -> list[str]:
    """The focal point opens an invitation to `entity` and says Yes to the change; what the bot answered last."""
    token, _, _ = await invite(CreateInvite(entity, role, country_iso3="SEN"), chat.database.uow(), utcnow())
    person = chat.person(telegram_id, "Awa", "fr")
    asked = await chat.send(person, f"/start {token}")
    change = next(code for code in codes(asked[-1]) if code in ("f:move:c:yes", "f:new_role:c:yes"))
    await chat.press(person, change)
    await chat.press(person, "f:consent:c:yes")
    return [m.text for m in await chat.send(person, "Awa Diop")]


async def test_moving_to_another_organisation_hands_its_pledges_to_the_colleague(chat: ChatDriver,
                                                                                database: Database) -> None:
    entity_id, first, second = await awas_two_pledges(chat, database)
    awa = chat.person(AWA, "Awa", "fr")
    await chat.send(awa, "/pledge")  # a pledge of the ministry begun
    await chat.send(awa, "Écoles connectées du Sénégal")
    assert "pledge" in await drafts_of(database, AWA)
    await chat.collect(BOB)
    answered = await move(chat, AWA, "Agence de l'Informatique")
    assert any("Bob Ndiaye" in m for m in answered), answered
    bob = await contact(database, BOB)
    assert await primaries(database, first, second) == [bob.id, bob.id]
    told = await chat.collect(BOB)
    assert any("Awa Diop" in m.text and "2 pledges" in m.text for m in told), [m.text for m in told]
    assert "pledge" not in await drafts_of(database, AWA)  # not sent to BDT for the other organisation
    assert all("lv:inv:" not in " ".join(codes(m)) for m in await chat.collect(STAFF))
    moved = await contact(database, AWA)
    assert moved.entity_id != entity_id and moved.role == Role.focal_point


async def test_the_last_focal_point_moving_away_tells_staff(chat: ChatDriver, database: Database) -> None:
    entity_id = (await contact(database, AWA)).entity_id
    await chat.collect(STAFF)
    await move(chat, AWA, "Agence de l'Informatique")
    notices = [m for m in await chat.collect(STAFF) if f"lv:inv:{entity_id}" in codes(m)]
    assert len(notices) == 1 and "Awa Diop" in notices[0].text and "no focal point left" in notices[0].text


async def test_becoming_coordinator_of_the_same_organisation_hands_nothing_over(chat: ChatDriver,
                                                                               database: Database) -> None:
    entity_id, first, second = await awas_two_pledges(chat, database)
    await chat.collect(STAFF)
    await chat.collect(BOB)
    token, _, _ = await invite(CreateInvite("Ministère du Numérique", Role.coordinator, country_iso3="SEN"),
                               database.uow(), utcnow())
    person = chat.person(AWA, "Awa", "fr")
    await chat.send(person, f"/start {token}")
    for step in ("f:new_role:c:yes", "f:consent:c:yes"):
        await chat.press(person, step)
    await chat.send(person, "Awa Diop")
    awa = await contact(database, AWA)
    assert (awa.role, awa.entity_id) == (Role.coordinator, entity_id)
    assert await primaries(database, first, second) == [None, None]  # still Awa's, as their submitter
    assert await chat.collect(BOB) == []
    assert all("lv:inv:" not in " ".join(codes(m)) for m in await chat.collect(STAFF))



async def test_reassign_on_an_organisation_without_pledges_says_nothing_changed(chat: ChatDriver,
                                                                                database: Database) -> None:
    await awa_invites_bob(chat)
    awa = await contact(database, AWA)
    done = await chat.send(chat.person(STAFF, "Bea"), f"/reassign {awa.entity_id} {BOB}")
    assert "has no pledge yet, so nothing changed" in done[0].text, done[0].text
    assert "0 pledges" not in done[0].text
    assert await chat.collect(BOB) == []  # not told of a change that moved nothing


async def test_the_move_question_names_the_pledge_in_progress_it_would_discard(chat: ChatDriver,
                                                                               database: Database) -> None:
    await awas_two_pledges(chat, database)
    awa = chat.person(AWA, "Awa", "fr")
    await chat.send(awa, "/pledge")
    await chat.send(awa, "Écoles connectées du Sénégal")
    token, _, _ = await invite(CreateInvite("Agence de l'Informatique", Role.focal_point, country_iso3="SEN"),
                               database.uow(), utcnow())
    asked = " ".join(m.text for m in await chat.send(awa, f"/start {token}"))
    assert "L’engagement que vous êtes en train d’enregistrer sera effacé" in asked, asked  # as /leave says it
    await chat.press(awa, "f:move:c:no")
    assert "pledge" in await drafts_of(database, AWA)  # staying keeps it
