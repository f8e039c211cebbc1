"""Reporting periods, due dates, overdue, inactive and the reminder schedule, as tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.reminding import next_look, reminder_due, reminding, scheduled_kind
from models.reporting import (
    add_months,
    cadence_change,
    due_date,
    is_covered,
    is_inactive,
    is_overdue,
    is_period,
    latest_due_periods,
    next_report,
    next_report_due,
    owed_periods,
    period_end,
    period_of,
    period_start,
    reportable_period,
)


@dataclass
class P:
    """A pledge as the rules read it."""

    start_date: date | None
    end_date: date | None = date(2030, 12, 31)
    reporting_cadence: str = "annual"
    status: str = "validated"
    previous_cadence: str | None = None
    cadence_since: date | None = None

    def changed(self, cadence: str, today: date) -> P:
        """The pledge after staff set `cadence` on `today`."""
        change = cadence_change(self, cadence, today)
        return P(self.start_date, self.end_date, change.cadence, self.status, change.previous, change.since)


D = date


@pytest.mark.parametrize(("day", "cadence", "period", "start", "end", "due"), [
    (D(2026, 1, 1), "annual", "2026", D(2026, 1, 1), D(2026, 12, 31), D(2027, 1, 30)),
    (D(2026, 6, 30), "semi_annual", "2026-H1", D(2026, 1, 1), D(2026, 6, 30), D(2026, 7, 30)),
    (D(2026, 7, 1), "semi_annual", "2026-H2", D(2026, 7, 1), D(2026, 12, 31), D(2027, 1, 30)),
    (D(2026, 2, 28), "quarterly", "2026-Q1", D(2026, 1, 1), D(2026, 3, 31), D(2026, 4, 30)),
    (D(2026, 5, 15), "quarterly", "2026-Q2", D(2026, 4, 1), D(2026, 6, 30), D(2026, 7, 30)),
    (D(2026, 9, 30), "quarterly", "2026-Q3", D(2026, 7, 1), D(2026, 9, 30), D(2026, 10, 30)),
    (D(2026, 12, 31), "quarterly", "2026-Q4", D(2026, 10, 1), D(2026, 12, 31), D(2027, 1, 30)),
    (D(2028, 2, 29), "quarterly", "2028-Q1", D(2028, 1, 1), D(2028, 3, 31), D(2028, 4, 30)),
])
def test_periods_and_due_dates(day: date, cadence: str, period: str, start: date, end: date, due: date) -> None:
    assert period_of(day, cadence) == period
    assert (period_start(period), period_end(period), due_date(period)) == (start, end, due)


@pytest.mark.parametrize(("value", "valid"), [
    ("2026", True), ("2026-H2", True), ("2026-Q4", True), ("2026-Q5", False), ("2026-", False), ("26", False),
    ("2026-H1-x", False), ("abcd", False),
])
def test_period_shape(value: str, valid: bool) -> None:
    assert is_period(value) is valid


@pytest.mark.parametrize(("period", "reported", "covered"), [
    ("2026", {"2026"}, True),
    ("2026-Q2", {"2026"}, True),            # annual report covers the quarter (cadence made quarterly)
    ("2026-Q2", {"2026-H1"}, True),
    ("2026-Q3", {"2026-H1"}, False),
    ("2026", {"2026-H1", "2026-H2"}, True),  # halves cover the year (cadence made annual)
    ("2026", {"2026-Q1", "2026-Q2", "2026-Q3"}, False),
    ("2026", {"2026-Q1", "2026-Q2", "2026-H2"}, True),
    ("2026-H1", {"2025", "2027"}, False),
    ("2026", {"2026-H1", "2026-Q1", "2026-Q2", "2026-Q3"}, False),  # overlapping parts: Q4 is still missing
    ("2026", {"2026-H1", "2026-Q2", "2026-Q3", "2026-Q4"}, True),
])
def test_coverage_across_cadence_changes(period: str, reported: set[str], covered: bool) -> None:
    assert is_covered(period, reported) is covered


@pytest.mark.parametrize(("reported", "start", "covered"), [
    ({"2022-H2"}, D(2022, 7, 1), True),     # a pledge begun in July: its year is its second half
    ({"2022-H2"}, D(2022, 6, 30), False),
    ({"2022-Q3", "2022-Q4"}, D(2022, 8, 15), True),
    ({"2022-Q4"}, D(2022, 8, 15), False),
])
def test_coverage_counts_from_the_pledges_first_day(reported: set[str], start: date, covered: bool) -> None:
    assert is_covered("2022", reported, start) is covered


@pytest.mark.parametrize(("pledge", "reported", "today", "period", "due", "overdue"), [
    # annual, started 2025: 2025 has ended and is unreported
    (P(D(2025, 3, 1)), set(), D(2026, 1, 15), "2025", D(2026, 1, 30), False),
    (P(D(2025, 3, 1)), set(), D(2026, 1, 31), "2025", D(2026, 1, 30), True),
    (P(D(2025, 3, 1)), {"2025"}, D(2026, 6, 1), "2026", D(2027, 1, 30), False),
    # reporting early: the current period once every ended one is reported
    (P(D(2025, 3, 1)), {"2025", "2026"}, D(2026, 6, 1), "2026", D(2028, 1, 30), False),
    # gaps: the earliest unreported ended period comes first
    (P(D(2023, 1, 1)), {"2023", "2025"}, D(2026, 3, 1), "2024", D(2025, 1, 30), True),
    # quarterly
    (P(D(2026, 1, 10), reporting_cadence="quarterly"), {"2026-Q1"}, D(2026, 8, 1), "2026-Q2", D(2026, 7, 30),
     True),
    # cadence changed from annual to quarterly: the annual report of 2025 covers its quarters
    (P(D(2025, 1, 1), reporting_cadence="quarterly"), {"2025"}, D(2026, 4, 2), "2026-Q1", D(2026, 4, 30), False),
    # cadence changed from quarterly to semi-annual: Q1 and Q2 cover H1
    (P(D(2026, 1, 1), reporting_cadence="semi_annual"), {"2026-Q1", "2026-Q2"}, D(2026, 10, 1), "2026-H2",
     D(2027, 1, 30), False),
    # not started yet
    (P(D(2027, 5, 1)), set(), D(2026, 6, 1), "2027", D(2028, 1, 30), False),
    # ended pledge, every period reported: nothing is due any more
    (P(D(2024, 1, 1), D(2025, 6, 30)), {"2024", "2025"}, D(2026, 6, 1), "2025", None, False),
])
def test_reportable_period_due_and_overdue(pledge: P, reported: set[str], today: date, period: str,
                                           due: date | None, overdue: bool) -> None:
    assert reportable_period(pledge, reported, today) == period
    assert next_report_due(pledge, reported, today) == due
    assert is_overdue(pledge, reported, today) is overdue


@pytest.mark.parametrize(("pledge", "reported", "today", "expected"), [
    # b_reports #3: ended 31 Dec 2026, every period reported, 70 days later: nothing after the end is due
    (P(D(2023, 6, 1), D(2026, 12, 31)), {"2023", "2024", "2025", "2026"}, D(2027, 2, 9), ("2026", True, None, False)),
    # b_reports #3: the current period reported early: the next one's due date, not the reported one's
    (P(D(2024, 1, 1)), {"2024", "2025", "2026"}, D(2026, 12, 1), ("2026", True, D(2028, 1, 30), False)),
    # an ended pledge with its last period missing: that period, overdue, and no later one
    (P(D(2024, 1, 1), D(2025, 6, 30)), {"2024"}, D(2027, 1, 1), ("2025", False, D(2026, 1, 30), True)),
    # quarterly, the current quarter reported: the next quarter's due date
    (P(D(2026, 1, 1), reporting_cadence="quarterly"), {"2026-Q1", "2026-Q2"}, D(2026, 5, 1),
     ("2026-Q2", True, D(2026, 10, 30), False)),
])
def test_next_report_says_what_is_due_and_when(pledge: P, reported: set[str], today: date,
                                              expected: tuple[str, bool, date | None, bool]) -> None:
    upcoming = next_report(pledge, reported, today)
    assert upcoming is not None
    assert (upcoming.period, upcoming.covered, upcoming.due, upcoming.overdue) == expected
    assert upcoming.period == reportable_period(pledge, reported, today)
    assert next_report_due(pledge, reported, today) == upcoming.due


def test_not_validated_pledges_are_never_due_nor_overdue() -> None:
    for status in ("submitted", "completed", "withdrawn"):
        pledge = P(D(2024, 1, 1), status=status)
        assert next_report_due(pledge, set(), D(2026, 6, 1)) is None
        assert not is_overdue(pledge, set(), D(2026, 6, 1))
        assert reminder_due(pledge, set(), D(2026, 6, 1)) is None


@pytest.mark.parametrize(("day", "months", "expected"), [
    (D(2024, 2, 29), 24, D(2026, 2, 28)), (D(2024, 1, 31), 1, D(2024, 2, 29)), (D(2024, 11, 30), 2, D(2025, 1, 30)),
    (D(2024, 12, 15), 12, D(2025, 12, 15)),
])
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("status", "last", "validated", "today", "inactive"), [
    ("validated", None, D(2024, 6, 1), D(2026, 5, 31), False),
    ("validated", None, D(2024, 6, 1), D(2026, 6, 1), True),        # 24 months since validation, no report
    ("validated", D(2025, 1, 10), D(2022, 6, 1), D(2026, 6, 1), False),
    ("validated", D(2024, 1, 10), D(2022, 6, 1), D(2026, 1, 10), True),
    ("completed", None, D(2020, 6, 1), D(2026, 6, 1), False),
])
def test_inactive(status: str, last: date | None, validated: date | None, today: date, inactive: bool) -> None:
    assert is_inactive(status, last, validated, today) is inactive


@pytest.mark.parametrize(("today", "kind"), [
    (D(2027, 1, 15), None), (D(2027, 1, 16), "before"), (D(2027, 1, 29), "before"), (D(2027, 1, 30), "due"),
    (D(2027, 2, 5), "due"), (D(2027, 2, 6), "week1"), (D(2027, 2, 13), "week2"), (D(2029, 1, 1), "week2"),
])
def test_schedule_14_days_before_on_the_day_then_weekly(today: date, kind: str | None) -> None:
    assert scheduled_kind(D(2027, 1, 30), today) == kind


@pytest.mark.parametrize(("reported", "today", "sent", "expected"), [
    (set(), D(2027, 1, 10), set(), None),
    (set(), D(2027, 1, 16), set(), ("2026", "before")),
    (set(), D(2027, 1, 20), {"before"}, None),                 # one of each kind
    (set(), D(2027, 2, 1), {"before"}, ("2026", "due")),
    (set(), D(2027, 2, 20), set(), ("2026", "week2")),         # after downtime: the latest kind, once
    (set(), D(2027, 3, 20), {"before", "due", "week1", "week2"}, None),  # four at most
    ({"2026"}, D(2027, 2, 1), set(), None),                    # reported: no reminder
])
def test_reminder_due(reported: set[str], today: date, sent: set[str], expected: tuple[str, str] | None) -> None:
    due = reminder_due(P(D(2026, 2, 1)), reported, today, sent)
    assert (None if due is None else (due.period, due.kind)) == expected


def test_cadence_change_moves_the_next_reminder() -> None:
    """Annual → quarterly mid-year: the reminders follow the quarter, not the year."""
    annual, quarterly = P(D(2026, 1, 1)), P(D(2026, 1, 1), reporting_cadence="quarterly")
    assert reminder_due(annual, set(), D(2026, 4, 20)) is None
    due = reminder_due(quarterly, set(), D(2026, 4, 20))
    assert due is not None and (due.period, due.due, due.kind) == ("2026-Q1", D(2026, 4, 30), "before")


@given(start=st.dates(date(2018, 1, 1), date(2027, 12, 31)), cadence=st.sampled_from(["annual", "semi_annual",
                                                                                       "quarterly"]),
       today=st.dates(date(2018, 1, 1), date(2029, 12, 31)), ended=st.one_of(st.none(), st.dates(date(2018, 1, 1),
                                                                                                 date(2030, 1, 1))),
       picks=st.lists(st.integers(0, 45), max_size=12))
def test_the_quick_walk_agrees_with_the_walk_by_coverage(start: date, cadence: str, today: date, ended: date | None,
                                                          picks: list[int]) -> None:
    """Reports of the pledge's own cadence take a quick path; it must find what the general walk finds."""
    from models.reporting import _reportable_by_coverage, next_period

    pledge = P(start, ended, cadence)
    periods = [period_of(start, cadence)]
    for _ in range(45):
        periods.append(next_period(periods[-1], cadence))
    reported = tuple(periods[i] for i in sorted(set(picks)))
    assert reportable_period(pledge, reported, today) == _reportable_by_coverage(pledge, reported, today)


