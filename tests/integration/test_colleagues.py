"""Colleagues of an entity (issue 15): /invite from chat (focal points for their entity, staff for any, roles checked
in the service), reminders to the primary focal point first, then every focal point, then coordinators (once a
period, on the moved test clock), /leave handing pledges over, and /reassign; on both backends."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from chat_driver import ChatDriver, codes, confirm, unstamped
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.buttons import CONFIRM_WITHIN, stamp
from handlers.conversation import Deps
from handlers.inputs import Incoming
from handlers.report_reminders import plan_report_reminders
from handlers.router import handle
from models.clock import TEST_CLOCK_ENV, advance_test_clock, utcnow
from models.database import Database
from models.reporting import latest_due_periods
from models.repositories.digests import DigestFigures
from models.repositories.reminders import NOT_MINE, Reminders
from models.retention import Retention, purge
from models.scope import EVERYTHING
from models.tables import AuditLog, Contact, Invite, Outbox, Pledge, PledgeReminder
from models.values import PledgeStatus, Role

STAFF, AWA, BOB, COORDINATOR, ELSEWHERE = 9300, 9301, 9302, 9303, 9304
LINK = re.compile(r"https://t\.me/p2c_test_bot\?start=([A-Za-z0-9_-]+)")


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, and Awa, focal point of a Senegalese ministry (joined by a command-line invitation)."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    token, _, _ = await invite(CreateInvite("Ministère du Numérique", Role.focal_point, country_iso3="SEN"),
                               database.uow(), utcnow())
    await join(driver, AWA, token, "Awa Diop", "fr")
    driver.mailbox.clear()
    return driver


async def join(chat: ChatDriver, telegram_id: int, token: str, name: str, language: str = "en") -> None:
    """Someone opens an invitation link, consents and gives their name."""
    person = chat.person(telegram_id, name.split()[0], language)
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, name)


async def contact(database: Database, telegram_id: int) -> Contact:
    async with database.uow() as uow:
        return (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == telegram_id))).scalar_one()


async def outbox_holding(database: Database, secret: str) -> int:
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox.payload))).scalars().all()
    return sum(secret in json.dumps(payload) for payload in rows)


async def awa_invites_bob(chat: ChatDriver) -> None:
    answer = await chat.send(chat.person(AWA, "Awa", "fr"), "/invite")
    found = LINK.search(answer[0].text)
    assert found is not None and "Ministère du Numérique" in answer[0].text
    await join(chat, BOB, found.group(1), "Bob Ndiaye")
    told = await chat.collect(AWA)  # the colleague who made the invitation hears that it was used
    assert len(told) == 1 and "Bob Ndiaye" in told[0].text


async def add_pledge(database: Database, entity_id: int, created_by: int, n: int = 1) -> int:
    async with database.uow() as uow:
        pledge = Pledge(ref=f"P2C-2026-{n:05d}", entity_id=entity_id, created_by=created_by, title=f"Pledge {n}",
                        description="A pledge for the tests of colleagues.", focus_area="access",
                        pillars=["infrastructure"], pledge_type="programmatic", countries=["SEN"],
                        start_date=date(2026, 1, 1), end_date=date(2030, 12, 31), status=PledgeStatus.validated,
                        validated_at=datetime(2026, 1, 5, tzinfo=UTC))
        uow.session.add(pledge)
        await uow.commit()
        assert pledge.id is not None
        return pledge.id


async def recipients(database: Database, since: int = 0) -> dict[str, set[int]]:
    """Who got report reminders (rm:) and escalations (esc:) in outbox rows after id `since`, by telegram id."""
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox.key, Contact.telegram_id)
                                          .join(Contact, col(Contact.id) == col(Outbox.contact_id))
                                          .where(col(Outbox.id) > since))).all()
    found: dict[str, set[int]] = {"rm": set(), "esc": set()}
    for key, telegram_id in rows:
        prefix = key.split(":", 1)[0]
        if prefix in found:
            found[prefix].add(telegram_id)
    return found


async def last_outbox_id(database: Database) -> int:
    async with database.uow() as uow:
        ids = (await uow.session.execute(select(Outbox.id).order_by(col(Outbox.id).desc()).limit(1))).scalars().all()
    return ids[0] if ids else 0


async def test_a_focal_point_invites_a_colleague_who_joins_once(chat: ChatDriver, database: Database) -> None:
    awa = chat.person(AWA, "Awa", "fr")
    answer = await chat.send(awa, "/invite")
    assert "14" in answer[0].text and "Ministère du Numérique" in answer[0].text
    token = LINK.search(answer[0].text)
    assert token is not None
    await join(chat, BOB, token.group(1), "Bob Ndiaye")
    bob, first = await contact(database, BOB), await contact(database, AWA)
    assert (bob.role, bob.entity_id) == (Role.focal_point, first.entity_id)
    again = await chat.send(chat.person(9399, "Eve"), f"/start {token.group(1)}")
    assert "already been used" in again[-1].text
    assert await outbox_holding(database, token.group(1)) == 1  # sent, and kept until the next purge
    await purge(database.uow, Retention(), utcnow())
    assert await outbox_holding(database, token.group(1)) == 0  # a copy of the database holds no working link
    async with database.uow() as uow:
        created = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "invite.created"))).scalars()
        assert [row.actor_id for row in created] == [None, first.id]  # the command line's, then Awa's
        invitation = (await uow.session.execute(select(Invite).where(col(Invite.created_by) == first.id))).scalar_one()
        assert invitation.used_by == bob.id and invitation.role == Role.focal_point


async def test_staff_invite_for_an_organisation_they_choose_and_others_are_refused(chat: ChatDriver,
                                                                                   database: Database) -> None:
    entity_id = (await contact(database, AWA)).entity_id
    staff = chat.person(STAFF, "Bea")
    usage = await chat.send(staff, "/invite")
    assert "/invite 12 coordinator" in usage[0].text
    unknown = await chat.send(staff, "/invite 99999")
    assert "no organisation" in unknown[0].text
    by_name = await chat.send(staff, "/invite ministère du numérique")
    assert LINK.search(by_name[0].text) and "focal point" in by_name[0].text
    for typed in ("Ministère du Numérique Senegal", "ministere du numerique Senegal", "ministere du numerique SEN"):
        # a tester: without its accents, a name followed by its country found nothing
        assert LINK.search((await chat.send(staff, f"/invite {typed}"))[0].text), typed
    answer = await chat.send(staff, f"/invite {entity_id} coordinator")
    token = LINK.search(answer[0].text)
    assert token is not None and "coordinator" in answer[0].text
    await join(chat, COORDINATOR, token.group(1), "Ivan Petrov", "ru")
    coordinator = await contact(database, COORDINATOR)
    assert (coordinator.role, coordinator.entity_id) == (Role.coordinator, entity_id)
    for who in (chat.person(COORDINATOR, "Ivan", "ru"), chat.person(9398, "Stranger")):
        refused = await chat.send(who, f"/invite {entity_id} coordinator")
        assert "нет прав" in refused[0].text or "not allowed" in refused[0].text
        assert LINK.search(refused[0].text) is None
    forged = await chat.press(chat.person(AWA, "Awa", "fr"), f"lv:inv:{entity_id}")  # a staff button, forged
    assert LINK.search(forged[0].text) is None
    async with database.uow() as uow:
        denied = (await uow.session.execute(select(AuditLog.details).where(AuditLog.action == "denied"))).scalars()
        assert [d["attempted"] for d in denied] == ["invite", "invite", "invite"]


async def test_reminders_go_to_the_primary_then_every_focal_point_then_coordinators_once(
        chat: ChatDriver, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TEST_CLOCK_ENV, str(tmp_path / "clock"))
    await awa_invites_bob(chat)
    awa = await contact(database, AWA)
    assert awa.entity_id is not None and awa.id is not None
    pledge = await add_pledge(database, awa.entity_id, awa.id)
    staff = chat.person(STAFF, "Bea")
    for telegram_id, scope in ((COORDINATOR, "everything"), (ELSEWHERE, "countries FRA")):
        answer = await chat.send(staff, f"/invite {awa.entity_id} coordinator")
        token = LINK.search(answer[0].text)
        assert token is not None
        await join(chat, telegram_id, token.group(1), f"Coordinator {telegram_id}")
        await chat.send(staff, f"/scope {telegram_id} {scope}")

    async def plan_on(day: datetime) -> dict[str, set[int]]:
        advance_test_clock(str(tmp_path / "clock"), (day - utcnow()).total_seconds())  # the moved clock
        since = await last_outbox_id(database)
        await plan_report_reminders(database.uow(), utcnow())
        return await recipients(database, since)

    # 2026's report is due on 30 January 2027
    assert await plan_on(datetime(2027, 1, 18, 10, tzinfo=UTC)) == {"rm": {AWA}, "esc": set()}  # two weeks before
    assert await plan_on(datetime(2027, 2, 1, 10, tzinfo=UTC)) == {"rm": {AWA}, "esc": set()}  # due
    assert await plan_on(datetime(2027, 2, 8, 10, tzinfo=UTC)) == {"rm": {AWA, BOB}, "esc": set()}  # a week late
    escalated = await plan_on(datetime(2027, 2, 15, 10, tzinfo=UTC))
    assert escalated == {"rm": {AWA, BOB}, "esc": {COORDINATOR}}  # not the coordinator of France
    told = await chat.collect(COORDINATOR)
    assert any("P2C-2026-00001" in m.text and "Ministère du Numérique" in m.text for m in told)
    assert await plan_on(datetime(2027, 2, 22, 10, tzinfo=UTC)) == {"rm": set(), "esc": set()}  # once a period
    async with database.uow() as uow:
        ledger = await uow.session.get(PledgeReminder, pledge)
    assert ledger is not None and ledger.kinds.split(",") == ["before", "due", "week1", "week2", "escalated"]


async def test_a_primary_who_said_not_mine_leaves_the_early_reminders_to_her_colleague(chat: ChatDriver,
                                                                                         database: Database) -> None:
    """A reviewer: Awa, the primary focal point, said the pledge is not hers; the early and due-date reminders still
    went to her alone, her hold kept them from her, and nobody was reminded before a week after the due date (the
    pledge looked at every day for nothing). Now Bob has them."""
    await awa_invites_bob(chat)
    awa = await contact(database, AWA)
    assert awa.entity_id is not None and awa.id is not None
    pledge = await add_pledge(database, awa.entity_id, awa.id)
    await chat.press(chat.person(AWA, "Awa", "fr"), f"rm:notmine:{pledge}")
    told = [m.text for m in await chat.collect(STAFF) if "is not their pledge any more" in m.text]
    # Bob follows it: staff are not asked to find who does (a tester)
    assert len(told) == 1 and told[0].endswith("They get no more reminders for it; its other focal point still "
                                               "does."), told
    for day, kinds in ((datetime(2027, 1, 18, 10, tzinfo=UTC), ["before"]),  # two weeks before 30 January
                       (datetime(2027, 2, 1, 10, tzinfo=UTC), ["before", "due"])):
        since = await last_outbox_id(database)
        await plan_report_reminders(database.uow(), day)
        assert await recipients(database, since) == {"rm": {BOB}, "esc": set()}
        async with database.uow() as uow:
            ledger = await uow.session.get(PledgeReminder, pledge)
        assert ledger is not None and ledger.kinds.split(",") == kinds and ledger.next_on > day.date() + timedelta(1)
    # and staff's digest names Bob as who follows it, its nudge going to him (a tester's digest named Awa for months);
    # Bob's own pledge too, though Awa has the lower id (a reviewer: the digest named her, the reminders went to him)
    bob = (await contact(database, BOB)).id
    assert bob is not None
    his = await add_pledge(database, awa.entity_id, bob, n=2)
    hers = await add_pledge(database, awa.entity_id, awa.id, n=3)  # and hers, her word on the first aside
    async with database.uow() as uow:
        figures = await DigestFigures(uow.session).figures(EVERYTHING, datetime(2027, 2, 8, tzinfo=UTC),
                                                           latest_due_periods(date(2027, 2, 15)))
    assert sorted((o.pledge_id, o.focal_point_id) for o in figures.overdue) == [(pledge, bob), (his, bob),
                                                                                (hers, awa.id)]


async def test_a_primary_who_turns_down_the_due_date_reminder_passes_it_to_her_colleague(
        chat: ChatDriver, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tester: Awa, the primary focal point, pressed "not my pledge any more" on the due-date reminder, which went
    to her alone; Bob, who follows the pledge too, heard nothing until a week later. He gets it at once, in his
    working hours, saying why it comes to him, and no second one that day."""
    monkeypatch.setenv(TEST_CLOCK_ENV, str(tmp_path / "clock"))
    await awa_invites_bob(chat)
    awa = await contact(database, AWA)
    assert awa.entity_id is not None and awa.id is not None
    pledge = await add_pledge(database, awa.entity_id, awa.id)
    due_day = datetime(2027, 2, 1, 10, tzinfo=UTC)  # 2026's report is due on 30 January 2027: a Monday after
    advance_test_clock(str(tmp_path / "clock"), (due_day - utcnow()).total_seconds())
    since = await last_outbox_id(database)
    await plan_report_reminders(database.uow(), utcnow())
    assert await recipients(database, since) == {"rm": {AWA}, "esc": set()}
    await chat.collect(BOB)
    since = await last_outbox_id(database)
    disowned = await chat.press(chat.person(AWA, "Awa", "fr"), f"rm:notmine:{pledge}")
    assert "Vos collègues qui le suivent" in " ".join(m.text for m in disowned)
    assert (await recipients(database, since))["rm"] == {BOB}
    reminded = await chat.collect(BOB)
    assert len(reminded) == 1 and "not their pledge any more" in reminded[0].text
    assert "P2C-2026-00001" in reminded[0].text and f"rp:open:{pledge}" in codes(reminded[0])
    since = await last_outbox_id(database)
    await plan_report_reminders(database.uow(), utcnow() + timedelta(hours=1))
    assert await recipients(database, since) == {"rm": set(), "esc": set()}  # one reminder a day
    async with database.uow() as uow:
        audited = (await uow.session.execute(select(AuditLog.details)
                                             .where(AuditLog.action == "reminder.not_mine"))).scalar_one()
    assert audited["passed_on"] == 1
    # once everyone was reminded (a week late), turning it down passes nothing on: Bob had it already
    advance_test_clock(str(tmp_path / "clock"), timedelta(days=7).total_seconds())
    await chat.press(chat.person(AWA, "Awa", "fr"), f"rm:mine:{pledge}")
    await plan_report_reminders(database.uow(), utcnow())
    await chat.collect(BOB)
    since = await last_outbox_id(database)
    again = await chat.press(chat.person(AWA, "Awa", "fr"), f"rm:notmine:{pledge}")
    assert "Vos collègues" not in " ".join(m.text for m in again)
    assert (await recipients(database, since))["rm"] == set()


