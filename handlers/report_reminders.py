"""Reminders that a progress report is due, enqueued (never sent) by a scheduled job.

Per pledge and period: 14 days before the due date, on it, then weekly while overdue, four at most; when
several periods are owed, those of the latest one due (models.reminding), the message naming the earliest and
counting the others (handlers.reminder_messages). Everything due for one person is ONE message, at most one a
day: its outbox key is rm:<contact id>:<their day>; a plan adds what fell due meanwhile to that message while it
waits (once it is sent, the rest waits for the next day), and folds into it the person's reminders whose day passed
unsent (downtime) rather than sending them beside it, so a plan after downtime sends what is due once. Which
kinds a pledge was given, and the next day it needs a look, is one row per pledge (pledge_reminder), written in the
same transaction as the messages: a day's plan reads only the pledges due for a look, reported on or edited since
the last one. A message waits in the outbox for the person's working hours; a report, a "later" or a "not mine"
arriving meanwhile takes its pledge out of it, and each plan looks again at the messages not sent yet that may have
gone stale (withdraw_stale: people whose pledges changed since the last plan, and every message written before that
day): a pledge completed, withdrawn or gone inactive is taken out, the others counted as they stand. A plan never
waits for a report's transaction: a pledge being reported, or a person whose unsent reminder that report is
changing, is left to the next plan (_Look.deferred), minutes later.

A pledge gone inactive (24 months without a report) gets no more reminders: the plan that first finds it so, on the
day it crosses that mark (a pledge's next look is never later than that day), tells its focal points once
(handlers.inactive_notices) and records the crossing in its ledger (Crossing), after which only a report or an edit
makes a plan read it again. A crossing older than ANNOUNCED_WITHIN is recorded without a word (the pledges already
inactive when the notice shipped).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from handlers import outbox
from handlers.inactive_notices import Silent, announce, withdraw_revived
from handlers.messages import N_, Code, Text, text
from handlers.reminder_messages import Escalating, Item, compose_json, escalation_payload, json_of, outbox_meta
from models.database import UnitOfWork
from models.reminding import NEVER, REMINDER_KINDS, Reminding, next_look, reminder_of, where_reporting_stands
from models.reporting import NextReport, Reportable, as_day, inactive_cutoff, inactive_since, is_covered
from models.repositories.outbox import WORKING_HOURS, hours_kept, working_hours
from models.repositories.reminders import ESCALATION_KEY_PREFIX, LATER, NOT_MINE, REMINDER_KEY_PREFIX, Reminders
from models.scope import Scope
from models.tables import Pledge
from models.timezones import zone_of
from models.values import PledgeStatus
from models.working_hours import allowed_the_day_after, local_day, next_allowed, working_days

BATCH = 5000
"""Pledges read at a time while planning (rows, not ORM objects)."""
IN_BATCH = 900
"""Ids per IN (...) list, under SQLite's limit on bound parameters."""
REMINDED = frozenset(kind for kind, _ in REMINDER_KINDS)
"""The entries of the ledger that are reminders given (the others are markers: escalated, escalate:<day>)."""
OPTIONAL_KINDS = frozenset({"before"})
"""Kinds a person may turn off in /settings; the due-date and overdue reminders always come."""
PRIMARY_KINDS = frozenset({"before", "due"})
"""Kinds that go to a pledge's primary focal point alone (when it is still one of its entity's focal points and has
not said the pledge is not theirs): a week after the due date unanswered, every focal point of the entity is
reminded."""
ESCALATE_KIND = "week2"
"""The kind that also goes to the coordinators whose scope covers the pledge (two weeks after the due date)."""
ESCALATED = "escalated"
"""Recorded beside the kinds in the ledger (pledge_reminder.kinds) once coordinators were told: once a period."""
ESCALATE_ON = "escalate:"
"""Recorded beside the kinds as escalate:<ISO day> when the two-week reminder was the period's first one (a pledge
validated late, with periods long due, or a long downtime): the coordinators are told on that day, once the focal
points had as long to answer as the schedule gives them, not in the same minute as their first reminder."""
ESCALATION_DELAY = timedelta(days=14)
"""How long the focal points have between their first reminder of a period and the coordinators being told."""
INACTIVE_ON = "inactive:"
"""Recorded beside the kinds as inactive:<ISO day> once the pledge's focal points were told that it went inactive
that day (handlers.inactive_notices): once a crossing. A report makes it active again; going silent for 24 months
once more is another day, told again."""
ANNOUNCED_WITHIN = timedelta(days=14)
"""How long after its crossing a pledge gone inactive is still announced, when planning first sees it so (a plan
after downtime): those already inactive longer, as every one was when the notice shipped, are recorded, not told."""


