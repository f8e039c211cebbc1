"""Time zones of people: guessed from their entity's country, found by a city, a country, a UTC offset or an
abbreviation.

Zones are IANA names read by zoneinfo (the system's zone data, else the tzdata package). A country
with several zones takes its capital's (models/data/capital_zones.csv, sources in its README);
models/city_zones.py knows the places.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import get_timezone_location

from models.city_zones import (
    City,
    abbreviations,
    cities,
    cities_starting,
    country_zones,
    is_place_zone,
    well_known_zones,
    zone_countries,
    zone_population,
)
from models.geography import exact_countries, fold_name, load_country_table, search_countries
from models.values import LANGUAGES

DATA = Path(__file__).resolve().parent / "data" / "capital_zones.csv"
MAX_CHOICES = 12
"""Buttons at most: Russia's eleven zones fit."""
MAX_GUESSES = 6
"""Buttons at most for a partial name ("San")."""

_GREENWICH = r"(?:utc|gmt|z|غرينتش|جرينتش|غرينيتش)"
_OFFSET = re.compile(rf"^{_GREENWICH}?\s*([+-])\s*(\d{{1,2}})(?:\s*([:h.,])\s*(\d{{1,2}}))?$")
_COMPACT = re.compile(rf"^{_GREENWICH}?\s*([+-])\s*(\d\d)(\d\d)$")  # +0300
_MOSCOW = re.compile(r"^(?:мск|msk)\s*([+-])\s*(\d{1,2})$")  # Russia counts from Moscow: МСК+1 is Samara
_MINUS = str.maketrans({"−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-"})
_PLACE_SEPARATOR = re.compile(r"\s*[,،，、]\s*")
_TIME_OF = re.compile(r"^(.+?)\s*(?:时间|時間)$")  # 北京时间, "Beijing time": China's name for its time
_WORDS = frozenset({
    "ad", "ago", "ai", "al", "am", "and", "are", "arm", "as", "at", "be", "by", "ca", "can", "de", "do", "eh", "er",
    "es", "et", "fin", "hm", "id", "il", "im", "in", "is", "it", "je", "la", "lie", "ma", "mar", "me", "mm", "mr",
    "ms", "my", "ne", "ni", "no", "nor", "pan", "per", "pm", "re", "sa", "se", "si", "so", "sur", "to", "ton", "us",
    "va", "ve", "ven", "vi",
})
"""Short words of English, French and Spanish that are also a country's code ("in" is India's, "no" Norway's,
"ca" is "ça"): typed as words, not in capitals, they stand for no country. Abbreviations that are words ("eat",
"cet") are left out: typed alone at the time-zone question, they more likely mean East Africa or Central European
Time, and an abbreviation is only ever offered to confirm."""


@dataclass(frozen=True, slots=True)
class ZoneSearch:
    """What a typed answer names: zones, best first, and whether one may be taken without asking."""

    zones: tuple[str, ...] = ()
    sure: bool = False
    """The text named them whole (an offset, a city's own name, a country's name), not by a part of a name, an
    abbreviation, a country's code ("IN") or a name that another city also goes by."""
    offset: str | None = None
    """An offset written right that no zone keeps ("UTC−05:30"), to say so."""


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


def _normal(text: str) -> str:
    """Full-width signs and digits (UTC＋８) made plain, every dash a minus, case folded."""
    return unicodedata.normalize("NFKC", text).translate(_MINUS).strip().casefold()


def read_offset(text: str) -> int | None:
    """Minutes from UTC of a typed offset ("UTC+3", "+05:30", "GMT-4", "UTC+5.5", "+0300"), or None."""
    text = _normal(text)
    if re.fullmatch(_GREENWICH, text):
        return 0
    match = _OFFSET.match(text) or _COMPACT.match(text)
    if match is None:
        return None
    sign = -1 if match.group(1) == "-" else 1
    hours, separator = int(match.group(2)), match.group(3) if match.re is _OFFSET else ":"
    digits = match.group(4) if match.re is _OFFSET else match.group(3)
    minutes = int(digits or 0)
    if separator in (".", ",") and (len(digits) == 1 or minutes >= 60):  # UTC+5.5, UTC+5.75: hours and a fraction
        minutes = round(int(digits) * 60 / 10 ** len(digits))
    if hours > 23 or minutes >= 60:
        return None
    return sign * (hours * 60 + minutes)