async def test_what_a_primary_turns_down_is_passed_on_only_where_the_planner_would_have(
        chat: ChatDriver, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: the early reminder went to a colleague who had turned the optional reminders off; and, the pledge
    behind on two periods (every focal point had its reminders already), Bob got a third, saying untruly that they
    now come to him."""
    monkeypatch.setenv(TEST_CLOCK_ENV, str(tmp_path / "clock"))
    await awa_invites_bob(chat)
    awa = await contact(database, AWA)
    assert awa.entity_id is not None and awa.id is not None
    early, behind = await add_pledge(database, awa.entity_id, awa.id), await add_pledge(database, awa.entity_id,
                                                                                        awa.id, n=2)
    async with database.uow() as uow:
        bob = await uow.session.get(Contact, (await contact(database, BOB)).id)
        two_periods = await uow.session.get(Pledge, behind)
        assert bob is not None and two_periods is not None
        bob.optional_reminders, two_periods.start_date = False, date(2025, 1, 1)
        await uow.commit()
    advance_test_clock(str(tmp_path / "clock"), (datetime(2027, 1, 18, 10, tzinfo=UTC) - utcnow()).total_seconds())
    since = await last_outbox_id(database)
    await plan_report_reminders(database.uow(), utcnow())
    assert (await recipients(database, since))["rm"] == {AWA, BOB}  # Bob: the pledge behind, not the early one
    await chat.collect(BOB)
    advance_test_clock(str(tmp_path / "clock"), 24 * 3600)  # the next day: nothing is sent to Bob that day yet
    awa_chat = chat.person(AWA, "Awa", "fr")
    for pledge in (early, behind):
        since = await last_outbox_id(database)
        said = await chat.press(awa_chat, f"rm:notmine:{pledge}")
        assert "Vos collègues" not in " ".join(m.text for m in said)
        assert (await recipients(database, since))["rm"] == set()


async def test_a_colleague_reminded_of_his_own_today_gets_the_one_passed_on_the_next_working_day(
        chat: ChatDriver, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: Bob's reminder of the day (his own pledge, due the same day) had gone; the one Awa passed on was
    dropped (one a day), and he heard of her pledge a week later."""
    monkeypatch.setenv(TEST_CLOCK_ENV, str(tmp_path / "clock"))
    await awa_invites_bob(chat)
    awa, bob = await contact(database, AWA), await contact(database, BOB)
    assert awa.entity_id is not None and awa.id is not None and bob.id is not None
    pledge = await add_pledge(database, awa.entity_id, awa.id)
    await add_pledge(database, awa.entity_id, bob.id, n=2)
    advance_test_clock(str(tmp_path / "clock"), (datetime(2027, 2, 1, 10, tzinfo=UTC) - utcnow()).total_seconds())
    await plan_report_reminders(database.uow(), utcnow())
    assert len(await chat.collect(BOB)) == 1  # his own, sent
    advance_test_clock(str(tmp_path / "clock"), 4 * 3600)
    since = await last_outbox_id(database)
    said = await chat.press(chat.person(AWA, "Awa", "fr"), f"rm:notmine:{pledge}")
    assert "Vos collègues" in " ".join(m.text for m in said)
    async with database.uow() as uow:
        passed = (await uow.session.execute(select(Outbox).where(col(Outbox.id) > since,
                                                                 col(Outbox.key).startswith("rm:")))).scalars().all()
    assert [row.key for row in passed] == [f"rm:{bob.id}:2027-02-02"]
    assert passed[0].not_before is not None and passed[0].not_before.date() == date(2027, 2, 2)


async def test_leaving_with_a_reminder_waiting_gives_it_to_the_colleague_who_takes_over(
        chat: ChatDriver, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tester: Awa left on Saturday with her early reminder waiting for Monday; on Monday she got it anyway, its
    buttons refusing her, and Bob, to whom the pledge went, heard of it only after the due date."""
    monkeypatch.setenv(TEST_CLOCK_ENV, str(tmp_path / "clock"))
    await awa_invites_bob(chat)
    awa, bob = await contact(database, AWA), await contact(database, BOB)
    assert awa.entity_id is not None and awa.id is not None and bob.id is not None
    pledge = await add_pledge(database, awa.entity_id, awa.id)
    advance_test_clock(str(tmp_path / "clock"), (datetime(2027, 1, 16, 1, tzinfo=UTC) - utcnow()).total_seconds())
    await plan_report_reminders(database.uow(), utcnow())  # a Saturday: Awa's early reminder waits for Monday
    async with database.uow() as uow:
        waiting = (await uow.session.execute(select(Outbox.key).where(col(Outbox.key).startswith("rm:"),
                                                                      col(Outbox.status) == "pending"))).all()
    assert [key for key, in waiting] == [f"rm:{awa.id}:2027-01-18"]
    person = chat.person(AWA, "Awa", "fr")
    # handled, not collected: the test's chat would take every row at once, Awa's reminder for Monday too
    await handle(Incoming.from_text(10_000_001, person, "/leave", utcnow()), database.uow(), chat.deps)
    await handle(Incoming(10_000_002, person, utcnow(), code=confirm("lv:yes")), database.uow(), chat.deps)
    async with database.uow() as uow:
        written = (await uow.session.execute(select(Outbox.key, Outbox.payload, Outbox.not_before)
                                             .where(col(Outbox.key).startswith("rm:")))).all()
    assert [(key, [item[0] for item in payload["reminder"]["items"]]) for key, payload, _ in written] == [
        (f"rm:{bob.id}:2027-01-18", [pledge])]  # Awa's is gone
    assert written[0].not_before == datetime(2027, 1, 18, 9, tzinfo=UTC)  # Monday, in Dakar's working hours
    advance_test_clock(str(tmp_path / "clock"), 2 * 24 * 3600)
    since = await last_outbox_id(database)
    await plan_report_reminders(database.uow(), utcnow())
    assert (await recipients(database, since))["rm"] == set()  # nothing twice, nothing to Awa


async def test_reassigning_with_a_reminder_waiting_gives_it_to_the_new_first_focal_point(
        chat: ChatDriver, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tester: staff made Bob the first focal point on Sunday; Awa, just told the pledge's reminders no longer go
    to her first, got its early reminder on Monday, and Bob nothing."""
    monkeypatch.setenv(TEST_CLOCK_ENV, str(tmp_path / "clock"))
    await awa_invites_bob(chat)
    awa, bob = await contact(database, AWA), await contact(database, BOB)
    assert awa.entity_id is not None and awa.id is not None and bob.id is not None
    pledge = await add_pledge(database, awa.entity_id, awa.id)
    other = await add_pledge(database, awa.entity_id, bob.id, n=2)  # Bob's already: its reminder is his
    advance_test_clock(str(tmp_path / "clock"), (datetime(2027, 1, 16, 1, tzinfo=UTC) - utcnow()).total_seconds())
    await plan_report_reminders(database.uow(), utcnow())  # a Saturday: both reminders wait for Monday
    staff = chat.person(STAFF, "Bea")
    await handle(Incoming.from_text(10_000_011, staff, f"/reassign {awa.entity_id} {BOB}", utcnow()),
                 database.uow(), chat.deps)
    async with database.uow() as uow:
        written = (await uow.session.execute(select(Outbox.key, Outbox.payload)
                                             .where(col(Outbox.key).startswith("rm:")))).all()
    assert sorted((key, sorted(item[0] for item in payload["reminder"]["items"])) for key, payload in written) == [
        (f"rm:{bob.id}:2027-01-18", sorted([pledge, other]))]  # in Bob's own, Awa's gone


async def test_reassigning_leaves_a_reminder_where_it_belongs(chat: ChatDriver, database: Database, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: /reassign to Bob after Awa said "not mine" (Bob had the reminder already) gave it to him twice; to
    Bob for a pledge he had said is not his, took Awa's away and reminded nobody."""
    monkeypatch.setenv(TEST_CLOCK_ENV, str(tmp_path / "clock"))
    await awa_invites_bob(chat)
    awa, bob = await contact(database, AWA), await contact(database, BOB)
    assert awa.entity_id is not None and awa.id is not None and bob.id is not None
    declined, kept = await add_pledge(database, awa.entity_id, awa.id), await add_pledge(database, awa.entity_id,
                                                                                         awa.id, n=2)
    async with database.uow() as uow:
        await Reminders(uow.session).hold(bob.id, kept, NOT_MINE, None, utcnow())
        await uow.commit()
    advance_test_clock(str(tmp_path / "clock"), (datetime(2027, 1, 16, 1, tzinfo=UTC) - utcnow()).total_seconds())
    await plan_report_reminders(database.uow(), utcnow())  # a Saturday: Awa's reminder of both waits for Monday
    awa_chat, staff = chat.person(AWA, "Awa", "fr"), chat.person(STAFF, "Bea")
    await handle(Incoming(10_000_021, awa_chat, utcnow(), code=f"rm:notmine:{declined}"), database.uow(), chat.deps)
    await handle(Incoming.from_text(10_000_022, staff, f"/reassign {awa.entity_id} {BOB}", utcnow()),
                 database.uow(), chat.deps)
    async with database.uow() as uow:
        written = (await uow.session.execute(select(Outbox.key, Outbox.payload)
                                             .where(col(Outbox.key).startswith("rm:")))).all()
    assert sorted((key, sorted(item[0] for item in payload["reminder"]["items"])) for key, payload in written) == [
        (f"rm:{awa.id}:2027-01-18", [kept]), (f"rm:{bob.id}:2027-01-18", [declined])]


async def test_leaving_hands_the_pledges_to_the_colleague_and_reminders_follow(chat: ChatDriver,
                                                                               database: Database) -> None:
    await awa_invites_bob(chat)
    awa = await contact(database, AWA)
    assert awa.entity_id is not None and awa.id is not None
    pledge = await add_pledge(database, awa.entity_id, awa.id)
    person = chat.person(AWA, "Awa", "fr")
    asked = await chat.send(person, "/leave")
    assert unstamped(codes(asked[0])) == ["lv:yes", "lv:no"]
    assert "Ses engagements passeront à un autre de ses points focaux" in asked[0].text, asked[0].text
    kept = await chat.press(person, confirm("lv:no"))
    assert "Rien n’a changé" in kept[0].text and (await contact(database, AWA)).role == Role.focal_point
    forged = await chat.press(chat.person(STAFF, "Bea"), confirm("lv:yes"))  # staff: no focal point, nothing to leave
    assert "not allowed" in forged[0].text
    left = await chat.press(person, confirm("lv:yes"))
    assert "Bob Ndiaye" in left[0].text
    (again,) = await chat.press(person, confirm("lv:yes"))  # a second tap on Yes: what is true, not "not allowed"
    assert again.text == "Vous n’êtes membre d’aucune organisation\u00a0: il n’y a rien à quitter.", again.text
    told = await chat.collect(BOB)
    assert any("Awa Diop" in m.text and "1 pledge" in m.text for m in told)
    gone = await contact(database, AWA)
    assert (gone.role, gone.entity_id) == (None, None)
    async with database.uow() as uow:
        handed = await uow.session.get(Pledge, pledge)
    assert handed is not None and handed.primary_contact_id == (await contact(database, BOB)).id
    await plan_report_reminders(database.uow(), datetime(2027, 2, 1, 10, tzinfo=UTC))
    assert (await recipients(database))["rm"] == {BOB}



async def test_leaving_with_no_pledge_in_ones_charge_says_nothing_changed_hands(chat: ChatDriver,
                                                                                database: Database) -> None:
    """A tester with no pledge was told "Its pledges now go to Bob", and Bob heard of none; and asked before that
    whether to leave, with the pledges "going to another focal point"."""
    await awa_invites_bob(chat)
    person = chat.person(AWA, "Awa", "en")
    (asked,) = await chat.send(person, "/leave")
    assert asked.text == "Do you want to leave “Ministère du Numérique”? None of its pledges is in your charge, so " \
                         "nothing changes hands. You will no longer receive its reminders.", asked.text
    left = await chat.press(person, confirm("lv:yes"))
    assert left[0].text == "You left “Ministère du Numérique”. None of its pledges was in your charge: nothing " \
                           "changed hands.", left[0].text

async def test_a_leave_declined_or_asked_long_ago_cannot_be_confirmed_by_mistake(chat: ChatDriver,
                                                                               database: Database) -> None:
    """A tester pressed "No, stay", then the "Yes, leave" still under it: they left. "No" now replaces the question
    (its buttons gone), and a Yes from a question asked more than half an hour ago, or sent before the moment was
    in the code, leaves nobody."""
    await awa_invites_bob(chat)
    person = chat.person(AWA, "Awa", "fr")
    asked = await chat.send(person, "/leave")
    prompt, (yes, no) = chat.sent_ids[-1], codes(asked[-1])
    kept = await chat.press(person, no, on=prompt)
    assert chat.edited == [True] and codes(kept[0]) == [] and "Rien n’a changé" in kept[0].text
    stale = stamp(utcnow() - CONFIRM_WITHIN - timedelta(minutes=1))
    for late in ("lv:yes", f"lv:yes:{stale}"):
        expired = await chat.press(person, late, on=prompt)
        assert "/leave" in expired[0].text and codes(expired[0]) == [], expired[0].text
        assert (await contact(database, AWA)).role == Role.focal_point
    assert yes.startswith("lv:yes:")
    left = await chat.press(person, yes, on=prompt)  # the question's own Yes, within half an hour
    # she had no pledge in charge
    assert "aucun n’a donc changé de responsable" in left[0].text and chat.edited == [True]
    assert (await contact(database, AWA)).role is None


async def test_the_last_focal_point_leaving_tells_staff_who_invite_a_new_one(chat: ChatDriver,
                                                                             database: Database) -> None:
    entity_id = (await contact(database, AWA)).entity_id
    person = chat.person(AWA, "Awa", "fr")
    await chat.send(person, "/leave")
    left = await chat.press(person, confirm("lv:yes"))
    assert "BDT" in left[0].text
    notices = [m for m in await chat.collect(STAFF) if f"lv:inv:{entity_id}" in codes(m)]
    assert len(notices) == 1 and "Awa Diop" in notices[0].text
    answer = await chat.press(chat.person(STAFF, "Bea"), f"lv:inv:{entity_id}")
    token = LINK.search(answer[0].text)
    assert token is not None
    await join(chat, BOB, token.group(1), "Bob Ndiaye")
    assert (await contact(database, BOB)).entity_id == entity_id


async def test_staff_reassign_an_organisations_pledges(chat: ChatDriver, database: Database) -> None:
    await awa_invites_bob(chat)
    awa, bob = await contact(database, AWA), await contact(database, BOB)
    assert awa.entity_id is not None and awa.id is not None
    first, second = await add_pledge(database, awa.entity_id, awa.id, 1), await add_pledge(database, awa.entity_id,
                                                                                           awa.id, 2)
    refused = await chat.send(chat.person(BOB, "Bob"), f"/reassign {awa.entity_id} {BOB}")
    assert "not allowed" in refused[0].text
    staff = chat.person(STAFF, "Bea")
    for wrong in ("", f"{awa.entity_id} {BOB} x", "x y"):
        usage = await chat.send(staff, f"/reassign {wrong}")
        assert "/reassign 12 123456789" in usage[0].text, wrong
    for which in (f"{awa.entity_id}", f"{awa.entity_id} {STAFF}"):  # its focal points, to choose one by id
        listed = await chat.send(staff, f"/reassign {which}")
        assert f"Awa Diop (id {AWA}) and Bob Ndiaye (id {BOB})" in listed[-1].text, which
    done = await chat.send(staff, f"/reassign {awa.entity_id} {BOB}")
    assert "2 pledges" in done[0].text and "Bob Ndiaye" in done[0].text
    assert any("first" in m.text for m in await chat.collect(BOB))
    async with database.uow() as uow:
        for pledge_id in (first, second):
            pledge = await uow.session.get(Pledge, pledge_id)
            assert pledge is not None and pledge.primary_contact_id == bob.id
    await plan_report_reminders(database.uow(), datetime(2027, 2, 1, 10, tzinfo=UTC))
    assert (await recipients(database))["rm"] == {BOB}



async def test_the_upgrade_makes_each_submitter_its_pledges_primary_focal_point(empty_database: Database) -> None:
    from sqlalchemy import insert

    from models.migrate import upgrade
    from models.repositories.base import table_of
    from models.tables import Entity

    await upgrade(empty_database, "0009")
    async with empty_database.uow() as uow:
        session = uow.session
        await session.execute(insert(table_of(Entity)).values(
            Entity(id=1, name="Old Org", name_key="old org", sector="academia").model_dump()))
        await session.execute(insert(table_of(Contact)).values(Contact(id=1, telegram_id=1, chat_id=1).model_dump(
            exclude={"consent_withdrawn_at", "forgotten_at", "held", "held_at", "menu"})))
        for pledge_id, author in ((1, 1), (2, None)):
            await session.execute(insert(table_of(Pledge)).values(Pledge(
                id=pledge_id, entity_id=1, created_by=author, title="Old pledge", description="d" * 20,
                focus_area="access", pledge_type="policy").model_dump(
                    exclude={"primary_contact_id", "previous_cadence", "cadence_since"})))
        await uow.commit()
    await upgrade(empty_database)
    async with empty_database.uow() as uow:
        rows = (await uow.session.execute(select(Pledge.id, Pledge.primary_contact_id).order_by(Pledge.id))).all()
    assert [tuple(row) for row in rows] == [(1, 1), (2, None)]
