"""The broadcast composer and its service: audience counts, translations, fallback, refusals, cancel."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from chat_driver import ChatDriver, announced, codes
from sqlmodel import col, or_, select

from bot.i18n import Rendered, Renderer
from handlers.broadcasts.service import cancel_broadcast, delivery_counts, follow_broadcasts
from handlers.conversation import Deps
from handlers.forms.formatting import format_date
from handlers.inputs import Incoming, Person
from handlers.router import handle
from models.clock import advance_test_clock, utcnow
from models.database import Database
from models.retention import Retention, purge
from models.tables import AuditLog, Broadcast, Contact, Outbox

pytestmark = pytest.mark.usefixtures("mid_year")  # "15 January next year" is over a year away on 1–14 January

STAFF = 9100
UPDATES = itertools.count(50_000_000)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, and six focal points of a Senegalese ministry in six languages."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    return await driver.with_focal_points(("ar", "en", "es", "fr", "ru", "zh"))


async def test_staff_compose_translate_and_send(chat: ChatDriver, database: Database) -> None:
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:role:focal_point")
    counted = await chat.press(staff, "f:audience:c:group:ldc")
    assert "6 people match" in counted[-1].text
    await chat.press(staff, "f:audience:done")
    await chat.press(staff, "f:attachment:skip")
    await chat.press(staff, "f:language:c:en")
    bad = await chat.send(staff, "<b>Unclosed")
    assert "not closed" in bad[-1].text
    translations = await chat.send(staff, "<b>WTDC</b> registration is open")
    assert "Still missing" in translations[-1].text and "(1 recipient)" in translations[-1].text
    await chat.press(staff, "f:translations:c:add:fr")
    await chat.send(staff, "Les inscriptions à la <b>CMDT</b> sont ouvertes")
    preview = await chat.press(staff, "f:translations:c:show:fr")
    assert any("<b>CMDT</b>" in m.text for m in preview)
    await chat.press(staff, "f:translations:done")
    await chat.press(staff, "f:fallback:c:en")
    summary = await chat.press(staff, "f:when:c:now")
    assert "f:$sum:submit" in codes(summary[-1])
    done = await chat.press(staff, "f:$sum:submit")
    assert any("6 people" in m.text for m in done)
    assert "Les inscriptions" in (await chat.collect(103))[0].text
    assert "registration is open" in (await chat.collect(104))[0].text  # Russian reader: English fallback
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        assert broadcast.recipients == 6 and set(broadcast.texts) == {"en", "fr"}
        assert len((await uow.session.execute(select(Outbox).where(Outbox.broadcast_id == broadcast.id))).all()) == 6


async def test_focal_points_cannot_broadcast_and_are_audited(chat: ChatDriver, database: Database) -> None:
    intruder = chat.person(101)
    for attempt in ("/broadcast", "/broadcasts"):
        answers = await chat.send(intruder, attempt)
        assert "not allowed" in answers[0].text
    answers = await chat.press(intruder, "bc:stop:1")
    assert "not allowed" in answers[0].text
    async with database.uow() as uow:
        denied = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "denied"))).scalars().all()
        assert {d.details["attempted"] for d in denied} == {"broadcast.compose", "broadcast.list", "broadcast.stop"}


async def test_scheduled_broadcast_can_be_cancelled(chat: ChatDriver, database: Database) -> None:
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:everyone")
    await chat.press(staff, "f:audience:done")
    refused = await chat.send(staff, "here is no file")
    assert "photo or a document" in refused[-1].text
    await chat.send_file(staff, "photo", "PHOTO-FILE-ID")
    await chat.press(staff, "f:language:c:en")
    too_long = await chat.send(staff, "x" * 1100)
    assert "900" in too_long[-1].text
    await chat.send(staff, "Reminder: reports are due")
    await chat.press(staff, "f:translations:done")
    await chat.press(staff, "f:when:c:later")
    await chat.send(staff, f"{utcnow().year + 1}-01-15 09:30")
    scheduled = await chat.press(staff, "f:$sum:submit")
    assert "scheduled" in scheduled[-1].text
    listing = await chat.send(staff, "/broadcasts")
    cancel = next(c for c in codes(listing[0]) if c.startswith("bc:cancel:"))
    confirm = await chat.press(staff, cancel)
    await chat.press(staff, codes(confirm[0])[0])
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        assert broadcast.status == "cancelled"
        assert broadcast.attachment == {"kind": "photo", "file_id": "PHOTO-FILE-ID"}
        assert await delivery_counts(uow.session, broadcast.id or 0) == {}


async def test_a_finished_broadcast_keeps_its_figures_once_its_rows_are_deleted(chat: ChatDriver,
                                                                                database: Database) -> None:
    staff = chat.person(STAFF)
    await _composed(chat, "now")
    await chat.press(staff, "f:$sum:submit")
    for n in range(6):
        await chat.collect(100 + n)  # delivered: the rows are "sent"
    async with database.uow() as uow:
        await follow_broadcasts(uow.session, utcnow())
        await uow.commit()
    purged = await purge(database.uow, Retention(outbox=timedelta(days=90)), utcnow() + timedelta(days=91))
    assert purged["outbox"] >= 6
    listing = await chat.send(staff, "/broadcasts")
    assert "6 sent" in listing[-1].text, listing[-1].text


async def test_a_broadcast_cancelled_while_it_is_sent_says_so_in_its_progress_message(chat: ChatDriver,
                                                                                        database: Database) -> None:
    """A tester: the creator's progress message of a broadcast a colleague cancelled mid-send stayed at "0 %" for
    good. The cancellation edits it: what was sent, what will not be, and that it was cancelled."""
    staff = chat.person(STAFF)
    await _composed(chat, "now")
    await chat.press(staff, "f:$sum:submit")  # the driver delivers every row at once: four are made waiting again
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        rows = (await uow.session.execute(select(Outbox).where(Outbox.broadcast_id == broadcast.id)
                                          .order_by(col(Outbox.id)))).scalars().all()
        for row in rows[2:]:
            row.status = "pending"
        rows[2].status = "sending"  # taken by a delivery worker: it goes all the same
        await uow.commit()
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        assert await cancel_broadcast(uow.session, broadcast, utcnow()) == 3
        await uow.commit()
    progress = [m for m, edit in zip(await chat.collect(STAFF), chat.edited, strict=True) if edit]
    assert len(progress) == 1 and "✖️ Cancelled." in progress[0].text, [m.text for m in progress]
    assert "<b>Sent</b>: 2" in progress[0].text and "<b>Not sent (cancelled)</b>: 3" in progress[0].text, \
        progress[0].text
    assert "<b>Being sent, too late to stop</b>: 1" in progress[0].text, progress[0].text  # a review: counted nowhere
    async with database.uow() as uow:
        taken = await uow.session.get(Outbox, rows[2].id)
        assert taken is not None
        taken.status = "sent"
        await uow.commit()
    listing = await chat.send(staff, "/broadcasts")  # the ones not sent counted there too
    assert "cancelled: 3 sent, 0 failed, 0 unreachable, 3 not sent of 6" in "\n".join(m.text for m in listing), \
        [m.text for m in listing]


async def test_everyone_is_unticked_by_a_segment_and_clears_them(chat: ChatDriver) -> None:
    """Regression: "Everyone" stayed ticked beside other segments, which silently ignored it."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:everyone")
    shown = await chat.press(staff, "f:audience:c:role:focal_point")
    assert _ticked(shown[-1]) == ["f:audience:c:role:focal_point"]
    shown = await chat.press(staff, "f:audience:c:everyone")
    assert _ticked(shown[-1]) == ["f:audience:c:everyone"]


