"""Queries of report reminders: what planning reads (in batches, aggregated in SQL), holds, pending reminders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from models.repositories.base import PerDialect, among, table_of
from models.repositories.digests import in_scope
from models.repositories.outbox import OutboxRows
from models.repositories.waiting import CHANGES_ASKED_AT
from models.scope import EVERYTHING, Scope, ScopeKind
from models.session import Session
from models.tables import (
    Contact,
    CoordinatorScope,
    Entity,
    Outbox,
    Pledge,
    PledgeReminder,
    ProgressReport,
    ReminderHold,
)
from models.values import LATER as LATER  # where journeys look for the reasons of a hold
from models.values import NOT_MINE as NOT_MINE
from models.values import PledgeStatus, Role

_P, _R, _G = table_of(Pledge), table_of(ProgressReport), table_of(PledgeReminder)
_C, _E, _H, _O = table_of(Contact), table_of(Entity), table_of(ReminderHold), table_of(Outbox)
_K = table_of(CoordinatorScope)

REMINDER_KEY_PREFIX = "rm:"
"""Outbox keys of report reminders: rm:<contact id>:<the person's day>."""
ESCALATION_KEY_PREFIX = "esc:"
"""Outbox keys of escalations: esc:<coordinator's contact id>:<their day>."""
CHANGES_KEY_PREFIX = "changes-reminder:"
"""Outbox keys of the reminders of a pledge waiting for its organisation's changes:
changes-reminder:<pledge id>:v<version>:r<round>:<contact id> (handlers.reminders.changes_key)."""
DRAFT_KEY_PREFIX = "draft-reminder:"
"""Outbox keys of stale-draft reminders: draft-reminder:<draft id>:<its creation, in seconds>
(handlers.reminders.draft_key)."""
INACTIVE_KEY_PREFIX = "inactive:"
"""Outbox keys of the notices that pledges went inactive: inactive:<focal point's contact id>:<their day>."""

# The validated pledges planning must look at today: never looked at, due for a look (next_on), edited since
# the last look, reported on lately (since the latest look of any pledge, less a margin for reports committed
# late: a superset of "since its own last look", by induction over the plans), or with a "remind me later"
# come. With the periods each reported (a handful of reports a pledge, read through the pledge_id index), what
# it was reminded of, and its last report (else its validation, else its creation) for the caller to leave
# inactive pledges out (in SQL, PostgreSQL would work it out for every pledge before the other conditions).
_periods = (sa.select(sa.func.aggregate_strings(_R.c.period, ",")).where(_R.c.pledge_id == _P.c.id)
            .scalar_subquery())
_last_report = sa.select(sa.func.max(_R.c.created_at)).where(_R.c.pledge_id == _P.c.id).scalar_subquery()
_reported_lately = sa.select(_R.c.pledge_id).where(_R.c.created_at > sa.bindparam("reported_after"))
_later_come = sa.select(_H.c.pledge_id).where(_H.c.reason == "later", _H.c.until <= sa.bindparam("now"))
PLANNING = (sa.select(_P.c.id, _P.c.entity_id, _P.c.status, _P.c.start_date, _P.c.end_date, _P.c.reporting_cadence,
                      _P.c.previous_cadence, _P.c.cadence_since,
                      _periods.label("periods"), _G.c.period.label("given_period"), _G.c.kinds.label("given_kinds"),
                      sa.func.coalesce(_last_report, _P.c.validated_at, _P.c.created_at).label("active_at"),
                      _E.c.country_iso3.label("country"))
            .select_from(_P.outerjoin(_G, _G.c.pledge_id == _P.c.id).join(_E, _E.c.id == _P.c.entity_id))
            .where(_P.c.status == PledgeStatus.validated, _P.c.start_date.is_not(None),
                   sa.or_(_G.c.pledge_id.is_(None), _G.c.next_on <= sa.bindparam("today"),
                          _P.c.updated_at > _G.c.updated_at, _P.c.id.in_(_reported_lately),
                          _P.c.id.in_(_later_come))))
