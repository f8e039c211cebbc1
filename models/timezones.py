"""Time zones of people: guessed from their entity's country, found by a city, a country or a UTC offset.

Zones are IANA names read by zoneinfo (the system's zone data, else the tzdata package). A country
with several zones takes its capital's (models/data/capital_zones.csv, sources in its README).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import get_timezone_location

from models.geography import search_countries
from models.values import LANGUAGES

DATA = Path(__file__).resolve().parent / "data" / "capital_zones.csv"
AREAS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
MAX_CHOICES = 6

_OFFSET = re.compile(r"^(?:utc|gmt|z)?\s*([+\-−])\s*(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?$|^(?:utc|gmt|z)$")
_FRACTIONAL = {
    (-9, -30): "Pacific/Marquesas", (-3, -30): "America/St_Johns", (3, 30): "Asia/Tehran",
    (4, 30): "Asia/Kabul", (5, 30): "Asia/Kolkata", (5, 45): "Asia/Kathmandu", (6, 30): "Asia/Yangon",
    (8, 45): "Australia/Eucla", (9, 30): "Australia/Darwin", (10, 30): "Australia/Lord_Howe",
    (12, 45): "Pacific/Chatham",
}
"""Offsets that are not whole hours have no Etc/ zone: the zone best known for each."""


def is_zone(name: str | None) -> bool:
    """True for a time zone name zoneinfo knows."""
    if not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@cache
def capital_zones() -> dict[str, str]:
    """ISO 3166-1 alpha-3 code → the time zone of the country's capital."""
    with DATA.open(encoding="utf-8", newline="") as handle:
        return {row["iso3"]: row["zone"] for row in csv.DictReader(handle)}


def zone_of(chosen: str | None, country_iso3: str | None, default: str = "UTC") -> str:
    """A person's zone: the one they chose, else their entity's capital's, else the deployment's default."""
    if chosen and is_zone(chosen):
        return chosen
    guessed = capital_zones().get(country_iso3 or "")
    return guessed or default


def parse_offset(text: str) -> str | None:
    """A zone for a typed UTC offset ("UTC+3", "+05:30", "GMT-4"), or None when it is not one."""
    match = _OFFSET.match(text.strip().casefold())
    if match is None:
        return None
    if match.group(1) is None:
        return "Etc/UTC"
    sign = -1 if match.group(1) in "-−" else 1
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if minutes:
        return _FRACTIONAL.get((sign * hours, sign * minutes))
    if hours == 0:
        return "Etc/UTC"
    if not (-12 <= sign * hours <= 14):
        return None
    return f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"  # POSIX signs: Etc/GMT-3 is three hours ahead of UTC


def _fold(text: str) -> str:
    chars = [ch for ch in unicodedata.normalize("NFKD", text.casefold()) if unicodedata.category(ch)[0] in "LN"]
    return "".join(chars)


@cache
def _city_index() -> dict[str, tuple[str, ...]]:
    """Folded city name (IANA's, and CLDR's in the six languages) → zones; built on first use (~0.3 s)."""
    index: dict[str, set[str]] = {}
    for zone in sorted(available_timezones()):
        if zone.split("/")[0] not in AREAS:
            continue
        names = {zone.rsplit("/", 1)[-1].replace("_", " ")}
        names.update(get_timezone_location(zone, locale=language, return_city=True) for language in LANGUAGES)
        for name in names:
            if key := _fold(name):
                index.setdefault(key, set()).add(zone)
    return {key: tuple(sorted(zones)) for key, zones in index.items()}


def _distinct(zones: list[str], now: datetime) -> list[str]:
    """Zones that keep different time now or in half a year, capitals' zones first (Asia/Calcutta and
    Asia/Kolkata are one choice: for quiet hours they are the same)."""
    preferred = set(capital_zones().values())
    seen: dict[tuple[timedelta | None, timedelta | None], str] = {}
    for zone in sorted(dict.fromkeys(zones), key=lambda z: z not in preferred):
        info = ZoneInfo(zone)
        seen.setdefault((now.astimezone(info).utcoffset(), (now + timedelta(days=182)).astimezone(info).utcoffset()),
                        zone)
    return list(seen.values())


def find_zones(query: str, now: datetime | None = None) -> list[str]:
    """Zones matching a city, a country (its capital's zone) or a UTC offset, best first (at most six)."""
    query = query.strip()[:80]
    offset = parse_offset(query)
    if offset is not None:
        return [offset]
    key = _fold(query)
    if len(key) < 2:
        return []
    when = now or datetime.now(UTC)
    index = _city_index()
    found = list(index.get(key, ()))
    countries = capital_zones()
    found += [countries[iso3] for iso3 in search_countries(query, limit=MAX_CHOICES) if iso3 in countries]
    if not found and len(key) >= 3:
        found = [zone for name, zones in sorted(index.items()) if name.startswith(key) for zone in zones]
    return _distinct(found, when)[:MAX_CHOICES]


def city_of(zone: str, locale: str) -> str:
    """The zone's city in the reader's language (Paris, 巴黎), or its UTC offset for Etc/ zones."""
    if not zone.startswith("Etc/"):
        return str(get_timezone_location(zone, locale=locale if locale in LANGUAGES else "en", return_city=True))
    return "UTC"


def offset_label(zone: str, now: datetime) -> str:
    """The zone's offset from UTC at `now`: UTC+05:30, UTC−03:00, UTC."""
    delta = now.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