@dataclass(slots=True)
class _Look:
    """What planning found for one pledge: where it stands (next_report: the period a report is for, its due date,
    whether it is reported), whose reminders run (reminding), the kinds given for that period, and the reminder due
    now, if any. Plain values only: a day's plan holds one for each pledge looked at, and the garbage collector
    walks every object a plan keeps."""

    entity_id: int
    period: str
    """The period a report is asked for: the earliest not reported (what /report opens)."""
    upcoming_due: date | None
    covered: bool
    """That period is reported: nothing to remind of."""
    given: tuple[str, ...]
    running: str
    """The period whose reminders run (the ledger's): the latest due, the earliest when none is."""
    owed: int = 0
    """How many periods are owed, the earliest to the one whose reminders run."""
    following: date | None = None
    """The first reminder's day of the period after the running one (Reminding.following)."""
    kind: str | None = None
    """The scheduled kind due now and not given yet."""
    later: bool = False
    """Someone asked to be reminded later and that time came."""
    reached: bool = False
    """A message now lists this pledge for at least one person."""
    escalated: bool = False
    """A message now lists this pledge for at least one coordinator."""
    unescalated: bool = False
    """A coordinator whose scope covers this pledge could not be told today (their message of that day already
    went): its coordinators are told tomorrow, the pledge is not recorded as escalated."""
    reports: int = 0
    """How many reports of the pledge planning read (a report arriving while it plans makes it look again)."""
    deferred: bool = False
    """Planning could not remind of the pledge now, or not everyone due: another transaction held the pledge (a
    report being stored) or one of its recipients' reminders not sent yet (_enqueue_batch). Its ledger is left as it
    was, but for a look at the next plan: minutes later, once that transaction has ended."""
    inactive_on: date | None = None
    """The day the pledge goes inactive if no report comes (models.reporting.inactive_since): planning looks at it
    that day, to tell its focal points (Crossing)."""
    working: frozenset[int] | None = None
    """The working days of the pledge's organisation's country (a due date on its weekend is reminded of on the
    working day before: models.reminding.reminder_day)."""

    @classmethod
    def of(cls, entity_id: int, upcoming: NextReport, given: tuple[str, ...] = (),
           schedule: Reminding | None = None, reports: int = 0) -> _Look:
        """Where a pledge stands (next_report), and whose reminders run (reminding; None: nothing is owed), from
        `reports` reports."""
        if schedule is None:
            return cls(entity_id, upcoming.period, upcoming.due, upcoming.covered, given, upcoming.period,
                       reports=reports)
        return cls(entity_id, upcoming.period, upcoming.due, upcoming.covered, given, schedule.period, schedule.owed,
                   schedule.following, reports=reports)

    @property
    def due(self) -> date:
        """When that period's report is due (a pledge is reminded only of a period not reported, which has one)."""
        assert self.upcoming_due is not None and not self.covered
        return self.upcoming_due

    @property
    def behind(self) -> bool:
        """True when a later period is reminded of while an earlier one is still owed (overdue by then): whatever
        the kind, the message is about an overdue report, so it goes to every focal point and cannot be turned off."""
        return self.owed > 1

    @property
    def reminded_before(self) -> bool:
        """True when the focal points were given a reminder of the running period before this plan."""
        return any(kind in REMINDED for kind in self.given)

    @property
    def remindable(self) -> bool:
        """Whether a "remind me later" that came due has anything to remind of: a reminder due now, the running
        period's reminded before (what the person put off), or an earlier period owed. Not so once the report put
        off has come and the next period's reminders have not begun (they come in their time, 14 days before)."""
        return self.kind is not None or self.reminded_before or self.behind

    def inactive_by(self, day: date) -> bool:
        """True when the pledge has crossed its 24 months without a report by `day` (a reader's day)."""
        return self.inactive_on is not None and self.inactive_on <= day

    def item(self, pledge_id: int, pledge: Any) -> Item:
        """What a message shows of the pledge (Reminders.pledges' row): the period a report is for, when it was due,
        and, later ones owed too, how many up to the one whose reminders run."""
        return Item(pledge_id, pledge.ref or "", pledge.title, self.period, self.due, self.owed,
                    self.running if self.owed > 1 else None)

    def may_escalate(self, today: date) -> bool:
        """True when the coordinators, not told yet this period, are due to be told today if the pledge's focal points
        were reminded earlier (or nobody can be: _enqueue_batch decides): two weeks after the due date, or on the
        day set when the two-week reminder came first."""
        if ESCALATED in self.given:
            return False
        day = escalation_day(self.given)
        return self.kind == ESCALATE_KIND or (day is not None and day <= today)

    def record(self, pledge_id: int, now: datetime) -> dict[str, Any]:
        """The pledge_reminder row after this plan: a kind due but given to nobody is tried again tomorrow; a pledge
        deferred, at the next plan."""
        today = now.date()
        if self.deferred:
            return {"pledge_id": pledge_id, "period": self.running, "kinds": ",".join(self.given), "next_on": today,
                    "updated_at": now}
        given = [*self.given, self.kind] if self.kind is not None and self.reached else list(self.given)
        if self.unescalated:  # escalate:<tomorrow>, in place of the day that came
            given = [entry for entry in given if not entry.startswith(ESCALATE_ON)]
            given.append(f"{ESCALATE_ON}{(today + timedelta(days=1)).isoformat()}")
        elif self.escalated:
            given.append(ESCALATED)
        elif self.kind == ESCALATE_KIND and self.reached and not self.reminded_before:  # told in two weeks
            given.append(f"{ESCALATE_ON}{(today + ESCALATION_DELAY).isoformat()}")
        next_on = (today + timedelta(days=1) if self.kind is not None and not self.reached
                   else next_look(self.running, self.covered, today, given, self.following, self.working))
        day = escalation_day(given)
        if not self.covered and ESCALATED not in given and day is not None and day > today:
            next_on = min(next_on, day)
        if self.inactive_on is not None:
            next_on = min(next_on, max(self.inactive_on, today))
        return {"pledge_id": pledge_id, "period": self.running, "kinds": ",".join(given),
                "next_on": next_on, "updated_at": now}


@dataclass(slots=True)
class Crossing:
    """A pledge planning found inactive (no report for 24 months): the day it crossed that mark, what its notice's
    line shows (Silent), and the ledger's row as it stands (kept, the crossing recorded beside its kinds)."""

    entity_id: int
    crossed: date
    silent: Silent
    period: str
    kinds: tuple[str, ...]
    reports: int
    """How many reports of the pledge planning read (one arriving while it plans makes it look again)."""
    deferred: bool = False
    """Another transaction held the pledge (a report being stored): told or not at the next plan."""

    @property
    def marker(self) -> str:
        return f"{INACTIVE_ON}{self.crossed.isoformat()}"

    def due(self, today: date) -> bool:
        """True when its focal points are to be told now: this crossing not recorded yet, and recent enough."""
        return self.marker not in self.kinds and self.crossed >= today - ANNOUNCED_WITHIN

    def record(self, pledge_id: int, now: datetime) -> dict[str, Any]:
        """The pledge_reminder row after this plan: the crossing recorded (in place of an earlier one), looked at
        again only when a report or an edit comes; a pledge deferred, at the next plan. The escalate:<day> marker of
        a period whose coordinators were told goes (nothing reads it any more), so the kinds fit their column."""
        if self.deferred:
            return {"pledge_id": pledge_id, "period": self.period, "kinds": ",".join(self.kinds),
                    "next_on": now.date(), "updated_at": now}
        told = ESCALATED in self.kinds
        kept = [kind for kind in self.kinds
                if not kind.startswith(INACTIVE_ON) and not (told and kind.startswith(ESCALATE_ON))]
        return {"pledge_id": pledge_id, "period": self.period, "kinds": ",".join([*kept, self.marker]),
                "next_on": NEVER, "updated_at": now}


def escalation_day(given: Sequence[str]) -> date | None:
    """The day set for telling the coordinators (ESCALATE_ON), when the period's first reminder was its last."""
    for entry in given:
        if entry.startswith(ESCALATE_ON):
            return date.fromisoformat(entry.removeprefix(ESCALATE_ON))
    return None


def carried_escalation(kinds: str | None) -> tuple[str, ...]:
    """The escalate:<day> marker of the ledger's period, when its coordinators were not told yet: kept when the next
    period's reminders begin while that period is still owed, else its coordinators would hear of it no more (a
    pledge validated late whose first reminder was the two-week one, shortly before the next period's first)."""
    entries = kinds.split(",") if kinds else []
    if ESCALATED in entries:
        return ()
    return tuple(entry for entry in entries if entry.startswith(ESCALATE_ON))


