"""Questions to BDT: threads, their messages, and which delivered copy a reply-to points at.

A copy of a thread message sent to someone is an outbox row keyed `hd:<message id>:<recipient id>` (and
`...:f<n>` for its files): Telegram's id of the sent message is on that row, so a reply-to in a chat is
traced back to its thread by the chat and the message id, and only to copies that person was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, case
from sqlmodel import col, select

from models.repositories.base import table_of
from models.repositories.keyset import later_than
from models.repositories.outbox import FORGOTTEN
from models.session import Session
from models.tables import Contact, Entity, Outbox, Pledge, ProgressReport, QuestionMessage, QuestionThread
from models.values import OutboxStatus, ReviewStatus, ThreadStatus

COPY_PREFIX = "hd:"
"""The outbox key prefix of the copies of thread messages."""

_T = table_of(QuestionThread).c
_OUTBOX = table_of(Outbox)
_TAKE = (sa.update(table_of(QuestionThread))
         .where(_T.id == bindparam("thread_id"), _T.owner_id.is_(None), _T.status != ThreadStatus.closed)
         .values(owner_id=bindparam("staff_id"), updated_at=bindparam("now"), version=_T.version + 1))
"""Compare-and-set: the thread is taken only if nobody has taken it yet."""
_TAKE_OVER = (sa.update(table_of(QuestionThread))
              .where(_T.id == bindparam("thread_id"), _T.owner_id == bindparam("seen_owner"),
                     _T.status != ThreadStatus.closed)
              .values(owner_id=bindparam("staff_id"), updated_at=bindparam("now"), version=_T.version + 1))
"""Compare-and-set on the owner seen (one who is no longer staff, or a colleague's thread as it was shown): of two
staff taking over, one wins."""
_RELEASE = (sa.update(table_of(QuestionThread))
            .where(_T.id == bindparam("thread_id"), _T.owner_id == bindparam("staff_id"),
                   _T.status != ThreadStatus.closed,
                   ~sa.exists().where(table_of(QuestionMessage).c.thread_id == _T.id,
                                      table_of(QuestionMessage).c.author_id == bindparam("staff_id"),
                                      table_of(QuestionMessage).c.from_staff.is_(True)))
            .values(owner_id=None, updated_at=bindparam("now"), version=_T.version + 1))
"""The owner gives the thread back, unless they answered in it meanwhile (one conditional UPDATE)."""
_COPY_AT = (sa.select(_OUTBOX.c.key)
            .where(_OUTBOX.c.chat_id == bindparam("chat_id"), _OUTBOX.c.telegram_message_id == bindparam("message_id"),
                   _OUTBOX.c.key.startswith(COPY_PREFIX)).limit(1))
_WAITS_FOR_STAFF = col(QuestionThread.status) == ThreadStatus.open
_NOT_CLOSED = (select(QuestionThread).where(col(QuestionThread.status) != ThreadStatus.closed)
               .order_by(sa.case((_WAITS_FOR_STAFF, 0), else_=1), col(QuestionThread.created_at),
                         col(QuestionThread.id)).limit(bindparam("limit")))
"""The staff queue: the threads waiting for staff first, then those waiting for the person; oldest first in each."""
_COUNT_NOT_CLOSED = (sa.select(_T.status, sa.func.count()).select_from(table_of(QuestionThread))
                     .where(_T.status != ThreadStatus.closed).group_by(_T.status))
_THREAD_ORDER = (col(QuestionThread.created_at), col(QuestionThread.id))
_ABOUT_REPORT = (select(QuestionThread).where(col(QuestionThread.report_id) == bindparam("report_id"),
                                              col(QuestionThread.status) != ThreadStatus.closed)
                 .order_by(col(QuestionThread.id)).with_for_update())
_CLOSED = (select(QuestionThread).where(col(QuestionThread.status) == ThreadStatus.closed,
                                        col(QuestionThread.closed_at) >= bindparam("since"))
           .order_by(col(QuestionThread.closed_at).desc()).limit(bindparam("limit")))
_OF_ASKER = (select(QuestionThread).where(col(QuestionThread.asker_id) == bindparam("asker_id"))
             .order_by(case((col(QuestionThread.status) == ThreadStatus.closed, 1), else_=0),
                       col(QuestionThread.id).desc()).limit(bindparam("limit")))
_WAITING = (select(QuestionThread).where(col(QuestionThread.status) == ThreadStatus.open,
                                         col(QuestionThread.waiting_since) <= bindparam("before"))
            .order_by(col(QuestionThread.waiting_since)).limit(bindparam("limit")))
_SETTLED = (select(QuestionThread).where(col(QuestionThread.status) == ThreadStatus.answered,
                                         col(QuestionThread.waiting_since) <= bindparam("before"))
            .order_by(col(QuestionThread.waiting_since)).limit(bindparam("limit")).with_for_update(skip_locked=True))
_MESSAGES = (select(QuestionMessage).where(col(QuestionMessage.thread_id) == bindparam("thread_id"))
             .order_by(col(QuestionMessage.id)))
_ASKERS = (select(QuestionThread.id, Contact, Entity)
           .join(Contact, col(Contact.id) == col(QuestionThread.asker_id), isouter=True)
           .join(Entity, col(Entity.id) == col(QuestionThread.entity_id), isouter=True)
           .where(col(QuestionThread.id).in_(bindparam("ids", expanding=True))))

_ASKED_ABOUT = (select(ProgressReport, Pledge).join(Pledge, col(Pledge.id) == col(ProgressReport.pledge_id))
                .where(col(Pledge.entity_id) == bindparam("entity_id"), col(ProgressReport.is_current).is_(True),
                       col(ProgressReport.review_status) == ReviewStatus.clarification_requested)
                .order_by(sa.func.coalesce(col(ProgressReport.updated_at), col(ProgressReport.created_at)).desc(),
                          col(ProgressReport.id).desc()).limit(1))
"""The entity's report on which BDT asked for a clarification most recently (still waiting for it)."""


@dataclass(frozen=True, slots=True)
class ThreadRecord:
    """A thread and all its messages, oldest first (what a person's data export shows)."""

    thread: QuestionThread
    messages: list[QuestionMessage]


@dataclass(frozen=True, slots=True)
class QueueCount:
    """How many threads not closed wait for staff (open) and how many for the person (answered)."""

    waiting: int
    answered: int

    @property
    def total(self) -> int:
        """Every thread not closed."""
        return self.waiting + self.answered


class Questions:
    """Question threads and their messages."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def get(self, thread_id: int, *, for_update: bool = False) -> QuestionThread | None:
        """The thread with this id (locked for the transaction with `for_update`, on PostgreSQL)."""
        return await self.session.get(QuestionThread, thread_id, with_for_update=for_update)

    async def open_thread(self, asker: Contact, language: str, now: datetime,
                          report_id: int | None = None) -> QuestionThread:
        """A new thread asked by `asker`, waiting for staff (answering BDT's question on report `report_id`, if
        given); its id is known at once."""
        thread = QuestionThread(asker_id=asker.id, entity_id=asker.entity_id, language=language,
                                status=ThreadStatus.open, waiting_since=now, created_at=now, updated_at=now,
                                report_id=report_id)
        self.session.add(thread)
        await self.session.flush()
        return thread

    async def about_report(self, report_id: int) -> list[QuestionThread]:
        """The threads not closed that answer BDT's question on this report, oldest first, locked for the
        transaction (on PostgreSQL): the report's acknowledgement settles them."""
        return list((await self.session.execute(_ABOUT_REPORT, {"report_id": report_id})).scalars())

    async def add_message(self, thread: QuestionThread, author: Contact, *, from_staff: bool, text: str,
                          files: list[dict[str, Any]], now: datetime) -> QuestionMessage:
        """Store one message of the thread as written; its id is known at once."""
        assert thread.id is not None
        message = QuestionMessage(thread_id=thread.id, author_id=author.id, from_staff=from_staff, text=text,
                                  files=files, created_at=now)
        self.session.add(message)
        await self.session.flush()
        return message

    async def take(self, thread: QuestionThread, staff_id: int, now: datetime, *,
                   replacing: int | None = None, seen_version: int | None = None) -> bool:
        """Make `staff_id` the owner if nobody owns the thread, or if `replacing` still does (and the thread is still
        at `seen_version`, when given: nothing happened on it since it was shown) (one conditional UPDATE): True when
        this call won.

        On PostgreSQL a concurrent take waits for the first one's row lock and then finds an owner, so of any
        number of staff taking at once exactly one wins; `thread` is reloaded either way.
        """
        values = {"thread_id": thread.id, "staff_id": staff_id, "now": now}
        if replacing is None:
            result = await self.session.execute(_TAKE, values)
        elif seen_version is None:
            result = await self.session.execute(_TAKE_OVER, {**values, "seen_owner": replacing})
        else:
            result = await self.session.execute(_TAKE_OVER.where(_T.version == bindparam("seen_version")),
                                                {**values, "seen_owner": replacing, "seen_version": seen_version})
        await self.session.refresh(thread)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult

    async def release(self, thread: QuestionThread, staff_id: int, now: datetime) -> bool:
        """Give the thread back (nobody owns it), if `staff_id` owns it, it is not closed and they wrote no answer in
        it: True when it was given back; `thread` is reloaded either way."""
        result = await self.session.execute(_RELEASE, {"thread_id": thread.id, "staff_id": staff_id, "now": now})
        await self.session.refresh(thread)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult

    async def messages(self, thread_id: int) -> list[QuestionMessage]:
        """The messages of a thread, oldest first."""
        return list((await self.session.execute(_MESSAGES, {"thread_id": thread_id})).scalars())

    async def not_closed(self, limit: int, after: int | None = None, *, answered: bool = False) -> list[QuestionThread]:
        """Threads not closed, those waiting for staff (open) first, then those waiting for the person (answered),
        oldest first in each: after thread `after` (the last one already listed, closed since or not) when it
        exists, `answered` telling in which of the two it was listed (its status may have changed since).

        The position is kept, not the list: a thread that began waiting for staff since `after` was listed (the
        person replied, or asked anew) and sorts before it is on no page after it (`began_waiting_before` counts
        them), and one answered since it was listed among those waiting comes again among the answered."""
        later = await self._later(after, answered)
        return list((await self.session.execute(_NOT_CLOSED.where(later), {"limit": limit})).scalars())

    async def count_not_closed(self, after: int | None = None, *, answered: bool = False) -> QueueCount:
        """How many threads wait for staff and how many for the person (after thread `after`, as `not_closed`
        lists them)."""
        later = await self._later(after, answered)
        counts: dict[str, int] = {status: count for status, count in
                                  await self.session.execute(_COUNT_NOT_CLOSED.where(later))}
        return QueueCount(int(counts.get(ThreadStatus.open, 0)), int(counts.get(ThreadStatus.answered, 0)))

    async def began_waiting_before(self, after: int, since: datetime, *, answered: bool = False) -> int:
        """How many threads began waiting for staff at `since` or later (asked, or replied to by the person) and sort
        before thread `after` (listed with the answered ones when `answered`): no page after `after` lists them."""
        query = (sa.select(sa.func.count()).select_from(table_of(QuestionThread))
                 .where(_WAITS_FOR_STAFF, col(QuestionThread.waiting_since) >= since,
                        sa.not_(await self._later(after, answered))))
        return int((await self.session.execute(query)).scalar_one())

    async def _later(self, after: int | None, answered: bool) -> sa.ColumnElement[bool]:
        """The threads listed after thread `after` (listed with the answered ones when `answered`)."""
        found = await self.get(after) if after is not None else None
        if found is None or not found.id:
            return sa.true()
        later = later_than(*_THREAD_ORDER, (found.created_at, found.id))
        if answered:
            return sa.and_(sa.not_(_WAITS_FOR_STAFF), later)
        return sa.or_(sa.not_(_WAITS_FOR_STAFF), later)

    async def closed_since(self, since: datetime, limit: int) -> list[QuestionThread]:
        """Threads closed since `since`, the latest first."""
        return list((await self.session.execute(_CLOSED, {"since": since, "limit": limit})).scalars())

    async def asked_by(self, contact_id: int) -> list[tuple[int, int]]:
        """(message id, thread id) of what the person wrote as an asker (not as staff), oldest first."""
        return [(message_id, thread_id) for message_id, thread_id in (await self.session.execute(
            select(QuestionMessage.id, QuestionMessage.thread_id)
            .where(col(QuestionMessage.author_id) == contact_id, col(QuestionMessage.from_staff).is_(False))
            .order_by(col(QuestionMessage.id)))).all() if message_id is not None]

    async def of_asker(self, asker_id: int, limit: int) -> list[QuestionThread]:
        """The threads a person asked, those not closed first, each part newest first."""
        return list((await self.session.execute(_OF_ASKER, {"asker_id": asker_id, "limit": limit})).scalars())

    async def waiting_on(self, owner_id: int) -> list[int]:
        """The threads this staff member took that wait for BDT (a message of the person's, unanswered), by id."""
        return list((await self.session.execute(
            select(QuestionThread.id).where(col(QuestionThread.owner_id) == owner_id,
                                            col(QuestionThread.status) == ThreadStatus.open)
            .order_by(col(QuestionThread.id)))).scalars())

    async def waiting_for_staff(self, before: datetime, limit: int) -> list[QuestionThread]:
        """Open threads waiting for staff since `before` or earlier, the longest waiting first."""
        return list((await self.session.execute(_WAITING, {"before": before, "limit": limit})).scalars())

    async def answered_before(self, before: datetime, limit: int) -> list[QuestionThread]:
        """Threads answered by staff whose asker has not written since `before` or earlier, the oldest first; locked
        until the transaction ends, one the asker is replying to (locked by the reply) left for the next run: closed
        over a reply, it would bury the reply in a closed thread."""
        return list((await self.session.execute(_SETTLED, {"before": before, "limit": limit})).scalars())

    async def askers(self, thread_ids: list[int]) -> dict[int, tuple[Contact | None, Entity | None]]:
        """Who asked each thread, and for which entity."""
        if not thread_ids:
            return {}
        rows = await self.session.execute(_ASKERS, {"ids": sorted(set(thread_ids))})
        return {thread_id: (contact, entity) for thread_id, contact, entity in rows}

    async def copy_at(self, chat_id: int, message_id: int) -> str | None:
        """The outbox key of the thread-message copy Telegram knows as `message_id` in `chat_id`, if it is one."""
        found = await self.session.execute(_COPY_AT, {"chat_id": chat_id, "message_id": message_id})
        return found.scalar_one_or_none()

    async def message(self, message_id: int) -> QuestionMessage | None:
        """One thread message by id."""
        return await self.session.get(QuestionMessage, message_id)

    async def awaiting_clarification(self, entity_id: int) -> tuple[ProgressReport, Pledge] | None:
        """The entity's current report that waits for the clarification BDT asked (the latest asked), and its
        pledge: what a message its focal point types outside any form may be for."""
        row = (await self.session.execute(_ASKED_ABOUT, {"entity_id": entity_id})).first()
        return (row[0], row[1]) if row is not None else None

    # --- a person's data (/mydata, /forget: handlers of issue 15's other half) ---

    async def records_of(self, contact_id: int) -> list[ThreadRecord]:
        """Every thread the person asked, with all its messages (their conversation with BDT), and every other
        thread they wrote in (staff answers) with only what they wrote there, the thread's fields that would name
        the asker or its owner left out.

        For /mydata: what the bot keeps of a person's questions and answers. A staff member's export had held the
        whole threads they once answered, read at export time: a member whose role was revoked still read the
        askers' later messages and the other members' answers through it (security review).
        """
        asked = select(QuestionThread.id).where(col(QuestionThread.asker_id) == contact_id)
        wrote = select(QuestionMessage.thread_id).where(col(QuestionMessage.author_id) == contact_id)
        threads = (await self.session.execute(
            select(QuestionThread).where(col(QuestionThread.id).in_(asked.union(wrote)))
            .order_by(col(QuestionThread.id)))).scalars()
        records = []
        for thread in threads:
            messages = await self.messages(thread.id or 0)
            if thread.asker_id != contact_id:
                thread = QuestionThread(id=thread.id, status=thread.status, language=thread.language,
                                        created_at=thread.created_at, updated_at=thread.updated_at,
                                        closed_at=thread.closed_at, waiting_since=thread.waiting_since)
                messages = [message for message in messages if message.author_id == contact_id]
            records.append(ThreadRecord(thread, messages))
        return records

    async def answer_copies_of(self, contact_id: int) -> list[str]:
        """The outbox keys of the copies of what the person wrote as staff that went to the askers (`hd:<message>:
        <asker>`): the askers' record of their answers, which keep their text when the person is forgotten."""
        _M = table_of(QuestionMessage).c
        rows = (await self.session.execute(
            sa.select(_M.id, _T.asker_id).join(table_of(QuestionThread), _T.id == _M.thread_id)
            .where(_M.author_id == contact_id, _M.from_staff.is_(True), _T.asker_id.is_not(None)))).all()
        return [f"{COPY_PREFIX}{message_id}:{asker_id}" for message_id, asker_id in rows]

    async def forget_author(self, contact_id: int, now: datetime) -> int:
        """Erase a person's authorship of questions and answers (for /forget); how many messages were theirs.

        What the person wrote as an asker loses its text and files (it may hold anything about them), in the
        thread and in the copies staff were sent (outbox rows `hd:<message>:...`); their threads are closed and
        keep no asker, and BDT's answers in them lose their text and files too: written to the person, they name
        them ("Dear Bob…", a phone number), and nobody is left whose record they were (security review). What they
        wrote as staff, answering others, keeps its text (the asker's record of the answer) but no author. Audit
        rows never held the text.
        """
        own = (await self.session.execute(select(QuestionMessage.id, QuestionMessage.from_staff)
                                          .where(col(QuestionMessage.author_id) == contact_id))).all()
        erased = [message_id for message_id, from_staff in own if not from_staff]
        if erased:
            await self.session.execute(sa.update(table_of(QuestionMessage))
                                       .where(table_of(QuestionMessage).c.id.in_(erased))
                                       .values(text="", files=[]))
            for message_id in erased:  # the copies of the question in staff chats
                await self.session.execute(sa.update(_OUTBOX).where(_OUTBOX.c.key.startswith(
                    f"{COPY_PREFIX}{message_id}:", autoescape=True)).values(payload=FORGOTTEN))
        asked = sa.select(_T.id).where(_T.asker_id == contact_id).scalar_subquery()
        await self.session.execute(sa.update(table_of(QuestionMessage))
                                   .where(table_of(QuestionMessage).c.thread_id.in_(asked),
                                          table_of(QuestionMessage).c.from_staff.is_(True))
                                   .values(text="", files=[]))
        await self.session.execute(sa.update(table_of(QuestionMessage))
                                   .where(table_of(QuestionMessage).c.author_id == contact_id).values(author_id=None))
        await self.session.execute(sa.update(table_of(QuestionThread)).where(_T.asker_id == contact_id)
                                   .values(asker_id=None, status=ThreadStatus.closed, updated_at=now,
                                           closed_at=sa.func.coalesce(_T.closed_at, now)))
        await self.session.execute(sa.update(table_of(QuestionThread)).where(_T.owner_id == contact_id)
                                   .values(owner_id=None, updated_at=now))
        return len(own)

    async def undelivered_answers(self, since: datetime) -> list[tuple[QuestionThread, QuestionMessage]]:
        """Staff answers whose copy to the asker, enqueued since `since`, could not be delivered (delivery found the
        asker unreachable: they blocked the bot), each with its thread, oldest first."""
        rows = await self.session.execute(sa.select(_OUTBOX.c.key, _OUTBOX.c.contact_id).where(
            _OUTBOX.c.status == OutboxStatus.unreachable, _OUTBOX.c.created_at >= since,
            _OUTBOX.c.key.startswith(COPY_PREFIX)))
        recipients: dict[int, int] = {}
        for key, contact_id in rows:  # hd:<message id>:<recipient id>, not its files (...:f<n>)
            fields = key[len(COPY_PREFIX):].split(":")
            if len(fields) == 2 and fields[0].isdigit() and contact_id is not None and fields[1] == str(contact_id):
                recipients[int(fields[0])] = contact_id
        if not recipients:
            return []
        found = await self.session.execute(
            select(QuestionThread, QuestionMessage)
            .join(QuestionMessage, col(QuestionMessage.thread_id) == col(QuestionThread.id))
            .where(col(QuestionMessage.id).in_(sorted(recipients)), col(QuestionMessage.from_staff).is_(True))
            .order_by(col(QuestionMessage.id)))
        return [(thread, message) for thread, message in found
                if message.id is not None and thread.asker_id == recipients[message.id]]
