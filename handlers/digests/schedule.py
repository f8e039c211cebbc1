"""When digests fall due (pure): weekly on a chosen working day and hour, monthly on the first working day.

Times are in the reader's zone; the chosen hour is one of the working hours (09:00-17:00), so a
digest never arrives outside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = range(5)
"""Monday to Friday (Python's weekday numbers)."""
HOURS = range(9, 18)
"""Whole hours a digest may be sent at, in the reader's zone: 09:00 to 17:00."""
MONTHLY_HOUR = 9
OVERDUE_AFTER = timedelta(days=30)
"""A report is overdue 30 days after its period ends (DOMAIN.md)."""


@dataclass(frozen=True)
class Due:
    """A digest that falls due: the period it covers (part of its outbox key) and the moment it goes."""

    period: str
    at: datetime


def next_due(cadence: str, weekday: int, hour: int, now: datetime, zone: str) -> Due | None:
    """The current period's digest moment for this subscription, in UTC; None when switched off."""
    local = now.astimezone(ZoneInfo(zone))
    if cadence == "weekly":
        year, week, _ = local.isocalendar()
        monday = local.date() - timedelta(days=local.weekday())
        day = monday + timedelta(days=weekday if weekday in WEEKDAYS else 0)
        moment = _at(day, hour if hour in HOURS else MONTHLY_HOUR, zone)
        return Due(f"{year}-W{week:02d}", moment)
    if cadence == "monthly":
        day = local.date().replace(day=1)
        while day.weekday() not in WEEKDAYS:
            day += timedelta(days=1)
        return Due(f"{local.year}-{local.month:02d}", _at(day, MONTHLY_HOUR, zone))
    return None


def _at(day: date, hour: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def due_periods(today: date) -> dict[str, tuple[str, date]]:
    """For each reporting cadence, the latest period whose report is now expected (ended 30+ days ago) and its end."""
    cutoff = today - OVERDUE_AFTER
    year = cutoff.year
    annual = (str(year - 1), date(year - 1, 12, 31))
    half = 1 if cutoff.month > 6 else 0
    semi = (f"{year}-H1", date(year, 6, 30)) if half else (f"{year - 1}-H2", date(year - 1, 12, 31))
    quarter = (cutoff.month - 1) // 3
    if quarter:
        end_month = quarter * 3
        end = date(year, end_month + 1, 1) - timedelta(days=1)
        quarterly = (f"{year}-Q{quarter}", end)
    else:
        quarterly = (f"{year - 1}-Q4", date(year - 1, 12, 31))
    return {"annual": annual, "semi_annual": semi, "quarterly": quarterly}


def working_moment(now: datetime, zone: str) -> datetime:
    """`now` if it falls in working hours (09:00-18:00, Monday to Friday) in `zone`, else the next such moment."""
    local = now.astimezone(ZoneInfo(zone))
    day = local.date()
    if local.weekday() in WEEKDAYS and time(9) <= local.time() < time(18):
        return now
    if local.weekday() in WEEKDAYS and local.time() < time(9):
        return _at(day, 9, zone)
    day += timedelta(days=1)
    while day.weekday() not in WEEKDAYS:
        day += timedelta(days=1)
    return _at(day, 9, zone)
