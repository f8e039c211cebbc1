"""Report reminders through the sandbox with the bot as a real process, its clock moved by the test clock.

A focal point with three validated pledges reaches their due date: ONE message lists them, inside their
working hours; "Report now" on one opens the report form (the reports branch's) and /mypledges then shows
the report; "Remind me in 3 days" on another brings it back three days later; "Not my pledge any more"
on the third tells staff. In French (Dakar, UTC+0) and in Arabic (Cairo, which keeps summer time).
Then the bot is killed (SIGKILL) across a reminder's time: the reminder goes out once.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from conftest import JOB_SECONDS, Person, advance_to, bot_messages, buttons, moved_now
from sqlmodel import col, select

from bot.sandbox.harness import BotStack
from handlers.admin import CreateInvite, invite
from models.database import Database
from models.reporting import due_date, period_of
from models.tables import Contact, Outbox, Pledge
from models.values import PledgeStatus, Role
from models.working_hours import is_allowed, next_allowed, working_days

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

STAFF = 910001


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotStack]:
    """The sandbox and the bot with a test clock and reminders planned every second."""
    workdir: Path = tmp_path_factory.mktemp("e2e-reminders")
    stack = BotStack(workdir, env={"P2C_TEST_CLOCK_FILE": str(workdir / "clock"),
                                   "P2C_REMINDER_INTERVAL_SECONDS": str(JOB_SECONDS)})
    await stack.start_sandbox()
    await stack.cli("db", "upgrade")
    await stack.cli("admin", "grant", str(STAFF), "staff")
    await stack.start_bot()
    await stack.people.add_user(STAFF, "Bea", language_code="en")
    await Person(stack, STAFF).say("/help")
    yield stack
    await stack.close()


async def focal_point(stack: BotStack, language: str, country: str, user_id: int) -> tuple[Person, int]:
    """A focal point of a new organisation of `country`, registered through the bot; their contact id."""
    database = Database(stack.database_url)
    try:
        command = CreateInvite(f"E2E reminders {language} {user_id}", Role.focal_point, country_iso3=country)
        token, _, _ = await invite(command, database.uow(), await moved_now(stack))
    finally:
        await database.dispose()
    await stack.people.add_user(user_id, "Focal", language_code=language)
    person = Person(stack, user_id)
    await person.say(f"/start {token}")
    await person.press("f:consent:c:yes")
    await person.say("Focal Point")
    await bot_messages(person, settle=0.5)                            # what registration still had to say
    async with _db(stack) as database, database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == user_id))).scalar_one()
        assert contact.id is not None
        return person, contact.id


class _db:
    """A database handle on the bot's database for the length of a block."""

    def __init__(self, stack: BotStack) -> None:
        self.database = Database(stack.database_url)

    async def __aenter__(self) -> Database:
        return self.database

    async def __aexit__(self, *_: object) -> None:
        await self.database.dispose()


async def validated_pledges(stack: BotStack, contact_id: int, titles: list[str], start: date) -> list[int]:
    """Validated quarterly pledges of the contact's organisation, as staff would have left them."""
    async with _db(stack) as database, database.uow() as uow:
        contact = await uow.session.get(Contact, contact_id)
        assert contact is not None and contact.entity_id is not None
        now = await moved_now(stack)
        pledges = [Pledge(entity_id=contact.entity_id, title=title, description="A pledge of the reminder tests.",
                          focus_area="access", pillars=["infrastructure"], pledge_type="programmatic",
                          countries=["SEN"], start_date=start, end_date=start + timedelta(days=1500),
                          status=PledgeStatus.validated, validated_at=now, submitted_at=now,
                          reporting_cadence="quarterly") for title in titles]
        uow.session.add_all(pledges)
        await uow.flush()
        for pledge in pledges:
            pledge.ref = f"P2C-E2E-{pledge.id:05d}"
        await uow.commit()
        return [p.id for p in pledges if p.id is not None]


async def reminder_rows(stack: BotStack, contact_id: int) -> list[Outbox]:
    async with _db(stack) as database, database.uow() as uow:
        return list((await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith(f"rm:{contact_id}:"))
                                               .order_by(col(Outbox.id)))).scalars())


