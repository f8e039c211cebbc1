"""Report reminders planned by the scheduled job: schedule, one message per person and day, quiet hours,
downtime, reports arriving meanwhile, inactive pledges, and the reminder's buttons; on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from handlers.inputs import Incoming
from handlers.messages import reply_from_json
from handlers.report_reminders import plan_report_reminders
from handlers.router import handle
from models.clock import TEST_CLOCK_ENV, move_test_clock_to, utcnow
from models.database import Database
from models.tables import AuditLog, Contact, Outbox, Pledge, PledgeReminder, ProgressReport
from models.values import PledgeStatus, Role

pytestmark = pytest.mark.usefixtures("autumn_2026")  # fixed Saturdays of 2027 and pledges validated in 2026

STAFF = 9100
FOCAL = 9101


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with a staff member and a focal point of a Senegalese ministry (Africa/Dakar, UTC+0)."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    token, _, _ = await invite(CreateInvite("Ministère du Numérique", Role.focal_point, country_iso3="SEN"),
                               database.uow(), utcnow())
    person = driver.person(FOCAL, "Awa", "fr")
    await driver.send(person, f"/start {token}")
    await driver.press(person, "f:consent:c:yes")
    await driver.send(person, "Awa Diop")
    driver.mailbox.clear()
    return driver


async def entity_of(database: Database, telegram_id: int = FOCAL) -> int:
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == telegram_id))).scalar_one()
        assert contact.entity_id is not None
        return contact.entity_id


async def add_pledge(database: Database, entity_id: int, n: int, start: date = date(2026, 1, 1),
                     validated: datetime | None = None, cadence: str = "annual") -> int:
    async with database.uow() as uow:
        pledge = Pledge(ref=f"P2C-2026-{n:05d}", entity_id=entity_id, title=f"Pledge number {n}",
                        description="A pledge for the tests of reminders.", focus_area="access",
                        pillars=["infrastructure"], pledge_type="programmatic", countries=["SEN"],
                        start_date=start, end_date=date(2030, 12, 31), status=PledgeStatus.validated,
                        validated_at=validated or utc(2026, 1, 5), reporting_cadence=cadence)
        uow.session.add(pledge)
        await uow.flush()
        await uow.commit()
        assert pledge.id is not None
        return pledge.id


async def add_report(database: Database, pledge_id: int, period: str, at: datetime) -> None:
    async with database.uow() as uow:
        uow.session.add(ProgressReport(pledge_id=pledge_id, period=period, status="in_progress",
                                       steps_taken="Twenty schools connected so far.", created_at=at))
        await uow.commit()


async def reminders(database: Database) -> list[Outbox]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith("rm:"))
                                               .order_by(col(Outbox.id)))).scalars())


async def test_one_message_per_person_listing_every_pledge_due(chat: ChatDriver, database: Database,
                                                               renderer: Renderer) -> None:
    entity = await entity_of(database)
    first, second = await add_pledge(database, entity, 1), await add_pledge(database, entity, 2)
    monday = utc(2027, 1, 18, 10)  # 2026's reports are due on 30 January 2027: 14 days before is the 16th
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 15, 10)) == 0
    assert await plan_report_reminders(database.uow(), monday) == 1
    assert await plan_report_reminders(database.uow(), monday + timedelta(hours=2)) == 0
    (row,) = await reminders(database)
    assert row.not_before == monday and row.key.endswith(":2027-01-18")
    message = reply_from_json(row.payload["reply"])
    french = renderer.reply(message, "fr")
    assert "2 rapports d’avancement sont attendus" in french.text and "P2C-2026-00001" in french.text
    assert codes(french)[:3] == [f"rp:open:{first}", f"rm:later:{first}", f"rm:notmine:{first}"]
    assert f"rp:open:{second}" in codes(french)
    arabic = renderer.reply(message, "ar")
    assert "\u2068P2C-2026-00002\u2069" in arabic.text
    async with database.uow() as uow:
        given = (await uow.session.execute(select(PledgeReminder.kinds))).scalars().all()
    assert given == ["before", "before"]


async def test_quiet_hours_and_next_kinds(chat: ChatDriver, database: Database) -> None:
    await add_pledge(database, await entity_of(database), 3)
    saturday = utc(2027, 1, 16, 10)
    assert await plan_report_reminders(database.uow(), saturday) == 1
    (row,) = await reminders(database)
    assert row.not_before == utc(2027, 1, 18, 9) and row.key.endswith(":2027-01-18")  # Monday 09:00 in Dakar
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 18, 9, 30)) == 0  # that day has its message
    assert len(await chat.collect(FOCAL)) == 1  # each is sent before the next (one unsent would be folded in it)
    assert await plan_report_reminders(database.uow(), utc(2027, 2, 1, 10)) == 1  # due on the 30th: Monday
    assert len(await chat.collect(FOCAL)) == 1
    assert await plan_report_reminders(database.uow(), utc(2027, 2, 8, 10)) == 1  # a week overdue
    assert len(await chat.collect(FOCAL)) == 1
    assert await plan_report_reminders(database.uow(), utc(2027, 2, 15, 10)) == 1  # two weeks: the fourth
    assert await plan_report_reminders(database.uow(), utc(2027, 2, 22, 10)) == 0  # four at most
    assert len(await reminders(database)) == 4


async def test_after_downtime_the_missed_reminder_goes_once(chat: ChatDriver, database: Database) -> None:
    pledge = await add_pledge(database, await entity_of(database), 4)
    late = utc(2027, 2, 17, 11)
    assert await plan_report_reminders(database.uow(), late) == 1
    assert await plan_report_reminders(database.uow(), late + timedelta(minutes=15)) == 0
    async with database.uow() as uow:
        given = await uow.session.get(PledgeReminder, pledge)
    # the period's first reminder was its last: its coordinators are told two weeks on, not in the same minute
    assert given is not None and (given.period, given.kinds, given.next_on) == ("2026", "week2,escalate:2027-03-03",
                                                                               date(2027, 3, 3))


async def test_a_report_arriving_meanwhile_takes_its_pledge_out(chat: ChatDriver, database: Database,
                                                                 renderer: Renderer) -> None:
    entity = await entity_of(database)
    first, second = await add_pledge(database, entity, 5), await add_pledge(database, entity, 6)
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 16, 10)) == 1  # waits for Monday
    await add_report(database, first, "2026", utc(2027, 1, 17, 8))
    await plan_report_reminders(database.uow(), utc(2027, 1, 17, 9))
    (row,) = await reminders(database)
    assert [item[0] for item in row.payload["reminder"]["items"]] == [second]
    assert "P2C-2026-00005" not in renderer.reply(reply_from_json(row.payload["reply"]), "en").text
    await add_report(database, second, "2026", utc(2027, 1, 17, 10))
    await plan_report_reminders(database.uow(), utc(2027, 1, 17, 11))
    assert await reminders(database) == []


async def test_a_year_covered_by_its_quarters_since_the_pledge_began_is_withdrawn(database: Database,
                                                                                    chat: ChatDriver) -> None:
    """Coverage counts from the pledge's first day, as the planner counts it (next_report): the reminder for 2026 of
    a pledge begun in May 2026 is taken out once its second, third and fourth quarters are reported."""
    pledge = await add_pledge(database, await entity_of(database), 10, start=date(2026, 5, 15))
    monday = utc(2027, 1, 18, 10)
    assert await plan_report_reminders(database.uow(), monday) == 1
    for quarter in ("2026-Q2", "2026-Q3"):
        await add_report(database, pledge, quarter, monday + timedelta(minutes=10))
    await plan_report_reminders(database.uow(), monday + timedelta(minutes=20))
    assert len(await reminders(database)) == 1  # the fourth quarter is missing
    await add_report(database, pledge, "2026-Q4", monday + timedelta(minutes=30))
    await plan_report_reminders(database.uow(), monday + timedelta(minutes=40))
    assert await reminders(database) == []


async def test_inactive_pledges_get_no_reminders_and_staff_see_them(chat: ChatDriver, database: Database) -> None:
    entity = await entity_of(database)
    await add_pledge(database, entity, 7, start=date(2024, 1, 1), validated=utc(2024, 1, 10))
    silent = await add_pledge(database, entity, 8, start=date(2023, 1, 1), validated=utc(2023, 1, 10))
    await add_report(database, silent, "2023", utc(2024, 2, 1))
    assert await plan_report_reminders(database.uow(), utc(2026, 3, 2, 10)) == 0
    answer = await chat.send(chat.person(STAFF), "/inactive")
    assert "2 validated pledges have had no report for 24 months" in answer[0].text
    assert answer[0].text.index("P2C-2026-00007") < answer[0].text.index("P2C-2026-00008")
    refused = await chat.send(chat.person(FOCAL), "/inactive")
    assert "not allowed" in refused[0].text or "pas autorisé" in refused[0].text


async def test_inactive_names_each_organisation_with_its_number(chat: ChatDriver, database: Database) -> None:
    entity = await entity_of(database)
    await add_pledge(database, entity, 7, start=date(2024, 1, 1), validated=utc(2024, 1, 10))
    answer = await chat.send(chat.person(STAFF), "/inactive")
    assert f"P2C-2026-00007 “Pledge number 7” — Ministère du Numérique (no. {entity}) — " in answer[0].text


async def test_remind_me_later_then_not_mine(chat: ChatDriver, database: Database) -> None:
    entity = await entity_of(database)
    start = utcnow().date().replace(month=1, day=1) - timedelta(days=400)  # long overdue, validated recently
    pledge = await add_pledge(database, entity, 9, start=start, validated=utcnow() - timedelta(days=1))
    now = utcnow()
    assert await plan_report_reminders(database.uow(), now) == 1
    assert codes((await chat.collect(FOCAL))[0]) == [f"rp:open:{pledge}", f"rm:later:{pledge}", f"rm:notmine:{pledge}"]
    person = chat.person(FOCAL, "Awa", "fr")
    answer = await chat.press(person, f"rm:later:{pledge}")
    assert "P2C-2026-00009" in answer[-1].text
    assert await plan_report_reminders(database.uow(), now + timedelta(days=2)) == 0
    assert await plan_report_reminders(database.uow(), now + timedelta(days=3, minutes=1)) == 1  # again
    assert len(await chat.collect(FOCAL)) == 1
    assert await plan_report_reminders(database.uow(), now + timedelta(days=3, minutes=20)) == 0
    await chat.press(person, f"rm:notmine:{pledge}")
    staff = await chat.collect(STAFF)
    assert any("P2C-2026-00009" in m.text and "not their pledge" in m.text for m in staff)
    async with database.uow() as uow:
        audited = (await uow.session.execute(select(AuditLog.action).where(AuditLog.target_id == pledge))).scalars()
        assert "reminder.not_mine" in list(audited)
        uow.session.add(Pledge(ref="P2C-2026-00099", entity_id=entity, title="Other", description="d" * 20,
                               focus_area="access", pledge_type="policy", status="validated"))
        await uow.commit()
    assert await plan_report_reminders(database.uow(), now + timedelta(days=30)) == 0
    later = await chat.press(person, f"rm:later:{pledge}")
    assert "P2C-2026-00009" in later[-1].text and len(await reminders(database)) == 2


async def test_remind_me_later_of_a_report_sent_meanwhile_brings_nothing_early(
        chat: ChatDriver, database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tester: reminded on 7 December of her overdue report of the year before, Lucía pressed "Remind me in 3 days"
    and sent it the same day; three days later came a reminder of the year in progress, due seven weeks later (its
    first reminder is 14 days before). A "later" reminds of what is owed then: nothing before that first reminder.
    The clock is set to 7 December 2027 (the test clock), so that the calendar of the run does not matter."""
    clock = tmp_path / "clock"
    move_test_clock_to(str(clock), utc(2027, 12, 7, 10))
    monkeypatch.setenv(TEST_CLOCK_ENV, str(clock))
    pledge = await add_pledge(database, await entity_of(database), 12, start=date(2026, 1, 1),
                              validated=utc(2027, 11, 1))
    now = utcnow()
    assert await plan_report_reminders(database.uow(), now) == 1  # 2026's, overdue since 30 January 2027
    await chat.collect(FOCAL)
    await chat.press(chat.person(FOCAL, "Awa", "fr"), f"rm:later:{pledge}")
    await add_report(database, pledge, "2026", now + timedelta(minutes=5))
    assert await plan_report_reminders(database.uow(), now + timedelta(days=3, minutes=1)) == 0
    assert await plan_report_reminders(database.uow(), now + timedelta(days=4)) == 0
    assert await plan_report_reminders(database.uow(), utc(2028, 1, 17, 10)) == 1  # 2027's first, due 30 January


