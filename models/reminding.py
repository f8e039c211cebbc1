"""The reminder schedule of progress reports (pure: no I/O): per pledge and period, 14 days before the report is
due, on its due date, then a week and two weeks after, four at most; the planner (handlers.report_reminders)
records which were given.

When several periods are owed, a report is for the earliest (models.reporting.next_report) and the reminders
follow the latest one due (reminding): each period that falls due has its own four, and a message names the
earliest and counts the others, so a pledge behind on its reports is never left in silence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from models.reporting import (
    OVERDUE_AFTER,
    NextReport,
    Reportable,
    cadence_indices,
    due_date,
    index_of_day,
    is_covered,
    next_report,
    next_report_with,
    period_after,
    period_at,
    period_end,
    period_index,
)
from models.values import PledgeStatus

REMINDER_KINDS: tuple[tuple[str, timedelta], ...] = (
    ("before", timedelta(days=-14)),
    ("due", timedelta(days=0)),
    ("week1", timedelta(days=7)),
    ("week2", timedelta(days=14)),
)
"""The scheduled reminders of one period, by their offset from the due date: four at most a period."""


@dataclass(frozen=True, slots=True)
class Due:
    """A reminder to send now: the pledge's period, its due date and which of the four it is."""

    period: str
    due: date
    kind: str


NEVER = date(9999, 12, 31)
"""When a pledge needs no look unless it changes (a report, an edit)."""

_FIRST_REMINDER = REMINDER_KINDS[0][1]
DUE_KIND = REMINDER_KINDS[1][0]
"""The reminder of the due date itself."""


@dataclass(frozen=True, slots=True)
class Reminding:
    """Which period's reminders run for a pledge on a day (reminding): each period has its own four, so a period
    that falls due while an earlier one is still owed is reminded of too, never left in silence."""

    period: str
    """The latest period not reported whose first reminder's day has come (else the earliest not reported)."""
    owed: int
    """Periods not reported from the earliest (the one /report opens) up to `period`, both counted."""
    following: date | None
    """The first reminder's day of the pledge's next period after `period` (None: `period` is its last)."""

    def running(self, today: date) -> NextReport:
        """The period whose reminders run, as reminder_of reads where a pledge stands."""
        due = due_date(self.period)
        return NextReport(self.period, due, due < today)


def reminding(pledge: Reportable, reported: Iterable[str], today: date, upcoming: NextReport) -> Reminding:
    """The period whose reminders run today, for a pledge whose earliest unreported period is `upcoming.period`
    (next_report, not covered). Reminders name that earliest period, the one a report is for; their schedule follows
    the latest period due, four of them per period."""
    reported = tuple(reported)
    return _reminding(pledge, reported, today, upcoming, cadence_indices(pledge, reported))


def where_reporting_stands(pledge: Reportable, reported: Iterable[str], today: date
                           ) -> tuple[NextReport, Reminding | None] | None:
    """next_report, and reminding when its period is not reported (None: no start date): both at once, as the
    reminders' planner asks them of every pledge it looks at."""
    if pledge.start_date is None:
        return None
    reported = tuple(reported)
    same = cadence_indices(pledge, reported)
    upcoming = next_report_with(pledge, reported, today, same)
    if upcoming is None or upcoming.covered or upcoming.due is None:
        return (upcoming, None) if upcoming is not None else None
    return upcoming, _reminding(pledge, reported, today, upcoming, same)


def _reminding(pledge: Reportable, reported: tuple[str, ...], today: date, upcoming: NextReport,
               same: tuple[int, set[int]] | None) -> Reminding:
    if same is not None:  # one cadence throughout (the planner's usual case): counted on period indices
        return _reminding_by_index(pledge, *same, today, upcoming.period)
    period = target = upcoming.period
    owed = 1
    while pledge.end_date is None or period_end(period) < pledge.end_date:
        later = period_after(pledge, period)
        begins = due_date(later) + _FIRST_REMINDER
        if begins > today:
            return Reminding(target, owed, begins)
        period = later
        if not is_covered(later, reported, pledge.start_date):
            target, owed = later, owed + 1
    return Reminding(target, owed, None)


