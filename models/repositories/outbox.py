"""The outbox protocol, in one place: rows written by journeys, claimed and leased by delivery, outcomes recorded.

A row is `pending` until its `not_before`; a delivery worker takes it (`sending`, `not_before` then being the
end of its lease) and records what happened: `sent`, `failed`, `unreachable` (not retried), or `pending`
again with a later `not_before`. An interactive reply is written already taken (`sending`) and handed to
delivery once its transaction commits (the fast path). Rows still `sending` after their lease are a
stopped worker's, and go back to `pending`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, ColumnElement, FromClause, and_, bindparam, case, func, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from models.clock import utcnow
from models.database import INSTANCE
from models.repositories.base import Insert, PerDialect, dialect_of, table_of
from models.repositories.contacts import Contacts
from models.session import Session
from models.tables import Contact, Outbox
from models.values import OutboxStatus
from models.working_hours import is_allowed, local_day, next_allowed, zone_info

WORKING_HOURS = "hours"
"""Payload key of a message that may go only in its reader's working hours: [zone, country ISO3 or None]. Its
not_before is already such a moment; checked again when it is claimed, since a row held for a morning may be
claimed only in the evening (the bot was down, or a test clock jumped): it then waits for the next morning."""


def working_hours(zone: str, country_iso3: str | None) -> dict[str, list[str | None]]:
    """The payload entry of a message bound to its reader's working hours (WORKING_HOURS)."""
    return {WORKING_HOURS: [zone, country_iso3]}


SUPERSEDED_AT = "superseded_at"
"""Payload key of a scheduled digest's parts: the moment (ISO, UTC) the reader's next digest falls due. A part still
unsent then waits (SUPERSEDED_WAIT at a time) for the digest job, which writes the next digest and drops it, or, when
it goes all the same (begun, or not replaced), takes the key away: taken at once after a gap (a restart, a clock
moved), it went out beside the next one, with its old figures, whenever delivery looked before the job did (a
tester). Should the job never come to it, it goes SUPERSEDED_GRACE after delivery first held it (SUPERSEDED_SEEN)."""
SUPERSEDED_SEEN = "superseded_seen"
SUPERSEDED_WAIT = timedelta(minutes=1)
SUPERSEDED_GRACE = timedelta(minutes=30)


def superseded_at(moment: datetime) -> dict[str, str]:
    """The payload entry of a scheduled digest's part (SUPERSEDED_AT)."""
    return {SUPERSEDED_AT: moment.astimezone(UTC).isoformat()}


