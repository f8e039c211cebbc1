"""When digests fall due (pure): weekly on a chosen day and hour, monthly on the first working day where the reader is.

Times are in the reader's zone; the chosen hour is one of the working hours (09:00-17:00), so a
digest never arrives outside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.working_hours import working_days

WEEKDAYS = range(7)
"""The days a weekly digest may be set to (Python's weekday numbers, 0 is Monday); /digest offers the reader's working
days (Sunday to Thursday in Jordan)."""
HOURS = range(9, 18)
"""Whole hours a digest may be sent at, in the reader's zone: 09:00 to 17:00."""
MONTHLY_HOUR = 9


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
        while day.weekday() not in working_days(zone):  # Sunday 1 March is Jordan's first working day
            day += timedelta(days=1)
        return Due(f"{local.year}-{local.month:02d}", _at(day, MONTHLY_HOUR, zone))
    return None


def latest_due(cadence: str, weekday: int, hour: int, now: datetime, zone: str) -> Due | None:
    """The latest digest moment at or before `now` (`next_due`'s, else the period's before): after a gap (the bot
    down over a weekend, a clock moved on a week), a Friday's or a Sunday's digest of the week before is still owed
    when its next one has not fallen due yet; None when switched off."""
    due = next_due(cadence, weekday, hour, now, zone)
    if due is None or due.at <= now:
        return due
    local = now.astimezone(ZoneInfo(zone))
    before = local - timedelta(days=7) if cadence == "weekly" else local.replace(day=1) - timedelta(days=1)
    return next_due(cadence, weekday, hour, before, zone)


def following(cadence: str, weekday: int, hour: int, due: Due, zone: str) -> Due | None:
    """The digest moment after `due`'s: a week on, or the next month's first working day (a monthly one falls on one
    of a month's first days, 32 days on is in the next month)."""
    step = timedelta(days=7) if cadence == "weekly" else timedelta(days=32)
    return next_due(cadence, weekday, hour, due.at + step, zone)


def superseded(cadence: str, weekday: int, hour: int, due: Due, release: datetime, zone: str) -> bool:
    """Whether the next period's digest falls due on the day this one may go (`release`: its reader's next working
    hour), or before. A weekly digest held over the weekend would go out on Monday at 09:00 beside Monday's own, a
    second apart (or an hour before one set for 10:00): the digest job writes the new one at its next run, after
    delivery released the old one, which nothing drops."""
    later = next_due(cadence, weekday, hour, release, zone)
    if later is None or later.period == due.period:
        return False
    local = ZoneInfo(zone)
    return later.at.astimezone(local).date() <= release.astimezone(local).date()


def first_since(cadence: str, now: datetime, zone: str) -> datetime:
    """Where the changes of a person's first digest start (a later one starts where the one before was sent): the
    first day of the month before, in their zone, for a monthly digest (sent on the first working day, it reports
    the month that ended); seven days before `now` for a weekly one."""
    if cadence == "monthly":
        first = now.astimezone(ZoneInfo(zone)).date().replace(day=1)
        return _at((first - timedelta(days=1)).replace(day=1), 0, zone)
    return now - timedelta(days=7)


def _at(day: date, hour: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))
