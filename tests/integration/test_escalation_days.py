"""A coordinator's escalation of a day (esc:<coordinator>:<their day>) lists every pledge escalated for that day:
those of a later batch of the same plan, or of a plan of the weekend waiting for the same Monday, are added to it
while it is not sent; once it is, they are escalated the next day. A pledge is recorded as escalated only when a
message naming it exists; on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_reminder_choices import COORDINATOR, STAFF, chat, coordinator_of_everything, entity_of  # noqa: F401 (the fixture)
from test_report_reminders import add_pledge, add_report

import handlers.report_reminders as report_reminders
from handlers.admin import RevokeRole, revoke_role
from handlers.report_reminders import plan_report_reminders
from models.clock import TEST_CLOCK_ENV, move_test_clock_to
from models.database import Database
from models.tables import Contact, CoordinatorScope, Entity, Outbox, PledgeReminder
from models.values import EntityStatus, Role


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def organisation(database: Database, name: str, focal_point: int | None = None) -> int:
    """A validated Senegalese organisation, with a focal point of this Telegram id if given."""
    async with database.uow() as uow:
        entity = Entity(name=name, name_key=name.lower(), sector="government", country_iso3="SEN",
                        status=EntityStatus.validated)
        uow.session.add(entity)
        await uow.flush()
        if focal_point is not None:
            uow.session.add(Contact(telegram_id=focal_point, chat_id=focal_point, first_name="Bob", language="en",
                                    role=Role.focal_point, entity_id=entity.id))
        await uow.commit()
        assert entity.id is not None
        return entity.id


async def escalations(database: Database) -> list[tuple[str, list[int]]]:
    """Each escalation's key and the pledges it lists."""
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox.key, Outbox.payload).where(col(Outbox.key).startswith("esc:"))
                                          .order_by(col(Outbox.id)))).all()
    return [(key, [entry[0][0] for entry in payload["escalation"]]) for key, payload in rows]


async def ledger(database: Database, pledge: int) -> tuple[list[str], str]:
    async with database.uow() as uow:
        row = await uow.session.get(PledgeReminder, pledge)
        assert row is not None
        return row.kinds.split(","), row.next_on.isoformat()


