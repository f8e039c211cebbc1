"""What a focal point does with a report reminder, and what staff and coordinators are told of it: "remind me in 3
days" when nothing is due, "not my pledge any more" taken back, a nudge to a pledge nobody follows, and the two-week
escalation of pledges that no focal point follows; on both backends."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from handlers.messages import reply_from_json
from handlers.report_reminders import plan_report_reminders
from models.clock import TEST_CLOCK_ENV, move_test_clock_to, utcnow
from models.database import Database
from models.tables import AuditLog, Contact, Entity, Outbox, Pledge, ProgressReport, ReminderHold
from models.values import EntityStatus, PledgeStatus, Role

STAFF, FOCAL, COORDINATOR = 9500, 9501, 9502
LINK = re.compile(r"https://t\.me/p2c_test_bot\?start=([A-Za-z0-9_-]+)")


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff (Bea) and Awa, focal point of a Senegalese ministry."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    token, _, _ = await invite(CreateInvite("Ministère du Numérique", Role.focal_point, country_iso3="SEN"),
                               database.uow(), utcnow())
    await join(driver, FOCAL, token, "Awa Diop")
    driver.mailbox.clear()
    return driver


async def join(chat: ChatDriver, telegram_id: int, token: str, name: str) -> None:
    """Someone opens an invitation link, consents and gives their name."""
    person = chat.person(telegram_id, name.split()[0])
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, name)


async def entity_of(database: Database, telegram_id: int = FOCAL) -> int:
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == telegram_id))).scalar_one()
        assert contact.entity_id is not None
        return contact.entity_id


async def coordinator_of_everything(chat: ChatDriver, entity: int) -> None:
    """Ivan joins the organisation as a coordinator by Bea's invitation, and Bea sets his scope to every pledge."""
    answer = await chat.send(chat.person(STAFF, "Bea"), f"/invite {entity} coordinator")
    token = LINK.search(answer[0].text)
    assert token is not None
    await join(chat, COORDINATOR, token.group(1), "Ivan Petrov")
    await chat.send(chat.person(STAFF, "Bea"), f"/scope {COORDINATOR} everything")


async def orphan_entity(database: Database) -> int:
    """A validated organisation nobody of which uses the bot."""
    async with database.uow() as uow:
        entity = Entity(name="Digital Oman", name_key="digital oman", sector="government", country_iso3="OMN",
                        status=EntityStatus.validated)
        uow.session.add(entity)
        await uow.flush()
        await uow.commit()
        assert entity.id is not None
        return entity.id


async def add_pledge(database: Database, entity_id: int, n: int, start: date = date(2026, 1, 1),
                     cadence: str = "annual") -> int:
    async with database.uow() as uow:
        pledge = Pledge(ref=f"P2C-2026-{n:05d}", entity_id=entity_id, title=f"Pledge number {n}",
                        description="A pledge for the tests of reminder choices.", focus_area="access",
                        pillars=["infrastructure"], pledge_type="programmatic", countries=["SEN"],
                        start_date=start, end_date=date(2030, 12, 31), status=PledgeStatus.validated,
                        validated_at=utcnow() - timedelta(days=1), reporting_cadence=cadence)
        uow.session.add(pledge)
        await uow.flush()
        await uow.commit()
        assert pledge.id is not None
        return pledge.id


async def overdue_pledge(database: Database, entity_id: int, n: int) -> int:
    """A pledge whose report of last year is long overdue (whatever today's date)."""
    return await add_pledge(database, entity_id, n, start=utcnow().date().replace(month=1, day=1) - timedelta(days=400))


async def reported(database: Database, pledge: int, *periods: str) -> None:
    """A current report of the pledge for each period."""
    async with database.uow() as uow:
        for period in periods:
            uow.session.add(ProgressReport(pledge_id=pledge, period=period, status="in_progress",
                                           steps_taken="Twenty schools connected so far.", created_at=utcnow()))
        await uow.commit()


async def holds(database: Database) -> list[tuple[int, str]]:
    async with database.uow() as uow:
        return [(h.pledge_id, h.reason) for h in (await uow.session.execute(select(ReminderHold))).scalars()]


