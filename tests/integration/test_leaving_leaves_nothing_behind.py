"""What a focal point leaves behind when they leave their organisation (l_trust.md #1, #2, #4, #6): the invitations
they made for it stop working (/leave, /forget, a move by invitation), with a reason; a form about its pledges in
progress is named by /leave and discarded, not offered again; the successor's notice counts no "0 pledges"; and an
old "receive announcements again" button records no consent for someone with no role. On both backends."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes, confirm
from sqlmodel import col, select
from test_colleagues import AWA, BOB, LINK, STAFF, add_pledge, contact, join
from test_colleagues import chat as colleagues_chat  # noqa: F401 (the fixture: staff, and Awa of a ministry)
from test_form_switches import drafts_of, said
from test_reports import Counter, fill_first_report, validated_pledge

from bot.i18n import Renderer
from handlers.admin import CreateInvite, GrantRole, RevokeRole, grant_role, invite, revoke_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Invite, Pledge
from models.values import PledgeStatus, Role

EVE, KARIM = 9305, 9306
LEFT = "the person who made it left the organisation"
LEFT_FR = "la personne qui l’a créé a quitté l’organisation"  # Awa reads French


@pytest.fixture
def chat(colleagues_chat: ChatDriver) -> ChatDriver:  # noqa: F811
    """Staff, and Awa, focal point of a Senegalese ministry."""
    return colleagues_chat


async def made_link(chat: ChatDriver) -> str:
    """A new invitation link Awa makes for her ministry (its token)."""
    found = LINK.search(said(await chat.send(chat.person(AWA, "Awa", "fr"), "/invite")))
    assert found is not None
    return found.group(1)


async def test_a_focal_point_who_leaves_takes_their_unused_invitations_along(chat: ChatDriver,
                                                                            database: Database) -> None:
    """Awa left, then joined her former organisation again, unseen, with a link she had made; so could anyone."""
    unused, opened = await made_link(chat), await made_link(chat)
    staff_link = LINK.search(said(await chat.send(chat.person(STAFF, "Bea"), "/invite 1")))
    assert staff_link is not None
    bob = chat.person(BOB, "Bob")
    await chat.send(bob, f"/start {opened}")
    await chat.press(bob, "f:consent:c:yes")  # Bob is joining with it when Awa leaves
    awa = chat.person(AWA, "Awa", "fr")
    await chat.send(awa, "/leave")
    await chat.press(awa, confirm("lv:yes"))
    for person, token, left in ((chat.person(EVE, "Eve"), unused, LEFT), (awa, unused, LEFT_FR)):
        refused = await chat.send(person, f"/start {token}")
        assert left in said(refused) and "BDT" in said(refused), said(refused)
    finished = await chat.send(bob, "Bob Ndiaye")
    assert LEFT in said(finished)
    assert (await contact(database, BOB)).role is None and (await contact(database, AWA)).role is None
    await join(chat, KARIM, staff_link.group(1), "Karim Ba")  # staff's invitations are not Awa's: they still work
    assert (await contact(database, KARIM)).role == Role.focal_point
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "invite.withdrawn")))
        assert [row.details["invitations"] for row in rows.scalars()] == [2]


async def test_forgetting_or_moving_away_also_withdraws_the_invitations(chat: ChatDriver, database: Database) -> None:
    awa = chat.person(AWA, "Awa", "fr")
    await join(chat, BOB, await made_link(chat), "Bob Ndiaye")
    bobs = LINK.search(said(await chat.send(chat.person(BOB, "Bob"), "/invite")))
    assert bobs is not None
    awas = await made_link(chat)
    elsewhere, _, _ = await invite(CreateInvite("Conecta Andes", Role.focal_point, country_iso3="BOL"),
                                   database.uow(), utcnow())
    bob = chat.person(BOB, "Bob")
    await chat.send(bob, f"/start {elsewhere}")  # Bob changes employer
    await chat.press(bob, "f:move:c:yes")
    await chat.press(bob, "f:consent:c:yes")
    assert "Conecta Andes" in said(await chat.send(bob, "Bob Ndiaye"))
    assert LEFT in said(await chat.send(chat.person(EVE, "Eve"), f"/start {bobs.group(1)}"))
    await chat.send(awa, "/forget")
    await chat.press(awa, confirm("me:forget:yes"))
    assert LEFT in said(await chat.send(chat.person(EVE, "Eve"), f"/start {awas}"))
    async with database.uow() as uow:
        withdrawn = (await uow.session.execute(select(Invite).where(col(Invite.used_at).is_not(None),
                                                                    col(Invite.used_by).is_(None)))).scalars().all()
    assert len(withdrawn) == 2


async def test_a_role_taken_away_takes_the_links_made_with_it(chat: ChatDriver, database: Database) -> None:
    """A security review: a staff member whose role the operator revoked joined, with a link she had kept, as a
    coordinator of every pledge; a focal point's role revoked, the links they made still opened their organisation,
    and a forged button still showed its pledges.
    A link is checked against what its maker may do when it is used, and a revocation withdraws the links made
    with the role (given back the role, they stay withdrawn: new ones work)."""
    staff_link = LINK.search(said(await chat.send(chat.person(STAFF, "Bea"), "/invite 1 coordinator")))
    assert staff_link is not None
    awas, opened = await made_link(chat), await made_link(chat)
    awa = await contact(database, AWA)
    assert awa.entity_id is not None and awa.id is not None
    pledge_id = await add_pledge(database, awa.entity_id, awa.id)
    bob = chat.person(BOB, "Bob")
    await chat.send(bob, f"/start {opened}")
    await chat.press(bob, "f:consent:c:yes")  # Bob is joining with Awa's link when her role is taken away
    assert await revoke_role(RevokeRole(STAFF), database.uow()) is not None
    assert await revoke_role(RevokeRole(AWA), database.uow()) is not None
    gone = "the person who made it can no longer invite people"
    assert gone in said(await chat.send(chat.person(STAFF, "Bea"), f"/start {staff_link.group(1)}"))
    assert gone in said(await chat.send(chat.person(EVE, "Eve"), f"/start {awas}"))
    assert gone in said(await chat.send(bob, "Bob Ndiaye"))
    for telegram_id in (STAFF, EVE, BOB):
        assert (await contact(database, telegram_id)).role is None
    # her organisation stays recorded, its pledges are no longer hers to open (a forged mp:open showed them)
    assert "ne vous est pas permise" in said(await chat.press(chat.person(AWA, "Awa", "fr"), f"mp:open:{pledge_id}"))
    # withdrawn with the role, in its transaction (not only refused when opened): the role given back brings back
    # none of them, and a new link works
    await grant_role(GrantRole(STAFF, Role.staff), database.uow(), utcnow())
    assert gone in said(await chat.send(chat.person(KARIM, "Karim"), f"/start {staff_link.group(1)}"))
    fresh = LINK.search(said(await chat.send(chat.person(STAFF, "Bea"), "/invite 1 coordinator")))
    assert fresh is not None
    await join(chat, KARIM, fresh.group(1), "Karim Ba")
    assert (await contact(database, KARIM)).role == Role.coordinator


async def awa_leaves(chat: ChatDriver) -> str:
    """Awa leaves her organisation with /leave; what Bob, her colleague, is told."""
    await chat.collect(AWA)
    await chat.collect(BOB)
    awa = chat.person(AWA, "Awa", "fr")
    await chat.send(awa, "/leave")
    await chat.press(awa, confirm("lv:yes"))
    return said(await chat.collect(BOB))


async def test_the_successor_is_not_told_of_zero_pledges(chat: ChatDriver, database: Database) -> None:
    """Bob read "The reminders of 0 pledges of it now come to you first" when Awa left: her organisation's pledge
    had no primary focal point (its reminders went, and still go, to every focal point)."""
    await join(chat, BOB, await made_link(chat), "Bob Ndiaye")
    entity_id = (await contact(database, AWA)).entity_id
    assert entity_id is not None
    pledge_id = await add_pledge(database, entity_id, (await contact(database, AWA)).id or 0)
    async with database.uow() as uow:  # a pledge nobody in particular follows (imported, say)
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        pledge.created_by = None
        await uow.commit()
    told = await awa_leaves(chat)
    assert "Awa Diop left" in told and "come to you first" not in told and "0 pledge" not in told, told


async def test_the_successor_is_told_of_the_pledges_that_still_remind(chat: ChatDriver, database: Database) -> None:
    """A tester read "the reminders of 2 pledges now come to you first", one of them completed: it reminds nobody."""
    await join(chat, BOB, await made_link(chat), "Bob Ndiaye")
    awa_contact = await contact(database, AWA)
    assert awa_contact.entity_id is not None and awa_contact.id is not None
    await add_pledge(database, awa_contact.entity_id, awa_contact.id, 1)
    completed = await add_pledge(database, awa_contact.entity_id, awa_contact.id, 2)
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, completed)
        assert pledge is not None
        pledge.status = PledgeStatus.completed
        await uow.commit()
    told = await awa_leaves(chat)
    assert "The reminders of 1 pledge of it now come to you first." in told, told


async def test_settings_consent_again_without_a_role_records_nothing(database: Database, deps: Deps,
                                                                     renderer: Renderer) -> None:
    """A newcomer's forged (or an old) "Receive announcements and digests again" said it worked, and recorded
    consent.given for someone who never consented."""
    chat = ChatDriver(database, deps, renderer)
    tom = chat.person(9310, "Tom")
    await chat.send(tom, "/settings")
    answer = await chat.press(tom, "st:consent:on")
    assert "You are not registered" in said(answer) and "again" not in answer[0].text.split("\n")[0], said(answer)
    assert "st:consent:on" not in codes(answer[-1])
    async with database.uow() as uow:
        given = (await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "consent.given"))).all()
    assert given == []


async def test_leaving_names_the_report_in_progress_and_discards_it(database: Database, deps: Deps,
                                                                    renderer: Renderer) -> None:
    """After "You left", the report on a pledge of the organisation was shown again with ✅ Send, which then
    answered only "not allowed"; /leave had not said the report would be lost."""
    chat = await ChatDriver.with_staff(database, deps, renderer, 9100)
    token, _, _ = await invite(CreateInvite("Ministry of ICT", Role.focal_point, country_iso3="SEN"), database.uow(),
                               utcnow())
    await join(chat, 61, token, "Awa Diop")
    await validated_pledge(chat, 61)
    await fill_first_report(Counter(chat, 61))
    awa = chat.person(61)
    asked = await chat.send(awa, "/leave")
    assert "Your report on" in asked[0].text and "P2C-" in asked[0].text and "discarded" in asked[0].text, said(asked)
    left = await chat.press(awa, confirm("lv:yes"))
    assert "You left" in said(left) and not any("f:$sum:submit" in codes(m) for m in left), said(left)
    assert "report" not in await drafts_of(database, 61)
    assert "discarded" not in (await chat.send(chat.person(AWA, "Awa", "fr"), "/leave"))[0].text  # nothing begun