def _ticked(message: Rendered) -> list[str]:
    """The codes of the buttons ticked in a message."""
    return [code for row in message.buttons for label, code in row if label.startswith("✓")]


async def test_done_is_refused_when_nobody_can_receive_it(chat: ChatDriver, database: Database) -> None:
    """Regression: a broadcast to an audience of 0 people was accepted and "sent"."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:role:staff")
    await chat.press(staff, "f:audience:c:lang:zh")
    refused = await chat.press(staff, "f:audience:done")
    assert "Nobody can receive this broadcast" in refused[-1].text and "0 people match" in refused[-1].text
    assert "f:audience:done" in codes(refused[-1])
    await chat.press(staff, "f:audience:c:role:staff")
    accepted = await chat.press(staff, "f:audience:done")  # the Chinese reader
    assert "f:attachment:skip" in codes(accepted[-1])


async def _at_the_message(chat: ChatDriver, attached: tuple[str, str] | None = None) -> Person:
    """Staff who began a broadcast to the focal points, with a file attached (its kind and file id) or none, in
    English: the message question is asked."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:role:focal_point")
    await chat.press(staff, "f:audience:done")
    if attached is None:
        await chat.press(staff, "f:attachment:skip")
    else:
        await chat.send_file(staff, *attached)
    await chat.press(staff, "f:language:c:en")
    return staff


async def _composed(chat: ChatDriver, when: str = "later") -> None:
    """A broadcast to the focal points written in English, then sent `now` or set for `later` (its time asked)."""
    staff = await _at_the_message(chat)
    await chat.send(staff, "Registration is open")
    await chat.press(staff, "f:translations:done")
    await chat.press(staff, f"f:when:c:{when}")


