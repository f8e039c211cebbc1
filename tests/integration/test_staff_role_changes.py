"""Staff journeys after the role changes of 9d6375c..508b18e (a review):
- every way a focal point leaves an organisation (/leave, a move by invitation, `admin grant` of another role,
  `admin revoke`) follows one rule (departures.leave_focal_points): the pledges handed over, the links they made to
  it withdrawn in the same transaction (an `admin grant` of staff left them open), `entity.left` audited (a move by
  invitation recorded none);
- a revoked or changed role withdraws the invitations it made in its own transaction, audited with the reason (they
  stayed open rows, refused only when opened);
- a second `admin revoke` changes nothing: the person kept reading "your role was withdrawn", not the registration
  hint for strangers;
- /find on a pledge not validated yet says who submitted it, as its notification does;
- a focal point displaced by /reassign reads which of two namesakes now has the pledges."""

# ruff: noqa: F811 (the fixture `chat` imported is the parameter of each test)
from __future__ import annotations

from chat_driver import ChatDriver
from sqlmodel import col, select
from test_colleagues import AWA, BOB, LINK, STAFF, add_pledge, contact, join
from test_colleagues import chat as colleagues_chat  # noqa: F401 (the fixture the one below reads)
from test_form_switches import said
from test_leaving_leaves_nothing_behind import chat  # noqa: F401 (staff Bea, and Awa of a ministry, in French)
from test_leaving_leaves_nothing_behind import made_link as awas_link

from handlers.admin import GrantRole, RevokeRole, grant_role, revoke_role
from handlers.inputs import Person
from models.clock import utcnow
from models.database import Database
from models.repositories.audit import AuditTrail
from models.tables import AuditLog, Invite, Pledge
from models.values import PledgeStatus, Role

EVE, KOFI = 9307, 9308


async def audit_rows(database: Database, action: str) -> list[AuditLog]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == action)
                                               .order_by(col(AuditLog.id)))).scalars())


async def open_invites(database: Database) -> list[Invite]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Invite).where(col(Invite.used_at).is_(None)))).scalars())


async def test_a_focal_point_made_staff_leaves_as_by_leave_their_links_withdrawn(chat: ChatDriver,
                                                                                 database: Database) -> None:
    """`admin grant ID staff` of a focal point handed the pledges over but left the links they made to the
    organisation open and working (staff may make any), where /leave withdraws them."""
    link = await awas_link(chat)
    entity_id = (await contact(database, AWA)).entity_id
    change = await grant_role(GrantRole(AWA, Role.staff), database.uow(), utcnow())
    assert change.left is not None and change.left.id == entity_id and change.withdrawn == 1
    assert await open_invites(database) == []
    [withdrawn] = await audit_rows(database, "invite.withdrawn")
    assert withdrawn.target_id == entity_id and withdrawn.details.get("reason") == "left"
    [left] = await audit_rows(database, "entity.left")
    assert left.details.get("via") == "cli"
    assert "left the organisation" in said(await chat.send(chat.person(EVE, "Eve"), f"/start {link}"))


async def test_a_move_by_invitation_is_audited_as_a_departure(chat: ChatDriver, database: Database) -> None:
    """A focal point moving to another organisation by invitation left their organisation with no `entity.left`
    row, where /leave and the command line write one."""
    from handlers.admin import CreateInvite, invite

    first = (await contact(database, AWA)).entity_id
    token, other, _ = await invite(CreateInvite("Conecta Andes", Role.focal_point, country_iso3="BOL"),
                                   database.uow(), utcnow())
    awa = chat.person(AWA, "Awa", "fr")
    await chat.send(awa, f"/start {token}")
    await chat.press(awa, "f:move:c:yes")
    await chat.press(awa, "f:consent:c:yes")
    await chat.send(awa, "Awa Diop")
    assert (await contact(database, AWA)).entity_id == other.id
    [left] = await audit_rows(database, "entity.left")
    assert left.target_id == first and left.details.get("successor") is None


async def test_leave_is_audited_once(chat: ChatDriver, database: Database) -> None:
    await awas_link(chat)
    awa = chat.person(AWA, "Awa", "fr")
    question = await chat.send(awa, "/leave")
    yes = next(code for row in question[-1].buttons for _, code in row if code.startswith("lv:yes"))
    await chat.press(awa, yes)
    assert len(await audit_rows(database, "entity.left")) == 1
    assert [row.details.get("reason") for row in await audit_rows(database, "invite.withdrawn")] == ["left"]
    assert await open_invites(database) == []


async def test_a_revoked_staff_members_links_are_withdrawn_with_the_revocation(chat: ChatDriver,
                                                                              database: Database) -> None:
    """Links a staff member made stayed open rows after `admin revoke` (maker_may_not refused them only when
    opened): anyone listing invitations read them as open. They are withdrawn in the revocation's transaction,
    audited with the reason, and the person opening one still reads that its maker can no longer invite."""
    found = LINK.search(said(await chat.send(chat.person(STAFF, "Bea"), "/invite 1 coordinator")))
    assert found is not None
    change = await revoke_role(RevokeRole(STAFF), database.uow(), utcnow())
    assert change is not None and change.withdrawn == 1
    assert await open_invites(database) == []
    [withdrawn] = await audit_rows(database, "invite.withdrawn")
    staff = await contact(database, STAFF)
    assert (withdrawn.target_type, withdrawn.target_id) == ("contact", staff.id)
    assert withdrawn.details.get("reason") == "role.revoked" and withdrawn.details.get("previous") == Role.staff
    assert "can no longer invite people" in said(await chat.send(chat.person(EVE, "Eve"), f"/start {found.group(1)}"))