async def test_remind_me_later_when_every_report_is_in_sets_no_hold(chat: ChatDriver, database: Database) -> None:
    """b_reports #7: the button of an old reminder, pressed once every ended period is reported, promised a reminder
    in three days, and one came weeks before the next report was due."""
    this_year = utcnow().year
    pledge = await add_pledge(database, await entity_of(database), 1, start=date(this_year - 2, 1, 1))
    await reported(database, pledge, str(this_year - 2), str(this_year - 1))
    answer = await chat.press(chat.person(FOCAL, "Awa"), f"rm:later:{pledge}")
    assert "Nothing is due for P2C-2026-00001 now" in answer[-1].text and "up to date" in answer[-1].text
    assert await holds(database) == []


async def test_remind_me_later_when_a_report_is_due_still_holds_it(chat: ChatDriver, database: Database) -> None:
    pledge = await overdue_pledge(database, await entity_of(database), 2)
    answer = await chat.press(chat.person(FOCAL, "Awa"), f"rm:later:{pledge}")
    assert "I will remind you about P2C-2026-00002 again on" in answer[-1].text
    assert await holds(database) == [(pledge, "later")]


async def test_not_my_pledge_can_be_taken_back_and_staff_hear_both(chat: ChatDriver, database: Database) -> None:
    """b_reports #10: "not my pledge any more" pressed by mistake had no way back, and a nudge told staff the focal
    point had been reminded today (or there was none)."""
    pledge = await overdue_pledge(database, await entity_of(database), 3)
    awa, bea = chat.person(FOCAL, "Awa"), chat.person(STAFF, "Bea")
    disowned = await chat.press(awa, f"rm:notmine:{pledge}")
    assert codes(disowned[-1]) == [f"rm:mine:{pledge}"]
    assert any("not their pledge" in m.text for m in await chat.collect(STAFF))
    nudged = await chat.press(bea, f"dg:nudge:{pledge}")
    assert "told us it is not their pledge" in nudged[-1].text and "nobody receives its reminders" in nudged[-1].text
    again = await chat.press(awa, f"rm:later:{pledge}")  # an older reminder's button
    assert codes(again[-1]) == [f"rm:mine:{pledge}"]
    taken = await chat.press(awa, f"rm:mine:{pledge}")
    assert "P2C-2026-00003 is your pledge again" in taken[-1].text and await holds(database) == []
    assert any("their pledge after all" in m.text for m in await chat.collect(STAFF))
    assert "goes to its focal point" in (await chat.press(bea, f"dg:nudge:{pledge}"))[-1].text
    twice = await chat.press(awa, f"rm:mine:{pledge}")
    assert "is among your pledges" in twice[-1].text
    await chat.press(awa, f"rm:notmine:{pledge}")  # disowned again: staff are told again
    assert any("not their pledge" in m.text for m in await chat.collect(STAFF))
    async with database.uow() as uow:
        audited = (await uow.session.execute(select(AuditLog.action).where(AuditLog.target_id == pledge)
                                             .order_by(col(AuditLog.id)))).scalars().all()
    assert [a for a in audited if a.startswith("reminder.")] == ["reminder.not_mine", "reminder.mine_again",
                                                                 "reminder.not_mine"]