"""Validated pledges to look at today (most have nothing due, and were looked at when they last had), with their
organisation's country (whose working week moves a due date's reminder off its weekend)."""


def _settling() -> sa.Select[Any]:
    people = sa.select(_C.c.id).where(_C.c.entity_id == sa.bindparam("entity_id"))
    kind = sa.case((_O.c.key.startswith(REMINDER_KEY_PREFIX, autoescape=True), 0),
                   (_O.c.key.startswith(ESCALATION_KEY_PREFIX, autoescape=True), 1), else_=2)
    return (sa.select(_O.c.id, _O.c.contact_id, _O.c.key, _O.c.payload).where(
        _O.c.status == "pending",
        sa.or_(_O.c.key.startswith(ESCALATION_KEY_PREFIX, autoescape=True),
               sa.and_(sa.or_(_O.c.key.startswith(REMINDER_KEY_PREFIX, autoescape=True),
                              _O.c.key.startswith(INACTIVE_KEY_PREFIX, autoescape=True)),
                       _O.c.contact_id.in_(people))))
        .order_by(kind, _O.c.id).with_for_update())


_SETTLING = _settling()
"""Reminders.settling's read, built once: built on each call, it cost four times the reading (0.5 ms, a tenth of a
report's submission)."""

LATE_COMMIT_MARGIN = timedelta(minutes=10)
"""A report is stamped before its transaction commits: reports this much older than the latest look count
as new (looking at a pledge again is harmless)."""

_LOOKED = ("pledge_id", "period", "kinds", "next_on", "updated_at")
_LOOK = PerDialect(lambda insert: insert(_G).values({name: sa.bindparam(name) for name in _LOOKED})
                   .on_conflict_do_update(index_elements=["pledge_id"],
                                          set_={name: sa.bindparam(name) for name in _LOOKED[1:]}))
_HOLD = PerDialect(lambda insert: insert(_H).values({name: sa.bindparam(name) for name in
                                                     ("contact_id", "pledge_id", "reason", "until", "created_at")})
                   .on_conflict_do_update(index_elements=["contact_id", "pledge_id"],
                                          set_={"reason": sa.bindparam("reason"), "until": sa.bindparam("until"),
                                                "created_at": sa.bindparam("created_at")}))

IN_LIST = 900
"""Ids per IN (...) list: SQLite takes at most 32,766 bound parameters a statement (999 before 3.32)."""


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[i:i + IN_LIST] for i in range(0, len(ordered), IN_LIST)]


@dataclass(frozen=True, slots=True)
class Unsent:
    """A person's reminders not sent yet, locked (Reminders.unsent_of), and the people with one another transaction
    holds."""

    rows: list[Any]
    held: set[int]


@dataclass(frozen=True, slots=True)
class Settling:
    """What a change of an organisation's pledges brings up to date (Reminders.settling): (id, contact_id, key,
    payload) rows of its people's reminders and inactive notices not sent yet, and of the coordinators' escalations
    not sent yet."""

    reminders: list[Any]
    notices: list[Any]
    escalations: list[Any]


