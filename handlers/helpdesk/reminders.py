"""Questions waiting for staff more than two working days: staff are reminded once a day, inside their working hours.

A scheduled job enqueues (never sends). Each thread is in at most one day's reminders (`reminded_on`); each
staff member gets one message on each of their working days listing them (outbox key hd-remind:<staff id>:<their
day>), written by the first run inside their working hours (models.working_hours) and sent at once: the list and
the ages are those of the moment it goes out, so a question answered or closed overnight is not listed, and one that
became overdue overnight is. A weekend or an evening writes nothing that would pile up for the next working morning.
Every staff member is reminded of every question waiting that long, taken or not: a question its owner has left
unanswered for two working days (on leave, ill) is one a colleague can take over (handlers.helpdesk.ownership), so
each line names who took it.

A question BDT answered and its asker left without a word for two weeks (SETTLED_AFTER) is closed by the same job,
the asker told in their working hours that a reply to the answer, or /ask, brings more: staff's /questions is not
filled for ever with threads nobody will close. A colleague's answer to it held for a take-over ends then, its text
given back (its owner's stays, to send anyway), as when staff close a question.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from handlers import outbox
from handlers.entities import is_staff_contact
from handlers.helpdesk.compose import age, thread_ref
from handlers.helpdesk.ownership import end_unsendable_answers
from handlers.messages import N_, Concat, Day, Label, Reply, Text, plural, text
from handlers.people import audit, name_of
from handlers.staff_notices import person_for_staff
from models.database import Session, UnitOfWork
from models.repositories.contacts import Contacts
from models.repositories.questions import Questions
from models.repositories.reminders import Reminders
from models.tables import Contact, QuestionThread
from models.timezones import zone_of
from models.values import ThreadStatus
from models.working_hours import is_allowed, local_day, next_allowed, working_days, zone_info

WAITING_WORKING_DAYS = 2
BATCH = 500
LISTED = 10
ASKER_SHOWN = 40
"""The most of an asker's name a line of the reminder shows."""
SETTLED_AFTER = timedelta(days=14)
"""How long an answered question waits for its asker before the bot closes it (close_settled)."""
UNDELIVERED_LOOKED_AT = timedelta(days=2)
"""How far back answers found undelivered are looked for (the job runs every few minutes; the notice goes once)."""


def working_time(start: datetime, end: datetime, zone: str) -> timedelta:
    """The part of [start, end] that falls on working days (whole days) in `zone`; counted no
    further than a little over the two days that matter, so a long wait costs no long walk."""
    info = zone_info(zone)
    local, until = start.astimezone(info), end.astimezone(info)
    total = timedelta()
    day = local.date()
    while day <= until.date():
        if day.weekday() in working_days(zone):
            begins = max(local, datetime.combine(day, datetime.min.time(), info))
            ends = min(until, datetime.combine(day + timedelta(days=1), datetime.min.time(), info))
            total += max(ends - begins, timedelta())
        if total > timedelta(days=WAITING_WORKING_DAYS + 1):  # enough to decide; no need to walk a long wait
            break
        day += timedelta(days=1)
    return total


def is_overdue(thread: QuestionThread, now: datetime, zone: str) -> bool:
    """True when the thread has waited for staff more than two working days."""
    return thread.status == "open" and \
        working_time(thread.waiting_since, now, zone) > timedelta(days=WAITING_WORKING_DAYS)


async def remind_waiting_questions(uow: UnitOfWork, now: datetime, default_zone: str = "UTC") -> int:
    """Enqueue today's reminder to each staff member with questions waiting too long, and the notices of answers
    that could not be delivered (tell_undelivered); how many messages were enqueued."""
    async with uow:
        count = await tell_undelivered(uow.session, now) + await _remind(uow.session, now, default_zone)
        count += await close_settled(uow.session, now, default_zone)
        await uow.commit()
        return count


async def close_settled(session: Session, now: datetime, default_zone: str = "UTC") -> int:
    """Close the questions answered SETTLED_AFTER ago or more whose asker wrote nothing since (nor closed them), and
    tell each asker in their working hours; how many notices were enqueued."""
    count = 0
    contacts = Contacts(session)
    threads = await Questions(session).answered_before(now - SETTLED_AFTER, BATCH)
    askers = {t.asker_id: await contacts.get(t.asker_id) for t in threads if t.asker_id}
    countries = await Reminders(session).countries_of({c.entity_id for c in askers.values()
                                                        if c is not None and c.entity_id})
    for thread in threads:
        assert thread.id is not None
        thread.status, thread.closed_at, thread.updated_at = ThreadStatus.closed, now, now
        thread.version += 1
        await audit(session, None, "question.closed", "question", thread.id, by="bot", reason="no reply")
        await end_unsendable_answers(session, thread)  # a colleague's answer held for a take-over: its text back
        asker = askers.get(thread.asker_id) if thread.asker_id else None
        if asker is None or asker.blocked:
            continue
        zone = zone_of(asker.timezone, countries.get(asker.entity_id or 0), default_zone)
        # the day it was answered, not "two weeks ago": a notice held for the working week, or a bot down for a
        # while, comes later than that (a tester read "two weeks ago" of an answer five weeks old)
        answered = thread.waiting_since or now
        day = local_day(answered.replace(tzinfo=answered.tzinfo or UTC), zone)
        notice = Reply((text(N_("Your question {ref} is closed: BDT answered it on {day} and heard nothing more from "
                                "you since. If you need more, reply to BDT's answer or send /ask."),
                             ref=thread_ref(thread.id), day=Day(day)),))
        if await outbox.enqueue(session, asker, notice, f"hd-settled:{thread.id}:v{thread.version}",
                                priority=outbox.BULK, not_before=next_allowed(now, zone), hours=(zone, None)) \
                is not None:
            count += 1
    return count