async def test_forged_reminder_buttons_are_refused(chat: ChatDriver, database: Database) -> None:
    token, _, _ = await invite(CreateInvite("Another Org", Role.focal_point, country_iso3="FRA"), database.uow(),
                               utcnow())
    other = chat.person(9102, "Eve")
    await chat.send(other, f"/start {token}")
    await chat.press(other, "f:consent:c:yes")
    await chat.send(other, "Eve Martin")
    foreign = await add_pledge(database, await entity_of(database), 10)
    for code in (f"rm:later:{foreign}", f"rm:notmine:{foreign}", "rm:later:0", "rm:later:１", "rm:snooze:1",
                 f"rm:later:{foreign}:x", "rm:notmine:"):
        answer = await chat.press(other, code)
        assert "not allowed" in answer[-1].text or "no longer valid" in answer[-1].text, code
    async with database.uow() as uow:
        denied = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "denied"))).scalars().all()
    assert len(denied) >= 7


async def test_a_report_for_an_old_period_brings_no_second_reminder_of_the_later_one(
        chat: ChatDriver, database: Database, renderer: Renderer) -> None:
    """With 2025 and 2026 both overdue, the reminder names 2025 and counts 2026; 2026's reminders are the ones that
    run, so reporting 2025 does not bring a fifth for 2026 (nor a second escalation) the next day."""
    pledge = await add_pledge(database, await entity_of(database), 11, start=date(2025, 3, 1),
                              validated=utc(2026, 12, 1))
    assert await plan_report_reminders(database.uow(), utc(2027, 3, 1, 10)) == 1  # 2026's last, naming 2025 first
    (first,) = await reminders(database)
    assert first.payload["reminder"]["items"][0][3:] == ["2025", "2026-01-30", 2, "2026"]
    english = renderer.reply(reply_from_json(first.payload["reply"]), "en").text
    assert "📅 2 progress reports are due" in english and "and 1 more report after it" in english, english
    assert len(await chat.collect(FOCAL)) == 1  # sent
    assert await plan_report_reminders(database.uow(), utc(2027, 3, 8, 10)) == 0  # 2026's four are spent
    await add_report(database, pledge, "2025", utc(2027, 3, 9, 10))
    assert await plan_report_reminders(database.uow(), utc(2027, 3, 10, 10)) == 0
    async with database.uow() as uow:
        ledger = await uow.session.get(PledgeReminder, pledge)
    assert ledger is not None and (ledger.period, ledger.kinds, ledger.next_on) == (
        "2026", "week2,escalate:2027-03-15", date(2027, 3, 15))  # the coordinators' day, then 2027's first
    assert await plan_report_reminders(database.uow(), utc(2027, 3, 15, 10)) == 0  # no coordinator to tell here
    async with database.uow() as uow:
        ledger = await uow.session.get(PledgeReminder, pledge)
    assert ledger is not None and ledger.next_on == date(2028, 1, 16)