async def recorded_rows(stack: BotStack, contact_id: int, count: int, timeout: float = 15.0) -> list[Outbox]:
    """The person's reminder rows once `count` of them are recorded as sent: a message reaches the chat before its
    row's outcome is written (delivery records outcomes after the send; CI once read the row still `sending`)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = await reminder_rows(stack, contact_id)
        if sum(row.sent_at is not None for row in rows) >= count or asyncio.get_running_loop().time() > deadline:
            return rows
        await asyncio.sleep(0.2)


def local(day: date, hour: int, minute: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(zone)).astimezone(UTC)


def working_day_on_or_after(day: date, zone: str) -> date:
    while day.weekday() not in working_days(zone):  # Egypt works Sunday to Thursday
        day += timedelta(days=1)
    return day


STEPS_TAKEN = {"fr": "Nous avons raccordé 120 écoles à Kolda et formé 300 enseignants au numérique.",
               "ar": "ربطنا 120 مدرسة في كولدا ودرّبنا 300 معلم على المهارات الرقمية."}
OVERVIEW = {"fr": "dernier rapport", "ar": "آخر تقرير"}


async def report(person: Person, language: str, opened: list[dict[str, Any]]) -> dict[str, Any]:
    """Answer the report form opened by Report now: in progress, 40 %, the steps taken, the rest skipped."""
    message = opened[-1]
    for _ in range(20):
        codes = buttons(message)
        if "f:$sum:submit" in codes:
            return (await person.press("f:$sum:submit", message))[-1]
        step = next(code.split(":")[1] for code in codes if code.endswith(":cancel"))
        if step == "status":
            replies = await person.press("f:status:c:in_progress", message)
        elif step == "percent_complete":
            replies = await person.say("40")
        elif step == "steps_taken":
            replies = await person.say(STEPS_TAKEN[language])
        elif f"f:{step}:done" in codes:
            replies = await person.press(f"f:{step}:done", message)
        else:
            replies = await person.press(f"f:{step}:skip", message)
        message = replies[-1]
    raise AssertionError(f"the report form did not end: {message['text']}")


@pytest.mark.parametrize(("language", "country", "zone", "user_id"), [
    ("fr", "SEN", "Africa/Dakar", 910101),
    ("ar", "EGY", "Africa/Cairo", 910102),
])
async def test_reminders_due_later_and_not_mine(stack: BotStack, language: str, country: str, zone: str,
                                                user_id: int) -> None:
    person, contact_id = await focal_point(stack, language, country, user_id)
    start = (await moved_now(stack)).date()
    first, second, third = await validated_pledges(
        stack, contact_id, [f"Écoles {language}", f"Villages {language}", f"Hôpitaux {language}"], start)
    assert await bot_messages(person) == []                           # nothing due yet

    due = due_date(period_of(start, "quarterly"))
    day = working_day_on_or_after(due, zone)
    await advance_to(stack, local(day, 8, 0, zone))                   # the due date (or the Monday after), 08:00
    assert await bot_messages(person) == []                           # quiet hours: not before 09:00 there
    await advance_to(stack, local(day, 9, 30, zone))
    (reminder,) = await bot_messages(person, at_least=1)              # ONE message for the three pledges
    assert all(f"P2C-E2E-{p:05d}" in reminder["text"] for p in (first, second, third))
    assert {f"rp:open:{third}", f"rm:later:{first}", f"rm:notmine:{second}"} <= set(buttons(reminder))
    (row,) = await recorded_rows(stack, contact_id, 1)
    assert row.sent_at is not None and is_allowed(row.sent_at, zone)

    done = await report(person, language, await person.press(f"rp:open:{third}", reminder))
    assert f"P2C-E2E-{third:05d}" in done["text"]
    overview = (await person.say("/mypledges"))[-1]
    assert OVERVIEW[language] in overview["text"] and "40" in overview["text"]

    later = await person.press(f"rm:later:{first}", reminder)
    assert f"P2C-E2E-{first:05d}" in later[-1]["text"]
    pressed_at = await moved_now(stack)
    staff = Person(stack, STAFF)
    staff.seen = (await stack.people.chat(STAFF))["last_seq"]
    await person.press(f"rm:notmine:{second}", reminder)
    told = await bot_messages(staff, settle=0.5)
    assert any(f"P2C-E2E-{second:05d}" in m["text"] for m in told)

    await advance_to(stack, pressed_at + timedelta(days=2))
    assert await bot_messages(person) == []                           # not before three days
    again_at = next_allowed(pressed_at + timedelta(days=3), zone) + timedelta(minutes=10)
    await advance_to(stack, again_at)
    (again,) = await bot_messages(person, at_least=1)
    assert f"P2C-E2E-{first:05d}" in again["text"]
    assert f"P2C-E2E-{second:05d}" not in again["text"] and f"P2C-E2E-{third:05d}" not in again["text"]
    rows = await recorded_rows(stack, contact_id, 2)
    assert len(rows) == 2 and all(r.sent_at is not None and is_allowed(r.sent_at, zone) for r in rows)
    if language == "ar":
        assert "\u2068" in again["text"]                              # Latin refs isolated in Arabic


async def test_sigkill_once_the_reminder_is_sent_sends_it_no_more(stack: BotStack) -> None:
    """Killed once the reminder's sending is recorded: the next process does not send it again. (Killed between
    Telegram's answer and the record, the one window of at-least-once delivery, it would go twice: this test killed
    at a fixed moment after the clock moved, and failed whenever that moment fell in the window.)"""
    person, contact_id = await focal_point(stack, "fr", "SEN", 910104)
    start = (await moved_now(stack)).date()
    (pledge,) = await validated_pledges(stack, contact_id, ["Former 1 000 enseignants"], start)
    day = working_day_on_or_after(due_date(period_of(start, "quarterly")), "Africa/Dakar")
    await advance_to(stack, local(day, 10, 0, "Africa/Dakar"))
    (row,) = await recorded_rows(stack, contact_id, 1)
    assert row.status == "sent"
    await stack.stop_bot(signal.SIGKILL)
    await stack.start_bot()
    arrived = await bot_messages(person, settle=4 * JOB_SECONDS)
    assert len(arrived) == 1, [m["text"][:60] for m in arrived]     # once: not twice
    assert f"rp:open:{pledge}" in buttons(arrived[0])


async def test_sigkill_once_the_reminder_is_planned_sends_it_once(stack: BotStack) -> None:
    """Planned before working hours (its row waits for 09:00), the process killed, restarted in working hours: the
    reminder goes once, not zero times, and is not planned a second time."""
    person, contact_id = await focal_point(stack, "fr", "SEN", 910105)
    start = (await moved_now(stack)).date()
    (pledge,) = await validated_pledges(stack, contact_id, ["Former 2 000 enseignants"], start)
    day = working_day_on_or_after(due_date(period_of(start, "quarterly")), "Africa/Dakar")
    await advance_to(stack, local(day, 7, 0, "Africa/Dakar"))
    for _ in range(100):
        rows = await reminder_rows(stack, contact_id)
        if rows:
            break
        await asyncio.sleep(0.2)
    assert [(row.status, row.sent_at) for row in rows] == [("pending", None)], rows
    await stack.stop_bot(signal.SIGKILL)
    await advance_to(stack, local(day, 9, 30, "Africa/Dakar"))
    await stack.start_bot()
    arrived = await bot_messages(person, at_least=1)
    assert len(arrived) == 1, [m["text"][:60] for m in arrived]     # once: not zero times, not twice
    assert f"rp:open:{pledge}" in buttons(arrived[0])
    (row,) = await recorded_rows(stack, contact_id, 1)
    assert row.status == "sent"


async def test_a_reminder_survives_sigkill_and_goes_once(stack: BotStack) -> None:
    person, contact_id = await focal_point(stack, "fr", "SEN", 910103)
    start = (await moved_now(stack)).date()
    (pledge,) = await validated_pledges(stack, contact_id, ["Connecter 500 écoles"], start)
    day = working_day_on_or_after(due_date(period_of(start, "quarterly")), "Africa/Dakar")
    await stack.stop_bot(signal.SIGKILL)                              # down across the reminder's time
    await advance_to(stack, local(day, 10, 0, "Africa/Dakar"))
    await stack.start_bot()
    arrived = await bot_messages(person)
    assert len(arrived) == 1, [m["text"] for m in arrived]            # not zero times
    (reminder,) = arrived
    assert f"rp:open:{pledge}" in buttons(reminder)
    for pause in (0.0, 0.4, 1.3):                                     # killed again at various moments after
        await asyncio.sleep(pause)
        await stack.stop_bot(signal.SIGKILL)
        await advance_to(stack, await moved_now(stack) + timedelta(minutes=20))
        await stack.start_bot()
    assert await bot_messages(person) == []                           # not twice
    (row,) = await recorded_rows(stack, contact_id, 1)
    assert row.status == "sent"
