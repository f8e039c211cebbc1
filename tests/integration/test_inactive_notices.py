"""The notice that a pledge went inactive (24 months without a progress report), planned by the report reminders'
job: on the day it crosses the mark, once, to each of its focal points in their language and working hours; never
for a pledge completed or withdrawn, nor for one inactive long before the notice shipped; a report brings the pledge
back (its reminders resume) and a later crossing is told again; on both backends."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select, update
from test_reminder_choices import set_pledge
from test_report_reminders import FOCAL, add_pledge, add_report, chat, entity_of, reminders, utc
from test_reports import Counter, fill_first_report

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.inputs import Incoming
from handlers.messages import reply_from_json
from handlers.report_reminders import ANNOUNCED_WITHIN, plan_report_reminders, withdraw_changed
from handlers.router import handle
from models.clock import TEST_CLOCK_ENV, advance_test_clock, utcnow
from models.database import Database
from models.reminding import NEVER
from models.repositories.reminders import NOT_MINE, Reminders
from models.tables import Contact, Outbox, Pledge, PledgeReminder, ProgressReport
from models.values import PledgeStatus, Role

__all__ = ["chat"]  # the fixture, shared with the reminders' tests

ARABIC, SPANISH = 9111, 9112


async def notices(database: Database) -> list[Outbox]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith("inactive:"))
                                               .order_by(col(Outbox.id)))).scalars())


async def colleague(database: Database, entity: int, telegram_id: int, language: str) -> int:
    """Another focal point of the organisation, speaking `language`."""
    async with database.uow() as uow:
        contact = Contact(telegram_id=telegram_id, chat_id=telegram_id, first_name="Colleague", language=language,
                          role=Role.focal_point, entity_id=entity, consent_at=utc(2026, 1, 2))
        uow.session.add(contact)
        await uow.flush()
        await uow.commit()
        assert contact.id is not None
        return contact.id


async def ledger(database: Database, pledge: int) -> PledgeReminder:
    async with database.uow() as uow:
        return (await uow.session.execute(select(PledgeReminder).where(col(PledgeReminder.pledge_id) == pledge))
                ).scalar_one()


async def test_on_the_crossing_day_each_focal_point_is_told_once_in_their_language(
        chat: ChatDriver, database: Database, renderer: Renderer) -> None:
    entity = await entity_of(database)
    await colleague(database, entity, ARABIC, "ar")
    disowning = await colleague(database, entity, SPANISH, "es")
    pledge = await add_pledge(database, entity, 31, validated=utc(2026, 1, 5, 10))  # never reported on
    async with database.uow() as uow:
        await Reminders(uow.session).hold(disowning, pledge, NOT_MINE, None, utc(2027, 3, 1))
        await uow.commit()
    assert await plan_report_reminders(database.uow(), utc(2027, 2, 15, 10)) == 2  # 2026's last reminder, to all
    assert await plan_report_reminders(database.uow(), utc(2027, 3, 1, 10)) == 0  # its escalation's day
    assert (await ledger(database, pledge)).next_on == date(2028, 1, 5)  # not 2027's first, on 16 January 2028
    assert len(await chat.collect(FOCAL)) == 1 and len(await chat.collect(ARABIC)) == 1
    await plan_report_reminders(database.uow(), utc(2028, 1, 4, 23, 45))  # the day before
    assert await notices(database) == []
    # by the day, as /mypledges says it: from the first plan of the crossing day (a Wednesday), not at 10:00
    assert await plan_report_reminders(database.uow(), utc(2028, 1, 5, 0, 10)) == 2
    for again in (timedelta(minutes=15), timedelta(days=1), timedelta(days=30)):  # later plans, a restart: none
        await plan_report_reminders(database.uow(), utc(2028, 1, 5, 10, 10) + again)
    await set_pledge(database, pledge, updated_at=utc(2028, 1, 10, 9))  # edited by staff: read again by the next plan
    await plan_report_reminders(database.uow(), utc(2028, 1, 10, 10))
    rows = await notices(database)
    assert len(rows) == 2 and all(row.not_before == utc(2028, 1, 5, 9) for row in rows)  # in Dakar's hours
    assert (await ledger(database, pledge)).next_on == NEVER  # no look at it until a report or an edit
    french = (await chat.collect(FOCAL))[0]
    assert "P2C-2026-00031" in french.text and "inactif" in french.text and "5 janv. 2026" in french.text, french.text
    assert codes(french) == [f"rp:open:{pledge}"]
    arabic = (await chat.collect(ARABIC))[0]
    assert "\u2068P2C-2026-00031\u2069" in arabic.text and "غير نشط" in arabic.text, arabic.text
    assert codes(arabic) == [f"rp:open:{pledge}"]
    assert await chat.collect(SPANISH) == []  # they said the pledge is not theirs
    english = renderer.reply(reply_from_json(rows[0].payload["reply"]), "en").text
    assert "listed as inactive in ITU's tracking" in english and "no report since validation on" in english, english


async def test_a_report_brings_it_back_and_a_later_crossing_is_told_again(
        chat: ChatDriver, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pledge = await add_pledge(database, await entity_of(database), 32)
    assert await plan_report_reminders(database.uow(), utc(2028, 1, 5, 10, 10)) == 1
    (told,) = await chat.collect(FOCAL)
    assert codes(told) == [f"rp:open:{pledge}"]
    clock = tmp_path / "clock"
    monkeypatch.setenv(TEST_CLOCK_ENV, str(clock))
    advance_test_clock(str(clock), (utc(2028, 1, 6, 11) - utcnow()).total_seconds())  # the next morning
    who = Counter(chat, FOCAL, "fr")
    opened = await who.press(f"rp:open:{pledge}")  # the notice's button, on a pledge inactive
    assert "P2C-2026-00032" in opened[-1].text and "2026" in opened[-1].text, opened[-1].text
    await fill_first_report(who, opened)
    sent = await who.press("f:$sum:submit")
    assert "BDT" in sent[-1].text
    assert await plan_report_reminders(database.uow(), utcnow()) == 0
    chat.mailbox.clear()
    # active again: 2027's reminders run (its report due on 30 January 2028, the first 14 days before: a Sunday)
    assert await plan_report_reminders(database.uow(), utc(2028, 1, 17, 10)) == 1
    assert len(await reminders(database)) == 1 and len(await chat.collect(FOCAL)) == 1
    assert len(await notices(database)) == 1
    # 24 months after that report, silent again: told again, on the Monday (6 January 2030 is a Sunday)
    assert await plan_report_reminders(database.uow(), utc(2030, 1, 6, 11, 10)) == 1
    later = (await notices(database))[-1]
    assert later.key.endswith(":2030-01-07") and later.not_before == utc(2030, 1, 7, 9)
    (again,) = await chat.collect(FOCAL)
    assert "6 janv. 2028" in again.text, again.text
    assert await plan_report_reminders(database.uow(), utc(2030, 1, 7, 11)) == 0


async def test_completed_and_withdrawn_pledges_are_never_told(chat: ChatDriver, database: Database) -> None:
    entity = await entity_of(database)
    completed, withdrawn = await add_pledge(database, entity, 33), await add_pledge(database, entity, 34)
    await set_pledge(database, completed, status=PledgeStatus.completed)
    await set_pledge(database, withdrawn, status=PledgeStatus.withdrawn)
    await plan_report_reminders(database.uow(), utc(2028, 1, 5, 10, 10))
    await plan_report_reminders(database.uow(), utc(2028, 1, 6, 10, 10))
    assert await notices(database) == []


async def test_a_pledge_withdrawn_on_its_crossing_day_before_the_plan_is_not_told(chat: ChatDriver,
                                                                                   database: Database) -> None:
    pledge = await add_pledge(database, await entity_of(database), 35)
    assert await plan_report_reminders(database.uow(), utc(2027, 2, 15, 10)) == 1
    await set_pledge(database, pledge, status=PledgeStatus.withdrawn)
    await plan_report_reminders(database.uow(), utc(2028, 1, 5, 10, 10))
    assert await notices(database) == []


async def test_pledges_inactive_long_before_the_notice_shipped_are_not_told(chat: ChatDriver,
                                                                           database: Database) -> None:
    """The first plan of the upgrade records the pledges inactive for longer than ANNOUNCED_WITHIN without telling
    anyone; one that crossed lately (a plan after downtime) is told, both pledges in one message."""
    entity = await entity_of(database)
    now = utc(2026, 3, 2, 10)  # a Monday
    old = await add_pledge(database, entity, 36, start=date(2023, 1, 1), validated=utc(2023, 1, 10))
    recent = await add_pledge(database, entity, 37, start=date(2024, 1, 1),
                              validated=now - timedelta(days=365 * 2 + 10))
    lately = await add_pledge(database, entity, 38, start=date(2024, 1, 1),
                              validated=now - timedelta(days=365 * 2) - ANNOUNCED_WITHIN + timedelta(days=2))
    await add_report(database, old, "2023", utc(2024, 1, 20))  # silent since: inactive from 20 January 2026
    assert await plan_report_reminders(database.uow(), now) == 1
    (row,) = await notices(database)
    assert [item[0] for item in row.payload["inactive"]] == [recent, lately]
    (message,) = await chat.collect(FOCAL)
    assert codes(message) == [f"rp:open:{recent}", f"rp:open:{lately}"]
    assert "P2C-2026-00036" not in message.text
    assert (await ledger(database, old)).kinds.startswith("inactive:2026-01-20")
    assert await plan_report_reminders(database.uow(), now + timedelta(days=1)) == 0


async def test_a_pledge_going_inactive_while_the_days_notice_waits_is_added_to_it(chat: ChatDriver,
                                                                                  database: Database) -> None:
    entity = await entity_of(database)
    # validated on a Saturday two years before, and on the Sunday after
    first = await add_pledge(database, entity, 39, validated=utc(2026, 1, 8, 8))
    second = await add_pledge(database, entity, 40, validated=utc(2026, 1, 9, 8))
    saturday = utc(2028, 1, 8, 8, 10)
    assert saturday.weekday() == 5
    await plan_report_reminders(database.uow(), saturday)  # the second, not inactive yet, is reminded of 2026
    (row,) = await notices(database)
    assert row.not_before == utc(2028, 1, 10, 9) and [item[0] for item in row.payload["inactive"]] == [first]
    await plan_report_reminders(database.uow(), saturday + timedelta(days=1, minutes=5))
    (row,) = await notices(database)  # the Monday's notice lists the second too
    assert row.key.endswith(":2028-01-10") and [item[0] for item in row.payload["inactive"]] == [first, second]
    assert row.payload["hours"] == ["Africa/Dakar", "SEN"]
    sunday = saturday + timedelta(days=1, hours=1)
    await add_report(database, first, "2026", sunday)  # back before Monday: out of the notice
    await plan_report_reminders(database.uow(), sunday + timedelta(minutes=5))
    (row,) = await notices(database)
    assert [item[0] for item in row.payload["inactive"]] == [second] and "P2C-2026-00039" not in str(row.payload)
    await set_pledge(database, second, status=PledgeStatus.completed)
    await plan_report_reminders(database.uow(), sunday + timedelta(minutes=20))
    assert await notices(database) == []


async def test_a_report_sent_while_the_notice_waits_takes_its_pledge_out(chat: ChatDriver,
                                                                           database: Database) -> None:
    """In the report's own transaction (finish_report's withdraw_changed), before any plan."""
    entity = await entity_of(database)
    pledge = await add_pledge(database, entity, 41, validated=utc(2026, 1, 8, 8))
    assert await plan_report_reminders(database.uow(), utc(2028, 1, 8, 8, 10)) == 1  # a Saturday: for Monday
    reported = utc(2028, 1, 8, 18)
    async with database.uow() as uow:
        uow.session.add(ProgressReport(pledge_id=pledge, period="2026", status="in_progress",
                                       steps_taken="Twenty schools connected so far.", created_at=reported))
        await uow.flush()
        assert await withdraw_changed(Reminders(uow.session), entity, reported) == 1
        await uow.commit()
    assert await notices(database) == []
    assert (await ledger(database, pledge)).kinds == "inactive:2028-01-08"


async def test_a_pledge_brought_back_forgets_its_crossing(chat: ChatDriver, database: Database) -> None:
    """Once active again, the crossing is no longer carried beside the kinds of the period still running (the
    column holds 64 characters: four reminders, the escalation's day and "escalated" leave no room for it)."""
    pledge = await add_pledge(database, await entity_of(database), 42, start=date(2025, 3, 1),
                              validated=utc(2026, 1, 5, 10))
    assert await plan_report_reminders(database.uow(), utc(2027, 2, 15, 10)) == 1  # 2026's last, naming 2025
    assert await plan_report_reminders(database.uow(), utc(2028, 1, 5, 10, 10)) == 1
    assert (await ledger(database, pledge)).kinds == "week2,escalate:2027-03-01,inactive:2028-01-05"
    await add_report(database, pledge, "2025", utc(2028, 1, 6, 10))  # 2026 is still the period running
    await plan_report_reminders(database.uow(), utc(2028, 1, 6, 10, 15))
    row = await ledger(database, pledge)
    assert (row.period, row.kinds) == ("2026", "week2,escalate:2027-03-01")


@pytest.mark.parametrize("language", ["ar", "en", "es", "fr", "ru", "zh"])
def test_a_notice_of_many_pledges_fits_one_message_whole(language: str, renderer: Renderer) -> None:
    """An organisation's pledges validated together and never reported on go inactive the same day: ten are listed,
    titles shortened, each with its date in the reader's language, the rest counted; eight 📝 buttons."""
    from handlers.inactive_notices import Silent, notice
    from handlers.lengths import utf16_units

    long_title = "Connectivité significative des écoles rurales et des centres de santé " * 3
    items = [Silent(n, f"P2C-2026-{n:05d}", long_title, date(2026, 1, 5), n % 2 == 0) for n in range(1, 41)]
    shown = renderer.reply(notice(items), language)
    assert utf16_units(shown.text) < 4000 and "…" not in shown.text[-40:], shown.text[-200:]
    assert shown.text.count("P2C-2026-") == 10 and "30" in shown.text and "/report" in shown.text
    assert codes(shown) == [f"rp:open:{n}" for n in range(1, 9)]
    assert renderer.reply(notice(items[:1]), language).text != renderer.reply(notice(items[:2]), language).text


async def test_two_plans_at_once_tell_each_crossing_once(chat: ChatDriver, database: Database) -> None:
    """Two instances planning at the same moment (a leader's overlap, PostgreSQL): one notice a person."""
    if database.is_sqlite:
        pytest.skip("SQLite runs one unit of work at a time: the two cannot interleave")
    entity = await entity_of(database)
    await colleague(database, entity, ARABIC, "ar")
    pledges = [await add_pledge(database, entity, n, validated=utc(2026, 1, 5, 10)) for n in (43, 44)]
    moment = utc(2028, 1, 5, 10, 10)
    sent = await asyncio.gather(plan_report_reminders(database.uow(), moment),
                                plan_report_reminders(database.uow(), moment))
    assert sorted(sent) == [0, 2]
    rows = await notices(database)
    assert len(rows) == 2 and all([item[0] for item in row.payload["inactive"]] == pledges for row in rows)


async def test_a_report_being_stored_as_the_plan_runs_is_not_told_inactive(chat: ChatDriver,
                                                                           database: Database) -> None:
    """The report's transaction holds its pledge while the crossing day's plan runs: the plan does not wait for it,
    and leaves the pledge to the next plan, which finds it active again."""
    if database.is_sqlite:
        pytest.skip("SQLite runs one unit of work at a time: the two cannot interleave")
    entity = await entity_of(database)
    pledge = await add_pledge(database, entity, 45, validated=utc(2026, 1, 5, 10))
    assert await plan_report_reminders(database.uow(), utc(2027, 2, 15, 10)) == 1  # its ledger written
    moment = utc(2028, 1, 5, 10, 10)
    async with database.uow() as uow:
        locked = await uow.session.get(Pledge, pledge, with_for_update=True)
        assert locked is not None
        uow.session.add(ProgressReport(pledge_id=pledge, period="2026", status="in_progress",
                                       steps_taken="Twenty schools connected so far.", created_at=moment))
        await uow.flush()
        assert await asyncio.wait_for(plan_report_reminders(database.uow(), moment), timeout=10) == 0
        await withdraw_changed(Reminders(uow.session), entity, moment)
        await uow.commit()
    assert (await ledger(database, pledge)).next_on == moment.date()  # looked at again at the next plan
    await plan_report_reminders(database.uow(), moment + timedelta(minutes=15))
    assert await notices(database) == []


async def test_a_pledge_withdrawn_while_its_notice_waits_leaves_it_at_once(chat: ChatDriver, database: Database,
                                                                           deps: Deps) -> None:
    """In the withdrawal's own transaction (withdraw_changed), not at the next plan: a notice going out meanwhile said
    that a withdrawn pledge was inactive and offered to report on it. (At the real time: the chat's is.)"""
    entity = await entity_of(database)
    now = utcnow()
    validated = datetime.combine(date(now.year - 2, now.month, min(now.day, 28)), time(8), tzinfo=UTC) \
        - timedelta(days=3)  # inactive three days ago
    kept = await add_pledge(database, entity, 42, validated=validated)
    withdrawn = await add_pledge(database, entity, 43, validated=validated)
    person = chat.person(FOCAL, "Awa", "fr")
    asked = await chat.press(person, f"mp:wd:{withdrawn}")
    assert f"mp:wdy:{withdrawn}:1:validated" in codes(asked[0]), [codes(m) for m in asked]
    await plan_report_reminders(database.uow(), utcnow())
    (row,) = await notices(database)
    assert [item[0] for item in row.payload["inactive"]] == [kept, withdrawn]
    # "Yes, withdraw", handled without delivering what waits in the outbox (ChatDriver.collect sends it all)
    await handle(Incoming(990_003, person, utcnow(), code=f"mp:wdy:{withdrawn}:1:validated"), database.uow(), deps)
    (row,) = await notices(database)
    assert row.status == "pending" and [item[0] for item in row.payload["inactive"]] == [kept]


async def test_a_pledge_crossing_on_the_reminders_day_is_told_inactive_not_reminded(chat: ChatDriver,
                                                                                     database: Database) -> None:
    """A tester: a reminder planned on Saturday for Monday 09:00 went out although the pledge crossed its 24 months
    that Monday at 10:00, and the notice that its reminders stopped followed three hours later."""
    pledge = await add_pledge(database, await entity_of(database), 42, start=date(2025, 1, 1),
                              validated=utc(2025, 1, 18, 10))  # never reported on
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 16, 1)) == 0  # a Saturday: Monday is its day
    assert await reminders(database) == []
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 18, 0, 10)) == 1  # Monday's first plan
    (notice,) = await notices(database)
    assert [item[0] for item in notice.payload["inactive"]] == [pledge] and notice.not_before == utc(2027, 1, 18, 9)