async def test_a_time_the_clocks_skip_is_refused_with_the_time_it_would_be(chat: ChatDriver,
                                                                            database: Database) -> None:
    """A tester set a broadcast for 02:30 on the night Paris moves its clocks forward: taken as an hour off, it read
    "2:30 AM (UTC+01:00)" when set and "3:30 AM (UTC+02:00)" in /broadcasts. It is refused, 03:30 offered."""
    today = utcnow().date()

    def skipped(zone: str, day: date) -> bool:  # 02:30 is no time there that day: the clocks go forward over it
        moment = datetime.combine(day, time(2, 30), ZoneInfo(zone))
        return moment.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) != moment.replace(tzinfo=None)

    # the first such night within the year ahead a broadcast may be set: Paris's last Sunday of March, or, late in
    # March once it has passed, Sydney's first Sunday of October (a review: next March's was up to 373 days away)
    zone, gap = next((zone, today + timedelta(days=n)) for zone in ("Europe/Paris", "Australia/Sydney")
                     for n in range(1, 360) if skipped(zone, today + timedelta(days=n)))
    async with database.uow() as uow:
        staff = (await uow.session.execute(select(Contact).where(Contact.telegram_id == STAFF))).scalar_one()
        staff.timezone = zone
        await uow.commit()
    await _composed(chat)
    refused = await chat.send(chat.person(STAFF), f"{gap.isoformat()} 02:30")
    assert "2:30\u202fAM does not exist on" in refused[-1].text and "for example 3:30\u202fAM" in refused[-1].text, \
        refused[-1].text
    taken = await chat.send(chat.person(STAFF), f"{gap.isoformat()} 03:30")
    assert "f:$sum:submit" in codes(taken[-1]), taken[-1].text


async def test_a_time_already_past_today_is_refused(chat: ChatDriver, database: Database) -> None:
    """Regression: a time earlier today was accepted, then the "scheduled" broadcast went out at once."""
    await _composed(chat)
    staff = chat.person(STAFF)
    refused = await chat.send(staff, f"{utcnow():%Y-%m-%d %H:%M}")
    assert "already passed" in refused[-1].text and "f:$sum:submit" not in codes(refused[-1])


@pytest.mark.parametrize("typed", ["2:30 PM", "2:30\u202fpm", "14:30"])
async def test_times_are_read_as_the_bot_writes_them_and_the_zone_is_said(chat: ChatDriver, database: Database,
                                                                          typed: str) -> None:
    """Regression: "2:30 PM" (how English readers are shown times) and "2026-12-15T14:30" were refused, and the
    confirmation did not say in which time zone the time is."""
    await _composed(chat)
    staff = chat.person(STAFF)
    year = utcnow().year + 1
    summary = await chat.send(staff, f"{year}-01-15 {typed}")
    assert "2:30\u202fPM" in summary[-1].text  # CLDR's narrow space
    await chat.press(staff, "f:$sum:edit:send_at")
    summary = await chat.send(staff, f"{year}-01-15T14:30")
    assert "2:30\u202fPM" in summary[-1].text
    scheduled = await chat.press(staff, "f:$sum:submit")
    assert f"scheduled for Jan 15, {year} 2:30\u202fPM (UTC)" in scheduled[-1].text


async def test_a_scheduled_broadcast_says_when_and_to_whom_and_is_called_cancelled(chat: ChatDriver,
                                                                                  database: Database) -> None:
    """Regression: /broadcasts said "scheduled: 0 sent … of 0", its cancellation "0 messages will not be sent" and,
    pressed again, "already finished"."""
    await _composed(chat)
    staff = chat.person(STAFF)
    year = utcnow().year + 1
    await chat.send(staff, f"{year}-01-15 09:30")
    await chat.press(staff, "f:$sum:submit")
    listing = await chat.send(staff, "/broadcasts")
    assert f"scheduled for Jan 15, {year} 9:30\u202fAM (UTC), to 6 people" in listing[-1].text
    confirm = await chat.press(staff, next(c for c in codes(listing[-1]) if c.startswith("bc:cancel:")))
    assert "Nobody will receive it" in confirm[-1].text
    stop = codes(confirm[-1])[0]
    cancelled = await chat.press(staff, stop)
    assert "it will not be sent to anyone" in cancelled[-1].text
    again = await chat.press(staff, stop)
    assert "already cancelled" in again[-1].text
    listing = await chat.send(staff, "/broadcasts")
    assert "cancelled before it was sent" in listing[-1].text


async def test_going_back_offers_to_send_the_file_separately_as_advised(chat: ChatDriver, database: Database) -> None:
    """Regression: "go back and choose to send the file separately" led back to a question without that choice."""
    staff = await _at_the_message(chat, ("photo", "PHOTO-FILE-ID"))
    too_long = await chat.send(staff, "x" * 1100)
    assert "send the file separately" in too_long[-1].text
    await chat.press(staff, "f:text:back")
    back = await chat.press(staff, "f:language:back")
    assert "f:attachment:c:separate" in codes(back[-1])
    await chat.press(staff, "f:attachment:c:separate")
    await chat.press(staff, "f:language:c:en")
    accepted = await chat.send(staff, "x" * 1100)
    assert "f:translations:done" in codes(accepted[-1])