async def test_a_nudge_counts_the_focal_points_it_reaches_or_finds_waiting(
        chat: ChatDriver, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: a nudge said "goes to its focal point" and "already waits to reach its focal point" of a pledge two
    colleagues follow. On a Saturday both reminders wait for Monday: the nudge says how many it reaches, and a second
    one how many reminders already wait."""
    clock = str(tmp_path / "clock")
    monkeypatch.setenv(TEST_CLOCK_ENV, clock)
    move_test_clock_to(clock, datetime(2030, 6, 8, 10, tzinfo=UTC))  # Saturday
    entity = await entity_of(database)
    answer = await chat.send(chat.person(STAFF, "Bea"), f"/invite {entity} focal_point")
    token = LINK.search(answer[0].text)
    assert token is not None
    await join(chat, FOCAL + 10, token.group(1), "Bob Ndiaye")
    pledge = await overdue_pledge(database, entity, 4)
    bea = chat.person(STAFF, "Bea")
    nudged = await chat.press(bea, f"dg:nudge:{pledge}")
    assert nudged[-1].text == "A polite reminder about P2C-2026-00004 goes to its 2 focal points in their working " \
                              "hours.", nudged[-1].text
    async with database.uow() as uow:  # the chat driver delivered them at once; Telegram would have them Monday
        waiting = (await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith("rm:")))).scalars().all()
        assert len(waiting) == 2 and all(row.not_before is not None for row in waiting)
        for row in waiting:
            row.status = "pending"
        await uow.commit()
    again = await chat.press(bea, f"dg:nudge:{pledge}")
    assert again[-1].text == "No second reminder was sent: reminders about P2C-2026-00004 already wait to reach its " \
                             "2 focal points in their working hours.", again[-1].text
    async with database.uow() as uow:  # delivered again by the driver: one made to wait, the other went
        first = (await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith("rm:"))
                                           .order_by(col(Outbox.id)))).scalars().first()
        assert first is not None
        first.status = "pending"
        await uow.commit()
    mixed = await chat.press(bea, f"dg:nudge:{pledge}")
    assert mixed[-1].text == "No second reminder was sent: each of the 2 focal points of P2C-2026-00004 already has " \
                             "today's reminder, sent or waiting for their working hours.", mixed[-1].text


async def test_someone_elses_take_back_is_refused(chat: ChatDriver, database: Database) -> None:
    orphan = await add_pledge(database, await orphan_entity(database), 4)
    answer = await chat.press(chat.person(FOCAL, "Awa"), f"rm:mine:{orphan}")
    assert "not allowed" in answer[-1].text


async def test_a_nudge_to_a_pledge_without_focal_point_says_so(chat: ChatDriver, database: Database) -> None:
    orphan = await overdue_pledge(database, await orphan_entity(database), 5)
    answer = await chat.press(chat.person(STAFF, "Bea"), f"dg:nudge:{orphan}")
    assert "P2C-2026-00005 has no focal point" in answer[-1].text


async def test_the_escalation_lists_apart_the_pledges_nobody_follows(chat: ChatDriver, database: Database,
                                                                     renderer: Renderer) -> None:
    """b_reports #5: coordinators were told "focal points were reminded" of pledges with no focal point."""
    entity = await entity_of(database)
    await add_pledge(database, entity, 6)
    disowned = await add_pledge(database, entity, 7)
    await add_pledge(database, await orphan_entity(database), 8)
    await coordinator_of_everything(chat, entity)
    await chat.press(chat.person(FOCAL, "Awa"), f"rm:notmine:{disowned}")
    await plan_report_reminders(database.uow(), datetime(2027, 2, 1, 10, tzinfo=UTC))  # the due date's reminder
    await plan_report_reminders(database.uow(), datetime(2027, 2, 15, 10, tzinfo=UTC))  # two weeks after 30 January
    async with database.uow() as uow:
        (payload,) = (await uow.session.execute(select(Outbox.payload).where(col(Outbox.key).startswith("esc:"))))\
            .scalars().all()
    told = renderer.reply(reply_from_json(payload["reply"]), "en").text
    reminded, nobody = told.split("nobody follows them")
    assert "1 pledge in your scope" in reminded and "its focal points were reminded" in reminded
    assert "P2C-2026-00006" in reminded and "P2C-2026-00007" not in reminded and "P2C-2026-00008" not in reminded
    assert "2 pledges in your scope" in reminded.rsplit("\n", 1)[-1]
    assert "P2C-2026-00007" in nobody and "P2C-2026-00008" in nobody and "P2C-2026-00006" not in nobody


async def escalations(database: Database) -> list[Outbox]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith("esc:"))))
                    .scalars())