@pytest.mark.parametrize("count", [1, 2, 3, 9, 11, 60])
def test_the_quick_serialiser_writes_what_the_generic_one_does(count: int) -> None:
    from handlers.messages import reply_to_json
    from handlers.reminder_messages import Item, compose, compose_json

    periods = ["2026", "2026-H1", "2026-H2", "2026-Q3"]
    items = [Item(n, f"P2C-2026-{n:05d}", f"Pledge “{n}” <b>", periods[n % 4], date(2027, 1, 20 + n % 10), 1 + n % 3,
                  ("2027-Q1" if n % 4 else None) if n % 3 else None)
             for n in range(1, count + 1)]
    assert compose_json(items, date(2027, 1, 25)) == reply_to_json(compose(items, date(2027, 1, 25)))


@pytest.mark.parametrize("language", ["ar", "en", "es", "fr", "ru", "zh"])
def test_a_reminder_or_an_escalation_of_many_pledges_fits_one_message_whole(language: str, renderer: Renderer) -> None:
    """Limits tester: with 54 pledges due, a Russian or Arabic reminder was cut by the renderer at Telegram's limit,
    mid-line and without its last lines; a coordinator's escalation of 330 overdue pledges showed about 40, nothing
    saying the rest existed. Ten are listed, titles shortened, and the rest counted."""
    from handlers.lengths import utf16_units
    from handlers.reminder_messages import MAX_LISTED, Item, compose, escalation

    long_title = "Connectivité significative des écoles rurales et des centres de santé " * 3
    items = [Item(n, f"P2C-2026-{n:05d}", long_title, "2026-Q3", date(2027, 1, 20), 3) for n in range(1, 55)]
    for message in (compose(items, date(2027, 1, 25)),
                    escalation([(i.ref, i.title, "Ministère de l'Économie numérique " * 4, i.due) for i in items],
                               [(i.ref, i.title, "Agence", i.due) for i in items[:30]])):
        shown = renderer.reply(message, language).text
        assert utf16_units(shown) < 4000 and "…" not in shown[-40:], shown[-200:]
        assert shown.count("P2C-2026-") == (MAX_LISTED if message.buttons else 2 * MAX_LISTED)
        assert "44" in shown and ("/report" in shown if message.buttons else "20" in shown)