def given_kinds(period: str | None, kinds: str | None, running: str) -> tuple[str, ...]:
    """The kinds recorded as given for the period whose reminders run now (`running`): none when the ledger is of
    another period. A report of an earlier period changes nothing here: each period has four reminders at most, and
    its coordinators are told once. The crossing of a pledge that was inactive (INACTIVE_ON) is forgotten once it is
    active again: its next crossing, after a later report, is another day."""
    if not kinds or period != running:
        return ()
    return tuple(kind for kind in kinds.split(",") if not kind.startswith(INACTIVE_ON))


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i:i + IN_BATCH] for i in range(0, len(ids), IN_BATCH)]


async def look_at_pledges(repo: Reminders, now: datetime, expired: set[int], changed_after: datetime
                          ) -> tuple[dict[int, _Look], dict[int, Crossing]]:
    """Every pledge that needs a look today (Reminders.planning_rows), with what is due for it; the inactive apart.

    The rule of models.reminding.reminder_due (next_report, reminding, then reminder_of) on the validated pledges
    read in batches, the inactive (no report for 24 months, nor validation when it has none) left out of the
    reminders, and each with the day it crossed that mark: on most days a pledge needs no look (its next one is
    stored), and of those looked at most have nothing due.
    """
    today = now.date()
    since = inactive_cutoff(now)
    looks: dict[int, _Look] = {}
    crossings: dict[int, Crossing] = {}
    async for rows in repo.planning_rows(now, changed_after, BATCH):
        for row in rows:
            periods = row.periods.split(",") if row.periods else ()
            active = as_day(row.active_at)
            assert active is not None
            if row.active_at <= since:
                crossings[row.id] = Crossing(
                    row.entity_id, inactive_since(active, None) or today, Silent(row.id, "", "", active, bool(periods)),
                    row.given_period or "", tuple(row.given_kinds.split(",")) if row.given_kinds else (), len(periods))
                continue
            stands = where_reporting_stands(cast(Reportable, row), periods, today)
            if stands is None:
                continue
            upcoming, schedule = stands
            if schedule is None:
                looks[row.id] = _Look.of(row.entity_id, upcoming, reports=len(periods))
                looks[row.id].inactive_on = inactive_since(active, None)
                continue
            given = given_kinds(row.given_period, row.given_kinds, schedule.period)
            if not given and schedule.owed > 1:  # the next period's reminders begin while the earlier is owed
                given = carried_escalation(row.given_kinds)
            look = looks[row.id] = _Look.of(row.entity_id, upcoming, given, schedule, len(periods))
            look.working = working_days("UTC", row.country)  # the organisation's country's week
            reminder = reminder_of(schedule.running(today), today, given, look.working)
            look.kind = reminder.kind if reminder is not None else None
            look.later = row.id in expired
            look.inactive_on = inactive_since(active, None)
    return looks, crossings


async def plan_report_reminders(uow: UnitOfWork, now: datetime, default_zone: str = "UTC") -> int:
    """Enqueue today's report reminders, one message per person; how many messages were enqueued."""
    async with uow:  # its own short transaction: withdrawing locks pending rows a report's transaction may want
        repo = Reminders(uow.session)
        changed_after = await repo.changed_after(now)
        # the reminders not sent yet that may have gone stale, looked at again: those of people whose pledges were
        # reported on, put on hold, completed or withdrawn since the last plan, and every one written before today (a
        # pledge may have gone inactive or owe more reports since: one left waiting through downtime, a clock moved
        # on). Not all of them at every plan: on a peak day that read thousands of rows every quarter of an hour, a
        # transaction of seconds for 100,000 pledges, which every conversation on SQLite waits for. One another
        # transaction holds (a report, which brings it up to date itself, or delivery) waits for the next plan
        today = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
        await withdraw_stale(repo, now, await repo.pending(changed_after=changed_after, written_before=today,
                                                           skip_locked=True))
        await withdraw_escalated(repo, now)
        await withdraw_revived(repo, now, await repo.waiting_notices(skip_locked=True))
        await uow.commit()
    async with uow:
        repo = Reminders(uow.session)
        expired = {(c, p) for c, p in await repo.expired_holds(now)}
        looks, crossings = await look_at_pledges(repo, now, {p for _, p in expired}, changed_after)
        due = sorted(p for p, look in looks.items()
                     if look.kind is not None or look.later or (not look.covered and look.may_escalate(now.date())))
        sent = 0
        for ids in _chunks(due):
            sent += await _enqueue_batch(repo, looks, ids, expired, now, default_zone)
        sent += await _tell_inactive(repo, crossings, now, default_zone)
        # a pledge's first ledger row waits for a report holding the pledge (the row's key to it is checked under a
        # share lock): a plan never waits for one (the report may wait for a reminder this plan holds: a deadlock),
        # and leaves such a pledge, without a row, to the next plan
        recorded = [*(look.record(pledge_id, now) for pledge_id, look in looks.items()),
                    *(crossing.record(pledge_id, now) for pledge_id, crossing in crossings.items())]
        held = await repo.held_unledgered(row["pledge_id"] for row in recorded)
        await repo.looked([row for row in recorded if row["pledge_id"] not in held])
        # a "later" for a pledge reported (or gone inactive) meanwhile has nothing left to remind of
        await repo.release([(c, p) for c, p in expired if p not in looks or looks[p].covered
                            or not looks[p].remindable])
        await uow.commit()
        return sent