@pytest.mark.parametrize(("pledge", "cadence", "today", "expected"), [
    # quarterly set in December: 2026 ends as a year; its quarters would all be overdue already
    (P(D(2024, 3, 1)), "quarterly", D(2026, 12, 1), ("quarterly", "annual", D(2027, 1, 1))),
    # quarterly set in February: from January, the first quarter is not due yet
    (P(D(2024, 3, 1)), "quarterly", D(2026, 2, 15), ("quarterly", "annual", D(2026, 1, 1))),
    # ... nor in May, 30 days after it ended
    (P(D(2024, 3, 1)), "quarterly", D(2026, 4, 30), ("quarterly", "annual", D(2026, 1, 1))),
    (P(D(2024, 3, 1)), "quarterly", D(2026, 5, 1), ("quarterly", "annual", D(2027, 1, 1))),
    # a longer cadence takes the whole period around the one in progress
    (P(D(2025, 1, 1), reporting_cadence="quarterly"), "annual", D(2026, 11, 1), ("annual", "quarterly",
                                                                                  D(2026, 1, 1))),
    (P(D(2025, 1, 1), reporting_cadence="semi_annual"), "quarterly", D(2026, 8, 1), ("quarterly", "semi_annual",
                                                                                     D(2026, 7, 1))),
    (P(D(2025, 1, 1), reporting_cadence="semi_annual"), "quarterly", D(2026, 11, 15), ("quarterly", "semi_annual",
                                                                                       D(2027, 1, 1))),
    # the pledge's first period in progress: the new cadence from its start, unless a period of it is overdue
    (P(D(2026, 3, 1)), "quarterly", D(2026, 4, 10), ("quarterly", None, None)),
    (P(D(2026, 3, 1)), "quarterly", D(2026, 12, 1), ("quarterly", "annual", D(2027, 1, 1))),
    # not begun
    (P(D(2027, 3, 1)), "quarterly", D(2026, 12, 1), ("quarterly", None, None)),
    (P(None), "quarterly", D(2026, 12, 1), ("quarterly", None, None)),
    # set back before the change took effect: undone
    (P(D(2024, 3, 1), reporting_cadence="quarterly", previous_cadence="annual", cadence_since=D(2027, 1, 1)),
     "annual", D(2026, 12, 2), ("annual", None, None)),
    # set again once in effect: unchanged
    (P(D(2024, 3, 1), reporting_cadence="quarterly", previous_cadence="annual", cadence_since=D(2026, 1, 1)),
     "quarterly", D(2026, 12, 2), ("quarterly", "annual", D(2026, 1, 1))),
    # changed again in the same period: the periods over still keep the cadence they had
    (P(D(2024, 3, 1), reporting_cadence="quarterly", previous_cadence="annual", cadence_since=D(2027, 1, 1)),
     "semi_annual", D(2026, 12, 2), ("semi_annual", "annual", D(2027, 1, 1))),
])
def test_a_change_of_cadence_applies_from_the_period_in_progress(
        pledge: P, cadence: str, today: date, expected: tuple[str, str | None, date | None]) -> None:
    change = cadence_change(pledge, cadence, today)
    assert (change.cadence, change.previous, change.since) == expected