def _offset_zone(minutes: int, now: datetime) -> str | None:
    """A zone keeping that offset at `now`, or None when none does. A whole number of hours is the fixed Etc/ zone
    (it keeps the offset all year); other offsets have none, and are a place's zone that keeps them at `now`: in
    January "UTC+10:30" is Adelaide's summer time, not Lord Howe's winter time (then UTC+11:00). A zone keeping
    the offset all year comes first (Darwin's UTC+09:30 rather than Adelaide's winter time), then the one where
    most people live (Kolkata rather than Colombo)."""
    hours, rest = divmod(abs(minutes), 60)
    sign = -1 if minutes < 0 else 1
    if rest:
        return next(iter(_keeping(minutes, now)), None)
    if minutes == 0:
        return "Etc/UTC"
    if not -12 <= sign * hours <= 14:
        return None
    return f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"  # POSIX signs: Etc/GMT-3 is three hours ahead of UTC


def _keeping(minutes: int, now: datetime) -> list[str]:
    """The places' zones keeping an offset at `now`, best first (`_offset_zone`'s order)."""
    offset = timedelta(minutes=minutes)
    people, capitals = zone_population(), set(capital_zones().values())
    zones = {zone for zones in country_zones().values() for zone in zones}
    kept = [zone for zone in zones if now.astimezone(ZoneInfo(zone)).utcoffset() == offset]
    return sorted(kept, key=lambda z: (_times(z, now) != (offset, offset), -people.get(z, 0), z not in capitals, z))


def _offset_zones(minutes: int, now: datetime, home: str | None) -> tuple[str, ...]:
    """The zones a typed offset may mean at `now`: a whole number of hours, its one zone (`_offset_zone`); another
    offset, the best zone of each country keeping it then, or of the person's own country (`home`) when it is one of
    them. "UTC+5:30" was taken as India's at once, which a focal point in Sri Lanka read as a claim (a review): it is
    India's or Sri Lanka's to choose, and Sri Lanka's for an organisation of Sri Lanka."""
    if not minutes % 60:
        zone = _offset_zone(minutes, now)
        return (zone,) if zone is not None else ()
    best: dict[str, str] = {}
    for zone in _keeping(minutes, now):
        best.setdefault(zone_countries().get(zone, zone), zone)
    return (best[home],) if home in best else tuple(best.values())


def _minutes_label(minutes: int) -> str:
    if minutes == 0:
        return "UTC"
    return f"UTC{'+' if minutes > 0 else '−'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _times(zone: str, now: datetime) -> tuple[timedelta | None, timedelta | None]:
    """The zone's offsets now and in half a year: zones alike in both are one choice for quiet hours."""
    info = ZoneInfo(zone)
    return now.astimezone(info).utcoffset(), (now + timedelta(days=182)).astimezone(info).utcoffset()


def _distinct(zones: list[str], now: datetime) -> list[str]:
    """Zones that keep different time now or in half a year, in the order given; of zones keeping the same
    time, a capital's stands for the others (Asia/Calcutta and Asia/Kolkata are one choice), else CLDR's
    (Denver rather than Boise), else the one where most people live (Samara rather than Astrakhan)."""
    preferred, known, people = set(capital_zones().values()), well_known_zones(), zone_population()
    groups: dict[tuple[timedelta | None, timedelta | None], list[str]] = {}
    for zone in dict.fromkeys(zones):
        groups.setdefault(_times(zone, now), []).append(zone)
    return [min(group, key=lambda z: (z not in preferred, z not in known, -people.get(z, 0)))
            for group in groups.values()]


def _local(city: City, now: datetime) -> str:
    """The city's zone when it is one of its country's (Novosibirsk's is Asia/Novosibirsk, not the first zone of
    Russia that keeps its time, Asia/Barnaul), else the zone of its own country that keeps the same time (GeoNames
    puts Hanoi in Asia/Bangkok; Viet Nam's zone is Asia/Ho_Chi_Minh), its capital's first."""
    if city.iso3 is None:
        return city.zone
    zones = _of_country(city.iso3, now)
    if city.zone in zones:
        return city.zone
    times = _times(city.zone, now)
    return next((z for z in zones if _times(z, now) == times), city.zone)


