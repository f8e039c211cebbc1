"""Reminders to staff of questions waiting too long, run as the scheduler does (every few minutes, here every few
hours; weekends included): one message on each working day of the staff member, written by the first run inside
their working hours and sent then, never a pile of them on Monday morning, with the age the question has then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.helpdesk.reminders import remind_waiting_questions
from handlers.messages import reply_from_json
from models.database import Database
from models.repositories.questions import Questions
from models.tables import Contact, Outbox
from models.values import Role

BEA, LIN = 9401, 9402


def utc(*args: int) -> datetime:
    """An aware UTC moment."""
    return datetime(*args, tzinfo=UTC)


async def asked(database: Database, when: datetime, lin_zone: str = "UTC") -> None:
    """Staff Bea (UTC) and Lin (`lin_zone`); a person's question waiting for staff since `when`."""
    async with database.uow() as uow:
        for telegram_id, name, zone in ((BEA, "Bea", "UTC"), (LIN, "Lin", lin_zone)):
            uow.session.add(Contact(telegram_id=telegram_id, chat_id=telegram_id, first_name=name, full_name=name,
                                    language="en", role=Role.staff, timezone=zone, consent_at=when))
        asker = Contact(telegram_id=9403, chat_id=9403, first_name="Ana", full_name="Ana", language="es",
                        role=Role.focal_point, consent_at=when)
        uow.session.add(asker)
        await uow.session.flush()
        await Questions(uow.session).open_thread(asker, "es", when)
        await uow.commit()


async def run_every(database: Database, start: datetime, hours: int, times: int) -> None:
    """The reminder job, every `hours` from `start`."""
    for step in range(times):
        await remind_waiting_questions(database.uow(), start + timedelta(hours=hours * step))


async def reminders(database: Database, renderer: Renderer, telegram_id: int) -> list[tuple[datetime, str]]:
    """This staff member's question reminders: (not before, in UTC; the text in English)."""
    async with database.uow() as uow:
        rows = (await uow.session.execute(
            select(Outbox.not_before, Outbox.payload).join(Contact, col(Contact.id) == col(Outbox.contact_id))
            .where(col(Outbox.key).startswith("hd-remind:"), col(Contact.telegram_id) == telegram_id)
            .order_by(col(Outbox.not_before)))).all()
    return [(when.replace(tzinfo=UTC) if when.tzinfo is None else when,
             renderer.reply(reply_from_json(payload["reply"]), "en").text) for when, payload in rows]


async def test_question_reminders_do_not_pile_up_over_the_weekend(sqlite_database: Database,
                                                                  renderer: Renderer) -> None:
    """Asked on Wednesday 10:00; the job runs every 3 h for a week: one reminder on Friday, Monday and Tuesday,
    each saying how long the question has waited when it goes out (Monday 09:00: 4 days 23 h, so "4 days")."""
    await asked(sqlite_database, utc(2026, 12, 2, 10))  # a Wednesday
    await run_every(sqlite_database, utc(2026, 12, 2, 9), 3, 52)  # to Tuesday 18:00
    sent = await reminders(sqlite_database, renderer, BEA)
    assert [when for when, _ in sent] == [utc(2026, 12, 4, 12), utc(2026, 12, 7, 9), utc(2026, 12, 8, 9)]
    assert ["waiting for 2 days" in sent[0][1], "waiting for 4 days" in sent[1][1],
            "waiting for 5 days" in sent[2][1]] == [True, True, True], [text for _, text in sent]


async def test_a_staff_member_whose_day_has_not_begun_is_reminded_when_it_does(sqlite_database: Database,
                                                                               renderer: Renderer) -> None:
    """Bea (UTC) is reminded on Monday at 09:00 UTC, when it is still Sunday in Lin's Los Angeles: Lin is reminded on
    her Monday, not left out because Bea's reminder counted for the question."""
    await asked(sqlite_database, utc(2026, 12, 2, 10), lin_zone="America/Los_Angeles")
    await run_every(sqlite_database, utc(2026, 12, 7, 3), 3, 4)  # Monday 03:00 to 12:00 UTC
    await run_every(sqlite_database, utc(2026, 12, 7, 14), 3, 2)  # Monday 17:00 UTC is 09:00 in Los Angeles
    assert [when for when, _ in await reminders(sqlite_database, renderer, BEA)] == [utc(2026, 12, 7, 9)]
    assert [when for when, _ in await reminders(sqlite_database, renderer, LIN)] == [utc(2026, 12, 7, 17)]