async def tell_undelivered(session: Session, now: datetime) -> int:
    """Tell who wrote an answer (else the thread's owner) that delivery found its asker unreachable: they blocked
    the bot after the answer was written; once for each answer (outbox key hd-undelivered:<message id>). How many
    notices were enqueued."""
    count = 0
    contacts = Contacts(session)
    for thread, message in await Questions(session).undelivered_answers(now - UNDELIVERED_LOOKED_AT):
        assert thread.id is not None
        asker = await contacts.get(thread.asker_id) if thread.asker_id else None
        told = None
        for candidate in dict.fromkeys((message.author_id, thread.owner_id)):
            member = await contacts.get(candidate) if candidate else None
            if member is not None and is_staff_contact(member) and not member.blocked:
                told = member
                break
        if told is None or asker is None:  # nobody left to tell, or the thread closed by /forget meanwhile
            continue
        notice = Reply((text(N_("Your answer to {ref} could not be delivered: {person} has blocked the bot. The answer "
                                "is kept; if they write to the bot again, they can read it with /questions."),
                             ref=thread_ref(thread.id), person=name_of(asker)),))
        if await outbox.enqueue(session, told, notice, f"hd-undelivered:{message.id}",
                                priority=outbox.NOTICE) is not None:
            count += 1
    return count


async def _remind(session: Session, now: datetime, default_zone: str) -> int:
    """Today's reminders to the staff members whose working hours are under way; how many were enqueued."""
    questions = Questions(session)
    today = local_day(now, default_zone)
    waiting = [t for t in await questions.waiting_for_staff(now - timedelta(days=WAITING_WORKING_DAYS), BATCH)
               if t.reminded_on != today and is_overdue(t, now, default_zone)]
    if not waiting:
        return 0
    staff = await Contacts(session).staff()
    by_id = {member.id: member for member in staff}
    due: dict[int, list[QuestionThread]] = defaultdict(list)
    for thread in waiting:
        for member in staff:
            assert member.id is not None
            due[member.id].append(thread)
    owners = {t.owner_id: by_id.get(t.owner_id) or await Contacts(session).get(t.owner_id)
              for t in waiting if t.owner_id}
    askers = {t.asker_id: await Contacts(session).get(t.asker_id) for t in waiting[:LISTED] if t.asker_id}
    countries = await Reminders(session).countries_of({m.entity_id for m in staff if m.entity_id})
    count = 0
    told: set[int] = set()
    later: set[int] = set()
    for member_id, listed in due.items():
        member = by_id[member_id]
        zone = zone_of(member.timezone, countries.get(member.entity_id or 0), default_zone)
        if not is_allowed(now, zone):  # outside their working hours: written when they come, as it reads then
            later.update(t.id for t in listed if t.id is not None)
            continue
        key = f"hd-remind:{member_id}:{local_day(now, zone).isoformat()}"
        written = await outbox.enqueue(session, member, reminder(listed, now, member_id, owners, askers), key,
                                       priority=outbox.BULK,
                                       not_before=now)
        if written is not None:  # None: one was enqueued today already for this person, theirs wait for tomorrow
            count += 1
            told.update(t.id for t in listed if t.id is not None)
    for thread in waiting:
        if thread.id in told and thread.id not in later:  # staff whose day comes later are reminded then
            thread.reminded_on = today
    return count


def reminder(listed: list[QuestionThread], now: datetime, reader_id: int,
             owners: Mapping[int, Contact | None], askers: Mapping[int, Contact | None] | None = None) -> Reply:
    """The day's reminder to one staff member, as it reads at `now` (when it goes out): the questions waiting, the
    longest first, each with who asked it (a staff tester read numbers alone) and who took it (the reader, a
    colleague: to take over if they cannot answer)."""
    lines: list[Label] = [plural("{count} question has waited for an answer more than two working days:",
                                 "{count} questions have waited for an answer more than two working days:",
                                 len(listed))]
    colleagues = False
    for thread in listed[:LISTED]:
        assert thread.id is not None
        line: list[Label] = [thread_ref(thread.id), " · "]
        if askers and thread.asker_id and (asker := askers.get(thread.asker_id)) is not None:
            line += [text(N_("from {person}"), person=person_for_staff(asker, ASKER_SHOWN)), " · "]
        line.append(text(N_("waiting for {age}"), age=age(now - thread.waiting_since)))
        if thread.owner_id == reader_id:
            line += [" · ", Text(N_("taken by you"))]
        elif thread.owner_id:
            line += [" · ", text(N_("taken by {person}"), person=name_of(owners.get(thread.owner_id)))]
            colleagues = True
        lines.append(Concat(tuple(line)))
    if len(listed) > LISTED:  # a tester read 26 counted and 10 listed, and no word of the others
        lines.append(plural("and {count} more", "and {count} more", len(listed) - LISTED))
    lines.append(Text(N_("Send /questions to see them and answer.")))
    if colleagues:
        lines.append(Text(N_("A question taken by a colleague who cannot answer it: open it and press 🙋 Take to take "
                             "it over (they are told).")))
    return Reply(tuple(lines))