async def test_a_fixed_offset_is_said_as_the_staff_member_chose_it(chat: ChatDriver, database: Database) -> None:
    """Regression: staff who chose UTC+3 read "(Etc/GMT-3, UTC+03:00)", a name whose sign is reversed; a place's
    zone is named by its city and offset (not the IANA id /settings adds to tell zones apart: i_langs #10)."""
    staff = chat.person(STAFF)
    await chat.press(staff, "st:tz")
    await chat.send(staff, "UTC+3")
    await _composed(chat)
    year = utcnow().year + 1
    await chat.send(staff, f"{year}-01-15 14:30")
    scheduled = await chat.press(staff, "f:$sum:submit")
    assert f"scheduled for Jan 15, {year} 2:30\u202fPM (UTC+03:00)." in scheduled[-1].text
    assert "Etc/GMT" not in scheduled[-1].text
    await chat.press(staff, "st:tz")
    await chat.send(staff, "Geneva")
    listing = await chat.send(staff, "/broadcasts")
    assert f"Jan 15, {year} 12:30\u202fPM (Zurich, UTC+01:00)," in listing[-1].text


@pytest.mark.parametrize("choice", ["now", "later"])
async def test_a_time_that_passed_before_submission_is_not_sent_silently(
        chat: ChatDriver, database: Database, clock: Path, choice: str) -> None:
    """Regression: a summary left unsubmitted past its scheduled time went out at once on Submit, without a word."""
    await _composed(chat)
    staff = chat.person(STAFF)
    soon = utcnow() + timedelta(minutes=10)
    await chat.send(staff, f"{soon:%Y-%m-%d %H:%M}")
    advance_test_clock(str(clock), 3600)  # the summary waited an hour
    asked = await chat.press(staff, "f:$sum:submit")
    assert f"The time you chose, {soon:%b} {soon.day}, {soon.year}" in asked[-1].text
    assert "has already passed: nothing was sent" in asked[-1].text
    assert {"f:when:c:now", "f:when:c:later"} <= set(codes(asked[-1]))
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Broadcast))).first() is None
    assert await chat.collect(101) == []
    if choice == "later":
        await chat.press(staff, "f:when:c:later")
        await chat.send(staff, f"{utcnow().year + 1}-01-15 09:30")
    else:
        await chat.press(staff, "f:when:c:now")
    done = await chat.press(staff, "f:$sum:submit")
    assert ("scheduled for Jan 15" if choice == "later" else "on its way to 6 people") in done[-1].text


async def test_a_time_passed_by_less_than_a_minute_goes_out_at_once(
        chat: ChatDriver, database: Database, clock: Path) -> None:
    """A time that passed by seconds while Submit was pressed is as good as now."""
    await _composed(chat)
    staff = chat.person(STAFF)
    soon = (utcnow() + timedelta(minutes=2)).replace(second=0, microsecond=0)
    await chat.send(staff, f"{soon:%Y-%m-%d %H:%M}")
    advance_test_clock(str(clock), (soon - utcnow()).total_seconds() + 30)
    done = await chat.press(staff, "f:$sum:submit")
    assert "on its way to 6 people" in done[-1].text


async def test_a_message_too_long_for_a_caption_offers_to_send_the_file_separately(chat: ChatDriver,
                                                                                   database: Database) -> None:
    """Regression: "go back and choose to send the file separately" sent the person two questions back, and the
    message they had written had to be written again; the message question itself offers that choice now."""
    staff = await _at_the_message(chat, ("document", "DOC-FILE-ID"))
    long = "Registration is open. " * 60
    offered = await chat.send(staff, long)
    assert "your message has 1,319" in offered[-1].text and "go back" not in offered[-1].text
    assert "f:text:c:separate" in codes(offered[-1])
    kept = await chat.press(staff, "f:text:c:separate")
    assert "sent separately" in kept[-1].text and "f:translations:done" in codes(kept[-1])
    await chat.press(staff, "f:translations:done")
    await chat.press(staff, "f:when:c:now")
    await chat.press(staff, "f:$sum:submit")
    received = await chat.collect(101)
    assert received[0].attachment == ("document", "DOC-FILE-ID") and received[1].text == announced(long.strip())


async def test_a_broadcast_cancelled_mid_send_keeps_back_its_files_sent_apart(chat: ChatDriver,
                                                                             database: Database) -> None:
    """A review: the files sent apart from a message too long for a caption carry no broadcast id, and a cancellation
    left them waiting: recipients got the bare file after it, and "N not sent" was not true."""
    staff = await _at_the_message(chat, ("document", "DOC-FILE-ID"))
    await chat.send(staff, "Registration is open. " * 60)
    for pressed in ("f:text:c:separate", "f:translations:done", "f:when:c:now", "f:$sum:submit"):
        await chat.press(staff, pressed)
    async with database.uow() as uow:  # the driver delivers every row at once: all are made waiting again
        rows = (await uow.session.execute(select(Outbox).where(or_(col(Outbox.key).like("bc:%"),
                                                                   col(Outbox.key).like("bcf:%"))))).scalars().all()
        for row in rows:
            row.status = "pending"
        await uow.commit()
    messages = sum(row.key.startswith("bc:") for row in rows)
    assert messages and sum(row.key.startswith("bcf:") for row in rows) == messages
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        assert await cancel_broadcast(uow.session, broadcast, utcnow()) == messages  # messages, not their files
        await uow.commit()
    async with database.uow() as uow:
        left = (await uow.session.execute(select(Outbox.key).where(
            or_(col(Outbox.key).like("bc:%"), col(Outbox.key).like("bcf:%")), col(Outbox.status) == "pending"))).all()
    assert left == []