def test_quarterly_set_in_december_makes_no_quarter_of_the_year_overdue() -> None:
    """A pledge reported for 2024 and 2025, made quarterly on 1 December 2026: 2026 is still due as a year (in
    January), then quarters; before the change took effect from its start, 2026-Q1 was overdue at once."""
    pledge = P(D(2024, 3, 1)).changed("quarterly", D(2026, 12, 1))
    reported = {"2024", "2025"}
    upcoming = next_report(pledge, reported, D(2026, 12, 1))
    assert upcoming is not None
    assert (upcoming.period, upcoming.due, upcoming.overdue) == ("2026", D(2027, 1, 30), False)
    assert reminder_due(pledge, reported, D(2026, 12, 1)) is None
    upcoming = next_report(pledge, reported | {"2026"}, D(2027, 4, 20))
    assert upcoming is not None and (upcoming.period, upcoming.due) == ("2027-Q1", D(2027, 4, 30))


def test_annual_set_in_november_on_a_quarterly_pledge_asks_for_the_year() -> None:
    pledge = P(D(2025, 1, 1), reporting_cadence="quarterly").changed("annual", D(2026, 11, 1))
    reported = {"2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"}  # 2026-Q2 and Q3 missing
    upcoming = next_report(pledge, reported, D(2026, 11, 1))
    assert upcoming is not None
    assert (upcoming.period, upcoming.due, upcoming.overdue) == ("2026", D(2027, 1, 30), False)