async def _enqueue_batch(repo: Reminders, looks: dict[int, _Look], ids: list[int],
                         expired: set[tuple[int, int]], now: datetime, default_zone: str) -> int:
    # A report stores itself and takes its pledge out of the reminders not sent yet in one transaction, holding the
    # pledge: one being stored now is left to the next plan, and one stored since the look above is looked at again
    # then (its reminder would be of a report that has arrived). The others are held until this plan commits: a
    # report of them waits for it, then finds the reminders written here and takes its pledge out.
    claimed = await repo.claim(ids)
    for pledge_id in ids:
        if claimed.get(pledge_id) != looks[pledge_id].reports:
            looks[pledge_id].deferred = True
    ids = [pledge_id for pledge_id in ids if not looks[pledge_id].deferred]
    if not ids:
        return 0
    pledges = {row.id: row for row in await repo.pledges(ids)}
    holds = {(row.contact_id, row.pledge_id): row for row in await repo.holds(ids)}
    people: dict[int, list[Any]] = defaultdict(list)
    for person in await repo.focal_points({looks[i].entity_id for i in ids}):
        people[person.entity_id].append(person)
    wanted: dict[int, tuple[Any, list[int]]] = {}
    for pledge_id in ids:
        look = looks[pledge_id]
        for person in _recipients(look, pledges[pledge_id].primary, people.get(look.entity_id, ()), pledge_id,
                                  expired, holds):
            later_due = (person.id, pledge_id) in expired and look.remindable
            if holds.get((person.id, pledge_id)) is not None and not later_due:
                continue  # not theirs any more, or later has not come yet
            if not later_due and (look.kind is None or (look.kind in OPTIONAL_KINDS and not look.behind
                                                         and not person.optional_reminders)):
                continue
            wanted.setdefault(person.id, (person, []))[1].append(pledge_id)
    unsent: dict[int, list[Any]] = defaultdict(list)
    found = await repo.unsent_of((person.id, person.chat_id) for person, _ in wanted.values())
    for row in found.rows:
        if row.payload.get("reminder", {}).get("items"):  # else queued before reminders kept their pledges
            unsent[row.contact_id].append(row)
    for person_id in found.held:  # a reminder of theirs is being changed (a report) or sent: theirs waits for the
        for pledge_id in wanted.pop(person_id)[1]:  # next plan, as it stands then (one reminder a day)
            looks[pledge_id].deferred = True
    messages: list[dict[str, Any]] = []
    listed: dict[str, tuple[int, list[int]]] = {}
    folding: dict[str, list[int]] = {}
    rewritten: set[str] = set()
    dropped: list[int] = []
    for person, pledge_ids in wanted.values():
        zone = zone_of(person.timezone, person.country_iso3, default_zone)
        send_at = next_allowed(now, zone, person.country_iso3)
        day = local_day(send_at, zone)
        key = f"{REMINDER_KEY_PREFIX}{person.id}:{day.isoformat()}"
        # a pledge crossing its 24 months by the reader's day is told inactive that day, not reminded of first
        pledge_ids = [p for p in pledge_ids if not looks[p].inactive_by(day)]
        if not pledge_ids:
            continue
        rows = unsent.get(person.id, [])
        items = _folded(rows, [looks[p].item(p, pledges[p]) for p in pledge_ids])
        payload = {**outbox_meta(items, day), "reply": compose_json(items, day),
                   **working_hours(zone, person.country_iso3)}
        listed[key] = (person.id, pledge_ids)
        earlier = [row.id for row in rows if row.key != key]
        if any(row.key == key for row in rows):  # this day's, waiting for their hours: it lists these too
            await repo.rewrite(next(row.id for row in rows if row.key == key), payload)
            rewritten.add(key)
            dropped += earlier
            continue
        messages.append({"key": key, "chat_id": person.chat_id, "contact_id": person.id, "priority": outbox.BULK,
                         "payload": payload, "not_before": send_at, "created_at": now})
        folding[key] = earlier
    # a key already there and not pending (sent, or being sent): what it would have listed waits for the next day
    written = await repo.add_messages(messages)
    # one reminder a day: those whose day passed unsent (downtime) go in the new one, not beside it
    await repo.drop_all([*dropped, *(row_id for key in written for row_id in folding[key])])
    for key in written | rewritten:
        for pledge_id in listed[key][1]:
            looks[pledge_id].reached = True
    await repo.release([(listed[key][0], p) for key in written | rewritten for p in listed[key][1]
                        if (listed[key][0], p) in expired])
    candidates = [i for i in ids if not looks[i].covered and not looks[i].deferred
                  and looks[i].may_escalate(now.date())]
    unfollowed = {i for i in candidates if not _followers(people.get(looks[i].entity_id, ()), i, holds)}
    # coordinators are told once the focal points had their time to answer; at once of a pledge nobody follows
    escalating = [i for i in candidates if i in unfollowed or looks[i].reminded_before
                  or looks[i].kind != ESCALATE_KIND]
    return len(written) + await _escalate(repo, looks, escalating, unfollowed, pledges, now, default_zone)


async def _tell_inactive(repo: Reminders, crossings: dict[int, Crossing], now: datetime, default_zone: str) -> int:
    """Tell the focal points of the pledges that went inactive lately, once a crossing (handlers.inactive_notices);
    how many messages were enqueued. A pledge being reported meanwhile (claim, as _enqueue_batch) is left to the next
    plan, which finds it active again."""
    ids = sorted(p for p, crossing in crossings.items() if crossing.due(now.date()))
    telling: dict[int, tuple[int, Silent]] = {}
    for chunk in _chunks(ids):
        claimed = await repo.claim(chunk)
        for pledge_id in chunk:
            if claimed.get(pledge_id) != crossings[pledge_id].reports:
                crossings[pledge_id].deferred = True
        for row in await repo.pledges(p for p in chunk if not crossings[p].deferred):
            crossing = crossings[row.id]
            telling[row.id] = (crossing.entity_id, replace(crossing.silent, ref=row.ref or "", title=row.title))
    return await announce(repo, telling, now, default_zone)


def _folded(rows: Sequence[Any], fresh: list[Item]) -> list[Item]:
    """What a person's reminder lists: the pledges of their reminders not sent yet (Reminders.unsent_of, oldest
    first), then those due now; a pledge listed again as it stands now, in its first place."""
    items = {item.pledge_id: item for row in rows for item in map(Item.from_json, row.payload["reminder"]["items"])}
    items.update((item.pledge_id, item) for item in fresh)
    return list(items.values())


def _followers(focal_points: Sequence[Any], pledge_id: int, holds: dict[tuple[int, int], Any]) -> list[Any]:
    """The reachable focal points who still take a pledge's reminders: all but those who said it is not theirs."""
    return [person for person in focal_points
            if (hold := holds.get((person.id, pledge_id))) is None or hold.reason != NOT_MINE]


async def followers(repo: Reminders, pledge: Pledge) -> list[Any]:
    """The reachable focal points of the pledge's organisation who still take its reminders (_followers)."""
    assert pledge.id is not None
    holds = {(hold.contact_id, hold.pledge_id): hold for hold in await repo.holds([pledge.id])}
    return _followers(await repo.focal_points([pledge.entity_id]), pledge.id, holds)


def _recipients(look: _Look, primary: int | None, focal_points: Sequence[Any], pledge_id: int,
                expired: set[tuple[int, int]], holds: dict[tuple[int, int], Any]) -> Sequence[Any]:
    """Who this plan reminds of a pledge: its primary focal point alone for the early and due-date reminders (while
    it is one of the entity's focal points who still follow it, no "not mine", and no earlier period is owed), every
    focal point from a week after, or at once when the primary said the pledge is not theirs; and anyone whose
    "later" came."""
    if (look.kind not in PRIMARY_KINDS or look.behind
            or not any(person.id == primary for person in _followers(focal_points, pledge_id, holds))):
        return focal_points  # those with a hold are left out by the caller
    return [person for person in focal_points if person.id == primary or (person.id, pledge_id) in expired]