async def test_a_shorter_message_after_the_offer_goes_under_the_file(chat: ChatDriver, database: Database) -> None:
    """The offer to send the file separately does not stop the person from writing a shorter message instead."""
    staff = await _at_the_message(chat, ("photo", "PHOTO-FILE-ID"))
    await chat.send(staff, "x" * 1100)
    accepted = await chat.send(staff, "Registration is open")
    assert "f:translations:done" in codes(accepted[-1])
    stale = await chat.press(staff, "f:text:c:separate")
    assert "earlier question" in stale[-1].text
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Broadcast))).first() is None


@pytest.mark.parametrize(("typed", "ahead", "at"), [
    ("tomorrow 9:00", 1, "9:00\u202fAM"), ("demain 9h", 1, "9:00\u202fAM"), ("mañana a las 9", 1, "9:00\u202fAM"),
    ("завтра в 9:00", 1, "9:00\u202fAM"), ("غدا 9:00", 1, "9:00\u202fAM"), ("明天9点半", 1, "9:30\u202fAM"),
    ("today 23:59", 0, "11:59\u202fPM"), ("aujourd'hui 23 h 59", 0, "11:59\u202fPM"),
    ("今天晚上11点59分", 0, "11:59\u202fPM"),
])
async def test_a_time_is_read_from_the_writers_today_and_tomorrow(chat: ChatDriver, database: Database, typed: str,
                                                                  ahead: int, at: str) -> None:
    """Regression: "tomorrow 9:00", "demain 9h", "mañana a las 9", "завтра в 9:00", "غدا 9:00", "明天9点" were refused
    with "Please type a date": the days people name were not read, nor times written "9h" or "9点"."""
    await _composed(chat)
    staff = chat.person(STAFF)
    if ahead == 0 and utcnow().strftime("%H:%M") >= "23:58":
        pytest.skip("the day ends before the time typed could be tested")
    summary = await chat.send(staff, typed)
    day = utcnow().date() + timedelta(days=ahead)
    assert f"{format_date(day, 'en')} {at}" in summary[-1].text and "f:$sum:submit" in codes(summary[-1])


def _at(clock: Path, hour: int) -> None:
    """Set the test clock to `hour` o'clock today (UTC, the staff member's zone)."""
    now = utcnow()
    advance_test_clock(str(clock), (now.replace(hour=hour, minute=0, second=0, microsecond=0) - now).total_seconds())


@pytest.mark.parametrize("typed", ["9h", "at 9", "9点", "9:00", "a las 9"])
async def test_a_time_alone_is_today_while_it_is_ahead_else_a_date_is_asked(
        chat: ChatDriver, database: Database, clock: Path, typed: str) -> None:
    """Regression: a time typed without a date ("9h", "at 9", "9点", "9:00") was told "That answer is empty"."""
    _at(clock, 8)
    await _composed(chat)
    staff = chat.person(STAFF)
    summary = await chat.send(staff, typed)
    assert f"{format_date(utcnow().date(), 'en')} 9:00\u202fAM" in summary[-1].text
    assert "f:$sum:submit" in codes(summary[-1])
    await chat.press(staff, "f:$sum:edit:send_at")
    _at(clock, 10)
    refused = await chat.send(staff, typed)
    tomorrow = utcnow().date() + timedelta(days=1)
    assert ("9:00\u202fAM has already passed today: it is 10:00\u202fAM in your time zone. Please give the date as "
            f"well, for example {tomorrow.isoformat()} 09:00") in refused[-1].text
    assert "f:$sum:submit" not in codes(refused[-1])


async def test_twelve_in_the_evening_is_the_midnight_ending_that_day(
        chat: ChatDriver, database: Database, clock: Path) -> None:
    """Regression: "明天晚上12点" (midnight at the end of tomorrow) was read as noon tomorrow."""
    _at(clock, 8)
    await _composed(chat)
    staff = chat.person(STAFF)
    summary = await chat.send(staff, "明天晚上12点")
    assert f"{format_date(utcnow().date() + timedelta(days=2), 'en')} 12:00\u202fAM" in summary[-1].text
    await chat.press(staff, "f:$sum:edit:send_at")
    summary = await chat.send(staff, "明天中午12点")
    assert f"{format_date(utcnow().date() + timedelta(days=1), 'en')} 12:00\u202fPM" in summary[-1].text