_CADENCES = st.sampled_from(["annual", "semi_annual", "quarterly"])


@given(start=st.dates(date(2018, 1, 1), date(2027, 12, 31)), first=_CADENCES, second=_CADENCES, third=_CADENCES,
       one=st.dates(date(2018, 1, 1), date(2029, 12, 31)), later=st.integers(0, 800),
       picks=st.lists(st.integers(0, 45), max_size=12))
def test_a_change_of_cadence_makes_nothing_overdue_and_leaves_no_gap(
        start: date, first: str, second: str, third: str, one: date, later: int, picks: list[int]) -> None:
    """Whenever staff change the cadence (once, or twice), nothing turns overdue that was not, the periods follow
    each other day after day, and the ones before the change keep their cadence."""
    from models.reporting import _periods, cadence_on

    two = one + timedelta(days=later)
    before = P(start, None, first)
    walk = list(_periods(before, date(2031, 1, 1)))
    reported = {walk[i] for i in sorted(set(picks)) if i < len(walk)}
    after = before.changed(second, one)
    assert is_overdue(after, reported, one) <= is_overdue(before, reported, one)
    if is_overdue(after, reported, one):
        assert reportable_period(after, reported, one) == reportable_period(before, reported, one)
    again = after.changed(third, two)
    assert is_overdue(again, reported, two) <= is_overdue(after, reported, two)
    for pledge in (after, again):
        periods = list(_periods(pledge, date(2035, 1, 1)))
        for earlier, following in pairwise(periods):
            assert period_start(following) == period_end(earlier) + timedelta(days=1)
        for period in periods:
            assert period == period_of(period_start(period), cadence_on(pledge, period_start(period)))
        if pledge.cadence_since is not None:
            assert any(period_start(p) == pledge.cadence_since for p in periods)