async def _escalate(repo: Reminders, looks: dict[int, _Look], ids: list[int], unfollowed: set[int],
                    pledges: dict[int, Any], now: datetime, default_zone: str) -> int:
    """Tell each coordinator whose scope covers them of the pledges still unreported two weeks after their due
    date (once a period: the ledger records it), those that no focal point follows apart; how many messages were
    enqueued.

    One message per coordinator and day (esc:<coordinator>:<their day>): pledges escalated when the coordinator's
    message of that day is already written (an earlier batch of this plan, or a plan of the weekend waiting for
    Monday) are added to it while it is not sent; once it is, they go in that coordinator's message of the next day
    (the other coordinators of their scope, told today, are not told again); should that one be sent too, they are
    tried again tomorrow (_Look.unescalated)."""
    if not ids:
        return 0
    waiting: dict[int, tuple[Any, str, datetime, list[Escalating]]] = {}
    for coordinator, scope in await repo.coordinators():
        covered = sorted(await repo.in_scope(scope, ids))
        if not covered:
            continue
        zone = zone_of(coordinator.timezone, coordinator.country_iso3, default_zone)
        entries = [Escalating(looks[p].item(p, pledges[p]), pledges[p].entity, p in unfollowed) for p in covered]
        waiting[coordinator.id] = (coordinator, zone, next_allowed(now, zone, coordinator.country_iso3), entries)
    enqueued = 0
    for _ in range(2):  # the coordinator's message of their day; that one sent already, the next day's
        messages: list[dict[str, Any]] = []
        listed: dict[str, tuple[int, list[Escalating]]] = {}
        for coordinator, zone, send_at, entries in waiting.values():
            key = f"{ESCALATION_KEY_PREFIX}{coordinator.id}:{local_day(send_at, zone).isoformat()}"
            hours = working_hours(zone, coordinator.country_iso3)
            messages.append({"key": key, "chat_id": coordinator.chat_id, "contact_id": coordinator.id,
                             "priority": outbox.BULK, "payload": {**escalation_payload(entries), **hours},
                             "not_before": send_at, "created_at": now})
            listed[key] = (coordinator.id, entries)
        written = await repo.add_messages(messages)
        enqueued += len(written)
        told = written | await _add_to_escalations(repo, {key: entries for key, (_, entries) in listed.items()
                                                          if key not in written})
        late: dict[int, tuple[Any, str, datetime, list[Escalating]]] = {}
        for key, (coordinator_id, entries) in listed.items():
            if key in told:
                for entry in entries:
                    looks[entry.item.pledge_id].escalated = True
                continue
            coordinator, zone, send_at, _ = waiting[coordinator_id]
            late[coordinator_id] = (coordinator, zone, allowed_the_day_after(send_at, zone, coordinator.country_iso3),
                                    entries)
        waiting = late
        if not waiting:
            break
    for _, _, _, entries in waiting.values():  # not even the next day's could take them (sent already): tomorrow
        for entry in entries:
            looks[entry.item.pledge_id].unescalated = True
    return enqueued


async def _add_to_escalations(repo: Reminders, adding: dict[str, list[Escalating]]) -> set[str]:
    """Add these pledges to the coordinators' escalations of the same key not sent yet (each pledge listed once, as
    it stands now); the keys of those that list them now."""
    if not adding:
        return set()
    added: set[str] = set()
    for row in await repo.pending_escalations():
        if row.key not in adding or "escalation" not in row.payload:  # queued before escalations kept their
            continue  # pledges: rewritten, it would lose those
        entries = {e.item.pledge_id: e for e in map(Escalating.from_json, row.payload["escalation"])}
        merged = {**entries, **{e.item.pledge_id: e for e in adding[row.key]}}
        if merged != entries:
            await repo.rewrite(row.id, {**escalation_payload(list(merged.values())), **hours_kept(row.payload)})
        added.add(row.key)
    return added


async def withdraw_changed(repo: Reminders, entity_id: int, now: datetime, reporter: int | None = None) -> int:
    """Bring up to date the reminders, escalations and inactive notices not sent yet that may list this
    organisation's pledges, in the transaction that changed one (a report stored, a pledge completed or withdrawn, its
    status already written): a reminder already queued never asks for a report that has just arrived or for a pledge
    that ended, nor a notice says its pledge is inactive (the next plan, up to a quarter of an hour later, would come
    too late for one due meanwhile). Only the organisation's people's reminders and notices are read and locked, with
    the coordinators' few escalations: another organisation's are brought up to date by its own reports. The
    `reporter`'s own reminders lose the reported pledge whole: the thanks for the report say what is still owed. How
    many rows changed."""
    rows = await repo.settling(entity_id)
    return (await withdraw_stale(repo, now, rows.reminders, reporter)
            + await withdraw_escalated(repo, now, rows.escalations)
            + await withdraw_revived(repo, now, rows.notices))


async def withdraw_stale(repo: Reminders, now: datetime, rows: Sequence[Any], told: int | None = None) -> int:
    """Bring these reminders not sent yet (Reminders.pending) up to date: the pledges reported meanwhile, put on
    hold, no longer validated (completed, withdrawn) or gone inactive are taken out; a pledge behind on several
    periods stays, for the earliest still owed, except in the reminders of the person `told` already; the others are
    counted as they stand now, and a reminder whose day passed unsent speaks of the day it goes out on. How many
    rows changed (a row left with nothing is deleted)."""
    if not rows:
        return 0
    listings = [(row, [Item.from_json(data) for data in row.payload.get("reminder", {}).get("items", [])])
                for row in rows]
    listed = {i.pledge_id for _, items in listings for i in items}
    reported, pledges = await _standing(repo, [i for _, items in listings for i in items])
    holds = {(h.contact_id, h.pledge_id): h for h in await repo.holds(listed)}
    since = inactive_cutoff(now)
    changed = 0
    for row, items in listings:
        meta = row.payload.get("reminder") or {}
        going = _day_of(row.payload, now)  # the reader's day it goes out on: a pledge inactive by then is left out
        keep = [kept for i in items if not _held(holds.get((row.contact_id, i.pledge_id)), now)
                and (kept := _still_owed(i, reported, pledges.get(i.pledge_id), now.date(), since,
                                         move=row.contact_id != told, going=going)) is not None]
        day = going if keep else None
        if keep == items and day == date.fromisoformat(meta["day"]):
            continue
        changed += 1
        await _write_back(repo, row, keep, day)
    return changed


async def _write_back(repo: Reminders, row: Any, keep: list[Item], day: date | None) -> None:
    """A reminder not sent yet, rewritten to list `keep` on `day` (its working hours kept); dropped when nothing is
    left (`day` None, or `keep` empty)."""
    if keep and day is not None:
        await repo.rewrite(row.id, {**outbox_meta(keep, day), "reply": compose_json(keep, day),
                                    **hours_kept(row.payload)})
    else:
        await repo.drop(row.id)