async def test_a_period_falling_due_is_reminded_of_while_an_earlier_one_is_owed(
        chat: ChatDriver, database: Database, renderer: Renderer) -> None:
    """e_loop #1: once the earliest period owed had its four reminders, no later period was ever reminded of: the
    focal points and coordinators heard nothing until the pledge went inactive, two years on."""
    pledge = await add_pledge(database, await entity_of(database), 12, start=date(2025, 1, 1),
                              validated=utc(2025, 1, 5))
    await add_report(database, pledge, "2025", utc(2026, 6, 20, 10))  # active (not 24 months silent) until 2028-06
    for day in (utc(2027, 1, 18, 10), utc(2027, 2, 1, 10), utc(2027, 2, 8, 10), utc(2027, 2, 15, 10)):
        assert await plan_report_reminders(database.uow(), day) == 1  # 2026's four
    assert await plan_report_reminders(database.uow(), utc(2027, 6, 1, 10)) == 0
    assert await plan_report_reminders(database.uow(), utc(2028, 1, 17, 10)) == 1  # 2027's, 14 days before its due
    async with database.uow() as uow:
        ledger = await uow.session.get(PledgeReminder, pledge)
    assert ledger is not None and ledger.period == "2027" and ledger.kinds.split(",")[0] == "before"
    latest = (await reminders(database))[-1]
    assert latest.payload["reminder"]["items"][0][3:] == ["2026", "2027-01-30", 2, "2027"], "a report is for 2026 first"
    english = renderer.reply(reply_from_json(latest.payload["reply"]), "en").text
    assert "overdue since Jan 30, 2027, and 1 more report after it" in english, english
    assert await plan_report_reminders(database.uow(), utc(2028, 1, 31, 10)) == 1  # 2027's due date