def test_each_period_falling_due_has_its_own_reminders_while_an_earlier_one_is_owed() -> None:
    """e_loop #1: the reminders followed the earliest period owed; once its four were given, no later period was
    ever reminded of (silence for up to two years)."""
    pledge = P(D(2026, 1, 1))
    owed_2026 = next_report(pledge, set(), D(2027, 2, 20))
    assert owed_2026 is not None and owed_2026.period == "2026"
    assert reminding(pledge, set(), D(2027, 2, 20), owed_2026).following == D(2028, 1, 16)  # 2027's "before" day
    today = D(2028, 1, 16)
    upcoming = next_report(pledge, set(), today)
    assert upcoming is not None and upcoming.period == "2026", "a report is still for the earliest period"
    schedule = reminding(pledge, set(), today, upcoming)
    assert (schedule.period, schedule.owed, schedule.following) == ("2027", 2, D(2029, 1, 16))
    due = reminder_due(pledge, set(), today)  # the kinds given are 2027's: none yet
    assert due is not None and (due.period, due.due, due.kind) == ("2027", D(2028, 1, 30), "before")
    assert reminder_due(pledge, {"2026"}, today) == due


def test_a_cadence_change_brings_the_new_periods_reminders() -> None:
    """e_loop #1: made semi-annual in May 2027 with the first half unreported, the second half was never reminded
    of when it fell due."""
    pledge = P(D(2026, 1, 1), None, "semi_annual", previous_cadence="annual", cadence_since=D(2027, 1, 1))
    today = D(2028, 1, 16)  # the second half of 2027 is due on 30 Jan 2028
    upcoming = next_report(pledge, {"2026"}, today)
    assert upcoming is not None and upcoming.period == "2027-H1"
    schedule = reminding(pledge, {"2026"}, today, upcoming)
    assert (schedule.period, schedule.owed) == ("2027-H2", 2)
    due = reminder_due(pledge, {"2026"}, today)
    assert due is not None and (due.period, due.due, due.kind) == ("2027-H2", D(2028, 1, 30), "before")


def test_after_the_end_date_no_later_period_is_reminded_of() -> None:
    pledge = P(D(2026, 1, 1), D(2026, 12, 31))
    upcoming = next_report(pledge, set(), D(2028, 3, 1))
    assert upcoming is not None and upcoming.period == "2026"
    assert reminding(pledge, set(), D(2028, 3, 1), upcoming) == type(reminding(pledge, set(), D(2028, 3, 1),
                                                                              upcoming))("2026", 1, None)