async def rescope_escalations(repo: Reminders, contact_id: int, scope: Scope | None) -> int:
    """Bring a coordinator's escalations not sent yet to the scope they have now (None: they are a coordinator no
    more): the pledges outside it are taken out, a message left with none dropped. Written for the scope they had
    and held for their working hours, they went out after staff changed it (a tester). The pledges taken out stay
    escalated for their period to the coordinators who cover them. How many rows changed."""
    changed = 0
    for row in await repo.pending_escalations(contact_id):  # theirs alone locked: a role change is not a plan
        entries = [Escalating.from_json(data) for data in row.payload.get("escalation", [])]
        covered = await repo.in_scope(scope, [e.item.pledge_id for e in entries]) if scope is not None else set()
        keep = [e for e in entries if e.item.pledge_id in covered]
        if keep == entries and entries:  # one queued before escalations kept their pledges cannot be read: it goes
            continue
        changed += 1
        await _keep_only(repo, row, keep)
    return changed


async def _keep_only(repo: Reminders, row: Any, keep: list[Escalating]) -> None:
    """Rewrite a coordinator's escalation not sent yet with the pledges `keep`; drop it when none is left."""
    if keep:
        await repo.rewrite(row.id, {**escalation_payload(keep), **hours_kept(row.payload)})
    else:
        await repo.drop(row.id)


async def withdraw_escalated(repo: Reminders, now: datetime, rows: Sequence[Any] | None = None) -> int:
    """Take out of the coordinators' escalations not sent yet (`rows`, read here when None:
    Reminders.pending_escalations) the pledges reported meanwhile, and those whose earliest period owed is not overdue
    (a cadence changed since: a tester's coordinator read "overdue since 30 Jan 2028" in December 2027): a pledge
    behind on several periods stays, for the earliest still owed. How many rows changed."""
    if rows is None:
        rows = await repo.pending_escalations()
    listings = [(row, [Escalating.from_json(data) for data in row.payload.get("escalation", [])]) for row in rows]
    listings = [(row, entries) for row, entries in listings if entries]  # queued before they kept their pledges
    if not listings:
        return 0
    reported, pledges = await _standing(repo, [e.item for _, entries in listings for e in entries])
    since = inactive_cutoff(now)
    changed = 0
    for row, entries in listings:
        keep = [replace(e, item=kept) for e in entries
                if (kept := _still_owed(e.item, reported, pledges.get(e.item.pledge_id), now.date(), since))
                is not None and kept.due < now.date()]
        if keep == entries:
            continue
        changed += 1
        await _keep_only(repo, row, keep)
    return changed


async def _standing(repo: Reminders, items: Sequence[Item]
                    ) -> tuple[dict[int, tuple[date | None, list[str]]], dict[int, Any]]:
    """What withdrawing reads of these items' pledges: the periods reported (Reminders.coverage), and where each
    pledge stands (Reminders.reportable: its status, when it was last active, what the reporting rules read)."""
    ids = {i.pledge_id for i in items}
    return await repo.coverage(ids), await repo.reportable(ids)


def _day_of(payload: dict[str, Any], now: datetime) -> date:
    """The day a reminder speaks of ("due on", "overdue since"): the one it was written for, or, once that day
    passed unsent (downtime), the day it can go out on now in its reader's working hours."""
    day = date.fromisoformat(payload["reminder"]["day"])
    zone, country = payload.get(WORKING_HOURS) or (None, None)
    return max(day, local_day(next_allowed(now, zone, country), zone)) if zone else max(day, now.date())


def _still_owed(item: Item, coverage: dict[int, tuple[date | None, list[str]]], pledge: Any, today: date,
                since: datetime, move: bool = True, going: date | None = None) -> Item | None:
    """The item as it stands now: None when its pledge is no longer validated (completed, withdrawn), is inactive
    (last active no later than `since`, models.reporting.inactive_cutoff: no more reminders; or, for a reminder going
    out on its reader's day `going`, inactive by that day: east of UTC, a day before the planner's), or its period is
    reported and it owed no later one (or the reader is the reporter: not `move`); else the earliest period still
    owed, counted up to the latest due (Reminding), as planning would list it today."""
    if pledge is None or pledge.status != PledgeStatus.validated or pledge.active_at <= since:
        return None
    crossing = inactive_since(as_day(pledge.active_at), None)
    if going is not None and crossing is not None and crossing <= going:
        return None
    if _covered(item, coverage) and (item.owed <= 1 or not move):
        return None
    stands = where_reporting_stands(cast(Reportable, pledge), coverage.get(item.pledge_id, (None, []))[1], today)
    upcoming, schedule = stands if stands is not None else (None, None)
    if upcoming is None or schedule is None or upcoming.due is None:
        return None
    return replace(item, period=upcoming.period, due=upcoming.due, owed=schedule.owed,
                   last=schedule.period if schedule.owed > 1 else None)


def _covered(item: Item, coverage: dict[int, tuple[date | None, list[str]]]) -> bool:
    """True when the item's period is reported, counted from its pledge's first day (Reminders.coverage) as the
    planner counts it (next_report): a year of a pledge begun in May is covered by its quarters since."""
    start, periods = coverage.get(item.pledge_id, (None, []))
    return is_covered(item.period, periods, start)


def _held(hold: Any, now: datetime) -> bool:
    return hold is not None and (hold.reason == NOT_MINE or (hold.reason == LATER and hold.until > now))


NUDGE_INTRO = N_("🤝 A friendly reminder from the Partner2Connect team.")


@dataclass(frozen=True, slots=True)
class Nudged:
    """What a coordinator's nudge did: the overdue period (None: nothing is overdue), the focal points reached, and
    why there may be none: how many reachable focal points still take the pledge's reminders, and how many said it
    is not theirs."""

    period: str | None
    sent: int
    following: int = 0
    disowning: int = 0