async def test_a_report_arriving_before_the_escalation_goes_takes_its_pledge_out(
        chat: ChatDriver, database: Database, renderer: Renderer) -> None:
    """An escalation planned on a Saturday waits for the coordinator's Monday; a report arriving meanwhile left the
    pledge in it, so the coordinator was told a report was missing that had come. Now the report takes it out (in
    the reporter's transaction, as it does from the focal points' reminders), a pledge still owing a later period
    stays for that one, and an escalation left with nothing is dropped."""
    from handlers.report_reminders import withdraw_changed
    from models.repositories.reminders import Reminders

    entity = await entity_of(database)
    first, second = await add_pledge(database, entity, 16), await add_pledge(database, entity, 17)
    behind = await add_pledge(database, entity, 18, start=date(2025, 3, 1))  # owes 2025 and 2026
    await coordinator_of_everything(chat, entity)
    saturday = datetime(2027, 2, 13, 10, tzinfo=UTC)  # two weeks after 2026's due date, 30 January
    await plan_report_reminders(database.uow(), datetime(2027, 2, 1, 10, tzinfo=UTC))  # the due date's reminder
    await plan_report_reminders(database.uow(), saturday)
    (row,) = await escalations(database)
    assert row.status == "pending" and row.not_before == datetime(2027, 2, 15, 9, tzinfo=UTC)

    async def report(pledge_id: int, period: str, at: datetime) -> int:
        async with database.uow() as uow:
            uow.session.add(ProgressReport(pledge_id=pledge_id, period=period, status="in_progress",
                                           steps_taken="Ten schools connected.", created_at=at))
            changed = await withdraw_changed(Reminders(uow.session), entity, at)
            await uow.commit()
            return changed

    def told() -> str:
        return renderer.reply(reply_from_json(row.payload["reply"]), "en").text

    assert "3 pledges in your scope" in told()
    async with database.uow() as uow:
        reminders = list((await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith("rm:"))))
                         .scalars())
    assert reminders and all("hours" in rm.payload for rm in reminders) and "hours" in row.payload
    assert await report(first, "2026", saturday + timedelta(hours=1)) >= 1
    (row,) = await escalations(database)
    assert "2 pledges in your scope" in told() and "P2C-2026-00016" not in told()
    # a reviewer: rewritten without a reported pledge, a reminder lost its working hours, and went out at night
    assert row.payload["hours"] == ["Africa/Dakar", "SEN"], row.payload.get("hours")
    async with database.uow() as uow:
        rewritten = list((await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith("rm:"))))
                         .scalars())
    assert [rm.payload.get("hours") for rm in rewritten] == [rm.payload["hours"] for rm in reminders]
    assert any("P2C-2026-00016" not in str(rm.payload) for rm in rewritten)
    assert "P2C-2026-00017" in told() and "P2C-2026-00018" in told()
    assert await report(behind, "2025", saturday + timedelta(hours=2)) >= 1
    (row,) = await escalations(database)
    assert "2 pledges in your scope" in told() and "P2C-2026-00018" in told()
    assert "overdue since Jan 30, 2027" in told().split("P2C-2026-00018")[1], "moved on to 2026, still owed"
    await report(second, "2026", saturday + timedelta(hours=3))
    await report(behind, "2026", saturday + timedelta(hours=4))
    assert await escalations(database) == []


async def set_pledge(database: Database, pledge_id: int, **values: object) -> None:
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        for name, value in values.items():
            setattr(pledge, name, value)
        await uow.commit()


@pytest.mark.parametrize(("status", "said"), [(PledgeStatus.completed, "P2C-2026-00009 is already marked completed."),
                                              (PledgeStatus.withdrawn, "P2C-2026-00009 is withdrawn.")])
async def test_remind_me_later_on_a_closed_pledge_says_it_is_closed(chat: ChatDriver, database: Database,
                                                                    status: str, said: str) -> None:
    """An old reminder's "later" on a pledge completed or withdrawn since said its reports were up to date and a
    reminder would come when the next one is due: none will."""
    pledge = await overdue_pledge(database, await entity_of(database), 9)
    await set_pledge(database, pledge, status=status)
    answer = await chat.press(chat.person(FOCAL, "Awa"), f"rm:later:{pledge}")
    assert answer[-1].text == said and await holds(database) == []


async def test_remind_me_later_on_a_pledge_silent_for_24_months_says_no_reminder_comes(
        chat: ChatDriver, database: Database) -> None:
    """A pledge with no report for 24 months gets no reminders (the planner leaves it out): "later" promised one."""
    pledge = await overdue_pledge(database, await entity_of(database), 10)
    await set_pledge(database, pledge, validated_at=utcnow() - timedelta(days=2 * 366))
    answer = await chat.press(chat.person(FOCAL, "Awa"), f"rm:later:{pledge}")
    assert "no progress report for 24 months, so no more reminders are sent for it" in answer[-1].text, answer[-1].text
    assert await holds(database) == []
    # the planner agrees: no reminder; only the notice that the pledge went inactive two days ago
    assert await plan_report_reminders(database.uow(), utcnow()) == 1
    async with database.uow() as uow:
        keys = (await uow.session.execute(select(Outbox.key))).scalars().all()
    assert not any(key.startswith("rm:") for key in keys) and any(key.startswith("inactive:") for key in keys), keys
    async with database.uow() as uow:  # a report, replaced since: reminders come again
        uow.session.add(ProgressReport(pledge_id=pledge, period="2020", status="in_progress", is_current=False,
                                       steps_taken="Twenty schools connected so far.", created_at=utcnow()))
        await uow.commit()
    again = await chat.press(chat.person(FOCAL, "Awa"), f"rm:later:{pledge}")
    assert "I will remind you about P2C-2026-00010 again on" in again[-1].text, again[-1].text


