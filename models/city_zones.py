"""Places people name when asked where they are, and their time zones.

Cities come from CLDR's exemplar city of every IANA zone (in the six languages) and from GeoNames'
capitals and cities of a million people or more (models/data/city_zones.csv, written by
scripts/city_zones.py: Beijing, Geneva and Doha are no zone's exemplar city). A country's zones are
CLDR's (Babel's zone territories); a zone's abbreviations ("EAT", "IST") are the tz database's own.
"""

from __future__ import annotations

import csv
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from babel.core import get_global
from babel.dates import get_timezone_location

from models.geography import fold_name, load_country_table
from models.values import LANGUAGES

DATA = Path(__file__).resolve().parent / "data" / "city_zones.csv"
AREAS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@dataclass(frozen=True, slots=True)
class City:
    """A city as the index knows it under one name: its zone, its country (None if unknown), how many live there,
    and whether that name is its own rather than a byname ("Islamabad" is also an old name of Chittagong)."""

    zone: str
    iso3: str | None
    population: int
    own: bool = True


def is_place_zone(zone: str) -> bool:
    """True for a zone named after a place (Europe/Paris), False for Etc/GMT-3, UTC and the old aliases."""
    return zone.split("/")[0] in AREAS


@cache
def _place_zones() -> frozenset[str]:
    return frozenset(zone for zone in available_timezones() if is_place_zone(zone))


@cache
def zone_countries() -> dict[str, str]:
    """IANA zone → ISO3 code of the country it keeps time for (CLDR's zone territories)."""
    iso3 = {facts.iso2: facts.iso3 for facts in load_country_table().values()}
    aliases = get_global("zone_aliases")
    found: dict[str, str] = {}
    for zone, territory in get_global("zone_territories").items():
        for name in (zone, aliases.get(zone, zone)):
            if name in _place_zones() and territory in iso3:
                found[name] = iso3[territory]
    return found


@cache
def country_zones() -> dict[str, tuple[str, ...]]:
    """ISO3 code → the zones of the country (all of them, including aliases; rank and merge them before use)."""
    zones: dict[str, list[str]] = {}
    for zone, iso3 in sorted(zone_countries().items()):
        zones.setdefault(iso3, []).append(zone)
    return {iso3: tuple(names) for iso3, names in zones.items()}


def sole_zone_country(zone: str) -> str | None:
    """The ISO3 code of the country the zone keeps time for when it is that country's only zone (Europe/Zurich:
    Switzerland), else None (America/Denver is one of the United States' zones)."""
    iso3 = zone_countries().get(zone)
    return iso3 if iso3 is not None and country_zones().get(iso3) == (zone,) else None


@cache
def cities() -> dict[str, tuple[City, ...]]:
    """Folded city name (any of the six languages) → the cities of that name, best known first; built on first
    use (~0.5 s)."""
    index: dict[str, dict[tuple[str, str | None], City]] = {}

    def add(name: str, city: City) -> None:
        if key := fold_name(name):
            seen = index.setdefault(key, {})
            known = seen.get((city.zone, city.iso3))
            if known is None or _rank(city) < _rank(known):
                seen[(city.zone, city.iso3)] = city

    countries, aliases = zone_countries(), get_global("zone_aliases")
    for zone in sorted(_place_zones()):
        name = zone.rsplit("/", 1)[-1].replace("_", " ")
        canonical = aliases.get(zone, zone)
        if canonical != zone and canonical in _place_zones():
            # an old name (Asia/Calcutta) or a region (Australia/North, Pacific/Samoa: American Samoa), not a
            # city's own name: a byname of the zone it stands for
            add(name, City(canonical, countries.get(canonical), 0, own=False))
            continue
        city = City(zone, countries.get(zone), 0)
        add(name, city)
        for language in LANGUAGES:
            add(str(get_timezone_location(zone, locale=language, return_city=True)), city)
    with DATA.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            own, *bynames = row["names"].split("|")
            city = City(row["zone"], row["iso3"], int(row["population"]))
            add(own, city)
            for name in bynames:
                add(name, City(city.zone, city.iso3, city.population, own=False))
    return {key: tuple(sorted(found.values(), key=_rank)) for key, found in index.items()}


def _rank(city: City) -> tuple[bool, int]:
    return not city.own, -city.population


@cache
def _city_keys() -> list[str]:
    return sorted(cities())


def cities_starting(key: str) -> list[City]:
    """The cities one of whose folded names starts with `key` (already folded), most populous first."""
    keys = _city_keys()
    found: list[City] = []
    for position in range(bisect_left(keys, key), len(keys)):
        if not keys[position].startswith(key):
            break
        found += cities()[keys[position]]
    return sorted(dict.fromkeys(found), key=_rank)


@cache
def well_known_zones() -> frozenset[str]:
    """The zone CLDR takes for each of the world's time zones (America/Denver for Mountain Time, not Boise)."""
    return frozenset(get_global("windows_zone_mapping").values())


@cache
def zone_population() -> dict[str, int]:
    """Zone → the people of the listed cities that keep it: which zone of an abbreviation most people mean."""
    people: dict[str, int] = {}
    with DATA.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            people[row["zone"]] = people.get(row["zone"], 0) + int(row["population"])
    return people


@cache
def abbreviations(year: int) -> dict[str, tuple[str, ...]]:
    """Upper-case abbreviation ("EAT", "CEST", "MSK") → the zones that go by it in January or July of `year`,
    most populous first; numeric ones ("+03") are left out."""
    found: dict[str, set[str]] = {}
    moments = (datetime(year, 1, 15, 12, tzinfo=UTC), datetime(year, 7, 15, 12, tzinfo=UTC))
    for zone in _place_zones():
        for moment in moments:
            name = moment.astimezone(ZoneInfo(zone)).tzname()
            if name and name.isalpha():
                found.setdefault(name.upper(), set()).add(zone)
    people = zone_population()
    return {name: tuple(sorted(zones, key=lambda z: (-people.get(z, 0), z))) for name, zones in found.items()}