async def nudge(repo: Reminders, pledge: Pledge, now: datetime, default_zone: str = "UTC") -> Nudged:
    """A coordinator's nudge about an overdue pledge: the reminder of its overdue period to each of its focal points.

    The same message as the scheduled reminders (with a friendly first line) under the same key, rm:<contact>:<their
    day>, so a person still gets at most one reminder a day, nudges and scheduled ones together: a reminder of theirs
    still waiting for their working hours takes the pledge in (an older one folded into it, as planning does), and
    one that lists the pledge already is left as it is; in their working hours; not to those who said "not mine" or
    "later" (until then); taken out of the outbox, like any reminder, when the report arrives before it goes.
    """
    assert pledge.id is not None
    await repo.claim([pledge.id], wait=True)  # a report being stored first is read; one stored after finds this
    reported = (await repo.reported_periods([pledge.id])).get(pledge.id, [])
    stands = where_reporting_stands(pledge, reported, now.date()) if pledge.status == PledgeStatus.validated else None
    if stands is None or stands[1] is None or not stands[0].overdue or stands[0].due is None:
        return Nudged(None, 0)
    holds = {(hold.contact_id, hold.pledge_id): hold for hold in await repo.holds([pledge.id])}
    focal_points = await repo.focal_points([pledge.entity_id])
    following = _followers(focal_points, pledge.id, holds)
    sent = await _remind_at_once(repo, pledge, stands, json_of(Text(NUDGE_INTRO)),
                                 [person for person in following if not _held(holds.get((person.id, pledge.id)), now)],
                                 now, default_zone)
    return Nudged(stands[0].period, sent, len(following), len(focal_points) - len(following))


async def reminder_waiting(repo: Reminders, pledge: Pledge) -> int:
    """How many of the pledge's focal points have a reminder listing it waiting in the outbox for their working hours
    (a tester: a nudge on a Saturday answered "already has today's reminder", the reminder held for Monday)."""
    waiting = 0
    for person in await repo.focal_points([pledge.entity_id]):
        for row in await repo.pending(contact_id=person.id):
            items = (row.payload.get("reminder") or {}).get("items") or []
            if any(isinstance(item, list) and item and item[0] == pledge.id for item in items):
                waiting += 1
                break
    return waiting


PASSED_ON_INTRO = N_("ℹ️ The focal point who followed {ref} told us it is not their pledge any more: its reminders "
                     "now come to you.")


async def pass_on(repo: Reminders, pledge: Pledge, declined_by: int, now: datetime,
                  default_zone: str = "UTC") -> int:
    """The reminder its primary focal point alone was given (early or on the due date: PRIMARY_KINDS, one period
    owed), sent now to the colleagues who follow the pledge, when that focal point says it is not theirs any more
    (their "not mine" recorded first; the caller claimed the pledge before: models.repositories.reminders.claim):
    the planner would reach the colleagues only a week after the due date. In their working hours, at most one
    reminder a day (nudge's rules; a colleague whose reminder of the day went already gets it the next working day),
    not the early one to those who turned the optional reminders off, with a first line saying why it comes to them.
    How many were reached (0: no report of the pledge is due now, the decliner was not its primary, or everyone was
    reminded already)."""
    assert pledge.id is not None
    if (pledge.primary_contact_id or pledge.created_by) != declined_by:
        return 0
    given = await _given_to_primary(repo, pledge, now)
    if given is None:
        return 0
    stands, early = given
    holds = {(hold.contact_id, hold.pledge_id): hold for hold in await repo.holds([pledge.id])}
    reaching = [person for person in _followers(await repo.focal_points([pledge.entity_id]), pledge.id, holds)
                if person.id != declined_by and not _held(holds.get((person.id, pledge.id)), now)
                and (person.optional_reminders or not early)]
    intro = json_of(text(PASSED_ON_INTRO, ref=Code(pledge.ref or "")))
    return await _remind_at_once(repo, pledge, stands, intro, reaching, now, default_zone, next_day=True)


async def hand_on(repo: Reminders, leaving: int, pledges: Sequence[Pledge], successor: int | None, now: datetime,
                  default_zone: str = "UTC") -> int:
    """A focal point leaving their organisation (handlers.departures.leave_focal_points, after `pledges` were handed
    to `successor`): their reminders and inactive notices not sent yet go, being no longer theirs to answer (their
    buttons would refuse them); and the reminder of a handed pledge that they alone were given (early or on the due
    date, as pass_on) goes to the successor, in their working hours (the next working day if theirs of the day went
    already), unless the successor said the pledge is not theirs or turned the optional reminders off for an early
    one: the planner, having given it, would reach them only a week after the due date. How many reminders were
    written for the successor."""
    await repo.drop_all(row.id for row in await repo.pending(contact_id=leaving))
    await repo.drop_all(row.id for row in await repo.waiting_notices(contact_id=leaving))
    if successor is None or not pledges:
        return 0
    person = next((person for person in await repo.focal_points({p.entity_id for p in pledges})
                   if person.id == successor), None)
    if person is None:  # blocked the bot: nobody to remind
        return 0
    holds = {(hold.contact_id, hold.pledge_id): hold for hold in await repo.holds(p.id for p in pledges if p.id)}
    reached = 0
    for pledge in pledges:
        said = holds.get((leaving, pledge.id or 0))
        if said is not None and said.reason == NOT_MINE:  # its reminder went to the colleagues already (pass_on)
            continue
        given = await _given_to_primary(repo, pledge, now)
        if given is None or _held(holds.get((successor, pledge.id or 0)), now) \
                or (given[1] and not person.optional_reminders):
            continue
        reached += await _remind_at_once(repo, pledge, given[0], None, [person], now, default_zone, next_day=True)
    return reached


async def reassigned(repo: Reminders, held: Mapping[int, Sequence[Pledge]], successor: int, now: datetime,
                     default_zone: str = "UTC") -> int:
    """Staff made `successor` the primary focal point of pledges (/reassign; `held`: by the focal point they went to
    first before, who stays one of the organisation's): the reminder of such a pledge that its former primary alone
    was given (early or on the due date, as pass_on) leaves that person's reminder not sent yet and goes to the
    successor, in their working hours (their next working day if theirs of the day went already); not the early one
    if they turned the optional reminders off, nor to one who said the pledge is not theirs. How many reminders were
    written for the successor."""
    pledges = [pledge for holder, owned in held.items() if holder != successor for pledge in owned]
    focal_points = await repo.focal_points({p.entity_id for p in pledges})
    person = next((person for person in focal_points if person.id == successor), None)
    holds = {(hold.contact_id, hold.pledge_id): hold for hold in await repo.holds(p.id for p in pledges if p.id)}
    reached = 0
    for holder, owned in held.items():
        if holder == successor or person is None:
            continue
        moving = [(pledge, given) for pledge in owned
                  if _theirs_alone(holder, pledge, focal_points, holds)
                  and not _held(holds.get((successor, pledge.id or 0)), now)
                  and (given := await _given_to_primary(repo, pledge, now)) is not None
                  and (person.optional_reminders or not given[1])]
        if moving:  # only what the successor gets is taken from the former first focal point
            await _leave_out(repo, holder, _of_pledges({pledge.id for pledge, _ in moving}))
        for pledge, (stands, _early) in moving:
            reached += await _remind_at_once(repo, pledge, stands, None, [person], now, default_zone, next_day=True)
    return reached


