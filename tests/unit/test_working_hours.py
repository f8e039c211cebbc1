"""Quiet hours and working days across time zones and DST changes, with a fake clock (UTC instants)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.working_hours import is_allowed, local_day, next_allowed, working_days


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("zone", "now", "expected"), [
    # Europe/Paris, Friday evening before the last Sunday of March (29 March 2026): CET +1 → CEST +2
    ("Europe/Paris", utc(2026, 3, 27, 17, 30), utc(2026, 3, 30, 7, 0)),
    ("Europe/Paris", utc(2026, 3, 30, 6, 59), utc(2026, 3, 30, 7, 0)),
    ("Europe/Paris", utc(2026, 3, 30, 15, 59), utc(2026, 3, 30, 15, 59)),   # 17:59 CEST: still allowed
    ("Europe/Paris", utc(2026, 3, 30, 16, 0), utc(2026, 3, 31, 7, 0)),      # 18:00 CEST: tomorrow
    # ... and the last Sunday of October (25 October 2026): CEST +2 → CET +1
    ("Europe/Paris", utc(2026, 10, 23, 16, 30), utc(2026, 10, 26, 8, 0)),
    ("Europe/Paris", utc(2026, 10, 24, 10, 0), utc(2026, 10, 26, 8, 0)),    # Saturday
    # America/Santiago: -03 → -04 at midnight of Saturday 4 April 2026, back to -03 on 6 September
    ("America/Santiago", utc(2026, 4, 3, 21, 30), utc(2026, 4, 6, 13, 0)),
    ("America/Santiago", utc(2026, 9, 4, 22, 0), utc(2026, 9, 7, 12, 0)),
    ("America/Santiago", utc(2026, 9, 7, 11, 59), utc(2026, 9, 7, 12, 0)),
    # Asia/Kolkata, +05:30 all year
    ("Asia/Kolkata", utc(2026, 6, 1, 3, 29), utc(2026, 6, 1, 3, 30)),
    ("Asia/Kolkata", utc(2026, 6, 1, 3, 30), utc(2026, 6, 1, 3, 30)),  # 09:00 sharp: open (a review)
    ("Asia/Kolkata", utc(2026, 6, 1, 12, 29), utc(2026, 6, 1, 12, 29)),
    ("Asia/Kolkata", utc(2026, 6, 1, 12, 30), utc(2026, 6, 2, 3, 30)),
    ("Asia/Kolkata", utc(2026, 6, 5, 12, 30), utc(2026, 6, 6, 3, 30)),      # Friday 18:00 → Saturday (CLDR: India
    ("Asia/Kolkata", utc(2026, 6, 6, 12, 30), utc(2026, 6, 8, 3, 30)),      # rests on Sunday) → Monday
    # Pacific/Chatham, +12:45 (standard, June) and +13:45 (DST, December): a UTC Sunday is its Monday
    ("Pacific/Chatham", utc(2026, 5, 31, 20, 0), utc(2026, 5, 31, 20, 15)),
    ("Pacific/Chatham", utc(2026, 12, 6, 19, 0), utc(2026, 12, 6, 19, 15)),
    ("Pacific/Chatham", utc(2026, 12, 4, 5, 0), utc(2026, 12, 6, 19, 15)),   # Friday 18:45 there → Monday
    # UTC
    ("UTC", utc(2026, 12, 5, 12, 0), utc(2026, 12, 7, 9, 0)),
])
def test_next_allowed_moment(zone: str, now: datetime, expected: datetime) -> None:
    found = next_allowed(now, zone)
    assert found == expected
    assert is_allowed(found, zone)
    assert found.tzinfo is not None and found.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(("zone", "now", "allowed"), [
    ("Europe/Paris", utc(2026, 3, 29, 10, 0), False),       # Sunday
    ("Asia/Kolkata", utc(2026, 6, 1, 3, 30), True),
    ("Pacific/Chatham", utc(2026, 6, 5, 20, 0), False),     # Friday in UTC, Saturday 08:45 on Chatham
    ("America/Santiago", utc(2026, 6, 1, 21, 59), True),    # 17:59 -04
    ("America/Santiago", utc(2026, 6, 1, 22, 0), False),
])
def test_is_allowed(zone: str, now: datetime, allowed: bool) -> None:
    assert is_allowed(now, zone) is allowed


def test_local_day_differs_from_utc_day() -> None:
    assert str(local_day(utc(2026, 5, 31, 20, 0), "Pacific/Chatham")) == "2026-06-01"
    assert str(local_day(utc(2026, 6, 1, 2, 0), "America/Santiago")) == "2026-05-31"


@pytest.mark.parametrize(("zone", "now", "expected"), [
    # Jordan works Sunday to Thursday (CLDR's weekend there: Friday and Saturday): Thursday 18:00 → Sunday 09:00,
    # and a Friday is no working day (a tester's Jordanian focal point was reminded on Friday 16 April 2027)
    ("Asia/Amman", utc(2027, 4, 15, 15, 0), utc(2027, 4, 18, 6, 0)),
    ("Asia/Amman", utc(2027, 4, 16, 7, 0), utc(2027, 4, 18, 6, 0)),
    ("Asia/Amman", utc(2027, 4, 18, 7, 0), utc(2027, 4, 18, 7, 0)),        # Sunday 10:00: sent now
    # Iran rests on Friday only: Saturday is a working day
    ("Asia/Tehran", utc(2027, 4, 16, 8, 0), utc(2027, 4, 17, 5, 30)),
    # the United Arab Emirates moved to Monday-Friday: Friday morning is working time there
    ("Asia/Dubai", utc(2027, 4, 16, 6, 0), utc(2027, 4, 16, 6, 0)),
    # a zone known by an older name (Asia/Calcutta is Asia/Kolkata): India's week, Sunday off
    ("Asia/Calcutta", utc(2027, 4, 18, 6, 0), utc(2027, 4, 19, 3, 30)),
])
def test_the_working_week_is_the_zone_s_country_s(zone: str, now: datetime, expected: datetime) -> None:
    assert next_allowed(now, zone) == expected
    assert is_allowed(now, zone) is (now == expected)


def test_a_zone_of_no_country_works_monday_to_friday() -> None:
    assert working_days("UTC") == working_days("Etc/GMT-3") == frozenset(range(5))
    assert working_days("Asia/Amman") == frozenset({6, 0, 1, 2, 3})


def test_an_offset_keeps_the_working_week_of_the_person_s_country() -> None:
    # a reviewer's Jordanian who typed "UTC+3" in /settings (saved as Etc/GMT-3) was reminded on Friday
    friday = utc(2027, 4, 16, 7, 0)
    assert next_allowed(friday, "Etc/GMT-3", "JOR") == utc(2027, 4, 18, 6, 0)
    assert not is_allowed(friday, "Etc/GMT-3", "JOR") and is_allowed(friday, "Etc/GMT-3")
    assert next_allowed(friday, "Asia/Amman", "FRA") == utc(2027, 4, 18, 6, 0)  # a zone's own country comes first