async def test_an_escalation_of_a_later_batch_joins_the_coordinators_message(
        chat: ChatDriver, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """A reviewer: with more than IN_BATCH pledges escalated the same day, the second batch's pledges met the first
    batch's message under the same key and were written nowhere, yet recorded as escalated (week2 given): their
    coordinator never heard of them."""
    monkeypatch.setattr(report_reminders, "IN_BATCH", 1)  # stands for more than 900 pledges escalated at once
    ministry = await entity_of(database)
    await coordinator_of_everything(chat, ministry)
    first = await add_pledge(database, ministry, 1)
    second = await add_pledge(database, await organisation(database, "Sonatel", focal_point=9600), 2)
    for day in (utc(2027, 2, 1, 10), utc(2027, 2, 8, 10)):  # due on 30 January, a week late
        await plan_report_reminders(database.uow(), day)
    await plan_report_reminders(database.uow(), utc(2027, 2, 15, 10))  # two weeks late: the coordinator is told
    assert await escalations(database) == [(f"esc:{await coordinator_id(database)}:2027-02-15", [first, second])]
    for pledge in (first, second):
        assert "escalated" in (await ledger(database, pledge))[0]
    (told,) = await chat.collect(COORDINATOR)
    assert "2 pledges in your scope" in told.text and "P2C-2026-00001" in told.text and "P2C-2026-00002" in told.text


async def test_escalations_of_a_weekend_are_one_message_on_monday(chat: ChatDriver, database: Database) -> None:  # noqa: F811
    """Pledges nobody follows are escalated on their first look: those of Saturday, Sunday and Monday morning all
    wait for the coordinator's Monday, under one key; the first alone was in it."""
    await coordinator_of_everything(chat, await entity_of(database))
    orphan = await organisation(database, "Digital Oman")
    pledges = []
    for n, day in enumerate((utc(2027, 2, 13, 10), utc(2027, 2, 14, 10), utc(2027, 2, 15, 8)), start=1):
        pledges.append(await add_pledge(database, orphan, n))  # Saturday, Sunday, Monday before working hours
        await plan_report_reminders(database.uow(), day)
    assert await escalations(database) == [(f"esc:{await coordinator_id(database)}:2027-02-15", pledges)]
    for pledge in pledges:
        assert "escalated" in (await ledger(database, pledge))[0]
    (told,) = await chat.collect(COORDINATOR)
    assert "3 pledges in your scope" in told.text and all(f"P2C-2026-0000{n}" in told.text for n in (1, 2, 3))


async def test_an_escalation_meeting_the_days_message_sent_comes_the_next_day(
        chat: ChatDriver, database: Database) -> None:  # noqa: F811
    """A pledge whose two-week reminder was its first (Monday 15 February) is escalated two weeks after, on Monday
    1 March; the coordinator's message of that day went already (a pledge nobody follows, escalated on Sunday), and
    the planner's first run of Monday comes after it: the pledge was recorded as escalated in nothing, and its
    coordinator heard of it no more. Now it goes in the coordinator's message of Tuesday, written at once."""
    ministry = await entity_of(database)
    await coordinator_of_everything(chat, ministry)
    coordinator = await coordinator_id(database)
    followed = await add_pledge(database, ministry, 1)
    await plan_report_reminders(database.uow(), utc(2027, 2, 15, 10))  # its first reminder is the two-week one
    assert await ledger(database, followed) == (["week2", "escalate:2027-03-01"], "2027-03-01")
    await add_pledge(database, await organisation(database, "Digital Oman"), 2)
    await plan_report_reminders(database.uow(), utc(2027, 2, 28, 10))  # Sunday: waits for Monday
    (told,) = await chat.collect(COORDINATOR)  # Monday 09:00
    assert "P2C-2026-00002" in told.text and "P2C-2026-00001" not in told.text
    await plan_report_reminders(database.uow(), utc(2027, 3, 1, 10))
    assert (await escalations(database))[1:] == [(f"esc:{coordinator}:2027-03-02", [followed])]
    assert "escalated" in (await ledger(database, followed))[0]
    await plan_report_reminders(database.uow(), utc(2027, 3, 2, 0, 15))
    await plan_report_reminders(database.uow(), utc(2027, 3, 3, 10))
    assert len(await escalations(database)) == 2, "told once"


async def test_a_coordinator_told_today_is_not_told_again_for_another_s_late_message(
        chat: ChatDriver, database: Database) -> None:  # noqa: F811
    """A reviewer: with two coordinators, one whose message of the day had gone and one whose had not, the pledge
    was tried again the next day for both, and the second heard of it twice. Now only the first hears of it, on
    the next day."""
    ministry = await entity_of(database)
    await coordinator_of_everything(chat, ministry)
    first = await coordinator_id(database)
    followed = await add_pledge(database, ministry, 1)
    await plan_report_reminders(database.uow(), utc(2027, 2, 15, 10))
    await add_pledge(database, await organisation(database, "Digital Oman"), 2)
    await plan_report_reminders(database.uow(), utc(2027, 2, 28, 10))
    await chat.collect(COORDINATOR)  # the first coordinator's Monday message went
    second = await coordinator_of(database, ministry, 9777)  # a coordinator of the ministry alone, since
    await plan_report_reminders(database.uow(), utc(2027, 3, 1, 10))
    await plan_report_reminders(database.uow(), utc(2027, 3, 2, 10))
    await plan_report_reminders(database.uow(), utc(2027, 3, 3, 10))
    naming = [key for key, pledges in await escalations(database) if followed in pledges]
    assert sorted(naming) == sorted([f"esc:{first}:2027-03-02", f"esc:{second}:2027-03-01"]), naming


async def coordinator_of(database: Database, entity: int, telegram_id: int) -> int:
    """A coordinator whose scope is this organisation."""
    async with database.uow() as uow:
        person = Contact(telegram_id=telegram_id, chat_id=telegram_id, first_name="Olga", language="en",
                         role=Role.coordinator, entity_id=entity)
        uow.session.add(person)
        await uow.flush()
        assert person.id is not None
        uow.session.add(CoordinatorScope(contact_id=person.id, kind="entity", values=[str(entity)]))
        await uow.commit()
        return person.id


async def coordinator_id(database: Database) -> int:
    async with database.uow() as uow:
        found = (await uow.session.execute(select(Contact.id).where(col(Contact.telegram_id) == COORDINATOR)))
        return found.scalar_one()


@pytest.mark.parametrize("change", ["scope", "revoked"])
async def test_an_escalation_waiting_follows_its_coordinators_new_scope(chat: ChatDriver, database: Database,  # noqa: F811
                                                                       change: str) -> None:
    """A tester: a coordinator's list of pledges nobody follows, held for their working hours, went out with pledges
    outside the scope staff had just narrowed (and to one whose role was revoked). It keeps the pledges of the new
    scope; a coordinator no more gets none."""
    ministry = await entity_of(database)
    await coordinator_of_everything(chat, ministry)
    first = await add_pledge(database, ministry, 1)
    sonatel = await organisation(database, "Sonatel", focal_point=9600)
    second = await add_pledge(database, sonatel, 2)
    for day in (utc(2027, 2, 1, 10), utc(2027, 2, 8, 10)):
        await plan_report_reminders(database.uow(), day)
    await plan_report_reminders(database.uow(), utc(2027, 2, 13, 10))  # a Saturday: held for Monday
    key = f"esc:{await coordinator_id(database)}:2027-02-15"
    assert await escalations(database) == [(key, [first, second])]
    if change == "scope":
        await chat.send(chat.person(STAFF, "Bea"), f"/scope {COORDINATOR} entity {sonatel}")
        assert await escalations(database) == [(key, [second])]
    else:
        await revoke_role(RevokeRole(COORDINATOR), database.uow(), utc(2027, 2, 13, 11))
        assert await escalations(database) == []


async def test_an_escalation_waiting_drops_a_pledge_whose_new_cadence_owes_nothing_yet(
        chat: ChatDriver, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """A tester: an escalation held for its coordinator's working hours was rewritten, after staff made a quarterly
    pledge report twice a year, to the half-year not due for two months, and went out saying the pledge was "overdue
    since 30 Jan 2028" on 6 December 2027. A pledge that owes nothing overdue any more leaves the list."""
    ministry = await entity_of(database)
    await coordinator_of_everything(chat, ministry)
    first = await add_pledge(database, ministry, 1, cadence="quarterly")
    sonatel = await organisation(database, "Sonatel", focal_point=9600)
    second = await add_pledge(database, sonatel, 2, cadence="quarterly")
    for pledge in (first, second):
        for period in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2"):
            await add_report(database, pledge, period, utc(2027, 7, 20, 10))
    for day in (utc(2027, 11, 1, 10), utc(2027, 11, 8, 10)):
        await plan_report_reminders(database.uow(), day)
    await plan_report_reminders(database.uow(), utc(2027, 11, 13, 10))  # a Saturday: held for Monday
    key = f"esc:{await coordinator_id(database)}:2027-11-15"
    assert await escalations(database) == [(key, [first, second])]
    clock = str(tmp_path / "clock")  # staff change it on that Saturday
    monkeypatch.setenv(TEST_CLOCK_ENV, clock)
    move_test_clock_to(clock, utc(2027, 11, 13, 10, 30))
    bea = chat.person(STAFF, "Bea")
    card = await chat.send(bea, "/find P2C-2026-00001")
    twice = next(code for reply in card for code in codes(reply) if code.startswith(f"pc:h:{first}:"))
    answered = await chat.press(bea, twice)
    assert "starting with July–December 2027" in answered[-1].text, answered[-1].text  # due 30 January 2028
    async with database.uow() as uow:  # the chat driver delivered it with the answers: Telegram would on Monday
        row = (await uow.session.execute(select(Outbox).where(col(Outbox.key) == key))).scalar_one()
        row.status = "pending"
        await uow.commit()
    await plan_report_reminders(database.uow(), utc(2027, 11, 13, 11))
    assert await escalations(database) == [(key, [second])]
