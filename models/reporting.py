"""Reporting periods, due dates, overdue and inactive pledges (pure: no I/O); the reminder schedule built on them
is models.reminding.

Periods follow a pledge's cadence: annual "2026", semi-annual "2026-H2", quarterly "2026-Q3". A report
for a longer period covers the shorter ones inside it, and reports for every shorter period inside a
longer one cover it, so a change of cadence neither forgets nor asks again for what was reported.

A change of cadence applies from the period in progress and makes no period overdue (cadence_change): the
periods before `cadence_since` keep the previous cadence (made quarterly in December, the year is still due as
a year), and a longer new period takes in the shorter ones inside it (made annual in November, the year's
quarters are its parts). One earlier cadence is kept: after a second change, the periods before the first one
are walked in the second's cadence, which coverage reads alike (a year's report covers its quarters, and four
quarters their year).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol, cast

from models.values import PledgeStatus, ReportingCadence

OVERDUE_AFTER = timedelta(days=30)
"""A period's report is due this long after its last day."""
INACTIVE_AFTER_MONTHS = 24
"""A validated pledge with no report for this long is inactive (UN DESA practice): no more reminders."""

_PART_MONTHS = {"": (1, 12), "H1": (1, 6), "H2": (7, 12),
                "Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "Q4": (10, 12)}


class Reportable(Protocol):
    """What the rules read of a pledge (a Pledge row, or a plain row of the same columns)."""

    @property
    def start_date(self) -> date | None: ...
    @property
    def end_date(self) -> date | None: ...
    @property
    def reporting_cadence(self) -> str: ...
    @property
    def previous_cadence(self) -> str | None: ...
    @property
    def cadence_since(self) -> date | None: ...
    @property
    def status(self) -> str: ...


@lru_cache(maxsize=8192)
def period_of(day: date, cadence: str) -> str:
    """The reporting period containing a day: 2026, 2026-H2 or 2026-Q3."""
    if cadence == ReportingCadence.quarterly:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if cadence == ReportingCadence.semi_annual:
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    return str(day.year)


@lru_cache(maxsize=8192)
def _span(period: str) -> tuple[date, date]:
    year, _, part = period.partition("-")
    first, last = _PART_MONTHS[part]
    following = date(int(year) + (last == 12), last % 12 + 1, 1)
    return date(int(year), first, 1), following - timedelta(days=1)


def is_period(value: str) -> bool:
    """True for a well-formed period (2026, 2026-H1, 2026-Q4): its year in the digits 0-9 (as the digest's SQL reads
    it; "٢٠٢٥" and "²⁰²⁵" are digits to str.isdigit, and the second no number to int)."""
    year, _, part = value.partition("-")
    return (len(year) == 4 and year.isascii() and year.isdigit() and part in _PART_MONTHS
            and (part != "" or "-" not in value))


def period_start(period: str) -> date:
    """The first day of a reporting period."""
    return _span(period)[0]


def period_end(period: str) -> date:
    """The last day of a reporting period."""
    return _span(period)[1]


def due_date(period: str) -> date:
    """When a period's report is due: its last day plus 30 days."""
    return _span(period)[1] + OVERDUE_AFTER


def next_period(period: str, cadence: str) -> str:
    """The period that follows, in the given cadence."""
    return period_of(_span(period)[1] + timedelta(days=1), cadence)


def previous_period(period: str, cadence: str) -> str:
    """The period before, in the given cadence."""
    return period_of(_span(period)[0] - timedelta(days=1), cadence)


def latest_due_period(cadence: str, today: date) -> str:
    """The latest period of the cadence whose report is overdue by `today` (30 days past its end, as due_date)."""
    return previous_period(period_of(today - OVERDUE_AFTER, cadence), cadence)


def latest_due_periods(today: date) -> dict[str, str]:
    """For each reporting cadence, the latest period whose report is overdue by `today`."""
    return {cadence.value: latest_due_period(cadence, today) for cadence in ReportingCadence}


def covering_periods(period: str) -> tuple[str, ...]:
    """The periods one report of which covers `period` (is_covered): the period itself and the longer ones around it."""
    year, _, part = period.partition("-")
    around = [period]
    if part.startswith("Q"):
        around.append(f"{year}-H{1 if part in ('Q1', 'Q2') else 2}")
    if part:
        around.append(year)
    return tuple(around)


def quarters_of(period: str) -> tuple[str, ...]:
    """The quarters a period is made of (a quarter: itself). Reports cover a period when each of its quarters is
    covered (covering_periods of the quarter: the quarter, its half or its year): is_covered, as SQL can count it."""
    year = period.partition("-")[0]
    first, last = _span(period)
    return tuple(quarter for quarter in (f"{year}-Q{n}" for n in range(1, 5)) if first <= _span(quarter)[0] <= last)


def is_covered(period: str, reported: Iterable[str], start: date | None = None) -> bool:
    """True when reports cover the whole period (from `start`, the pledge's first day, when it begins inside it):
    one for it or a longer period around it, or shorter ones adding up to it day by day."""
    first, last = _span(period)
    if start is not None and start > first:
        first = start
    spans = []
    for other in reported:
        if other == period:
            return True
        if not is_period(other):
            continue  # a malformed label (an import's) covers nothing, rather than stopping the reminders
        begin, end = _span(other)
        if begin <= first and end >= last:
            return True
        if end >= first and begin <= last:
            spans.append((max(begin, first), min(end, last)))
    reach = first - timedelta(days=1)  # covered up to this day
    for begin, end in sorted(spans):
        if begin > reach + timedelta(days=1):
            return False
        reach = max(reach, end)
    return reach >= last


def cadence_on(pledge: Reportable, day: date) -> str:
    """The cadence of the pledge's period containing `day`: the previous one before a change took effect."""
    if pledge.cadence_since is not None and pledge.previous_cadence and day < pledge.cadence_since:
        return pledge.previous_cadence
    return pledge.reporting_cadence


def period_after(pledge: Reportable, period: str) -> str:
    """The pledge's period that follows `period` (in the cadence of its first day)."""
    return next_period(period, cadence_on(pledge, _span(period)[1] + timedelta(days=1)))


def _periods(pledge: Reportable, until: date) -> Iterable[str]:
    """The pledge's periods from its start, up to the one containing `until` (or its end date, if sooner)."""
    assert pledge.start_date is not None
    last = min(until, pledge.end_date) if pledge.end_date else until
    period = period_of(pledge.start_date, cadence_on(pledge, pledge.start_date))
    yield period
    while _span(period)[1] < last:
        period = period_after(pledge, period)
        yield period


@dataclass(frozen=True, slots=True)
class CadenceChange:
    """A pledge's cadence after staff set one (cadence_change): the new cadence, and the one its periods before
    `since` keep (both None when the new one applies from the pledge's start)."""

    cadence: str
    previous: str | None
    since: date | None


def cadence_change(pledge: Reportable, cadence: str, today: date) -> CadenceChange:
    """What setting `cadence` on `today` makes of the pledge's periods.

    No period turns overdue: the new cadence starts with its period around the start of the period in progress
    when that period of the new cadence is not overdue yet (quarterly from January set in February; annual set in
    November takes in the year's quarters), else after the period in progress (quarterly set in December: the year
    ends as a year). When that start is the pledge's own, the new cadence applies from its start. Set back to the
    cadence in force before the change took effect, the change is undone.
    """
    start = pledge.start_date
    now = cadence_on(pledge, today)
    if now == cadence:
        if pledge.cadence_since is not None and today < pledge.cadence_since:
            return CadenceChange(cadence, None, None)
        return CadenceChange(cadence, pledge.previous_cadence, pledge.cadence_since)
    if start is None:
        return CadenceChange(cadence, None, None)
    current = period_of(today, now)
    around = period_of(period_start(current), cadence)
    since = period_start(around) if due_date(around) >= today else period_end(current) + timedelta(days=1)
    previous = now
    if pledge.cadence_since is not None and since <= pledge.cadence_since:
        previous = pledge.previous_cadence or now  # the current cadence replaced whole: the earlier periods stay
    if since <= start or previous == cadence:
        return CadenceChange(cadence, None, None)
    return CadenceChange(cadence, previous, since)


_PER_YEAR = {ReportingCadence.annual: 1, ReportingCadence.semi_annual: 2, ReportingCadence.quarterly: 4}


@lru_cache(maxsize=16384)
def period_index(period: str, per_year: int) -> int | None:
    """A period of the cadence as a count of periods since year 0 (None: another cadence's, or malformed)."""
    if not is_period(period):  # "2025-", "2025-q1": no period at all, for the quick walk as for coverage
        return None
    year, _, part = period.partition("-")
    if per_year == 1:
        return int(year) if not part else None
    if len(part) == 2 and part[0] == ("H" if per_year == 2 else "Q") and "1" <= part[1] <= str(per_year):
        return int(year) * per_year + int(part[1]) - 1
    return None


def period_at(index: int, per_year: int) -> str:
    if per_year == 1:
        return str(index)
    year, part = divmod(index, per_year)
    return f"{year}-{'H' if per_year == 2 else 'Q'}{part + 1}"


def index_of_day(day: date, per_year: int) -> int:
    return day.year * per_year + (day.month - 1) * per_year // 12


def cadence_indices(pledge: Reportable, reported: tuple[str, ...]) -> tuple[int, set[int]] | None:
    """The pledge's periods a year and its reported periods as indices of its cadence (None: a report of another
    cadence, a change of cadence, or a cadence unknown: then periods are walked, checking coverage)."""
    per_year = _PER_YEAR.get(pledge.reporting_cadence)  # type: ignore[call-overload]
    if not per_year or pledge.cadence_since is not None:
        return None
    indices = {period_index(period, per_year) for period in reported}
    if None in indices:
        return None
    return per_year, cast(set[int], indices)


def _first_unreported(pledge: Reportable, per_year: int, indices: set[int], today: date) -> int:
    """The index of the earliest ended period not reported, else of the current one (the pledge's last one, once
    its end date has passed); `indices` of the pledge's own cadence."""
    assert pledge.start_date is not None
    first = index_of_day(pledge.start_date, per_year)
    last = index_of_day(min(today, pledge.end_date) if pledge.end_date else today, per_year)
    index = first
    while index < last and index in indices:  # periods before `last` have ended
        index += 1
    return index


def reportable_period(pledge: Reportable, reported: Iterable[str], today: date) -> str | None:
    """The period a new report is for: the earliest ended, unreported one; else the current one (None: no start)."""
    if pledge.start_date is None:
        return None
    reported = tuple(reported)
    same = cadence_indices(pledge, reported)
    if same is None:
        return _reportable_by_coverage(pledge, reported, today)
    return period_at(_first_unreported(pledge, *same, today), same[0])


def _reportable_by_coverage(pledge: Reportable, reported: tuple[str, ...], today: date) -> str | None:
    period = None
    for period in _periods(pledge, today):
        if _span(period)[1] >= today:
            break  # the current period: reached only when every ended one is reported
        if not is_covered(period, reported, pledge.start_date):
            return period
    return period


@dataclass(frozen=True, slots=True)
class NextReport:
    """Where a pledge's reporting stands on a day (next_report): what /report opens, what /mypledges says is due
    and what the reminders remind of, all three from this one answer."""

    period: str
    """The period a new report is for: the earliest ended period not reported, else the current one (the
    pledge's last one, once its end date has passed)."""
    due: date | None
    """When the next report not sent yet is due: that period's due date, or (it is reported already) the due date
    of the first later period of the pledge not reported; None when every period up to its end date is reported."""
    overdue: bool
    """That period is not reported and its due date has passed."""
    covered: bool = False
    """That period is reported already: a new report for it replaces the current one, and no reminder asks for it."""


def next_report(pledge: Reportable, reported: Iterable[str], today: date) -> NextReport | None:
    """Which period a new report is for, whether it is reported already, and when the next report is due (None: the
    pledge has no start date). The one rule of what is due: /report, /mypledges and the reminders all follow it."""
    if pledge.start_date is None:
        return None
    reported = tuple(reported)
    return next_report_with(pledge, reported, today, cadence_indices(pledge, reported))


def next_report_with(pledge: Reportable, reported: tuple[str, ...], today: date, same: tuple[int, set[int]] | None
                 ) -> NextReport | None:
    if same is not None:  # one cadence throughout (the planner's usual case): a period is covered when reported
        per_year, indices = same
        index = _first_unreported(pledge, per_year, indices, today)
        name = period_at(index, per_year)
        if index not in indices:
            owed = due_date(name)
            return NextReport(name, owed, owed < today)
        after = index + 1
        while after in indices:
            after += 1
        if pledge.end_date is not None and after > index_of_day(pledge.end_date, per_year):
            return NextReport(name, None, False, covered=True)
        return NextReport(name, due_date(period_at(after, per_year)), False, covered=True)
    period = _reportable_by_coverage(pledge, reported, today)
    if period is None:
        return None
    if not is_covered(period, reported, pledge.start_date):
        due = due_date(period)
        return NextReport(period, due, due < today)
    later = period
    while pledge.end_date is None or _span(later)[1] < pledge.end_date:  # the pledge's periods after this one
        later = period_after(pledge, later)
        if not is_covered(later, reported, pledge.start_date):
            return NextReport(period, due_date(later), False, covered=True)
    return NextReport(period, None, False, covered=True)


def owed_periods(pledge: Reportable, reported: Iterable[str], due: Mapping[str, str]) -> tuple[str, ...]:
    """The pledge's periods whose report is overdue and that reports do not cover, oldest first; `due` gives, per
    cadence, the latest period whose report is overdue (latest_due_periods). The pledge is overdue (next_report)
    exactly when there is one: a later period reported leaves an earlier one owed, as the reminders ask for it."""
    if pledge.start_date is None:
        return ()
    reported = tuple(period for period in reported if is_period(period))  # as SQL, which no malformed label matches
    latest = max(period_end(period) for period in due.values())
    owed = []
    for period in _periods(pledge, latest):
        last_due = due.get(cadence_on(pledge, period_start(period)))
        if last_due is None or period_end(period) > period_end(last_due):
            continue
        if not is_covered(period, reported, pledge.start_date):
            owed.append(period)
    return tuple(owed)


def latest_period_due(pledge: Reportable, due: Mapping[str, str]) -> str | None:
    """The pledge's period of the latest round due (`due`: latest_due_periods), as the digest's reporting rate counts
    it: its cadence's latest overdue period; after a change of cadence, when that period began before the change took
    effect, the previous cadence's latest overdue period before the change (quarterly until 2027 then annual: in
    January 2027, the third quarter of 2026, not the year 2025). None when the pledge's span misses that period."""
    if pledge.start_date is None:
        return None
    period = due.get(pledge.reporting_cadence)
    since, previous = pledge.cadence_since, pledge.previous_cadence
    if period is not None and since is not None and previous and period_start(period) < since:
        period = due.get(previous)
        last_before = period_of(since - timedelta(days=1), previous)
        if period is not None and period_end(period) > period_end(last_before):
            period = last_before
    if period is None or pledge.start_date > period_end(period):
        return None
    if pledge.end_date is not None and pledge.end_date < period_start(period):
        return None
    return period


def next_report_due(pledge: Reportable, reported: Iterable[str], today: date) -> date | None:
    """When the next progress report of a validated pledge is due (next_report); None when none is."""
    if pledge.status != PledgeStatus.validated:
        return None
    upcoming = next_report(pledge, reported, today)
    return upcoming.due if upcoming is not None else None


def is_overdue(pledge: Reportable, reported: Iterable[str], today: date) -> bool:
    """True when the report of an ended period is more than 30 days late (next_report)."""
    if pledge.status != PledgeStatus.validated:
        return False
    upcoming = next_report(pledge, reported, today)
    return upcoming is not None and upcoming.overdue


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def inactive_cutoff(now: datetime) -> datetime:
    """The end of the day 24 months before `now`'s: a validated pledge whose last report (else its validation, else
    its creation) is no later is inactive, and no more reminders go to it (the planner's rule, and /inactive's). By
    the (UTC) day: a pledge crossing the mark at 10:00 is inactive from the first plan of that day, as /mypledges
    then says it; a reminder for a reader east of UTC, whose day begins earlier, is held to that reader's day
    (handlers.report_reminders: inactive_by, _still_owed)."""
    cutoff = add_months(now.date(), -INACTIVE_AFTER_MONTHS)
    return datetime.combine(cutoff, time.max, tzinfo=now.tzinfo)


def inactive_since(last_report: date | None, validated: date | None) -> date | None:
    """The day a validated pledge becomes inactive: 24 months after its last report, or after validation."""
    reference = last_report or validated
    return add_months(reference, INACTIVE_AFTER_MONTHS) if reference is not None else None


def is_inactive(status: str, last_report: date | None, validated: date | None, today: date) -> bool:
    """True for a validated pledge with no report for 24 months (since validation when it has none)."""
    since = inactive_since(last_report, validated)
    return status == PledgeStatus.validated and since is not None and since <= today


def as_day(value: datetime | date | None) -> date | None:
    """The date of a timestamp (dates pass through)."""
    return value.date() if isinstance(value, datetime) else value