async def test_a_nudge_counts_the_reports_owed_as_the_reminders_do(chat: ChatDriver, database: Database) -> None:
    """review #5: a coordinator's nudge said "1 progress report is due" where the day's reminder said 2."""
    from handlers.report_reminders import nudge
    from models.repositories.reminders import Reminders

    pledge_id = await add_pledge(database, await entity_of(database), 13, start=date(2025, 3, 1),
                                 validated=utc(2026, 12, 1))
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        done = await nudge(Reminders(uow.session), pledge, utc(2027, 3, 1, 10))
        await uow.commit()
    assert (done.period, done.sent) == ("2025", 1)
    (row,) = await reminders(database)
    assert row.payload["reminder"]["items"][0][3:] == ["2025", "2026-01-30", 2, "2026"]


async def test_a_reminder_waiting_for_monday_moves_on_to_the_period_still_owed(chat: ChatDriver,
                                                                               database: Database) -> None:
    """review2 #3: a reminder of 2026 (naming 2025, overdue) waited for working hours; 2025 was reported meanwhile
    and the whole reminder was dropped, though 2026 was still owed and its reminder was recorded as given."""
    pledge = await add_pledge(database, await entity_of(database), 14, start=date(2025, 3, 1),
                              validated=utc(2026, 12, 1))
    saturday = utc(2027, 2, 27, 10)
    assert await plan_report_reminders(database.uow(), saturday) == 1
    await add_report(database, pledge, "2025", saturday + timedelta(hours=2))
    await plan_report_reminders(database.uow(), saturday + timedelta(hours=3))
    (row,) = await reminders(database)
    assert row.status == "pending" and row.payload["reminder"]["items"][0][3:] == ["2026", "2027-01-30", 1, None]


async def test_a_pledge_behind_is_reminded_of_to_those_who_turned_optional_reminders_off(
        chat: ChatDriver, database: Database) -> None:
    """review2 #6: the early reminder of a later period while an earlier one is overdue is not optional."""
    await add_pledge(database, await entity_of(database), 15, start=date(2025, 1, 1), validated=utc(2026, 12, 1))
    async with database.uow() as uow:
        awa = (await uow.session.execute(select(Contact).where(Contact.telegram_id == FOCAL))).scalar_one()
        awa.optional_reminders = False
        await uow.commit()
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 18, 10)) == 1  # 2026's "before", 2025 overdue


async def test_a_pledge_falling_due_while_the_days_reminder_waits_is_added_to_it(
        chat: ChatDriver, database: Database, renderer: Renderer) -> None:
    """t1 F1: a pledge validated while the person's reminder of the day still waited for their working hours was
    left out of it ("a key already there … waits for the next") and had a message of its own another day."""
    entity = await entity_of(database)
    first = await add_pledge(database, entity, 16)
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 16, 10)) == 1  # Saturday: waits for Monday
    second = await add_pledge(database, entity, 17, validated=utc(2027, 1, 17, 8))
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 17, 9)) == 0  # no second message: the same one
    (row,) = await reminders(database)
    assert row.key.endswith(":2027-01-18") and row.status == "pending"
    assert [item[0] for item in row.payload["reminder"]["items"]] == [first, second]
    french = renderer.reply(reply_from_json(row.payload["reply"]), "fr").text
    assert "2 rapports d’avancement sont attendus" in french and "P2C-2026-00017" in french, french
    assert f"rp:open:{second}" in codes(renderer.reply(reply_from_json(row.payload["reply"]), "fr"))
    async with database.uow() as uow:
        ledger = await uow.session.get(PledgeReminder, second)
    assert ledger is not None and ledger.kinds == "before"  # given: no message of its own on Tuesday
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 19, 10)) == 0
    assert len(await chat.collect(FOCAL)) == 1


async def test_after_downtime_an_unsent_reminder_is_folded_into_the_next_one(
        chat: ChatDriver, database: Database, renderer: Renderer) -> None:
    """t1 F1: a reminder whose day passed unsent (the bot down, or no working hour reached) and the next one went out
    together, at the same minute: two reminders to one person on one day. The older one is folded into the new."""
    entity = await entity_of(database)
    first = await add_pledge(database, entity, 18)
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 18, 8)) == 1  # for 09:00, never sent
    second = await add_pledge(database, entity, 19, validated=utc(2027, 1, 25, 10))
    assert await plan_report_reminders(database.uow(), utc(2027, 2, 1, 10)) == 1  # both due: one message
    (row,) = await reminders(database)
    assert row.key.endswith(":2027-02-01")
    assert sorted(item[0] for item in row.payload["reminder"]["items"]) == [first, second]
    english = renderer.reply(reply_from_json(row.payload["reply"]), "en").text
    assert english.count("P2C-2026-000") == 2 and "overdue since Jan 30, 2027" in english, english
    assert len(await chat.collect(FOCAL)) == 1