def _theirs_alone(holder: int, pledge: Pledge, focal_points: Sequence[Any], holds: dict[tuple[int, int], Any]) -> bool:
    """True when the reminders of a pledge went to `holder` alone as its first focal point: one of its organisation's
    reachable focal points who did not say it is not theirs (else every focal point had them: _recipients)."""
    hold = holds.get((holder, pledge.id or 0))
    return any(person.id == holder for person in focal_points) and (hold is None or hold.reason != NOT_MINE)


async def _leave_out(repo: Reminders, contact_id: int, out: Callable[[Item, date], bool]) -> None:
    """Take the items `out` says (of an item and the reminder's day) out of the person's reminders not sent yet (a
    reminder left with none goes)."""
    for row in await repo.pending(contact_id=contact_id):
        items = [Item.from_json(data) for data in row.payload.get("reminder", {}).get("items", [])]
        if not items:
            continue
        day = date.fromisoformat(row.payload["reminder"]["day"])
        keep = [item for item in items if not out(item, day)]
        if keep != items:
            await _write_back(repo, row, keep, day)


def _of_pledges(ids: set[int | None]) -> Callable[[Item, date], bool]:
    """_leave_out's test of the items of these pledges."""
    return lambda item, _day: item.pledge_id in ids


EARLY_LEAD = timedelta(days=7)
"""An item of a reminder whose due date is more than this after the reminder's day is the early one (14 days before;
the due date's own reminder comes at most a few days before, moved off a weekend): optional."""


async def optional_turned_off(repo: Reminders, contact_id: int) -> None:
    """Optional reminders turned off (/settings): the early reminders (OPTIONAL_KINDS) waiting in the person's
    reminders not sent yet are taken out, and their reminders of an unfinished form not sent yet dropped; a report
    due, or owed with others, stays."""
    await _leave_out(repo, contact_id, lambda item, day: item.owed <= 1 and item.due - day > EARLY_LEAD)
    await repo.drop_draft_reminders(contact_id)


async def _given_to_primary(repo: Reminders, pledge: Pledge, now: datetime
                            ) -> tuple[tuple[NextReport, Reminding | None], bool] | None:
    """Where the reporting of a validated pledge stands, and whether its reminder is the early one (optional), when
    the reminder of its period owed now went to its primary focal point alone (PRIMARY_KINDS recorded as given, one
    period owed: behind on several, every focal point had it, _recipients); else None."""
    assert pledge.id is not None
    if pledge.status != PledgeStatus.validated:
        return None
    given = await repo.given(pledge.id)
    if given is None or not given[1] or not set(given[1]) <= PRIMARY_KINDS:
        return None
    reported = (await repo.reported_periods([pledge.id])).get(pledge.id, [])
    stands = where_reporting_stands(pledge, reported, now.date())
    if stands is None or stands[1] is None or stands[0].due is None or stands[1].period != given[0] \
            or stands[1].owed > 1:
        return None
    return stands, set(given[1]) <= OPTIONAL_KINDS


async def _remind_at_once(repo: Reminders, pledge: Pledge, stands: tuple[NextReport, Reminding | None],
                          intro: dict[str, Any] | None, reaching: Sequence[Any], now: datetime, default_zone: str, *,
                          next_day: bool = False) -> int:
    """The reminder of the pledge's period owed (`stands`, from where_reporting_stands) to these people under `intro`
    (None: none), as the scheduled ones go: rm:<contact>:<their day>, so that a person gets at most one reminder a day;
    a reminder of theirs still waiting for their working hours takes the pledge in (an older one folded into it, as
    planning does), one that lists it already is left as it is; in their working hours; taken out of the outbox, like
    any reminder, when the report arrives before it goes; with `next_day`, one whose reminder of the day was sent
    already gets it on their next working day. How many messages were written or rewritten."""
    assert pledge.id is not None and stands[1] is not None and stands[0].due is not None
    period, due, owed, last = stands[0].period, stands[0].due, stands[1].owed, stands[1].period
    item = Item(pledge.id, pledge.ref or "", pledge.title, period, due, owed, last if owed > 1 else None)
    unsent: dict[int, list[Any]] = defaultdict(list)
    for row in (await repo.unsent_of(((person.id, person.chat_id) for person in reaching), wait=True)).rows:
        if row.payload.get("reminder", {}).get("items"):
            unsent[row.contact_id].append(row)
    messages: list[dict[str, Any]] = []
    folding: dict[str, list[int]] = {}
    rewritten = 0
    for person in reaching:
        zone = zone_of(person.timezone, person.country_iso3, default_zone)
        send_at = next_allowed(now, zone, person.country_iso3)
        day = local_day(send_at, zone)
        key = f"{REMINDER_KEY_PREFIX}{person.id}:{day.isoformat()}"
        rows = unsent.get(person.id, [])
        # a reminder of theirs waiting for their working hours takes the pledge (and the first line), rather than a
        # second message beside it; one that lists it already is their reminder of it
        if any(listed[0] == pledge.id for row in rows for listed in row.payload["reminder"]["items"]):
            continue
        items = _folded(rows, [item])
        payload = _introduced(items, day, intro, zone, person.country_iso3)
        earlier = [row.id for row in rows if row.key != key]
        same = next((row for row in rows if row.key == key), None)
        if same is not None:
            await repo.rewrite(same.id, payload)
            await repo.drop_all(earlier)
            rewritten += 1
            continue
        messages.append({"key": key, "chat_id": person.chat_id, "contact_id": person.id, "priority": outbox.BULK,
                         "payload": payload, "not_before": send_at, "created_at": now})
        folding[key] = earlier
    written = await repo.add_messages(messages)
    await repo.drop_all([row_id for key in written for row_id in folding[key]])
    later: list[dict[str, Any]] = []
    for message in messages if next_day else ():
        if message["key"] in written:
            continue
        person = next(person for person in reaching if person.id == message["contact_id"])
        zone = zone_of(person.timezone, person.country_iso3, default_zone)
        send_at = allowed_the_day_after(now, zone, person.country_iso3)
        day = local_day(send_at, zone)
        later.append({**message, "key": f"{REMINDER_KEY_PREFIX}{person.id}:{day.isoformat()}", "not_before": send_at,
                      "payload": _introduced([item], day, intro, zone, person.country_iso3)})
    return len(written) + rewritten + len(await repo.add_messages(later) if later else ())


def _introduced(items: list[Item], day: date, intro: dict[str, Any] | None, zone: str, country: str | None
                ) -> dict[str, Any]:
    """The outbox payload of a reminder of these items on `day` under a first line `intro` (None: none), kept to its
    reader's working hours."""
    reply = compose_json(items, day)
    if intro is not None:
        reply["parts"].insert(0, intro)
    return {**outbox_meta(items, day), "reply": reply, **working_hours(zone, country)}