async def test_a_second_revoke_changes_nothing(chat: ChatDriver, database: Database) -> None:
    """A second `admin revoke` recorded role.revoked with no previous role: the revoked staff member then read the
    registration hint for strangers ("To register, send /start…") instead of whom to ask."""
    await revoke_role(RevokeRole(STAFF), database.uow(), utcnow())
    again = await revoke_role(RevokeRole(STAFF), database.uow(), utcnow())
    assert again is not None and not again.changed
    assert len(await audit_rows(database, "role.revoked")) == 1
    told = said(await chat.send(chat.person(STAFF, "Bea"), "/pending"))
    assert "Your BDT staff role was withdrawn" in told and "To register" not in told, told


async def test_a_bogus_second_revoke_row_already_stored_hides_nothing(chat: ChatDriver, database: Database) -> None:
    """Databases written before a second revoke changed nothing hold its row: role.revoked with no previous role,
    the latest. The person read the registration hint for strangers; the revocation that named their role counts."""
    await revoke_role(RevokeRole(STAFF), database.uow(), utcnow())
    staff = await contact(database, STAFF)
    async with database.uow() as uow:  # the row the old second `admin revoke` wrote
        await AuditTrail(uow.session).record(None, "role.revoked", "contact", staff.id, {"previous": None,
                                                                                          "via": "cli"})
        await uow.commit()
    assert len(await audit_rows(database, "role.revoked")) == 2
    told = said(await chat.send(chat.person(STAFF, "Bea"), "/pending"))
    assert "Your BDT staff role was withdrawn" in told and "To register" not in told, told


async def test_find_on_a_pledge_awaiting_validation_says_who_submitted_it(chat: ChatDriver,
                                                                          database: Database) -> None:
    awa = await contact(database, AWA)
    assert awa.entity_id is not None and awa.id is not None
    pledge_id = await add_pledge(database, awa.entity_id, awa.id)
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        pledge.status, ref = PledgeStatus.submitted, pledge.ref
        await uow.commit()
    shown = said(await chat.send(chat.person(STAFF, "Bea"), f"/find {ref}"))
    assert f"<b>Submitted by</b>: Awa Diop (id {AWA})" in shown, shown
    await grant_role(GrantRole(EVE, Role.staff), database.uow(), utcnow())
    shown = said(await chat.send(chat.person(EVE, "Eve", "fr"), f"/find {ref}"))
    assert f"Awa Diop (identifiant {AWA})" in shown, shown
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        pledge.status = PledgeStatus.validated
        await uow.commit()
    assert f"(id {AWA})" not in said(await chat.send(chat.person(STAFF, "Bea"), f"/find {ref}"))


async def namesake_joins(chat: ChatDriver) -> None:
    """Kofi joins Awa's organisation with a link she made, under her name, Awa Diop (Telegram @awa_d2)."""
    link = await awas_link(chat)
    other = Person(KOFI, KOFI, "Awa", None, "awa_d2", "en")
    await chat.send(other, f"/start {link}")
    await chat.press(other, "f:consent:c:yes")
    await chat.send(other, "Awa Diop")
    await chat.send(other, "/help")  # a registered person's Telegram names are kept from their next message


async def test_a_displaced_focal_point_reads_which_namesake_has_the_pledges(chat: ChatDriver,
                                                                           database: Database) -> None:
    """Two focal points named Awa Diop: the one displaced by /reassign read "BDT made Awa Diop the focal point…",
    her own name, with nothing to tell which colleague it is."""
    await namesake_joins(chat)
    awa = await contact(database, AWA)
    assert awa.entity_id is not None and awa.id is not None
    await add_pledge(database, awa.entity_id, awa.id)
    await chat.collect(AWA)
    await chat.send(chat.person(STAFF, "Bea"), f"/reassign {awa.entity_id} {KOFI}")
    told = said(await chat.collect(AWA))
    assert "Awa Diop, @awa_d2" in told, told


async def test_a_move_keeps_a_colleague_told(chat: ChatDriver, database: Database) -> None:
    """The colleague a leaving focal point's pledges go to is told, whichever way they leave (here the command
    line's revocation, through the same rule as /leave)."""
    await join(chat, BOB, await awas_link(chat), "Bob Ndiaye")
    awa = await contact(database, AWA)
    assert awa.entity_id is not None and awa.id is not None
    await add_pledge(database, awa.entity_id, awa.id)
    await chat.collect(BOB)
    change = await revoke_role(RevokeRole(AWA), database.uow(), utcnow())
    assert change is not None and change.successor is not None and change.successor.telegram_id == BOB
    assert "Awa Diop left" in said(await chat.collect(BOB))
    assert [row.details.get("reason") for row in await audit_rows(database, "invite.withdrawn")] == []


async def test_the_colleague_a_namesake_s_pledges_go_to_reads_which_one_left(chat: ChatDriver,
                                                                            database: Database) -> None:
    """Two focal points named Awa Diop: when one left, the other, given her pledges, read "Awa Diop left", her own
    name. As /reassign's notice, the one who left is told apart by @username."""
    await namesake_joins(chat)
    kofi = await contact(database, KOFI)
    assert kofi.entity_id is not None and kofi.id is not None and kofi.username == "awa_d2"
    await add_pledge(database, kofi.entity_id, kofi.id)
    await chat.collect(AWA)
    change = await revoke_role(RevokeRole(KOFI), database.uow(), utcnow())
    assert change is not None and change.successor is not None and change.successor.telegram_id == AWA
    told = said(await chat.collect(AWA))
    assert "Awa Diop, @awa_d2" in told, told