def _moment(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def superseded_wait(payload: dict[str, Any], now: datetime) -> tuple[datetime, dict[str, Any] | None] | None:
    """Until when a scheduled digest's part waits for the digest job, and its payload marked as first held now (None
    when it was already); None: it goes."""
    moment = _moment(payload.get(SUPERSEDED_AT))
    if moment is None or now < moment:
        return None
    seen = _moment(payload.get(SUPERSEDED_SEEN))
    since = seen or now
    if now >= since + SUPERSEDED_GRACE:
        return None
    return min(now + SUPERSEDED_WAIT, since + SUPERSEDED_GRACE), (
        None if seen else {**payload, SUPERSEDED_SEEN: now.astimezone(UTC).isoformat()})


def released(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload of a digest's part that goes all the same, without what held it (the job decided)."""
    return {key: value for key, value in payload.items() if key not in (SUPERSEDED_AT, SUPERSEDED_SEEN)}


def hours_kept(payload: dict[str, Any]) -> dict[str, Any]:
    """The working-hours entry of a payload being rewritten (a reminder losing a pledge reported meanwhile), so that
    the new payload keeps it."""
    return {WORKING_HOURS: payload[WORKING_HOURS]} if WORKING_HOURS in payload else {}

SENDING_LEASE = timedelta(minutes=2)
"""A row taken for sending is its worker's for this long (its `not_before` says until when); if the
worker dies, the row is taken again after that, by whichever instance sweeps first."""
TAKEN_RECENTLY = timedelta(seconds=10)
"""A row taken this recently may be on its way to its instance's sender (committed, not pushed yet)."""
EDIT_NOT_READY = timedelta(seconds=1)
"""How long a row that edits a message not sent yet waits before it is looked at again."""
OPEN_EARLIER_READ = 20
"""Earlier open rows of a chat read at most when a pushed reply looks for them (a chat has few)."""
CLAIM_READS = 4
"""Reads of one claim at most: a read whose rows were of chats that must wait, and were postponed, is followed by
another (the next claim goes on from there)."""

FORGOTTEN: dict[str, Any] = {"forgotten": True}
"""The payload of a reply whose text was forgotten (OutboxRows.forget_replies): the row keeps its key, status and
Telegram message id, which is all that idempotency and later edits need once a message is out."""

INTERACTIVE = 100
"""Replies to what a person just did go out first."""
NOTICE = 50
"""Notifications to staff and other people."""
BULK = 0
"""Reminders, digests and broadcasts."""

_OUTBOX = table_of(Outbox)
_CONTACTS = table_of(Contact)
_ENQUEUE = PerDialect(lambda insert: insert(_OUTBOX).on_conflict_do_nothing(index_elements=["key"])
                      .returning(_OUTBOX.c.id), dialects=("postgresql",))
_ENQUEUED_COLUMNS = ("key", "chat_id", "contact_id", "priority", "payload", "status", "attempts", "not_before",
                     "created_at", "taken_by")


def _enqueue_looking_earlier(insert: Insert) -> Any:
    # the new row's id, and its chat's earlier open rows as a JSON array of [id, taken_by, status] (NULL: none), read
    # in the same statement: the WITH clause's INSERT is not seen by the rest of the query, which reads the rows
    # committed before it began, as the order check's own statement did
    new = (insert(_OUTBOX).values({name: bindparam(name) for name in _ENQUEUED_COLUMNS})
           .on_conflict_do_nothing(index_elements=["key"]).returning(_OUTBOX.c.id, _OUTBOX.c.chat_id).cte("new"))
    open_rows = _open_before(_EARLIER, new.c.chat_id, new.c.id).correlate(new).subquery("open_rows")
    listed = select(func.json_agg(aggregate_order_by(
        func.json_build_array(open_rows.c.id, open_rows.c.taken_by, open_rows.c.status), open_rows.c.id),
        type_=JSON)).scalar_subquery()
    return select(new.c.id, listed)


_ENQUEUE_SQLITE = PerDialect(lambda insert: insert(_OUTBOX).on_conflict_do_nothing(index_elements=["key"]).inline(),
                             dialects=("sqlite",))
"""SQLite tells the new row's id with the statement itself (`lastrowid`): no RETURNING rows to fetch, which
through aiosqlite is a hop to its thread and back."""
_ADD_MANY = PerDialect(lambda insert: insert(_OUTBOX).on_conflict_do_nothing(index_elements=["key"]).inline())
_ADD_MANY_RETURNING = PerDialect(lambda insert: insert(_OUTBOX).on_conflict_do_nothing(index_elements=["key"])
                                 .returning(_OUTBOX.c.key))
_OPEN_STATUSES = (OutboxStatus.pending, OutboxStatus.sending)


def is_open(table: FromClause) -> ColumnElement[bool]:
    """The row is pending or being sent, said as the partial index of open rows (ix_outbox_open) says it, with the
    statuses written in: SQLite uses a partial index only for a query that has its condition word for word (a bound
    parameter does not match), and without it a chat's earlier rows were read through all its sent ones, kept 90
    days (a claim took 0.65 s with a million sent rows, holding SQLite's one connection; see docs/benchmarks.md).
    Only where SQLite reads (_WAITING_EARLIER): PostgreSQL infers the index from the statuses compared, and this
    condition besides them misled its estimates (the order check then read all the due rows' index)."""
    return table.c.status.in_([literal_column(f"'{status}'") for status in _OPEN_STATUSES])


_EARLIER = _OUTBOX.alias("earlier")
_WAITING_EARLIER = (select(_EARLIER.c.id).where(
    _EARLIER.c.chat_id == _OUTBOX.c.chat_id, _EARLIER.c.id < _OUTBOX.c.id, is_open(_EARLIER),
    or_(_EARLIER.c.status == OutboxStatus.sending,
        and_(_EARLIER.c.status == OutboxStatus.pending, _EARLIER.c.attempts > 0,
             _EARLIER.c.not_before > bindparam("now")))).exists())
"""An earlier row of the same chat is being sent, or waits for its retry (it was tried: a row merely scheduled for
later, a reminder waiting for working hours, holds nobody back): a later row must not overtake it. (An earlier row
merely due may be overtaken by a row of higher priority, as a pushed reply overtakes it.)"""


def _open_before(earlier: FromClause, chat_id: ColumnElement[Any], first_id: ColumnElement[Any]) -> Any:
    """The earlier rows of a chat (`earlier`: the outbox table) that a later reply must not overtake: id, the instance
    that took it and status, oldest first, OPEN_EARLIER_READ at most."""
    return (select(earlier.c.id, earlier.c.taken_by, earlier.c.status).where(
        earlier.c.chat_id == chat_id, earlier.c.id < first_id,
        or_(earlier.c.status == OutboxStatus.sending,
            and_(earlier.c.status == OutboxStatus.pending,
                 or_(earlier.c.attempts > 0, earlier.c.last_error.is_not(None)))))
        .order_by(earlier.c.id).limit(OPEN_EARLIER_READ))


_OPEN_EARLIER = _open_before(_OUTBOX, bindparam("chat_id"), bindparam("first_id"))
"""The earlier rows of a chat that a later reply must not overtake: those being sent, and those taken for sending
before and back in the outbox (waiting for their retry, given back behind another row, released after a crash)."""
_ENQUEUE_LOOKING = PerDialect(_enqueue_looking_earlier, dialects=("postgresql",))
"""A pushed reply written with its chat's earlier open rows read (OutboxRows.enqueue_sending): PostgreSQL only."""
_DUE = (select(_OUTBOX.c.id, _OUTBOX.c.chat_id, _OUTBOX.c.contact_id, _OUTBOX.c.payload, _OUTBOX.c.attempts,
               _CONTACTS.c.language, _CONTACTS.c.telegram_language)
        .select_from(_OUTBOX.outerjoin(_CONTACTS, _CONTACTS.c.id == _OUTBOX.c.contact_id))
        .where(_OUTBOX.c.status == OutboxStatus.pending, _OUTBOX.c.not_before <= bindparam("now"), ~_WAITING_EARLIER)
        .order_by(_OUTBOX.c.priority.desc(), _OUTBOX.c.id).limit(bindparam("limit")))
_DUE_LOCKED = _DUE.with_for_update(skip_locked=True, of=_OUTBOX)
"""On PostgreSQL, rows another instance is claiming right now are skipped, not waited for."""
_LATEST_BACK = (select(func.max(_EARLIER.c.id)).where(
    _EARLIER.c.chat_id == _OUTBOX.c.chat_id, _EARLIER.c.id < _OUTBOX.c.id, _EARLIER.c.status == OutboxStatus.pending,
    _EARLIER.c.not_before <= bindparam("now"), or_(_EARLIER.c.attempts > 0, _EARLIER.c.last_error.is_not(None)))
    .scalar_subquery())
_GIVEN_BACK_EARLIER = (select(_EARLIER.c.id).where(
    _EARLIER.c.chat_id == _OUTBOX.c.chat_id, _EARLIER.c.id < _OUTBOX.c.id, _EARLIER.c.status == OutboxStatus.pending,
    _EARLIER.c.attempts == 0, _EARLIER.c.last_error.is_not(None), _EARLIER.c.not_before > bindparam("now")).exists())
"""An earlier row of the chat given back untried until later (after a 429, behind another row, its chat paused): with
no attempt counted, _WAITING_EARLIER lets later rows past it, which the instance that gave it back holds in memory
(DeliveryWorker._held), but another instance's claim does not."""
_DUE_AMONG_OTHERS = (_DUE.add_columns(_LATEST_BACK).where(~_GIVEN_BACK_EARLIER)
                     .with_for_update(skip_locked=True, of=_OUTBOX))
"""While other instances claim too: each due row with the latest earlier row of its chat that is due again after it
was taken (given back behind another row, released after a crash). That row, skipped as locked by a claim running at
the same moment, was not seen as being sent yet: the later row is taken only by the claim that takes that row (in the
same read, before it), else two instances sent one chat's rows side by side (tester t4)."""
_TAKE = (update(_OUTBOX).where(_OUTBOX.c.id == bindparam("row_id"))
         .values(status=OutboxStatus.sending, attempts=_OUTBOX.c.attempts + 1, not_before=bindparam("lease_until"),
                 taken_by=bindparam("taken_by")))
_POSTPONE = update(_OUTBOX).where(_OUTBOX.c.id == bindparam("row_id")).values(not_before=bindparam("until"))
_HOLD = _POSTPONE.values(attempts=0, last_error=None)
"""A reminder held for its reader's working hours was not tried: with no attempt counted (one taken back after a
crash has one) nor error, it holds no later row of its chat back (_WAITING_EARLIER, _GIVEN_BACK_EARLIER), as a retry
would."""
_HOLD_SEEN = _HOLD.values(payload=bindparam("payload"))
"""The same, for a digest's part first held for the job that replaces it: the moment is written in its payload."""
_RENEW_LEASE = (update(_OUTBOX).where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
                                      _OUTBOX.c.taken_by == bindparam("me"), _OUTBOX.c.status == OutboxStatus.sending,
                                      _OUTBOX.c.not_before > bindparam("now"))
                .values(not_before=bindparam("until")).returning(_OUTBOX.c.id))
"""The rows still being sent by the instance `me` within their lease, given a new one (bot.delivery, before sending
rows it has held long)."""
_RECORD = (update(_OUTBOX).where(_OUTBOX.c.id == bindparam("row_id"),
                                 or_(and_(_OUTBOX.c.taken_by == bindparam("me"),
                                          _OUTBOX.c.status == OutboxStatus.sending),
                                     and_(_OUTBOX.c.taken_by.is_(None), _OUTBOX.c.status == OutboxStatus.pending)))
           .values(status=bindparam("new_status"), telegram_message_id=bindparam("message_id"),
                   last_error=bindparam("error"), attempts=bindparam("attempts"),
                   sent_at=bindparam("sent_at"), not_before=bindparam("not_before")))
"""An outcome is recorded while the row is still its instance's to send, or was released (its lease ran out) and
nobody has taken it since: then it is not sent again. One taken since by another instance may be on its way again,
and that outcome stands; one cancelled meanwhile stays cancelled."""
_RELEASE = (update(_OUTBOX).where(_OUTBOX.c.status == OutboxStatus.sending)
            .values(status=OutboxStatus.pending, not_before=bindparam("now"), taken_by=None))
_RELEASE_EXPIRED = _RELEASE.where(_OUTBOX.c.not_before < bindparam("now"))
_OWN_TAKEN = select(_OUTBOX.c.id).where(_OUTBOX.c.status == OutboxStatus.sending, _OUTBOX.c.taken_by == bindparam("me"),
                                        _OUTBOX.c.not_before < bindparam("lease_from"))
_RELEASE_OWN = _RELEASE.where(_OUTBOX.c.taken_by == bindparam("me"), _OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
_WAITING_REPLIES = (select(_OUTBOX.c.chat_id, func.max(_OUTBOX.c.id))
                    .where(_OUTBOX.c.status == OutboxStatus.pending, _OUTBOX.c.priority >= INTERACTIVE,
                           _OUTBOX.c.not_before <= bindparam("now"))
                    .group_by(_OUTBOX.c.chat_id))
_SENT_MESSAGES = select(_OUTBOX.c.key, _OUTBOX.c.telegram_message_id).where(
    _OUTBOX.c.key.in_(bindparam("keys", expanding=True)))
_COPIES = select(_OUTBOX.c.key, _OUTBOX.c.contact_id).where(
    _OUTBOX.c.key.like(bindparam("pattern"), escape="\\"), _OUTBOX.c.contact_id.is_not(None))
_COPIES_SQLITE = select(_OUTBOX.c.key, _OUTBOX.c.contact_id).where(
    _OUTBOX.c.key.op("GLOB")(bindparam("pattern")), _OUTBOX.c.contact_id.is_not(None))
"""SQLite answers a GLOB on a prefix from the key's unique index (its LIKE ignores case, and so cannot); on
PostgreSQL, LIKE reads the table unless its collation is C: a staff decision, a rare event, may afford that."""
_PAYLOADS = select(_OUTBOX.c.key, _OUTBOX.c.payload).where(_OUTBOX.c.key.in_(bindparam("keys", expanding=True)))
SENT_AS = (select(func.coalesce(_OUTBOX.c.payload["edit_of"].as_string(), _OUTBOX.c.key))
           .where(_OUTBOX.c.chat_id == bindparam("chat_id"), _OUTBOX.c.telegram_message_id == bindparam("message_id"))
           .order_by(_OUTBOX.c.id.desc()).limit(1))
"""The key of the message Telegram knows as `message_id` in `chat_id`, from the latest row recorded as that message:
the one that sent it, or an edit of it (which records the same id and names the row it edits: `edit_of`, read here).
The latest, not the first: a Bot API server started afresh (a sandbox run again on the same database, a local server
reset) numbers a chat's messages from 1 again, and a number's older rows are then messages of before. Also read with
the person as they are met when they pressed a button (models.repositories.updates): a statement less a press."""
_LATEST_NEW = (select(_OUTBOX.c.key)
               .where(_OUTBOX.c.chat_id == bindparam("chat_id"), _OUTBOX.c.payload["edit_of"].as_string().is_(None),
                      or_(_OUTBOX.c.status.in_((OutboxStatus.sent, OutboxStatus.sending)),
                          and_(_OUTBOX.c.status == OutboxStatus.pending,
                               or_(_OUTBOX.c.not_before <= bindparam("now"), _OUTBOX.c.attempts > 0))))
               .order_by(_OUTBOX.c.id.desc()).limit(1))
"""The key of the latest message that reached, or is about to reach, a chat as a message of its own: not an edit of
an earlier one, nor one never sent, nor one waiting for a later moment (its reader's working hours; a row being
sent has its lease's end as `not_before`, one to try again after a failure the moment of its next attempt)."""
_EDIT_TARGETS = select(_OUTBOX.c.key, _OUTBOX.c.telegram_message_id, _OUTBOX.c.status).where(
    _OUTBOX.c.key.in_(bindparam("keys", expanding=True)))
_NEVER_SENT = (OutboxStatus.failed, OutboxStatus.unreachable, OutboxStatus.cancelled)
"""An edit of a message that ended in one of these states (or was never written) has nothing to edit."""
_DROP = update(_OUTBOX).where(_OUTBOX.c.id == bindparam("row_id")).values(status=OutboxStatus.cancelled)
_HELD = (select(_OUTBOX.c.chat_id, func.count(), func.min(_OUTBOX.c.not_before))
         .where(_OUTBOX.c.status == OutboxStatus.pending, _OUTBOX.c.not_before > bindparam("now"))
         .group_by(_OUTBOX.c.chat_id).order_by(_OUTBOX.c.chat_id))
_LAST_MESSAGE_IDS = (select(_OUTBOX.c.chat_id, func.max(_OUTBOX.c.telegram_message_id))
                     .where(_OUTBOX.c.telegram_message_id.is_not(None)).group_by(_OUTBOX.c.chat_id))
_BROADCAST_COUNTS = (select(_OUTBOX.c.status, func.count()).where(_OUTBOX.c.broadcast_id == bindparam("broadcast_id"))
                     .group_by(_OUTBOX.c.status))
_CANCEL_BROADCAST = (update(_OUTBOX).where(_OUTBOX.c.broadcast_id == bindparam("of_broadcast"),
                                           _OUTBOX.c.status == OutboxStatus.pending)
                     .values(status=OutboxStatus.cancelled))
_CANCEL_BROADCAST_FILES = (update(_OUTBOX).where(_OUTBOX.c.key.like(bindparam("files")),
                                                 _OUTBOX.c.status == OutboxStatus.pending)
                           .values(status=OutboxStatus.cancelled))
"""A broadcast's files sent apart from its message (`bcf:<broadcast>:<contact>`), which carry no broadcast id."""
_FORGET_REPLIES = (update(_OUTBOX)
                   .where(_OUTBOX.c.contact_id == bindparam("of_contact"), _OUTBOX.c.created_at >= bindparam("since"),
                          _OUTBOX.c.key.startswith("u:"), _OUTBOX.c.status != OutboxStatus.sending)
                   .values(payload=FORGOTTEN, status=case((_OUTBOX.c.status == OutboxStatus.pending,
                                                           OutboxStatus.cancelled), else_=_OUTBOX.c.status)))
_LEFT_FOR_DELIVERY = "p2c.left_for_delivery"
_HANDING_OVER = "p2c.handing_over"


@dataclass(slots=True)
class HandedOver:
    """The rows of a chat written as taken by delivery while `OutboxRows.handing_over` was open: (id, contact id,
    payload), in the order written."""

    chat_id: int
    rows: list[tuple[int, int | None, dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Queued:
    """An outbox row taken for sending, with what delivery needs to send it outside any transaction."""

    id: int
    chat_id: int
    contact_id: int | None
    payload: dict[str, Any]
    locale: str
    attempts: int = 1
    bulk: bool = False
    """True for rows claimed from the outbox (pushed replies are not)."""
    message: object | None = None
    """A pushed reply as the journey wrote it (its payload in the row is the same message as JSON)."""
    earlier: Earlier | None = None
    """A pushed reply's chat's earlier open rows, as read when the row was written (`OutboxRows.enqueue_sending`, on
    PostgreSQL); None when they were not read then."""
    taken_at: float | None = None
    """When the delivery worker claimed the row, by the wall clock (None: a pushed reply, sent at once): one held past
    half its lease is checked to be still its own before it goes (bot.delivery)."""


Earlier = tuple[tuple[int, str | None, str], ...]
"""A chat's earlier open rows that a later reply must not overtake: id, the instance that took it (`taken_by`) and
status, oldest first (_OPEN_EARLIER)."""


@dataclass(frozen=True, slots=True)
class Due:
    """A due row as read for a claim, with its recipient's languages."""

    id: int
    chat_id: int
    contact_id: int | None
    payload: dict[str, Any]
    attempts: int
    language: str | None
    telegram_language: str | None
    latest_back: int | None = None
    """While other instances claim too: the latest earlier row of its chat due again after it was taken."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """What happened to a row taken for sending; `counts` is False when it was not really tried (retry after)."""

    item: Queued
    status: OutboxStatus
    message_id: int | None = None
    error: str | None = None
    retry_in: float | None = None
    counts: bool = True
    tried_at: datetime | None = None
    """When the send was begun: a person found unreachable is marked blocked only if not seen since (an unblock, a
    message: Contacts.mark_unreachable)."""


class OutboxRows:
    """Outbox rows, written by journeys and claimed by delivery."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _values(self, key: str, chat_id: int, contact_id: int | None, payload: dict[str, Any], priority: int,
                now: datetime, not_before: datetime | None, sending: bool) -> dict[str, Any]:
        # a new row's columns (_ENQUEUED_COLUMNS): pending until `not_before`, or already taken by delivery, leased
        # from the moment it is written, whatever `now` the caller gives (an update's, kept across its retries: a row
        # written after minutes of an outage was released at once by the sweep of expired leases, and sent twice)
        return {"key": key, "chat_id": chat_id, "contact_id": contact_id, "priority": priority, "payload": payload,
                "status": OutboxStatus.sending if sending else OutboxStatus.pending, "attempts": 1 if sending else 0,
                "not_before": max(now, utcnow()) + SENDING_LEASE if sending else (not_before or now), "created_at": now,
                "taken_by": self.session.info.get(INSTANCE) if sending else None}

    async def enqueue(self, key: str, chat_id: int, contact_id: int | None, payload: dict[str, Any], *,
                      priority: int, now: datetime, not_before: datetime | None = None,
                      sending: bool = False) -> int | None:
        """Add one message; a row with the same unique `key` already there wins (None). With `sending`, the
        row is written as already taken by delivery, which the caller hands it to once the transaction commits."""
        handing: HandedOver | None = self.session.info.get(_HANDING_OVER)
        handed = handing is not None and not sending and chat_id == handing.chat_id \
            and (not_before is None or not_before <= now) and "edit_of" not in payload  # an edit waits for its id
        values = self._values(key, chat_id, contact_id, payload, priority, now, not_before, sending or handed)
        added: int | None
        if dialect_of(self.session) == "sqlite":
            result: Any = await self.session.execute(_ENQUEUE_SQLITE(self.session), values)
            added = result.lastrowid if result.rowcount == 1 else None  # a key already there inserts nothing
        else:
            added = (await self.session.execute(_ENQUEUE(self.session), values)).scalar()
        if added is not None and handing is not None and handed:
            handing.rows.append((added, contact_id, payload))
        elif added is not None and not sending:
            self.session.info[_LEFT_FOR_DELIVERY] = True
        return added

    @contextlib.contextmanager
    def handing_over(self, chat_id: int) -> Iterator[HandedOver]:
        """While open, the rows of `chat_id` due now that this session enqueues are written already taken by
        delivery (`sending`) and listed, for the caller to hand them to it once the transaction commits, in their
        turn among the chat's replies: left for a claim, a row of an answer (a file, an invitation link) was
        overtaken by the replies to the person's next messages, pushed at once (a tester's link came after them)."""
        handing = HandedOver(chat_id)
        self.session.info[_HANDING_OVER] = handing
        try:
            yield handing
        finally:
            self.session.info.pop(_HANDING_OVER, None)

    async def enqueue_sending(self, key: str, chat_id: int, contact_id: int | None, payload: dict[str, Any], *,
                              priority: int, now: datetime) -> tuple[int, Earlier | None] | None:
        """`enqueue` a row already taken by delivery (`sending`), and on PostgreSQL read in the same statement the
        chat's earlier open rows, which delivery would otherwise ask for before sending it (a round trip per reply
        saved; its order check, bot.delivery.DeliveryWorker._open_elsewhere); None when the key was there already."""
        if dialect_of(self.session) != "postgresql":
            added = await self.enqueue(key, chat_id, contact_id, payload, priority=priority, now=now, sending=True)
            return (added, None) if added is not None else None
        values = self._values(key, chat_id, contact_id, payload, priority, now, None, sending=True)
        row = (await self.session.execute(_ENQUEUE_LOOKING(self.session), values)).first()
        if row is None:
            return None
        return int(row[0]), tuple((int(row_id), taken_by, str(status)) for row_id, taken_by, status in row[1] or ())

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Add pending rows in one statement (keys already there are skipped): a broadcast's recipients."""
        if rows:
            await self.session.execute(_ADD_MANY(self.session), list(rows))
            self.session.info[_LEFT_FOR_DELIVERY] = True

    async def rezone(self, contact_id: int, chat_id: int, zone: str, now: datetime) -> int:
        """Move the person's messages not sent yet that wait for their working hours (reminders, notices: those with
        WORKING_HOURS) to the hours of `zone`, their new time zone: else a reminder held for 09:00 in Dakar came at
        06:00 to someone who had just said they are in Santiago. Each goes at the first working moment of the day it
        was held for, now in the new zone (never the day before: its text and its key are that day's), or from now. A
        row waiting after a failed attempt keeps its delay. How many were moved."""
        rows = (await self.session.execute(
            select(_OUTBOX.c.id, _OUTBOX.c.payload, _OUTBOX.c.not_before)
            .where(_OUTBOX.c.chat_id == chat_id, _OUTBOX.c.contact_id == contact_id,  # through the chats' index
                   _OUTBOX.c.status == OutboxStatus.pending, _OUTBOX.c.attempts == 0)
            .order_by(_OUTBOX.c.id).with_for_update())).all()
        moved = 0
        for row in rows:
            if WORKING_HOURS not in row.payload:
                continue
            old, country = row.payload[WORKING_HOURS]
            start = datetime.combine(local_day(row.not_before, old), time.min, zone_info(zone))
            moment = next_allowed(max(now, start), zone, country)
            await self.session.execute(
                update(_OUTBOX).where(_OUTBOX.c.id == row.id, _OUTBOX.c.status == OutboxStatus.pending)
                .values(payload={**row.payload, WORKING_HOURS: [zone, country]}, not_before=moment)
                .execution_options(synchronize_session=False))
            moved += 1
        return moved

    async def add_many_returning(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Add pending rows (key, chat_id, contact_id, priority, payload, not_before, created_at) in one statement;
        the keys written (a key already there is skipped): a day's reminders, which record what was written."""
        if not rows:
            return set()
        values = [{**row, "status": OutboxStatus.pending, "attempts": 0} for row in rows]
        written = set((await self.session.execute(_ADD_MANY_RETURNING(self.session), values)).scalars())
        if written:
            self.session.info[_LEFT_FOR_DELIVERY] = True
        return written

    def left_for_delivery(self) -> bool:
        """True when this session enqueued rows for delivery to claim (not only rows handed to it as sending)."""
        return bool(self.session.info.get(_LEFT_FOR_DELIVERY))

    async def claim(self, now: datetime, limit: int, admit: Callable[[Due], bool],
                    must_wait: Callable[[int], float] | None = None, *, among_others: bool = False) -> list[Due]:
        """Take due rows for sending, in priority order: those `admit` accepts, leased for SENDING_LEASE.

        A chat that `must_wait` says must wait (seconds; a 429's pause, say) has the rows read for it postponed
        until then: left due, a paused chat's backlog would fill every claim's `limit`, and nobody else's rows
        would be read until its pause ended. The rows read after them are read at once in their place (up to
        CLAIM_READS reads).

        A row that edits a message not sent yet waits EDIT_NOT_READY; its payload gains the message id
        otherwise (`edit_message_id`); it is cancelled when that message will never be sent (no such row, or
        one that failed, was unreachable or cancelled), which would otherwise hold its chat back for ever.
        `among_others` (PostgreSQL, other instances claiming too): a row is taken only with the earlier rows of its chat
        that are due again (_DUE_AMONG_OTHERS). The caller commits.
        """
        taken: list[Due] = []
        left: set[int] = set()  # chats with a row left for later: their following rows stay behind it
        paused: dict[int, datetime] = {}  # chats that must wait, and until when: their rows read wait as long
        for _ in range(CLAIM_READS):
            wanted = limit - len(taken)
            read, postponed = await self._claim_once(now, wanted, admit, must_wait, taken, left, paused, among_others)
            if not postponed or read < wanted or len(taken) >= limit:
                break
        return taken

    async def _claim_once(self, now: datetime, limit: int, admit: Callable[[Due], bool],
                          must_wait: Callable[[int], float] | None, taken: list[Due], left: set[int],
                          paused: dict[int, datetime], among_others: bool = False) -> tuple[int, int]:
        """One read of `claim`, adding what it takes to `taken` (and the chats it leaves or postpones to `left` and
        `paused`): how many rows it read, and how many it postponed because their chat must wait."""
        postgresql = dialect_of(self.session) == "postgresql"
        due = (_DUE_AMONG_OTHERS if among_others else _DUE_LOCKED) if postgresql else _DUE
        rows = [Due(*row) for row in await self.session.execute(due, {"now": now, "limit": limit})]
        ids = {row.id for row in taken} if among_others else set()
        edited = await self._edit_targets([row.payload["edit_of"] for row in rows if "edit_of" in row.payload])
        first = len(taken)
        later: list[int] = []
        dropped: list[int] = []
        held: list[dict[str, Any]] = []
        seen: list[dict[str, Any]] = []
        waiting: list[dict[str, Any]] = []
        for row in rows:
            if row.chat_id in left:
                continue
            if row.latest_back is not None and row.latest_back not in ids:  # another claim has it, or a later read of
                continue  # this one (a lower priority): it goes first, and this row with a claim after it is sent
            if (hours := row.payload.get(WORKING_HOURS)) is not None and not is_allowed(now, *hours):
                held.append({"row_id": row.id, "until": next_allowed(now, *hours)})  # holds nobody back: not tried
                continue
            if (replaced := superseded_wait(row.payload, now)) is not None:
                if replaced[1] is None:
                    held.append({"row_id": row.id, "until": replaced[0]})
                else:
                    seen.append({"row_id": row.id, "until": replaced[0], "payload": replaced[1]})
                continue
            if "edit_of" in row.payload:
                message_id, status = edited.get(row.payload["edit_of"], (None, None))
                if status is None or status in _NEVER_SENT:
                    dropped.append(row.id)
                    continue
                if message_id is None:
                    later.append(row.id)
                    left.add(row.chat_id)
                    continue
                row = Due(row.id, row.chat_id, row.contact_id, {**row.payload, "edit_message_id": message_id},
                          row.attempts, row.language, row.telegram_language)
            until = paused.get(row.chat_id)
            if until is None and must_wait is not None and (seconds := must_wait(row.chat_id)) > 0:
                until = paused[row.chat_id] = now + timedelta(seconds=seconds)
            if until is not None:
                waiting.append({"row_id": row.id, "until": until})
            elif admit(row):
                taken.append(row)
                ids.add(row.id)
            else:
                left.add(row.chat_id)
        if len(taken) > first:
            me = self.session.info.get(INSTANCE)
            await self.session.execute(_TAKE, [{"row_id": row.id, "lease_until": now + SENDING_LEASE, "taken_by": me}
                                               for row in taken[first:]])
        if waiting:
            await self.session.execute(_POSTPONE, waiting)
        if later:
            await self.session.execute(_POSTPONE, [{"row_id": row_id, "until": now + EDIT_NOT_READY}
                                                   for row_id in later])
        if held:
            await self.session.execute(_HOLD, held)
        if seen:
            await self.session.execute(_HOLD_SEEN, seen)
        if dropped:
            await self.session.execute(_DROP, [{"row_id": row_id} for row_id in dropped])
        return len(rows), len(waiting)

    async def _edit_targets(self, keys: Iterable[str]) -> dict[str, tuple[int | None, str]]:
        """Telegram's message id (None while not sent) and the status of the rows with these keys."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        return {key: (message_id, status)
                for key, message_id, status in await self.session.execute(_EDIT_TARGETS, {"keys": wanted})}

    async def copies(self, prefix: str) -> dict[str, int]:
        """The rows whose key starts with `prefix` (one notification's copies, one per person): key -> contact id."""
        if dialect_of(self.session) == "sqlite":
            statement, pattern = _COPIES_SQLITE, "".join(f"[{c}]" if c in "*?[]" else c for c in prefix) + "*"
        else:
            statement = _COPIES
            pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return {key: contact_id for key, contact_id in await self.session.execute(statement, {"pattern": pattern})}

    async def payloads(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """What the rows with these keys hold to send (a reply's text and buttons as written), by key."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        return {key: payload for key, payload in await self.session.execute(_PAYLOADS, {"keys": wanted})}

    async def sent_message_ids(self, keys: Iterable[str]) -> dict[str, int | None]:
        """Telegram's message id of the rows with these keys (None while not sent)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        return {key: message_id for key, message_id in await self.session.execute(_SENT_MESSAGES, {"keys": wanted})}

    async def key_at(self, chat_id: int, message_id: int) -> str | None:
        """The key of the row Telegram knows as `message_id` in `chat_id` (what a person's reply-to replies to)."""
        found = await self.session.execute(SENT_AS, {"chat_id": chat_id, "message_id": message_id})
        return found.scalar_one_or_none()

    async def latest_new(self, chat_id: int, now: datetime) -> str | None:
        """The key of the latest message written to the chat as a new one and sent or due (_LATEST_NEW): what the
        person reads at the bottom of the chat, the edits of this update aside."""
        found = await self.session.execute(_LATEST_NEW, {"chat_id": chat_id, "now": now})
        return found.scalar_one_or_none()

    async def renew_lease(self, ids: list[int], me: str, now: datetime) -> set[int]:
        """Those of the rows that instance `me` still holds within their lease (not released after it, nor taken
        since by another instance), each given a new SENDING_LEASE from `now`."""
        found = await self.session.execute(_RENEW_LEASE, {"ids": ids, "me": me, "now": now,
                                                          "until": now + SENDING_LEASE})
        return {int(row_id) for (row_id,) in found}

    async def record(self, attempts: Sequence[Attempt], now: datetime) -> None:
        """Record outcomes (one statement for all rows) of the rows this instance still holds (_RECORD); people found
        unreachable are marked blocked, unless seen since the send was begun (they unblocked the bot meanwhile)."""
        me = self.session.info.get(INSTANCE)
        rows = [{"row_id": a.item.id, "me": me, "new_status": a.status, "message_id": a.message_id,
                 "error": (a.error or "")[:500] or None, "attempts": a.item.attempts - (0 if a.counts else 1),
                 "sent_at": now if a.status == OutboxStatus.sent else None,
                 "not_before": now + timedelta(seconds=a.retry_in or 0)} for a in attempts]
        if rows:
            await self.session.execute(_RECORD, rows)
        await Contacts(self.session).mark_unreachable((a.item.contact_id, a.tried_at or now) for a in attempts
                                                      if a.status == OutboxStatus.unreachable
                                                      and a.item.contact_id is not None)

    async def release(self, now: datetime, *, expired_only: bool) -> int:
        """Rows left `sending` by a stopped worker go back to pending (all, or those whose lease ran out)."""
        result = await self.session.execute(_RELEASE_EXPIRED if expired_only else _RELEASE, {"now": now})
        return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult

    async def waiting_replies(self, now: datetime) -> dict[int, int]:
        """The chats with replies due and not sent (left in flight by a stop, say): each chat's latest such row."""
        return {int(chat_id): int(row_id) for chat_id, row_id in await self.session.execute(_WAITING_REPLIES,
                                                                                            {"now": now})}

    async def release_own(self, me: str, now: datetime, keep: set[int]) -> int:
        """Rows this instance (`me`) took and no longer holds (not in `keep`) go back to pending at once.

        An instance knows which of its rows it is still sending; any other row it took was lost on the way (a
        claim or a journey whose commit was not confirmed, a restart under a stable identity), and need not wait
        out its lease. Rows taken in the last TAKEN_RECENTLY are left alone: they may be on their way here.
        """
        lease_from = now - TAKEN_RECENTLY + SENDING_LEASE
        ids = [row_id for (row_id,) in await self.session.execute(_OWN_TAKEN, {"me": me, "lease_from": lease_from})
               if row_id not in keep]
        if not ids:
            return 0
        result = await self.session.execute(_RELEASE_OWN, {"me": me, "ids": ids, "now": now})
        return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult

    async def held(self, now: datetime) -> list[tuple[int, int, datetime]]:
        """The messages waiting for a later moment (their reader's working hours, a retry, a time chosen): per chat,
        how many and the first moment one may go, by chat id (the sandbox page's "Next delivery")."""
        rows = await self.session.execute(_HELD, {"now": now})
        return [(int(chat_id), int(count), first) for chat_id, count, first in rows]

    async def last_message_ids(self) -> dict[int, int]:
        """The highest Telegram message id the bot recorded in each chat (the sandbox's chats after a restart go on
        from there: Telegram never gives a chat's message id twice). Reads the whole table: the sandbox only."""
        rows = await self.session.execute(_LAST_MESSAGE_IDS)
        return {int(chat_id): int(message_id) for chat_id, message_id in rows}

    async def broadcast_counts(self, broadcast_id: int) -> dict[str, int]:
        """How many of a broadcast's rows are in each state."""
        rows = await self.session.execute(_BROADCAST_COUNTS, {"broadcast_id": broadcast_id})
        return {status: int(count) for status, count in rows}

    async def cancel_broadcast(self, broadcast_id: int, *, files_apart: bool = False) -> int:
        """Cancel a broadcast's rows not sent yet, and its files sent apart from them when it has some (`files_apart`:
        their keys are looked for, not indexed); how many of its messages (one per recipient, files not counted)
        were."""
        if files_apart:
            await self.session.execute(_CANCEL_BROADCAST_FILES, {"files": f"bcf:{int(broadcast_id)}:%"})
        result = await self.session.execute(_CANCEL_BROADCAST, {"of_broadcast": broadcast_id})
        return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult

    async def forget_replies(self, contact_id: int, since: datetime) -> int:
        """Forget the text of the replies to one person since `since` (an abandoned conversation): sent ones keep
        only their key, status and message id, pending ones are cancelled; how many rows were touched.

        A row in the hands of a delivery worker at this moment (`sending`) is left as it is, to be sent.
        """
        result = await self.session.execute(_FORGET_REPLIES, {"of_contact": contact_id, "since": since})
        return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult


async def open_earlier(connection: AsyncConnection, chat_id: int, first_id: int) -> Earlier:
    """The earlier rows of this chat (before `first_id`) that a later reply must not overtake (_OPEN_EARLIER): id,
    the instance that took it (`taken_by`) and status, oldest first. One statement on its own, on a connection rather
    than in a unit of work (models.database.Database.autocommit): asked for every pushed reply on PostgreSQL, where a
    transaction around it cost a BEGIN and a ROLLBACK, two round trips, more than the read itself."""
    found = await connection.execute(_OPEN_EARLIER, {"chat_id": chat_id, "first_id": first_id})
    return tuple((int(row_id), taken_by, str(status)) for row_id, taken_by, status in found)