async def test_planning_does_not_wait_for_a_reminder_another_transaction_holds(chat: ChatDriver,
                                                                              database: Database) -> None:
    """Planning adds to a person's reminder waiting in the outbox: a row a report's transaction holds (taking its
    pledge out) is left to it, not waited for (planning holds the rows of many people: waiting, it could deadlock);
    what planning would have added goes in at the next plan, once that transaction has ended."""
    if database.is_sqlite:
        pytest.skip("SQLite runs one unit of work at a time: the two cannot interleave")
    import asyncio

    from models.repositories.reminders import Reminders

    entity = await entity_of(database)
    await add_pledge(database, entity, 20)
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 16, 10)) == 1  # Saturday: waits for Monday
    second = await add_pledge(database, entity, 21, validated=utc(2027, 1, 17, 8))
    async with database.uow() as uow:
        (held,) = await Reminders(uow.session).pending(contact_id=(await reminders(database))[0].contact_id)
        await asyncio.wait_for(plan_report_reminders(database.uow(), utc(2027, 1, 17, 9)), timeout=10)
        await uow.commit()
    (row,) = await reminders(database)
    assert row.id == held.id and second not in [item[0] for item in row.payload["reminder"]["items"]]
    async with database.uow() as uow:
        ledger = await uow.session.get(PledgeReminder, second)
    assert ledger is not None and ledger.kinds == "" and ledger.next_on == date(2027, 1, 17)  # at the next plan
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 17, 9, 15)) == 0  # the same message
    (row,) = await reminders(database)
    assert row.id == held.id and second in [item[0] for item in row.payload["reminder"]["items"]]


async def test_a_reminder_of_a_pledge_behind_names_the_period_coming_due_and_its_date(
        chat: ChatDriver, database: Database, renderer: Renderer) -> None:
    """t1 F2: the early reminder of 2027, sent while 2026 was still owed, said "2 progress reports are due: … 2026:
    overdue since Jan 30, 2027, and 1 more report after it", never naming 2027 nor its due date, why it came."""
    pledge = await add_pledge(database, await entity_of(database), 22, start=date(2025, 1, 1),
                              validated=utc(2025, 1, 5))
    await add_report(database, pledge, "2025", utc(2026, 6, 20, 10))
    assert await plan_report_reminders(database.uow(), utc(2028, 1, 17, 10)) == 1  # 2027's first, 2026 owed
    (row,) = await reminders(database)
    assert row.payload["reminder"]["items"][0][3:] == ["2026", "2027-01-30", 2, "2027"]
    message = reply_from_json(row.payload["reply"])
    english = renderer.reply(message, "en").text
    assert ("2026: overdue since Jan 30, 2027, and 1 more report after it, up to 2027: due on Jan 30, 2028"
            in english), english
    french = renderer.reply(message, "fr").text
    assert "jusqu’au rapport (2027), attendu le 30 janv. 2028" in french, french
    for language in ("ar", "es", "ru", "zh"):
        shown = renderer.reply(message, language).text
        assert "up to" not in shown and "2028" in shown and "2027" in shown, (language, shown)


@pytest.mark.parametrize("language", ["ar", "en", "es", "fr", "ru", "zh"])
def test_a_reminder_written_before_it_named_the_latest_period_still_renders(language: str,
                                                                            renderer: Renderer) -> None:
    """Rows queued before items kept the latest period owed (six fields) render, and are rewritten, as before."""
    from handlers.messages import reply_to_json
    from handlers.reminder_messages import LINE_MORE, Item, compose, compose_json

    item = Item.from_json([5, "P2C-2026-00005", "Old row", "2025", "2026-01-30", 2])
    assert item.last is None
    stored = reply_to_json(compose([item], date(2027, 3, 1)))
    assert stored["parts"][1]["v"][2]["v"]["id"] == LINE_MORE
    assert compose_json([item], date(2027, 3, 1)) == stored
    shown = renderer.reply(reply_from_json(stored), language).text
    assert "P2C-2026-00005" in shown and "{" not in shown, shown