@pytest.mark.parametrize(("typed", "ahead", "at"), [
    ("tomorrow at midnight", 2, "12:00\u202fAM"), ("demain à midi", 1, "12:00\u202fPM"),
    ("明天中午", 1, "12:00\u202fPM"), ("tonight at 8", 0, "8:00\u202fPM"), ("今晚12点", 1, "12:00\u202fAM"),
    ("завтра вечером в 7", 1, "7:00\u202fPM"),
])
async def test_midnight_noon_and_the_evening_are_read_in_words(
        chat: ChatDriver, database: Database, clock: Path, typed: str, ahead: int,
        at: str) -> None:
    """Regression: "tomorrow at midnight", "demain à midi", "明天中午", "tonight at 8" were refused with "Please give a
    date and a time"; midnight is the one ending the day named."""
    _at(clock, 8)
    await _composed(chat)
    staff = chat.person(STAFF)
    summary = await chat.send(staff, typed)
    assert f"{format_date(utcnow().date() + timedelta(days=ahead), 'en')} {at}" in summary[-1].text
    assert "f:$sum:submit" in codes(summary[-1])


async def test_a_past_date_or_time_is_named_as_understood(chat: ChatDriver, database: Database) -> None:
    """Regression: "02/12/2025 9:00", read by the English order as 12 February, was refused as "This date is in the
    past" without the date understood, so the misreading could not be seen."""
    await _composed(chat)
    staff = chat.person(STAFF)
    last_year = utcnow().year - 1
    refused = await chat.send(staff, f"02/12/{last_year} 9:00")
    assert f"Feb 12, {last_year} is in the past" in refused[-1].text
    passed = await chat.send(staff, f"{utcnow():%Y-%m-%d} 00:00")
    if utcnow().strftime("%H:%M") != "00:00":
        assert f"{format_date(utcnow().date(), 'en')} 12:00\u202fAM has already passed" in passed[-1].text


async def test_a_translation_too_long_for_a_caption_offers_to_send_the_file_separately(chat: ChatDriver,
                                                                                       database: Database) -> None:
    """Regression: a translation too long to go under the file was refused with "go back and choose to send the file
    separately", and going back lost the translations typed; the translations question offers that choice now."""
    staff = await _at_the_message(chat, ("document", "DOC-FILE-ID"))
    await chat.send(staff, "Registration is open")
    await chat.press(staff, "f:translations:c:add:es")
    await chat.send(staff, "La inscripción está abierta")
    await chat.press(staff, "f:translations:c:add:fr")
    long = "Les inscriptions sont ouvertes. " * 40
    offered = await chat.send(staff, long)
    assert "this translation has 1,279" in offered[-1].text and "go back" not in offered[-1].text
    assert codes(offered[-1])[0] == "f:translations:c:separate"
    kept = await chat.press(staff, "f:translations:c:separate")
    assert "sent separately" in kept[-1].text and "f:translations:done" in codes(kept[-1])
    await chat.press(staff, "f:translations:c:add:ru")
    accepted = await chat.send(staff, "Регистрация открыта. " * 60)  # over the caption's limit: the file goes apart
    assert "Added" in accepted[-1].text
    done = await chat.press(staff, "f:translations:done")
    assert "sent separately" in done[-1].text
    await chat.press(staff, "f:fallback:c:en")
    await chat.press(staff, "f:when:c:now")
    await chat.press(staff, "f:$sum:submit")
    french = await chat.collect(103)
    assert french[0].attachment == ("document", "DOC-FILE-ID") and french[1].text == announced(long.strip(), "fr")
    spanish = await chat.collect(102)
    assert spanish[0].attachment == ("document", "DOC-FILE-ID") and "La inscripción" in spanish[1].text


async def test_a_file_attached_after_the_translations_takes_out_only_those_too_long(chat: ChatDriver) -> None:
    """A tester: a file attached from the summary after the translations were written said "your message has 1,208"
    of a 17-character message (the 1,208 were the Russian translation's), and ✂️ then dropped every translation, the
    short French one too, without a word. The one too long is named, and only it is taken out, said so."""
    staff = await _at_the_message(chat)
    await chat.send(staff, "Registration is open")
    await chat.press(staff, "f:translations:c:add:fr")
    await chat.send(staff, "Les inscriptions sont ouvertes")
    await chat.press(staff, "f:translations:c:add:ru")
    await chat.send(staff, "Регистрация открыта. " * 60)
    await chat.press(staff, "f:translations:done")
    await chat.press(staff, "f:fallback:c:en")
    await chat.press(staff, "f:when:c:now")
    await chat.press(staff, "f:$sum:edit:attachment")
    offered = await chat.send_file(staff, "photo", "PHOTO-ID")
    assert "your message" not in offered[-1].text, offered[-1].text
    assert "the one into Русский has more" in offered[-1].text, offered[-1].text
    assert ("✂️ Take the long translation out", "f:attachment:c:shorten") in [
        button for row in offered[-1].buttons for button in row], offered[-1].buttons
    taken = await chat.press(staff, "f:attachment:c:shorten")
    said = "\n".join(reply.text for reply in taken)
    assert "Taken out: the translation into Русский." in said, said
    summary = taken[-1].text
    assert "f:$sum:submit" in codes(taken[-1]) and "<b>Translations</b>: Français\n" in summary, summary
    await chat.press(staff, "f:$sum:edit:translations")
    shown = await chat.press(staff, "f:translations:c:show:fr")  # 👁: the file, with the text as its caption
    assert shown[0].attachment == ("photo", "PHOTO-ID") and "Les inscriptions" in shown[0].text, shown[0]