async def test_remind_me_later_after_the_last_period_is_reported_promises_nothing(
        chat: ChatDriver, database: Database) -> None:
    """Every period up to the pledge's end date reported: "later" said a reminder would come when the next report
    is due, and none is."""
    this_year = utcnow().year
    pledge = await add_pledge(database, await entity_of(database), 11, start=date(this_year - 2, 1, 1))
    await set_pledge(database, pledge, end_date=date(this_year - 1, 6, 30))
    await reported(database, pledge, str(this_year - 2), str(this_year - 1))
    answer = await chat.press(chat.person(FOCAL, "Awa"), f"rm:later:{pledge}")
    assert answer[-1].text == f"P2C-2026-00011 — no more reports due: the last period, {this_year - 1}, is reported"
    assert await holds(database) == []


async def test_remind_me_later_counts_the_days_where_the_person_is(
        chat: ChatDriver, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first reminder of a report comes 14 days before its due date: on 15 January at 22:00 UTC it is already
    16 January in Tokyo, and a report due on 30 January has a reminder due there; "later" said nothing was."""
    monkeypatch.setenv(TEST_CLOCK_ENV, str(tmp_path / "clock"))
    year = utcnow().year + 1
    pledge = await add_pledge(database, await entity_of(database), 12, start=date(year - 1, 1, 1))
    await set_pledge(database, pledge, end_date=None)
    async with database.uow() as uow:
        awa = (await uow.session.execute(select(Contact).where(Contact.telegram_id == FOCAL))).scalar_one()
        awa.timezone = "Asia/Tokyo"
        await uow.commit()
    moment = datetime(year, 1, 15, 22, tzinfo=UTC)
    move_test_clock_to(str(tmp_path / "clock"), moment)
    answer = await chat.press(chat.person(FOCAL, "Awa"), f"rm:later:{pledge}")
    assert "I will remind you about P2C-2026-00012 again on" in answer[-1].text, answer[-1].text
    assert await holds(database) == [(pledge, "later")]


async def test_coordinators_are_told_two_weeks_after_the_first_reminder_not_with_it(
        chat: ChatDriver, database: Database, renderer: Renderer) -> None:
    """i_langs #8: a pledge whose period was two weeks overdue at its first reminder (validated late, or after a
    long downtime) had its coordinators told "although its focal points were reminded" in the same minute as the
    focal points' first reminder. Now they are told two weeks later if no report came; a pledge nobody follows is
    told of at once, as there is nobody to wait for."""
    entity = await entity_of(database)
    await add_pledge(database, entity, 19)
    await add_pledge(database, await orphan_entity(database), 20)
    await coordinator_of_everything(chat, entity)
    monday = datetime(2027, 2, 15, 10, tzinfo=UTC)  # two weeks after 2026's due date: nothing was reminded yet
    await plan_report_reminders(database.uow(), monday)
    async with database.uow() as uow:
        reminded = (await uow.session.execute(select(Outbox.key).where(col(Outbox.key).startswith("rm:")))).all()
    assert len(reminded) == 1, "Awa's first reminder goes now"
    (row,) = await escalations(database)
    told = renderer.reply(reply_from_json(row.payload["reply"]), "en").text
    assert "P2C-2026-00020" in told and "P2C-2026-00019" not in told, told
    await plan_report_reminders(database.uow(), monday + timedelta(days=7))
    assert len(await escalations(database)) == 1
    await plan_report_reminders(database.uow(), monday + timedelta(days=14))
    later = [r for r in await escalations(database) if r.id != row.id]
    assert len(later) == 1
    told = renderer.reply(reply_from_json(later[0].payload["reply"]), "en").text
    assert "P2C-2026-00019" in told and "focal points were reminded" in told and "P2C-2026-00020" not in told, told
    await plan_report_reminders(database.uow(), monday + timedelta(days=21))
    assert len(await escalations(database)) == 2, "once a period"


async def test_two_reports_at_once_both_leave_the_escalation(chat: ChatDriver, database: Database) -> None:
    """review #4: on PostgreSQL two reporters' transactions each read the pending escalation, then each wrote back
    what it computed from its own read: the second write put back the pledge the first had taken out. Now the rows
    are locked while read, so the second waits and reads what the first committed."""
    import asyncio

    from handlers.report_reminders import withdraw_changed
    from models.repositories.reminders import Reminders

    if database.is_sqlite:
        pytest.skip("SQLite runs one unit of work at a time: no two transactions interleave")
    entity = await entity_of(database)
    # of two organisations, so nothing but the escalation is shared by the two reporters' transactions
    first = await add_pledge(database, entity, 21)
    other = await orphan_entity(database)
    second = await add_pledge(database, other, 22)
    await coordinator_of_everything(chat, entity)
    await plan_report_reminders(database.uow(), datetime(2027, 2, 1, 10, tzinfo=UTC))
    saturday = datetime(2027, 2, 13, 10, tzinfo=UTC)
    await plan_report_reminders(database.uow(), saturday)
    (row,) = await escalations(database)
    assert len(row.payload["escalation"]) == 2
    read = asyncio.Event()

    async def report(pledge_id: int, entity_id: int, hold: bool) -> None:
        async with database.uow() as uow:
            uow.session.add(ProgressReport(pledge_id=pledge_id, period="2026", status="in_progress",
                                           steps_taken="Ten schools connected.", created_at=saturday))
            await uow.flush()
            await withdraw_changed(Reminders(uow.session), entity_id, saturday)
            if hold:
                read.set()
                await asyncio.sleep(0.3)  # the other reporter reads meanwhile
            await uow.commit()

    async def later() -> None:
        await read.wait()
        await report(second, other, hold=False)

    await asyncio.gather(report(first, entity, hold=True), later())
    assert await escalations(database) == [], "both reported: nothing left to tell the coordinator"


async def test_a_deferred_escalation_survives_the_next_periods_first_reminder(chat: ChatDriver,
                                                                              database: Database) -> None:
    """review #7: a quarterly pledge first reminded at its two-week reminder (validated late) set its coordinators'
    day two weeks on; the next quarter's first reminder came before that day and the marker went with the old
    quarter's ledger: the coordinators heard nothing until the next quarter's own two weeks."""
    entity = await entity_of(database)
    await add_pledge(database, entity, 23, start=date(2027, 1, 1), cadence="quarterly")
    await coordinator_of_everything(chat, entity)
    # the first quarter of 2027 is due on 30 April; the second's first reminder is on 16 July
    await plan_report_reminders(database.uow(), datetime(2027, 7, 6, 10, tzinfo=UTC))  # Q1's 2-week one, first
    assert await escalations(database) == []
    await plan_report_reminders(database.uow(), datetime(2027, 7, 16, 10, tzinfo=UTC))  # Q2's "before"
    assert await escalations(database) == []
    await plan_report_reminders(database.uow(), datetime(2027, 7, 20, 10, tzinfo=UTC))  # Q1's coordinators' day
    (row,) = await escalations(database)
    assert [entry[0][3] for entry in row.payload["escalation"]] == ["2027-Q1"]


async def test_a_report_does_not_wait_for_the_days_plan(chat: ChatDriver, database: Database,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """review2 #4: the planner locked the pending reminders and escalations, then kept them through its whole run
    over every pledge: a focal point's Submit waited for it (and could deadlock with it through the pledge row). The
    withdrawing is now a short transaction of its own, committed before the plan."""
    import asyncio

    from sqlalchemy import text as sql

    import handlers.report_reminders as planner
    from handlers.report_reminders import withdraw_changed
    from models.repositories.reminders import Reminders

    if database.is_sqlite:
        pytest.skip("SQLite runs one unit of work at a time: no two transactions interleave")
    entity = await entity_of(database)
    pledge = await add_pledge(database, entity, 24)
    await coordinator_of_everything(chat, entity)
    await plan_report_reminders(database.uow(), datetime(2027, 2, 1, 10, tzinfo=UTC))
    saturday = datetime(2027, 2, 13, 10, tzinfo=UTC)
    await plan_report_reminders(database.uow(), saturday)  # an escalation waits for Monday
    planning, reported = asyncio.Event(), asyncio.Event()
    looking = planner.look_at_pledges

    async def slow_look(*args: object, **kwargs: object) -> object:
        planning.set()
        await reported.wait()  # the plan is under way while the report comes
        return await looking(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(planner, "look_at_pledges", slow_look)

    async def report() -> None:
        await planning.wait()
        try:
            async with database.uow() as uow:
                await uow.session.execute(sql("SET LOCAL lock_timeout = '3s'"))
                uow.session.add(ProgressReport(pledge_id=pledge, period="2026", status="in_progress",
                                               steps_taken="Ten schools connected.", created_at=saturday))
                await uow.flush()
                await withdraw_changed(Reminders(uow.session), entity, saturday)
                await uow.commit()
        finally:
            reported.set()

    await asyncio.gather(plan_report_reminders(database.uow(), saturday + timedelta(hours=1)), report())
    assert await escalations(database) == [], "the report took its pledge out of the waiting escalation"