def test_a_later_report_leaves_an_earlier_period_owed() -> None:
    """The demo's P2C-2025-00001: 2025 reported, 2024 not. The reminders ask for 2024; the periods owed say so too
    (the digest lists them), from the oldest."""
    pledge = P(D(2024, 1, 1))
    due = latest_due_periods(D(2026, 12, 1))
    assert owed_periods(pledge, {"2025"}, due) == ("2024",)
    assert owed_periods(pledge, set(), due) == ("2024", "2025")
    assert owed_periods(pledge, {"2024", "2025"}, due) == ()
    upcoming = next_report(pledge, {"2025"}, D(2026, 12, 1))
    assert upcoming is not None and (upcoming.period, upcoming.overdue) == ("2024", True)


@given(start=st.dates(date(2018, 1, 1), date(2027, 12, 31)), first=_CADENCES, second=_CADENCES,
       change=st.one_of(st.none(), st.dates(date(2018, 1, 1), date(2029, 12, 31))),
       ended=st.one_of(st.none(), st.dates(date(2018, 1, 1), date(2030, 1, 1))),
       today=st.dates(date(2018, 1, 1), date(2031, 12, 31)),
       picks=st.lists(st.tuples(st.integers(2017, 2031), st.sampled_from(["", "-H1", "-H2", "-Q1", "-Q2", "-Q3",
                                                                            "-Q4"])), max_size=14),
       malformed=st.lists(st.sampled_from(["2025-", "2025-q1", "2024-H3", "2025-Q5", "abcd", "20255", ""]),
                          max_size=2))
def test_periods_owed_agree_with_what_the_reminders_ask_for(
        start: date, first: str, second: str, change: date | None, ended: date | None, today: date,
        picks: list[tuple[int, str]], malformed: list[str]) -> None:
    """Whatever the cadences and the reports (of any cadence, before and after the pledge's span, and malformed
    labels an import could leave, which cover nothing), a pledge owes a period exactly when next_report says it is
    overdue, and the oldest one owed is the one a report is for."""
    pledge = P(start, ended, first)
    if change is not None:
        pledge = pledge.changed(second, change)
    reported = {f"{year}{part}" for year, part in picks} | set(malformed)
    owed = owed_periods(pledge, reported, latest_due_periods(today))
    upcoming = next_report(pledge, reported, today)
    assert upcoming is not None
    assert bool(owed) == upcoming.overdue
    if owed:
        assert owed[0] == upcoming.period
        assert all(due_date(period) < today and not is_covered(period, reported, start) for period in owed)
    assert owed == owed_periods(pledge, reported - set(malformed), latest_due_periods(today))


MONDAY_TO_FRIDAY, SUNDAY_TO_THURSDAY = frozenset(range(5)), frozenset({6, 0, 1, 2, 3})


@pytest.mark.parametrize(("working", "period", "reminded"), [
    (MONDAY_TO_FRIDAY, "2026-Q4", date(2027, 1, 29)),  # due on Saturday 30 January: the Friday before
    (MONDAY_TO_FRIDAY, "2027", date(2028, 1, 28)),  # due on Sunday 30 January 2028: the Friday before
    (MONDAY_TO_FRIDAY, "2027-Q1", date(2027, 4, 30)),  # due on a Friday: that day
    (SUNDAY_TO_THURSDAY, "2026-H2", date(2027, 1, 28)),  # Saturday, off with Friday: the Thursday
    (None, "2026-Q4", date(2027, 1, 30)),  # no week known: the due date
])
def test_a_due_date_on_a_day_off_is_reminded_of_on_the_working_day_before(working: frozenset[int] | None,
                                                                          period: str, reminded: date) -> None:
    """A tester: a report due on Saturday 30 January was first mentioned on Monday 1 February, "overdue since 30
    January", to a focal point who had turned the early reminders off."""
    due = due_date(period)
    assert scheduled_kind(due, reminded - timedelta(days=1), working) == "before"
    assert scheduled_kind(due, reminded, working) == "due"
    assert next_look(period, False, reminded - timedelta(days=1), ["before"], working=working) == reminded
    assert scheduled_kind(due, due + timedelta(days=7), working) == "week1"  # the later ones keep their days