async def test_the_preview_shows_the_file_apart_when_sending_it_apart_was_chosen_on_the_translations_step(
        chat: ChatDriver) -> None:
    """A review: the 👁 preview after 📎 "send the file separately", chosen on the translations step for a translation
    too long for a caption, had no test; readers get the file, then the text in a message of its own."""
    staff = await _at_the_message(chat, ("photo", "PHOTO-ID"))
    await chat.send(staff, "Registration is open")
    await chat.press(staff, "f:translations:c:add:ru")
    offered = await chat.send(staff, "Регистрация открыта. " * 60)
    assert "f:translations:c:separate" in codes(offered[-1]), offered[-1].text
    await chat.press(staff, "f:translations:c:separate")
    shown = await chat.press(staff, "f:translations:c:show:ru")
    assert shown[0].attachment == ("photo", "PHOTO-ID") and "Регистрация" not in shown[0].text, shown[0]
    assert "Регистрация открыта." in shown[1].text and shown[1].attachment is None, shown[1]


async def test_a_text_over_a_messages_limit_with_a_file_is_asked_shorter_not_sent_apart(chat: ChatDriver) -> None:
    """Regression: a message or translation over 4,096 characters with a file attached was told "Shorten it, or go
    back and choose to send the file separately", which cannot help: a message of its own is limited to 4,096 too."""
    staff = await _at_the_message(chat, ("document", "DOC-FILE-ID"))
    refused = await chat.send(staff, "x" * 5000)
    assert "yours has 5,000. Shorten it to at most 4,000 characters." in refused[-1].text
    assert "separately" not in refused[-1].text and "f:text:c:separate" not in codes(refused[-1])
    await chat.send(staff, "Registration is open")
    await chat.press(staff, "f:translations:c:add:fr")
    refused = await chat.send(staff, "y" * 4100)
    assert "yours has 4,100. Shorten it to at most 4,000 characters." in refused[-1].text
    assert "separately" not in refused[-1].text and "f:translations:c:separate" not in codes(refused[-1])


async def test_translations_typed_are_not_skipped_away(chat: ChatDriver, database: Database) -> None:
    """Regression: Skip stayed offered at the translations question once translations were typed, and dropped them."""
    staff = await _at_the_message(chat)
    asked = await chat.send(staff, "Registration is open")
    assert "f:translations:skip" in codes(asked[-1])  # nothing typed yet: Skip is there
    await chat.press(staff, "f:translations:c:add:fr")
    added = await chat.send(staff, "Les inscriptions sont ouvertes")
    assert "f:translations:skip" not in codes(added[-1])
    stale = await chat.press(staff, "f:translations:skip")  # the Skip of the question asked before
    assert "earlier question" in stale[-1].text
    done = await chat.press(staff, "f:translations:done")
    assert "Français" in done[-1].text


async def test_going_back_after_sending_the_file_separately_keeps_the_translations(chat: ChatDriver,
                                                                                    database: Database) -> None:
    """Regression: after "📎 Send the file separately" for a long translation, Back lost the translations typed."""
    staff = await _at_the_message(chat, ("document", "DOC-FILE-ID"))
    await chat.send(staff, "Registration is open")
    await chat.press(staff, "f:translations:c:add:es")
    await chat.send(staff, "La inscripción está abierta")
    await chat.press(staff, "f:translations:c:add:fr")
    long = "Les inscriptions sont ouvertes. " * 40
    await chat.send(staff, long)
    await chat.press(staff, "f:translations:c:separate")
    back = await chat.press(staff, "f:translations:back")
    assert "The message can have 4,000 characters at most." in back[-1].text  # the file goes apart now
    again = await chat.send(staff, "Registration is open!")
    assert {"f:translations:c:show:es", "f:translations:c:show:fr"} <= set(codes(again[-1]))
    assert "f:translations:skip" not in codes(again[-1])
    done = await chat.press(staff, "f:translations:done")
    assert "Español" in done[-1].text and "Français" in done[-1].text
    await chat.press(staff, "f:fallback:c:en")
    summary = await chat.press(staff, "f:when:c:now")
    assert "sent separately" in summary[-1].text
    await chat.press(staff, "f:$sum:submit")
    french = await chat.collect(103)
    assert french[0].attachment == ("document", "DOC-FILE-ID") and french[1].text == announced(long.strip(), "fr")


