"""Time zones: the capital table, guesses from a country, and finding a zone by city, country or offset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.geography import load_country_table
from models.timezones import capital_zones, city_of, find_zones, is_zone, offset_label, parse_offset, zone_of

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_every_country_has_its_capitals_zone() -> None:
    table = capital_zones()
    assert set(table) == set(load_country_table())
    assert all(is_zone(zone) for zone in table.values())
    assert {iso3: table[iso3] for iso3 in ("USA", "RUS", "BRA", "AUS", "CHL", "IND", "NZL", "KAZ", "COD")} == {
        "USA": "America/New_York", "RUS": "Europe/Moscow", "BRA": "America/Sao_Paulo", "AUS": "Australia/Sydney",
        "CHL": "America/Santiago", "IND": "Asia/Kolkata", "NZL": "Pacific/Auckland", "KAZ": "Asia/Almaty",
        "COD": "Africa/Kinshasa"}


@pytest.mark.parametrize(("chosen", "country", "zone"), [
    (None, "SEN", "Africa/Dakar"), ("Asia/Kolkata", "SEN", "Asia/Kolkata"), ("Not/AZone", "FRA", "Europe/Paris"),
    (None, None, "Europe/Zurich"), (None, "XXX", "Europe/Zurich"),
])
def test_zone_of_a_person(chosen: str | None, country: str | None, zone: str) -> None:
    assert zone_of(chosen, country, "Europe/Zurich") == zone


@pytest.mark.parametrize(("typed", "zone"), [
    ("UTC+3", "Etc/GMT-3"), ("gmt-4", "Etc/GMT+4"), ("+05:30", "Asia/Kolkata"), ("UTC+5.45", "Asia/Kathmandu"),
    ("UTC +12:45", "Pacific/Chatham"), ("UTC−3:30", "America/St_Johns"), ("UTC", "Etc/UTC"), ("+0", "Etc/UTC"),
    ("UTC+14", "Etc/GMT-14"), ("UTC+15", None), ("UTC+5:10", None), ("Paris", None), ("", None),
])
def test_offsets(typed: str, zone: str | None) -> None:
    assert parse_offset(typed) == zone


@pytest.mark.parametrize(("typed", "first"), [
    ("Paris", "Europe/Paris"), ("  dakar ", "Africa/Dakar"), ("Calcutta", "Asia/Kolkata"), ("加尔各答", "Asia/Kolkata"),
    ("Цюрих", "Europe/Zurich"), ("Sénégal", "Africa/Dakar"), ("السنغال", "Africa/Dakar"), ("Chile", "America/Santiago"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"), ("UTC+5:30", "Asia/Kolkata"),
    ("Nueva York", "America/New_York"),
])
def test_find_zones(typed: str, first: str) -> None:
    assert find_zones(typed, NOW)[0] == first


def test_find_nothing_and_at_most_six() -> None:
    assert find_zones("x", NOW) == [] and find_zones("qqqqzz", NOW) == []
    assert len(find_zones("San", NOW)) <= 6


def test_labels() -> None:
    assert city_of("Europe/Paris", "zh") == "巴黎"
    assert city_of("Etc/GMT-3", "fr") == "UTC"
    assert offset_label("Asia/Kolkata", NOW) == "UTC+05:30"
    assert offset_label("America/Santiago", NOW) == "UTC−03:00"
    assert offset_label("Etc/UTC", NOW) == "UTC"
    assert offset_label("Pacific/Chatham", NOW) == "UTC+13:45"  # summer there in December