async def test_a_reminder_going_out_east_of_utc_on_the_crossing_day_is_withdrawn(chat: ChatDriver,
                                                                                database: Database) -> None:
    """A review: in Fiji the crossing day begins twelve hours before the planner's (UTC) day; a reminder written for
    Monday and held through downtime went out on Tuesday morning there, the day the pledge crossed its 24 months."""
    async with database.uow() as uow:
        await uow.session.execute(update(Contact).where(col(Contact.telegram_id) == FOCAL)
                                  .values(timezone="Pacific/Fiji"))
        await uow.commit()
    pledge = await add_pledge(database, await entity_of(database), 43, start=date(2025, 1, 1),
                              validated=utc(2025, 1, 19, 10))  # crosses on Tuesday 19 January 2027
    assert await plan_report_reminders(database.uow(), utc(2027, 1, 16, 1)) == 1  # a Saturday: for Monday
    (row,) = await reminders(database)
    assert row.key.endswith(":2027-01-18") and row.payload["reminder"]["items"][0][0] == pledge
    # the bot down from before Monday 09:00 in Fiji (Sunday 21:00 UTC) until Tuesday 09:00 there (Monday 21:00 UTC)
    await plan_report_reminders(database.uow(), utc(2027, 1, 18, 21, 5))
    assert await reminders(database) == []