async def test_a_reminder_left_waiting_never_goes_out_stale(chat: ChatDriver, database: Database,
                                                            renderer: Renderer) -> None:
    """i #1 (two years lived with the clock moved): a reminder queued on Saturday 3 February 2029 was still waiting
    when its pledge went inactive (24 months without a report) and went out on 4 November 2029 saying "5 reports
    owed, up to Q4 2028" while 8 were owed and /mypledges said its reminders had stopped. Each plan looks again at
    the reminders not sent yet: an inactive pledge is taken out of them, another one listed beside it is counted as
    it stands now."""
    entity = await entity_of(database)
    silent = await add_pledge(database, entity, 21, cadence="quarterly", validated=utc(2026, 1, 5))
    active = await add_pledge(database, entity, 22, cadence="quarterly", validated=utc(2026, 1, 5))
    quarters = [f"{year}-Q{n}" for year in (2026, 2027) for n in range(1, 5)]
    for period in quarters[:7]:  # up to 2027-Q3, the last one in October 2027: inactive from October 2029
        await add_report(database, silent, period, utc(2027, 10, 20, 10))
        await add_report(database, active, period, utc(2027, 10, 20, 10))
    await add_report(database, active, "2027-Q4", utc(2029, 1, 10, 10))  # active: owes 2028-Q1 on
    saturday = utc(2029, 2, 3, 10)
    assert await plan_report_reminders(database.uow(), saturday) == 1  # waits for Monday's working hours
    (row,) = await reminders(database)
    assert [item[0] for item in row.payload["reminder"]["items"]] == [silent, active]
    assert row.payload["reminder"]["items"][0][5] == 5  # 2027-Q4 to 2028-Q4
    # the bot down (or the clock moved) until 4 November 2029: the plan runs first, then delivery
    await plan_report_reminders(database.uow(), utc(2029, 11, 4, 10))
    (message,) = await chat.collect(FOCAL)
    assert "P2C-2026-00021" not in message.text, message.text  # inactive: no reminder of it any more
    assert "7 rapports d’avancement sont attendus" in message.text and "et 6 rapports de plus" in message.text
    assert "jusqu’au rapport (3e trimestre 2029)" in message.text, message.text  # 2028-Q1 to 2029-Q3: 7 owed
    assert len([row for row in await reminders(database) if row.status == "sent"]) == 1


async def test_a_pledge_completed_while_its_reminder_waits_is_taken_out(chat: ChatDriver,
                                                                         database: Database) -> None:
    """i #1: a pledge completed (or withdrawn) while its reminder waited for working hours was still reminded of."""
    pledge = await add_pledge(database, await entity_of(database), 23)
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 16, 10)) == 1  # Saturday: waits for Monday
    async with database.uow() as uow:
        stored = await uow.session.get(Pledge, pledge)
        assert stored is not None
        stored.status = PledgeStatus.completed
        await uow.commit()
    await plan_report_reminders(database.uow(), utc(2027, 1, 17, 10))
    assert await reminders(database) == [] and await chat.collect(FOCAL) == []


async def test_a_reminder_held_overnight_goes_out_the_next_working_morning(chat: ChatDriver, database: Database,
                                                                          renderer: Renderer) -> None:
    """i #1: looking again at the reminders waiting leaves a sound one as it was: planned in the evening, it goes
    out the next morning as written, plans of the night in between."""
    await add_pledge(database, await entity_of(database), 24)
    evening = utc(2027, 1, 18, 20)  # Monday 20:00 in Dakar
    assert await plan_report_reminders(database.uow(), evening) == 1
    (row,) = await reminders(database)
    written = row.payload
    for hours in (1, 6, 12):
        assert await plan_report_reminders(database.uow(), evening + timedelta(hours=hours)) == 0
    (row,) = await reminders(database)
    assert row.not_before == utc(2027, 1, 19, 9) and row.payload == written
    (message,) = await chat.collect(FOCAL)
    assert "P2C-2026-00024" in message.text and "Pledge number 24" in message.text


async def test_a_pledge_withdrawn_the_day_its_reminder_was_written_is_taken_out_by_the_next_plan(
        chat: ChatDriver, database: Database) -> None:
    """A reminder written this morning waits for Monday; the pledge is withdrawn (a change of status, no report) a
    few minutes later: the next plan, the same day, takes it out. It is among the reminders looked at again because
    its pledge changed, not because it is old (those written today are not all read again every quarter of an
    hour: on a peak day of 100,000 pledges that was a transaction of seconds each time)."""
    pledge = await add_pledge(database, await entity_of(database), 25)
    saturday = utc(2027, 1, 16, 10)
    assert await plan_report_reminders(database.uow(), saturday) == 1  # Saturday: waits for Monday
    async with database.uow() as uow:
        stored = await uow.session.get(Pledge, pledge)
        assert stored is not None
        stored.status, stored.updated_at = PledgeStatus.withdrawn, saturday + timedelta(minutes=5)
        await uow.commit()
    await plan_report_reminders(database.uow(), saturday + timedelta(minutes=15))
    assert await reminders(database) == [] and await chat.collect(FOCAL) == []


async def test_the_plans_of_a_day_read_again_only_the_reminders_that_may_have_gone_stale(
        chat: ChatDriver, database: Database) -> None:
    """What a plan looks at again (Reminders.pending): nothing of a reminder written today whose people and pledges
    did not change; every reminder written before today."""
    from models.repositories.reminders import Reminders

    await add_pledge(database, await entity_of(database), 26)
    saturday = utc(2027, 1, 16, 10)
    assert await plan_report_reminders(database.uow(), saturday) == 1

    async def looked_at(now: datetime) -> int:
        async with database.uow() as uow:
            repo = Reminders(uow.session)
            today = datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC)
            return len(await repo.pending(changed_after=await repo.changed_after(now), written_before=today))

    assert await looked_at(saturday + timedelta(minutes=15)) == 0
    assert await looked_at(utc(2027, 1, 17, 0, 15)) == 1