class Reminders:
    """Report reminders' queries, in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _in(self, column: Any, values: Sequence[Any]) -> Any:
        return among(self.session, column, values)

    async def changed_after(self, now: datetime) -> datetime:
        """The time after which a report or a hold may not have been seen by planning yet: the latest look at any
        pledge, less LATE_COMMIT_MARGIN (long ago when none was ever looked at)."""
        latest = (await self.session.execute(sa.select(sa.func.max(_G.c.updated_at)))).scalar()
        return latest - LATE_COMMIT_MARGIN if latest is not None else now - timedelta(days=366 * 100)

    async def planning_rows(self, now: datetime, reported_after: datetime, batch: int
                            ) -> AsyncIterator[Sequence[Any]]:
        """The validated pledges to look at (PLANNING), `batch` rows at a time."""
        if self.session.get_bind().dialect.name == "postgresql":
            # its cost estimate makes PostgreSQL compile the query to machine code, a second spent on each run
            await self.session.execute(sa.text("SET LOCAL jit = off"))
        result = await self.session.stream(PLANNING.execution_options(yield_per=batch),
                                           {"now": now, "today": now.date(), "reported_after": reported_after})
        async for rows in result.partitions(batch):
            yield rows

    async def expired_holds(self, now: datetime) -> Sequence[Any]:
        """(contact_id, pledge_id) of "remind me later" holds whose time has come."""
        return (await self.session.execute(sa.select(_H.c.contact_id, _H.c.pledge_id)
                                           .where(_H.c.reason == LATER, _H.c.until <= now))).all()

    async def pledges(self, ids: Iterable[int]) -> Sequence[Any]:
        """(id, ref, title, entity_id, primary, entity) of these pledges; `primary` is the focal point its
        reminders go to first (the one it was handed to, else its submitter)."""
        return (await self.session.execute(
            sa.select(_P.c.id, _P.c.ref, _P.c.title, _P.c.entity_id,
                      sa.func.coalesce(_P.c.primary_contact_id, _P.c.created_by).label("primary"),
                      _E.c.name.label("entity"))
            .select_from(_P.join(_E, _E.c.id == _P.c.entity_id)).where(self._in(_P.c.id, list(ids))))).all()

    async def awaiting_changes(self, asked_after: datetime, asked_before: datetime) -> Sequence[Any]:
        """(id, ref, title, entity_id, primary, version, staff_comment, asked_at) of the pledges returned for changes,
        not resubmitted, whose changes BDT asked for between these times (waiting.CHANGES_ASKED_AT); `primary` as in
        pledges()."""
        asked = CHANGES_ASKED_AT
        return (await self.session.execute(
            sa.select(_P.c.id, _P.c.ref, _P.c.title, _P.c.entity_id,
                      sa.func.coalesce(_P.c.primary_contact_id, _P.c.created_by).label("primary"), _P.c.version,
                      _P.c.staff_comment, asked.label("asked_at"))
            .where(_P.c.status == PledgeStatus.changes_requested, asked > asked_after, asked <= asked_before)
            .order_by(_P.c.id))).all()

    async def written(self, keys: Iterable[str]) -> Sequence[Any]:
        """(key, contact_id, not_before) of the outbox rows under these keys, sent or not."""
        ordered = sorted(set(keys))
        found: list[Any] = []
        for start in range(0, len(ordered), IN_LIST):
            found += (await self.session.execute(sa.select(_O.c.key, _O.c.contact_id, _O.c.not_before)
                                                 .where(self._in(_O.c.key, ordered[start:start + IN_LIST])))).all()
        return found

    async def reportable(self, ids: Iterable[int]) -> dict[int, Any]:
        """What the reporting rules read of these pledges (models.reporting.Reportable), by id, with their status
        and `active_at`, their last report (else validation, else creation), as planning reads it (PLANNING)."""
        found: dict[int, Any] = {}
        for chunk in _chunks(ids):
            rows = await self.session.execute(
                sa.select(_P.c.id, _P.c.status, _P.c.start_date, _P.c.end_date, _P.c.reporting_cadence,
                          _P.c.previous_cadence, _P.c.cadence_since,
                          sa.func.coalesce(_last_report, _P.c.validated_at, _P.c.created_at).label("active_at"))
                .where(self._in(_P.c.id, chunk)))
            found.update({row.id: row for row in rows.all()})
        return found

    async def coordinators(self) -> list[tuple[Any, Scope]]:
        """The reachable coordinators, with what reminders need of them and their scope."""
        rows = (await self.session.execute(
            sa.select(_C.c.id, _C.c.chat_id, _C.c.timezone, _E.c.country_iso3, _K.c.kind, _K.c["values"])
            .select_from(_C.outerjoin(_E, _E.c.id == _C.c.entity_id).outerjoin(_K, _K.c.contact_id == _C.c.id))
            .where(_C.c.role == Role.coordinator, _C.c.blocked.is_(False)).order_by(_C.c.id))).all()
        return [(row, EVERYTHING if row.kind is None else Scope(ScopeKind(row.kind), tuple(row.values)))
                for row in rows]

    async def in_scope(self, scope: Scope, pledge_ids: Iterable[int]) -> set[int]:
        """Those of these pledges that the scope covers."""
        found: set[int] = set()
        for ids in _chunks(pledge_ids):
            rows = await self.session.execute(
                sa.select(_P.c.id).where(self._in(_P.c.id, ids), in_scope(self.session, scope)))
            found.update(rows.scalars())
        return found

    async def focal_points(self, entity_ids: Iterable[int]) -> Sequence[Any]:
        """The reachable focal points of these entities, with what reminders need of them."""
        return (await self.session.execute(
            sa.select(_C.c.id, _C.c.chat_id, _C.c.entity_id, _C.c.timezone, _C.c.optional_reminders,
                      _E.c.country_iso3)
            .select_from(_C.join(_E, _E.c.id == _C.c.entity_id))
            .where(self._in(_C.c.entity_id, list(entity_ids)), _C.c.role == Role.focal_point, _C.c.blocked.is_(False))
            .order_by(_C.c.id))).all()

    async def holds(self, pledge_ids: Iterable[int]) -> list[Any]:
        """(contact_id, pledge_id, reason, until) of the holds on these pledges."""
        found: list[Any] = []
        for ids in _chunks(pledge_ids):
            found += (await self.session.execute(sa.select(_H.c.contact_id, _H.c.pledge_id, _H.c.reason, _H.c.until)
                                                 .where(self._in(_H.c.pledge_id, ids)))).all()
        return found

    async def add_messages(self, rows: list[dict[str, Any]]) -> set[str]:
        """Write outbox rows (key, chat_id, contact_id, priority, payload, not_before, created_at) in batches of
        statements; the keys written (a key already there, a person's reminder of that day, is left alone)."""
        return await OutboxRows(self.session).add_many_returning(rows)

    async def looked(self, rows: list[dict[str, Any]]) -> None:
        """Record what planning decided for each pledge: the kinds given for its period and when to look again
        (pledge_id, period, kinds, next_on, updated_at)."""
        for start in range(0, len(rows), 5000):
            await self.session.execute(_LOOK(self.session), rows[start:start + 5000])

    async def countries_of(self, entity_ids: Iterable[int]) -> dict[int, str | None]:
        """The home country of each of these entities."""
        found: dict[int, str | None] = {}
        for ids in _chunks(entity_ids):
            rows = await self.session.execute(sa.select(_E.c.id, _E.c.country_iso3).where(self._in(_E.c.id, ids)))
            found.update({entity_id: country for entity_id, country in rows.all()})
        return found

    async def hold(self, contact_id: int, pledge_id: int, reason: str, until: datetime | None, now: datetime) -> None:
        """Remember that this person wants this pledge's reminders later, or never (not theirs any more)."""
        await self.session.execute(_HOLD(self.session), {"contact_id": contact_id, "pledge_id": pledge_id,
                                                         "reason": reason, "until": until, "created_at": now})

    async def given(self, pledge_id: int) -> tuple[str, list[str]] | None:
        """The period whose scheduled reminders the pledge's focal points were last given, and their kinds (with the
        escalation's marks) in the order given; None when planning never looked at it."""
        row = (await self.session.execute(sa.select(_G.c.period, _G.c.kinds).where(_G.c.pledge_id == pledge_id))
               ).first()
        return (row.period, [kind for kind in row.kinds.split(",") if kind]) if row is not None else None

    async def hold_of(self, contact_id: int, pledge_id: int) -> str | None:
        """The reason of this person's hold on this pledge, if any."""
        return (await self.session.execute(sa.select(_H.c.reason).where(_H.c.contact_id == contact_id,
                                                                         _H.c.pledge_id == pledge_id))).scalar()

    async def take_back(self, contact_id: int, pledge_id: int) -> bool:
        """Forget this person's "not mine" on this pledge (its reminders reach them again); False if there was none."""
        done = await self.session.execute(sa.delete(_H).where(_H.c.reason == NOT_MINE, _H.c.contact_id == contact_id,
                                                              _H.c.pledge_id == pledge_id)
                                          .execution_options(synchronize_session=False))
        return bool(done.rowcount)  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult

    async def release(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Forget "remind me later" holds once their reminder is enqueued."""
        pairs = list(pairs)
        if pairs:
            await self.session.execute(sa.delete(_H).where(_H.c.reason == LATER,
                                                           _H.c.contact_id == sa.bindparam("c"),
                                                           _H.c.pledge_id == sa.bindparam("p"))
                                       .execution_options(synchronize_session=False),
                                       [{"c": c, "p": p} for c, p in pairs])

    async def pending(self, *, contact_id: int | None = None, changed_after: datetime | None = None,
                      written_before: datetime | None = None, skip_locked: bool = False) -> Sequence[Any]:
        """(id, contact_id, key, payload) of reminders not sent yet: one person's, or those of the people whose
        pledges were reported on, put on hold or changed (a status: completed, withdrawn) after `changed_after`, and
        with it those written before `written_before` (what time alone may have made stale: a day passed, a period
        fallen due, a pledge gone inactive), or all of them (none given). Locked until the transaction ends (in
        the order of their ids), as pending_escalations: what withdrawing writes back is computed from this read, so
        two reports at once must not each rewrite a row from what it held before the other. With `skip_locked`, rows
        another transaction holds (a report bringing them up to date itself, delivery sending them) are left out."""
        query = sa.select(_O.c.id, _O.c.contact_id, _O.c.key, _O.c.payload).where(
            _O.c.status == "pending", _O.c.key.startswith(REMINDER_KEY_PREFIX, autoescape=True))
        if contact_id is not None:
            query = query.where(_O.c.contact_id == contact_id)
        if changed_after is not None:
            reported = (sa.select(_C.c.id).select_from(_C.join(_P, _P.c.entity_id == _C.c.entity_id)
                                                       .join(_R, _R.c.pledge_id == _P.c.id))
                        .where(_R.c.created_at > changed_after))
            held = sa.select(_H.c.contact_id).where(_H.c.created_at > changed_after)
            moved = (sa.select(_C.c.id).select_from(_C.join(_P, _P.c.entity_id == _C.c.entity_id))
                     .where(_P.c.updated_at > changed_after))
            changed = _O.c.contact_id.in_(sa.union(reported, held, moved))
            query = query.where(changed if written_before is None
                                else sa.or_(changed, _O.c.created_at < written_before))
        return (await self.session.execute(query.order_by(_O.c.id).with_for_update(skip_locked=skip_locked))).all()

    async def unsent_of(self, people: Iterable[tuple[int, int]], *, wait: bool = False) -> Unsent:
        """The reminders not sent yet of these people ((contact id, chat id) pairs, read through the chats' index):
        (id, contact_id, key, payload) rows in the order of their ids, locked until the transaction ends, to be
        folded into the message written now or added to. Rows another transaction holds (a report taking its pledge
        out, delivery taking them) are skipped, not waited for, unless `wait` (planning, which holds rows of many
        people, never waits for one; a nudge, for one pledge, does): their people are `held`, whose reminder cannot be
        written beside them (it would make two on one day: the held row goes out too) nor fold them."""
        found: list[Any] = []
        held: set[int] = set()
        pairs = sorted(set(people))
        for start in range(0, len(pairs), IN_LIST):
            chunk = pairs[start:start + IN_LIST]
            unsent = (self._in(_O.c.chat_id, sorted({chat for _, chat in chunk})),
                      self._in(_O.c.contact_id, [contact for contact, _ in chunk]),
                      # status || '': through the chats' index, not the status one (ix_outbox_due), which a peak
                      # day's thousands of reminders pending make a scan of them all for each batch
                      (_O.c.status + "") == "pending", _O.c.key.startswith(REMINDER_KEY_PREFIX, autoescape=True))
            locked = (await self.session.execute(
                sa.select(_O.c.id, _O.c.contact_id, _O.c.key, _O.c.payload).where(*unsent).order_by(_O.c.id)
                .with_for_update(skip_locked=not wait))).all()
            found += locked
            if not wait:  # read after the lock: what it skipped, held by another transaction (or written since)
                taken = {row.id for row in locked}
                held.update(contact for row_id, contact in
                            (await self.session.execute(sa.select(_O.c.id, _O.c.contact_id).where(*unsent))).all()
                            if row_id not in taken)
        return Unsent(sorted(found, key=lambda row: row.id), held)

    async def held_unledgered(self, pledge_ids: Iterable[int]) -> set[int]:
        """Those of these pledges with no ledger row yet (never planned) that another transaction holds now (a report
        being stored locks its pledge FOR UPDATE): writing their first row would wait for it, its key to the pledge
        checked under a share lock. None on SQLite, which runs one unit of work at a time."""
        if self.session.get_bind().dialect.name != "postgresql":
            return set()
        # one array parameter, not lists of IN_LIST ids: a plan after an upgrade passes every pledge
        ids = sa.bindparam("ids", type_=postgresql.ARRAY(sa.Integer))
        first = set((await self.session.execute(
            sa.select(_P.c.id).where(_P.c.id == sa.any_(ids), ~sa.exists().where(_G.c.pledge_id == _P.c.id)),
            {"ids": sorted(set(pledge_ids))})).scalars())
        if not first:
            return set()
        free = (await self.session.execute(
            sa.select(_P.c.id).where(_P.c.id == sa.any_(ids)).order_by(_P.c.id)
            .with_for_update(key_share=True, skip_locked=True), {"ids": sorted(first)})).scalars()
        return first - set(free)

    async def share_locked(self, pledge_ids: Iterable[int], *, wait: bool = False) -> list[int]:
        """Key-share-lock these pledges until the transaction ends (FOR KEY SHARE: what a row referring to a pledge
        takes to be written, which a report's FOR UPDATE of its pledge holds back); the ids locked, in order. Those
        another transaction holds now are skipped unless `wait` (those this one holds are locked already)."""
        locked: list[int] = []
        for ids in _chunks(pledge_ids):
            locked += (await self.session.execute(
                sa.select(_P.c.id).where(self._in(_P.c.id, ids)).order_by(_P.c.id)
                .with_for_update(key_share=True, skip_locked=not wait))).scalars()
        return locked

    async def claim(self, pledge_ids: Iterable[int], *, wait: bool = False) -> dict[int, int]:
        """Share-lock these pledges until the transaction ends, for a reminder of them about to be written: a report
        locks its pledge (FOR UPDATE) before taking it out of the reminders not sent yet, so it waits for this
        transaction and then finds the reminder written, or this one finds the report. Pledges another transaction
        holds now (a report being stored) are skipped unless `wait`. The number of reports of each pledge locked,
        read once it is (what a plan read before may be out of date)."""
        locked = await self.share_locked(pledge_ids, wait=wait)
        counts = dict.fromkeys(locked, 0)
        for ids in _chunks(locked):
            rows = await self.session.execute(sa.select(_R.c.pledge_id, sa.func.count())
                                              .where(self._in(_R.c.pledge_id, ids))
                                              .group_by(_R.c.pledge_id))
            counts.update({pledge_id: int(count) for pledge_id, count in rows.all()})
        return counts

    async def settling(self, entity_id: int) -> Settling:
        """In one read, what a report, a completion or a withdrawal of one of the organisation's pledges brings up to
        date in its transaction: its people's reminders, the coordinators' escalations, then its people's inactive
        notices not sent yet, each kind in the order of its ids, all locked until the transaction ends. The order is
        the planner's (reminders, then escalations) and a departure's (reminders, then notices): locked by id alone,
        an escalation older than a reminder was taken first, and a report deadlocked with the plan holding that
        reminder and waiting for the escalation (review, reproduced on PostgreSQL). A departure locks the
        organisation's pledges before its rows, and every caller of this one its pledge: the two never meet here."""
        rows = (await self.session.execute(_SETTLING, {"entity_id": entity_id})).all()
        return Settling([row for row in rows if row.key.startswith(REMINDER_KEY_PREFIX)],
                        [row for row in rows if row.key.startswith(INACTIVE_KEY_PREFIX)],
                        [row for row in rows if row.key.startswith(ESCALATION_KEY_PREFIX)])

    async def pending_escalations(self, contact_id: int | None = None) -> Sequence[Any]:
        """(id, contact_id, key, payload) of the coordinators' escalations not sent yet (a few a day at most: each
        waits for its coordinator's working hours), of one coordinator when `contact_id` is given, locked until the
        transaction ends: an escalation lists pledges of many organisations, whose reports may come at the same
        moment, each rewriting the row from this read."""
        query = sa.select(_O.c.id, _O.c.contact_id, _O.c.key, _O.c.payload).where(
            _O.c.status == "pending", _O.c.key.startswith(ESCALATION_KEY_PREFIX, autoescape=True))
        if contact_id is not None:
            query = query.where(_O.c.contact_id == contact_id)
        return (await self.session.execute(query.order_by(_O.c.id).with_for_update())).all()

    async def pending_notices(self, keys: Iterable[str]) -> Sequence[Any]:
        """(id, key, payload) of the inactive notices under these keys not sent yet, locked until the transaction
        ends (one another transaction holds, delivery taking it, is left out): a pledge going inactive while its
        person's notice of the day waits is added to it."""
        ordered = sorted(set(keys))
        found: list[Any] = []
        for start in range(0, len(ordered), IN_LIST):
            found += (await self.session.execute(
                sa.select(_O.c.id, _O.c.key, _O.c.payload)
                .where(self._in(_O.c.key, ordered[start:start + IN_LIST]), _O.c.status == "pending",
                       _O.c.key.startswith(INACTIVE_KEY_PREFIX, autoescape=True))
                .order_by(_O.c.id).with_for_update(skip_locked=True))).all()
        return found

    async def waiting_notices(self, *, contact_id: int | None = None, skip_locked: bool = False) -> Sequence[Any]:
        """(id, key, payload) of the inactive notices not sent yet (a few a day: each waits for its reader's working
        hours): all of them, or one person's (`contact_id`). Locked until the transaction ends, as pending(); with
        `skip_locked`, those another transaction holds are left out."""
        query = sa.select(_O.c.id, _O.c.key, _O.c.payload).where(
            _O.c.status == "pending", _O.c.key.startswith(INACTIVE_KEY_PREFIX, autoescape=True))
        if contact_id is not None:
            query = query.where(_O.c.contact_id == contact_id)
        return (await self.session.execute(query.order_by(_O.c.id).with_for_update(skip_locked=skip_locked))).all()

    async def reported_periods(self, pledge_ids: Iterable[int]) -> dict[int, list[str]]:
        """The periods each of these pledges reported."""
        found: dict[int, list[str]] = {}
        for ids in _chunks(pledge_ids):
            rows = await self.session.execute(
                sa.select(_R.c.pledge_id, _R.c.period).where(self._in(_R.c.pledge_id, ids)))
            for pledge_id, period in rows.all():
                found.setdefault(pledge_id, []).append(period)
        return found

    async def coverage(self, pledge_ids: Iterable[int]) -> dict[int, tuple[date | None, list[str]]]:
        """The first day of each of these pledges that reported, with the periods it reported (what
        models.reporting.is_covered takes: coverage counts from the pledge's first day)."""
        found: dict[int, tuple[date | None, list[str]]] = {}
        for ids in _chunks(pledge_ids):
            rows = await self.session.execute(sa.select(_R.c.pledge_id, _P.c.start_date, _R.c.period)
                                              .select_from(_R.join(_P, _P.c.id == _R.c.pledge_id))
                                              .where(self._in(_R.c.pledge_id, ids)))
            for pledge_id, start, period in rows.all():
                found.setdefault(pledge_id, (start, []))[1].append(period)
        return found

    async def rewrite(self, row_id: int, payload: dict[str, Any]) -> None:
        """Replace the message of a reminder not taken for sending yet."""
        await self.session.execute(sa.update(_O).where(_O.c.id == row_id, _O.c.status == "pending")
                                   .values(payload=payload))

    async def drop(self, row_id: int) -> None:
        """Delete a reminder not taken for sending yet (nothing left in it to remind of)."""
        await self.session.execute(sa.delete(_O).where(_O.c.id == row_id, _O.c.status == "pending"))

    async def drop_draft_reminders(self, contact_id: int) -> None:
        """Delete the person's reminders of an unfinished form not sent yet: they turned optional reminders off."""
        await self.session.execute(
            sa.delete(_O).where(_O.c.contact_id == contact_id, _O.c.status == "pending",
                                _O.c.key.startswith(DRAFT_KEY_PREFIX, autoescape=True))
            .execution_options(synchronize_session=False))

    async def drop_changes_reminders(self, pledge_id: int) -> None:
        """Delete the reminders that a pledge waits for its changes not sent yet: it was resubmitted or withdrawn."""
        await self.session.execute(
            sa.delete(_O).where(_O.c.key.startswith(f"{CHANGES_KEY_PREFIX}{pledge_id}:", autoescape=True),
                                _O.c.status == "pending").execution_options(synchronize_session=False))

    async def drop_all(self, row_ids: Iterable[int]) -> None:
        """Delete these reminders not taken for sending yet (folded into a later one of their person)."""
        for ids in _chunks(row_ids):
            await self.session.execute(sa.delete(_O).where(self._in(_O.c.id, ids), _O.c.status == "pending")
                                       .execution_options(synchronize_session=False))

    async def inactive(self, cutoff: datetime, limit: int) -> tuple[int, Sequence[Any]]:
        """Validated pledges with no report since `cutoff` (nor validation, when they have none): how many, and
        the longest silent first (id, ref, title, Entity, last_report, validated_at: the organisation whole, which
        staff see with its number)."""
        last = sa.func.max(_R.c.created_at)
        silent = (sa.select(_P.c.id, last.label("last_report"))
                  .select_from(_P.outerjoin(_R, _R.c.pledge_id == _P.c.id))
                  .where(_P.c.status == PledgeStatus.validated).group_by(_P.c.id, _P.c.validated_at, _P.c.created_at)
                  .having(sa.func.coalesce(last, _P.c.validated_at, _P.c.created_at) <= cutoff).subquery("silent"))
        count = (await self.session.execute(sa.select(sa.func.count()).select_from(silent))).scalar_one()
        rows = (await self.session.execute(
            sa.select(_P.c.id, _P.c.ref, _P.c.title, Entity, silent.c.last_report,
                      sa.func.coalesce(_P.c.validated_at, _P.c.created_at).label("validated_at"))
            .select_from(silent.join(_P, _P.c.id == silent.c.id).join(_E, _E.c.id == _P.c.entity_id))
            .order_by(sa.func.coalesce(silent.c.last_report, _P.c.validated_at, _P.c.created_at), _P.c.id)
            .limit(limit))).all()
        return int(count), rows