def _reminding_by_index(pledge: Reportable, per_year: int, indices: set[int], today: date, earliest: str) -> Reminding:
    first = period_index(earliest, per_year)
    assert first is not None
    began = index_of_day(today - OVERDUE_AFTER - _FIRST_REMINDER, per_year)  # the period whose first reminder's day ...
    if period_end(period_at(began, per_year)) + OVERDUE_AFTER + _FIRST_REMINDER > today:
        began -= 1  # ... has come, unless it has not ended long enough
    last = index_of_day(pledge.end_date, per_year) if pledge.end_date is not None else None
    if last is not None:
        began = min(began, last)
    target, owed = first, 1
    for index in range(first + 1, began + 1):
        if index not in indices:
            target, owed = index, owed + 1
    following = max(began, first) + 1
    if last is not None and following > last:
        return Reminding(period_at(target, per_year), owed, None)
    return Reminding(period_at(target, per_year), owed, due_date(period_at(following, per_year)) + _FIRST_REMINDER)


def next_look(period: str, covered: bool, today: date, given: Iterable[str], following: date | None = None,
              working: frozenset[int] | None = None) -> date:
    """The next day a pledge's reminders need deciding again if nothing about it changes meanwhile: its next
    scheduled reminder not given yet (reminder_day, in the `working` days of its organisation), else the first
    reminder's day of the period `following` (Reminding), or (its current period already reported) the day after
    that period."""
    if covered:
        end = period_end(period)
        return end + timedelta(days=1) if end >= today else NEVER
    due = due_date(period)
    given = set(given)
    for kind, offset in REMINDER_KINDS:
        if kind not in given and (day := reminder_day(kind, offset, due, working)) > today:
            return day
    return following if following is not None and following > today else NEVER


def reminder_day(kind: str, offset: timedelta, due: date, working: frozenset[int] | None = None) -> date:
    """The day a scheduled reminder comes: its offset from the due date; the due date's own, when the due date is a
    day off where the pledge's organisation is (`working`: its working days, 0 Monday), on the last working day
    before it, so that it comes while the report is still due, not after the weekend saying it is overdue."""
    day = due + offset
    if kind == DUE_KIND and working:
        for _ in range(6):
            if day.weekday() in working:
                break
            day -= timedelta(days=1)
    return day


def scheduled_kind(due: date, today: date, working: frozenset[int] | None = None) -> str | None:
    """The latest scheduled reminder whose day has come (None before the first): after a pause, only that one."""
    current = None
    for kind, offset in REMINDER_KINDS:
        if reminder_day(kind, offset, due, working) <= today:
            current = kind
    return current


_KIND_NAMES = frozenset(kind for kind, _ in REMINDER_KINDS)


def reminder_of(upcoming: NextReport, today: date, sent: Iterable[str] = (),
                working: frozenset[int] | None = None) -> Due | None:
    """The scheduled reminder that where a pledge stands (next_report) calls for today, if any (`sent`: kinds
    already sent for its period; other entries are ignored; `working`: the working days of the pledge's
    organisation, which move a due date's reminder off a weekend, reminder_day).

    None for a period already reported, before its first reminder's day, a reminder of this kind already sent, or
    four sent. A period's later reminders replace earlier ones missed (downtime).
    """
    if upcoming.covered or upcoming.due is None:
        return None
    kind = scheduled_kind(upcoming.due, today, working)
    sent = set(sent)
    if kind is None or kind in sent or len(_KIND_NAMES & sent) >= len(REMINDER_KINDS):
        return None
    return Due(upcoming.period, upcoming.due, kind)


def reminder_due(pledge: Reportable, reported: Iterable[str], today: date, sent: Iterable[str] = ()) -> Due | None:
    """The scheduled reminder a validated pledge needs today, if any (next_report, reminding, then reminder_of;
    `sent`: kinds already sent for the period whose reminders run, which Due names)."""
    if pledge.status != PledgeStatus.validated:
        return None
    reported = tuple(reported)
    upcoming = next_report(pledge, reported, today)
    if upcoming is None or upcoming.covered or upcoming.due is None:
        return None
    return reminder_of(reminding(pledge, reported, today, upcoming).running(today), today, sent)