async def test_a_pledge_withdrawn_leaves_the_reminders_waiting_at_once_not_at_the_next_plan(
        chat: ChatDriver, database: Database, deps: Deps) -> None:
    """A reminder waiting for Monday lists two pledges; one is withdrawn in the chat: the reminder loses it in the
    same transaction. Before, it waited for the next plan, a quarter of an hour later, and a reminder going out
    meanwhile asked for reports on a withdrawn pledge."""
    entity = await entity_of(database)
    kept, withdrawn = await add_pledge(database, entity, 27), await add_pledge(database, entity, 28)
    person = chat.person(FOCAL, "Awa", "fr")
    asked = await chat.press(person, f"mp:wd:{withdrawn}")
    assert f"mp:wdy:{withdrawn}:1:validated" in codes(asked[0]), [codes(m) for m in asked]
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 16, 10)) == 1  # Saturday: waits for Monday
    (row,) = await reminders(database)
    assert [item[0] for item in row.payload["reminder"]["items"]] == [kept, withdrawn]
    # "Yes, withdraw", handled without delivering what waits in the outbox (ChatDriver.collect sends it all)
    await handle(Incoming(990_001, person, utcnow(), code=f"mp:wdy:{withdrawn}:1:validated"), database.uow(), deps)
    (row,) = await reminders(database)  # no plan ran in between
    assert row.status == "pending" and [item[0] for item in row.payload["reminder"]["items"]] == [kept]
    (reminder,) = [m for m in await chat.collect(FOCAL) if f"rp:open:{kept}" in codes(m)]
    assert "P2C-2026-00027" in reminder.text and "P2C-2026-00028" not in reminder.text, reminder.text


async def test_a_pledge_marked_completed_leaves_the_reminders_waiting_at_once(
        chat: ChatDriver, database: Database, deps: Deps) -> None:
    """The same for a pledge closed with "Yes, it is completed" under a report that said so at 75 %."""
    entity = await entity_of(database)
    kept, closing = await add_pledge(database, entity, 29), await add_pledge(database, entity, 30, cadence="quarterly")
    async with database.uow() as uow:
        report = ProgressReport(pledge_id=closing, period="2026-Q1", status="completed", percent_complete=75,
                                steps_taken="The last schools were connected.", created_at=utc(2026, 4, 20))
        uow.session.add(report)
        await uow.commit()
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 16, 10)) == 1  # Saturday: waits for Monday
    (row,) = await reminders(database)
    assert [item[0] for item in row.payload["reminder"]["items"]] == [kept, closing]  # 2026-Q2 owed
    person = chat.person(FOCAL, "Awa", "fr")
    await handle(Incoming(990_002, person, utcnow(), code=f"rp:done:{report.id}"), database.uow(), deps)
    async with database.uow() as uow:
        stored = await uow.session.get(Pledge, closing)
        assert stored is not None and stored.status == PledgeStatus.completed
    (row,) = await reminders(database)
    assert row.status == "pending" and [item[0] for item in row.payload["reminder"]["items"]] == [kept]


async def test_a_report_due_on_a_saturday_is_reminded_of_on_the_friday(chat: ChatDriver, database: Database) -> None:
    """A tester: the 2026 report, due on Saturday 30 January 2027, was first mentioned on Monday 1 February, as
    overdue, to a focal point in Dakar who had turned the early reminders off. The due date's reminder now comes on
    the working day before, saying when it is due; the week-after one keeps its day."""
    pledge = await add_pledge(database, await entity_of(database), 1)
    async with database.uow() as uow:  # no early reminder: the one two weeks before counts as given
        uow.session.add(PledgeReminder(pledge_id=pledge, period="2026", kinds="before", next_on=date(2027, 1, 28),
                                       updated_at=utc(2027, 1, 16)))
        await uow.commit()
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 28, 10)) == 0  # Thursday: not yet
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 29, 10)) == 1  # Friday
    sent = await reminders(database)
    assert len(sent) == 1 and sent[0].not_before is not None and sent[0].not_before.day == 29
    text = chat.renderer.reply(reply_from_json(sent[0].payload["reply"]), "fr").text
    assert "30 janv. 2027" in text and "en retard" not in text
    async with database.uow() as uow:
        ledger = await uow.session.get(PledgeReminder, pledge)
    assert ledger is not None and ledger.kinds == "before,due" and ledger.next_on == date(2027, 2, 6)
    assert await plan_report_reminders(database.uow(), utc(2027, 2, 1, 10)) == 0  # Monday: nothing more
