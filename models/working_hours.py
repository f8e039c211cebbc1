"""Quiet hours: messages that can wait go out between 09:00 and 18:00, Monday to Friday, where the person is."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

OPENS = time(9, 0)
CLOSES = time(18, 0)
WORKING_DAYS = frozenset(range(5))
"""Monday (0) to Friday (4)."""


@lru_cache(maxsize=1024)
def zone_info(name: str) -> ZoneInfo:
    """The zone by name, kept: zoneinfo's own cache holds eight, and planning meets many more (each miss
    reads the zone's file again)."""
    return ZoneInfo(name)


def is_allowed(moment: datetime, zone: str) -> bool:
    """True when `moment` (aware) falls in working hours on a working day in `zone`."""
    local = moment.astimezone(zone_info(zone))
    return local.weekday() in WORKING_DAYS and OPENS <= local.time() < CLOSES


def _opening(day: date, info: ZoneInfo) -> datetime:
    """09:00 of that day in the zone, in UTC (should a zone ever skip 09:00, the instant after the gap)."""
    naive = datetime.combine(day, OPENS)
    return naive.replace(tzinfo=info).astimezone(UTC).astimezone(info).astimezone(UTC)


def next_allowed(moment: datetime, zone: str) -> datetime:
    """The first instant at or after `moment` (aware) in working hours in `zone`, in UTC."""
    info = zone_info(zone)
    local = moment.astimezone(info)
    if local.weekday() in WORKING_DAYS and OPENS <= local.time() < CLOSES:
        return moment.astimezone(UTC)
    day = local.date() if local.time() < OPENS else local.date() + timedelta(days=1)
    while day.weekday() not in WORKING_DAYS:
        day += timedelta(days=1)
    return _opening(day, info)


def local_day(moment: datetime, zone: str) -> date:
    """The calendar date of `moment` in `zone`."""
    return moment.astimezone(zone_info(zone)).date()