def _of_country(iso3: str, now: datetime) -> list[str]:
    """A country's zones: its capital's first, then the others from west to east."""
    zones = country_zones().get(iso3, ())
    ordered = sorted(zones, key=lambda z: (now.astimezone(ZoneInfo(z)).utcoffset() or timedelta(0), z))
    capital = capital_zones().get(iso3)
    return [capital, *ordered] if capital else ordered


def _moscow(text: str, now: datetime) -> ZoneSearch | None:
    """МСК+2 (Russia's way, counting from Moscow): the Russian zones that keep that time."""
    match = _MOSCOW.match(text)
    if match is None:
        return None
    shift = timedelta(hours=int(match.group(2)) * (-1 if match.group(1) == "-" else 1))
    moscow = now.astimezone(ZoneInfo("Europe/Moscow")).utcoffset() or timedelta(0)
    zones = [z for z in _of_country("RUS", now) if now.astimezone(ZoneInfo(z)).utcoffset() == moscow + shift]
    if zones:
        return ZoneSearch(tuple(_distinct(zones, now)), sure=True)
    minutes = int((moscow + shift).total_seconds() // 60)
    if (zone := _offset_zone(minutes, now)) is not None:  # a time no Russian zone keeps: the offset itself
        return ZoneSearch((zone,), sure=True)
    return ZoneSearch(offset=_minutes_label(minutes)) if abs(minutes) < 24 * 60 else ZoneSearch()


def _code(text: str) -> str | None:
    """`text` in capitals when it may be a country's code or a zone's abbreviation (2 to 5 letters: "IN", "NOR",
    "EAT", МСК), else None: a common word typed as a word ("in", "No") is not a code."""
    letters = text.strip()
    code = letters.upper().replace("МСК", "MSK")
    if not (2 <= len(code) <= 5 and code.isascii() and code.isalpha()):
        return None
    return code if letters.isupper() or letters.casefold() not in _WORDS else None


@cache
def _country_codes() -> dict[str, frozenset[str]]:
    """Folded code (ISO 3166-1 alpha-2 and alpha-3, M49) → the countries it stands for."""
    codes: dict[str, set[str]] = {}
    for facts in load_country_table().values():
        for code in (facts.iso2, facts.iso3, str(facts.m49), f"{facts.m49:03d}"):
            codes.setdefault(code.casefold(), set()).add(facts.iso3)
    return {code: frozenset(found) for code, found in codes.items()}


def _countries(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The countries `text` names by one of their names ("Inde", "UK"), and those whose code it may be ("IN",
    "ind"); a number (M49's "4" is Afghanistan) and a common word ("in", "No") stand for no country."""
    coded = _country_codes().get(fold_name(text), frozenset())
    return exact_countries(text) - coded, coded if _code(text) else frozenset()


def _named(text: str, now: datetime, country: frozenset[str] = frozenset()) -> tuple[list[str], bool]:
    """Zones of the cities and countries that `text` names exactly (only cities of `country` when it is given),
    after those of the abbreviation or country code it may be; and whether it named them surely: by a city's own
    name or a country's name, never by an abbreviation, a code or a name another city goes by ("Delhi" is also
    a byname of Dili, "Alexandria" of Mashhad), which a city's own name outranks."""
    if (time_of := _TIME_OF.match(text.strip())) is not None:
        text = time_of.group(1)
    named = [city for city in cities().get(fold_name(text), ()) if not country or city.iso3 in country]
    found = [_local(city, now) for city in named if city.own]
    guesses: list[str] = []
    if not country:
        by_name, by_code = _countries(text)
        found += [zone for iso3 in sorted(by_name) for zone in _of_country(iso3, now)]
        code = _code(text)
        guesses += abbreviations(now.year).get(code, ()) if code else ()
        guesses += [zone for iso3 in sorted(by_code) for zone in _of_country(iso3, now)]
    sure = bool(found) and not guesses
    if not found:
        found = [_local(city, now) for city in named if not city.own]
    return [*guesses, *found], sure


def _guessed(text: str, now: datetime) -> list[str]:
    """Zones of cities and countries whose name, or one of its words, starts with `text` (never a part inside
    a word: "eat" is not "Great Britain")."""
    key = fold_name(text)
    if len(key) < (2 if any(unicodedata.name(ch, "").startswith("CJK") for ch in key) else 3):
        return []
    found = [_local(city, now) for city in cities_starting(key)][:MAX_GUESSES]
    countries = capital_zones()
    found += [countries[iso3] for iso3 in search_countries(text, limit=MAX_GUESSES, inside_words=False)
              if iso3 in countries]
    return found


def look_up_zones(query: str, now: datetime | None = None, home: str | None = None) -> ZoneSearch:
    """The zones a typed answer names: a UTC offset, a city (also as "City, Country"), a country, an abbreviation
    (EAT, IST, МСК+1), else cities and countries by the beginning of their names. With `home` (the ISO3 code of the
    person's organisation's country), a city of that name there comes first, and a name found only abroad is
    offered to confirm, not taken: the index holds capitals and large cities, so "Valencia" is Venezuela's and
    "Victoria" the Seychelles' capital, which a focal point in Spain or Canada does not mean."""
    query = query.strip()[:80]
    when = now or datetime.now(UTC)
    minutes = read_offset(query)
    if minutes is not None:
        zones = _offset_zones(minutes, when, home)
        return ZoneSearch(zones, sure=len(zones) == 1) if zones else ZoneSearch(offset=_minutes_label(minutes))
    if _OFFSET.match(_normal(query)) or _COMPACT.match(_normal(query)):  # "UTC+99": an offset no clock has, not a
        return ZoneSearch(offset=query.strip())                         # place to look for
    if (moscow := _moscow(_normal(query), when)) is not None:
        return moscow
    parts = _PLACE_SEPARATOR.split(query)
    place, country = parts[0], parts[-1]
    found, sure = _named(query, when)
    if home is not None and found and not _countries(query)[0]:  # a country's name keeps its zones to choose from
        at_home, sure_at_home = _named(query, when, frozenset({home}))
        if at_home:  # there, a name one place alone goes by is that place (北京 for a focal point in China)
            found, sure = at_home, sure_at_home or len(set(at_home)) == 1
        elif sure and not set(found) & set(_of_country(home, when)):
            sure = False
    if not found and len(parts) > 1:
        by_name, by_code = _countries(country)
        countries = by_name | by_code
        found, sure = _named(place, when, countries) if countries else _named(place, when)
        if not found and countries:  # "Kano, Nigeria": a city we do not know, in a country we do (not "IL",
            # which is Israel's code and Illinois' too)
            found = [zone for iso3 in sorted(countries) for zone in _of_country(iso3, when)]
            sure = not by_code
    if not found:
        return ZoneSearch(tuple(_distinct(_guessed(query, when), when)[:MAX_GUESSES]))
    return ZoneSearch(tuple(_distinct(found, when)[:MAX_CHOICES]), sure=sure)


def zone_at(latitude: float, longitude: float, now: datetime | None = None) -> str | None:
    """The time zone kept at a point of the Earth (a location the person shared); None for a point off the globe.

    The zones' boundaries are those of the tz database's zones (tzfpy's, offline: within about 100 m of the full
    ones, territorial waters included); out at sea, the nautical zone of the longitude (Etc/GMT+2 is UTC−02:00),
    which is also the answer when the boundaries name a zone the installed zone data does not know yet."""
    if not (math.isfinite(latitude) and math.isfinite(longitude) and abs(latitude) <= 90 and abs(longitude) <= 180):
        return None
    # imported on the first location shared: the boundaries take some 30 MB, which an instance nobody shares a
    # location with never pays
    from tzfpy import get_tz

    zone = get_tz(longitude, latitude)
    if zone in ("Etc/GMT", "Etc/GMT+0", "Etc/GMT-0", "Etc/UTC", "UTC"):
        return "Etc/UTC"  # as a typed "UTC+0" gives it
    return zone if is_zone(zone) else _offset_zone(round(longitude / 15) * 60, now or datetime.now(UTC))


def city_of(zone: str, locale: str) -> str:
    """The zone's city in the reader's language (Paris, 巴黎), or its UTC offset for a zone no place names."""
    if is_place_zone(zone):
        return str(get_timezone_location(zone, locale=locale if locale in LANGUAGES else "en", return_city=True))
    return offset_label(zone, datetime(2000, 1, 1, tzinfo=UTC))


def offset_label(zone: str, now: datetime) -> str:
    """The zone's offset from UTC at `now`: UTC+05:30, UTC−03:00, UTC."""
    delta = now.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    return _minutes_label(int(delta.total_seconds() // 60))
