"""Quiet hours: messages that can wait go out between 09:00 and 18:00 on working days where the person is (Monday to
Friday in most countries; Sunday to Thursday in Jordan, Saturday to Thursday in Iran: CLDR's weekend of the zone's
country)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import get_global
from babel.localedata import locale_identifiers

from models.timezones import capital_zones

OPENS = time(9, 0)
CLOSES = time(18, 0)
WORKING_DAYS = frozenset(range(5))
"""Monday (0) to Friday (4): where the zone names no country (UTC, an offset), or CLDR knows no weekend for it."""


@lru_cache(maxsize=4096)
def working_days(zone: str, country_iso3: str | None = None) -> frozenset[int]:
    """The working days (0 is Monday) in the zone's country: every day but CLDR's weekend there. A zone of no
    country (UTC, an offset such as "UTC+3" typed in /settings) takes the week of `country_iso3` (the person's
    organisation's: a Jordanian who typed an offset still rests on Friday), else Monday to Friday."""
    territory = _territory(zone)
    if territory is None and country_iso3:
        territory = _territory(capital_zones().get(country_iso3, ""))
    return WORKING_DAYS if territory is None else _working_days_in(territory)


def _territory(zone: str) -> str | None:
    """The country (ISO 3166 alpha-2) a zone is in, by CLDR; None for UTC and offsets."""
    territories = get_global("zone_territories")
    territory = territories.get(zone) or territories.get(get_global("zone_aliases").get(zone, ""))
    return None if not territory or territory in ("ZZ", "001") else territory


@lru_cache(maxsize=256)
def _working_days_in(territory: str) -> frozenset[int]:
    """CLDR's week data is per country: any locale of the country has it (Arabic of Jordan, say)."""
    identifier = next((i for i in sorted(locale_identifiers()) if i.endswith(f"_{territory}")), None)
    if identifier is None:
        return WORKING_DAYS
    locale = Locale.parse(identifier)
    start, end = locale.weekend_start, locale.weekend_end
    weekend = {(start + offset) % 7 for offset in range((end - start) % 7 + 1)}
    return frozenset(range(7)) - weekend


@lru_cache(maxsize=1024)
def zone_info(name: str) -> ZoneInfo:
    """The zone by name, kept: zoneinfo's own cache holds eight, and planning meets many more (each miss
    reads the zone's file again)."""
    return ZoneInfo(name)


def is_allowed(moment: datetime, zone: str, country_iso3: str | None = None) -> bool:
    """True when `moment` (aware) falls in working hours on a working day in `zone` (`working_days`)."""
    local = moment.astimezone(zone_info(zone))
    return local.weekday() in working_days(zone, country_iso3) and OPENS <= local.time() < CLOSES


def _opening(day: date, info: ZoneInfo) -> datetime:
    """09:00 of that day in the zone, in UTC (should a zone ever skip 09:00, the instant after the gap)."""
    naive = datetime.combine(day, OPENS)
    return naive.replace(tzinfo=info).astimezone(UTC).astimezone(info).astimezone(UTC)


def next_allowed(moment: datetime, zone: str, country_iso3: str | None = None) -> datetime:
    """The first instant at or after `moment` (aware) in working hours in `zone` (`working_days`), in UTC."""
    info = zone_info(zone)
    local = moment.astimezone(info)
    days = working_days(zone, country_iso3)
    if local.weekday() in days and OPENS <= local.time() < CLOSES:
        return moment.astimezone(UTC)
    day = local.date() if local.time() < OPENS else local.date() + timedelta(days=1)
    while day.weekday() not in days:
        day += timedelta(days=1)
    return _opening(day, info)


def local_day(moment: datetime, zone: str) -> date:
    """The calendar date of `moment` in `zone`."""
    return moment.astimezone(zone_info(zone)).date()


def allowed_the_day_after(moment: datetime, zone: str, country_iso3: str | None = None) -> datetime:
    """The first moment of working hours after the local day `moment` falls on (a message of one a day whose day's
    one was sent already goes the next day's)."""
    following = datetime.combine(local_day(moment, zone) + timedelta(days=1), time(0), zone_info(zone))
    return next_allowed(following, zone, country_iso3)
