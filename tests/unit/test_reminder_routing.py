"""Who a report reminder goes to (issue 15): the primary focal point alone early, every focal point a week after
the due date, coordinators two weeks after, once a period; and the ledger that records it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from handlers.report_reminders import ESCALATED, _Look, _recipients
from models.reminding import Reminding
from models.reporting import NextReport
from models.repositories.reminders import LATER, NOT_MINE


@dataclass(frozen=True)
class Person:
    id: int


AWA, BOB, EVE = Person(1), Person(2), Person(3)
PLEDGE = 10


def look(kind: str | None, given: list[str] | None = None) -> _Look:
    look = _Look.of(5, NextReport("2026", date(2027, 1, 30), overdue=False), tuple(given or ()))
    look.kind = kind
    return look


@pytest.mark.parametrize(("kind", "primary", "expired", "expected"), [
    ("before", AWA.id, set(), [AWA]),
    ("due", AWA.id, set(), [AWA]),
    ("due", BOB.id, set(), [BOB]),
    ("due", AWA.id, {(EVE.id, PLEDGE)}, [AWA, EVE]),  # Eve's "later" came: hers too
    ("due", 99, set(), [AWA, BOB, EVE]),  # the primary left or was forgotten: everyone
    ("due", None, set(), [AWA, BOB, EVE]),
    ("week1", AWA.id, set(), [AWA, BOB, EVE]),
    ("week2", AWA.id, set(), [AWA, BOB, EVE]),
    (None, AWA.id, {(BOB.id, PLEDGE)}, [AWA, BOB, EVE]),  # only "later"s: the caller keeps those whose came
])
def test_recipients(kind: str | None, primary: int | None, expired: set[tuple[int, int]],
                    expected: list[Person]) -> None:
    assert list(_recipients(look(kind), primary, [AWA, BOB, EVE], PLEDGE, expired, {})) == expected


@dataclass(frozen=True)
class Hold:
    reason: str


@pytest.mark.parametrize(("kind", "hold", "expected"), [
    ("before", NOT_MINE, [AWA, BOB, EVE]),  # the caller leaves Awa out: Bob and Eve are reminded
    ("due", NOT_MINE, [AWA, BOB, EVE]),
    ("due", LATER, [AWA]),  # later is still hers: nobody else is reminded before her time comes
])
def test_a_primary_who_said_not_mine_leaves_the_early_reminders_to_every_colleague(
        kind: str, hold: str, expected: list[Person]) -> None:
    """A reviewer: the early and due-date reminders went to the primary alone although she had said the pledge is
    not hers; the hold kept them from her, and nobody was reminded before a week after the due date."""
    holds = {(AWA.id, PLEDGE): Hold(hold)}
    assert list(_recipients(look(kind), AWA.id, [AWA, BOB, EVE], PLEDGE, set(), holds)) == expected


@pytest.mark.parametrize("kind", ["before", "due"])
def test_a_later_period_reminded_of_while_an_earlier_is_owed_goes_to_every_focal_point(kind: str) -> None:
    """review #7: the early and due-date reminders of 2026 went to the primary focal point alone (the early one
    could be turned off), although the message led with 2025's report, overdue for a year."""
    behind = _Look.of(5, NextReport("2025", date(2026, 1, 30), overdue=True), (), Reminding("2026", 2, None))
    behind.kind = kind
    assert behind.behind
    assert list(_recipients(behind, AWA.id, [AWA, BOB, EVE], PLEDGE, set(), {})) == [AWA, BOB, EVE]


@pytest.mark.parametrize(("kind", "given", "today", "may", "reminded"), [
    ("week2", ["before", "due", "week1"], date(2027, 2, 15), True, True),
    # the period's first reminder is its last (a pledge validated late, a long downtime): the planner tells the
    # coordinators two weeks later, or at once when nobody follows the pledge
    ("week2", [], date(2027, 2, 15), True, False),
    ("week2", ["week2", ESCALATED], date(2027, 2, 15), False, True),
    ("week1", [], date(2027, 2, 6), False, False),
    ("due", [], date(2027, 1, 30), False, False),
    (None, [], date(2027, 2, 20), False, False),
    (None, ["week2", "escalate:2027-03-01"], date(2027, 2, 28), False, True),
    (None, ["week2", "escalate:2027-03-01"], date(2027, 3, 1), True, True),
    (None, ["week2", "escalate:2027-03-01", ESCALATED], date(2027, 3, 8), False, True),
])
def test_escalation_once_a_period(kind: str | None, given: list[str], today: date, may: bool,
                                  reminded: bool) -> None:
    assert look(kind, given).may_escalate(today) is may
    assert look(kind, given).reminded_before is reminded


def test_a_first_reminder_two_weeks_late_sets_the_escalation_two_weeks_on() -> None:
    """i_langs #8: coordinators were told "although its focal points were reminded" in the same run as the focal
    points' first reminder of the period."""
    first = look("week2", [])
    first.reached = True
    row = first.record(PLEDGE, datetime(2027, 2, 15, 10, tzinfo=UTC))
    assert (row["kinds"], row["next_on"]) == ("week2,escalate:2027-03-01", date(2027, 3, 1))


def test_the_ledger_records_the_escalation_beside_the_kinds() -> None:
    now = datetime(2027, 2, 15, 10, tzinfo=UTC)
    done = look("week2", ["before", "due", "week1"])
    done.reached, done.escalated = True, True
    assert done.record(PLEDGE, now)["kinds"] == "before,due,week1,week2,escalated"
    nobody = look("week2", ["week1"])
    nobody.escalated = True  # no focal point reached, but the coordinators were
    row = nobody.record(PLEDGE, now)
    assert row["kinds"] == "week1,escalated" and row["next_on"] == date(2027, 2, 16)