async def test_going_back_from_a_translation_too_long_keeps_those_accepted(chat: ChatDriver) -> None:
    """Back while a translation too long for the caption awaits a choice keeps the translations already accepted;
    the one too long is not taken, since the file still goes under the message."""
    staff = await _at_the_message(chat, ("photo", "PHOTO-FILE-ID"))
    await chat.send(staff, "Registration is open")
    await chat.press(staff, "f:translations:c:add:es")
    await chat.send(staff, "La inscripción está abierta")
    await chat.press(staff, "f:translations:c:add:fr")
    await chat.send(staff, "Les inscriptions sont ouvertes. " * 40)
    back = await chat.press(staff, "f:translations:back")
    assert "With a file, the message can have 900 characters at most." in back[-1].text
    again = await chat.send(staff, "Registration is open!")
    assert "f:translations:c:show:es" in codes(again[-1]) and "f:translations:c:show:fr" not in codes(again[-1])


async def test_formatting_made_in_the_app_is_kept_in_the_message_and_its_translations(chat: ChatDriver,
                                                                                      database: Database) -> None:
    """A tester: bold and a link on a word, made with Telegram's own tools, were dropped from every copy (the composer
    read the plain text only)."""
    staff = await _at_the_message(chat)

    async def formatted(plain: str, html: str) -> None:
        await handle(replace(Incoming.from_text(next(UPDATES), staff, plain, utcnow()), formatted=html),
                     database.uow(), chat.deps)

    await formatted("Register for the P2C forum. Details here.",
                    'Register for <b>the P2C forum</b>. Details <a href="https://www.itu.int/p2c-forum">here</a>.')
    await chat.press(staff, "f:translations:c:add:fr")
    await formatted("Inscrivez-vous au forum P2C. Détails ici.",
                    'Inscrivez-vous au <b>forum P2C</b>. Détails <a href="https://www.itu.int/p2c-forum">ici</a>.')
    await chat.press(staff, "f:translations:done")
    await chat.press(staff, "f:fallback:c:en")
    await chat.press(staff, "f:when:c:now")
    await chat.press(staff, "f:$sum:submit")
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
    assert broadcast.texts == {
        "en": 'Register for <b>the P2C forum</b>. Details <a href="https://www.itu.int/p2c-forum">here</a>.',
        "fr": 'Inscrivez-vous au <b>forum P2C</b>. Détails <a href="https://www.itu.int/p2c-forum">ici</a>.'}
    french = (await chat.collect(103))[0]  # the HTML Telegram gets
    assert french.text.endswith('Inscrivez-vous au <b>forum P2C</b>. Détails '
                                '<a href="https://www.itu.int/p2c-forum">ici</a>.'), french.text


@pytest.mark.parametrize("typed", ["French", "français", "法语", "Французский"])
async def test_the_first_language_is_taken_by_its_name_in_any_of_the_six(chat: ChatDriver, typed: str) -> None:
    """A tester: "French" at the language question was told to choose with the buttons; only "Français" was
    taken."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:role:focal_point")
    await chat.press(staff, "f:audience:done")
    await chat.press(staff, "f:attachment:skip")
    said = await chat.send(staff, typed)
    assert said[-1].text.startswith("✓ Français"), said[-1].text


async def test_an_album_at_the_attachment_keeps_its_first_file_and_says_the_others_were_not(
        chat: ChatDriver) -> None:
    """A tester sent three PDFs as an album where a broadcast takes one file: the first was kept, the next ones were
    each refused as 'not a file' at the language question, over the line that had confirmed the first, and nothing
    said they were dropped. The question keeps that line and says what became of the others."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:role:focal_point")
    await chat.press(staff, "f:audience:done")
    first = await chat.send_file(staff, "document", "DOC-A", "a.pdf", caption="Trois annexes", album="A1")
    assert first[-1].text.startswith("✓ 📎 a.pdf"), first[-1].text
    for file_id, name in (("DOC-B", "b.pdf"), ("DOC-C", "c.pdf")):
        (said,) = await chat.send_file(staff, "document", file_id, name, album="A1")
        assert chat.edited[0], "the question brought up to date, not asked again below"
        assert said.text.startswith("✓ 📎 a.pdf"), said.text
        assert "Only the album's first file was kept" in said.text and "not a file" not in said.text, said.text


async def test_words_sent_with_the_attachment_are_said_not_kept(chat: ChatDriver) -> None:
    """A review: a photo sent with the announcement as its caption was kept and the words dropped without a word."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:everyone")
    await chat.press(staff, "f:audience:done")
    kept = await chat.send_file(staff, "photo", "PHOTO-FILE-ID", caption="Join our webinar on 15 January")
    said = "\n".join(m.text for m in kept)
    assert "The words sent with it were not kept: “Join our webinar on 15 January”" in said
    assert "In which language will you write it first?" in kept[-1].text
    plain = await chat.send_file(chat.person(STAFF), "photo", "PHOTO-2")  # at the next question: refused, no words
    assert "not kept: “" not in "\n".join(m.text for m in plain)
