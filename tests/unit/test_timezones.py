"""Time zones: the capital table, guesses from a country, and finding a zone by city, country or offset."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.city_zones import DATA as CITY_DATA
from models.geography import load_country_table, search_countries
from models.timezones import (
    ZoneSearch,
    capital_zones,
    city_of,
    find_zones,
    is_zone,
    look_up_zones,
    offset_label,
    parse_offset,
    zone_of,
)

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
    assert city_of("Etc/GMT-3", "fr") == "UTC+03:00"  # not "UTC", as if no offset had been saved
    assert city_of("Etc/GMT+4", "es") == "UTC−04:00" and city_of("Etc/UTC", "ar") == "UTC"
    assert offset_label("Asia/Kolkata", NOW) == "UTC+05:30"
    assert offset_label("America/Santiago", NOW) == "UTC−03:00"
    assert offset_label("Etc/UTC", NOW) == "UTC"
    assert offset_label("Pacific/Chatham", NOW) == "UTC+13:45"  # summer there in December


def _hours(zone: str) -> float:
    return (NOW.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)).total_seconds() / 3600


@pytest.mark.parametrize(("typed", "hours", "zone"), [
    ("EAT", 3, "Africa/Nairobi"), ("WAT", 1, "Africa/Lagos"), ("CAT", 2, None), ("SAST", 2, "Africa/Johannesburg"),
    ("MSK", 3, "Europe/Moscow"), ("МСК", 3, "Europe/Moscow"), ("IST", 5.5, "Asia/Kolkata"),
    ("EST", -5, "America/New_York"), ("cet", 1, None),
])
def test_an_abbreviation_is_its_real_zone_and_is_asked_about(typed: str, hours: float, zone: str | None) -> None:
    """EAT saved London (grEAT britain), WAT Mbabane (esWATini), CAT Qatar (Catar), IST never offered Kolkata."""
    found = look_up_zones(typed, NOW)
    assert not found.sure  # an abbreviation names an offset, not a place: the person confirms it with a button
    assert _hours(found.zones[0]) == hours
    assert zone is None or found.zones[0] == zone
    assert not {"Europe/London", "Asia/Qatar", "Africa/Mbabane", "Asia/Karachi"} & set(found.zones)


def test_ist_offers_india_ireland_and_israel() -> None:
    assert look_up_zones("IST", NOW).zones == ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem")


@pytest.mark.parametrize(("typed", "zones"), [
    ("UK", ("Europe/London",)), ("Oman", ("Asia/Muscat",)), ("Mali", ("Africa/Bamako",)),
    ("qatar", ("Asia/Qatar",)), ("great britain", ("Europe/London",)), ("eswatini", ("Africa/Mbabane",)),
])
def test_a_country_is_not_found_inside_another_ones_name(typed: str, zones: tuple[str, ...]) -> None:
    """UK offered Kyiv (UKraine), Oman Bucharest (rOMANia), Mali Mogadishu (soMALIa), US Moscow (rUSsia)."""
    assert look_up_zones(typed, NOW) == ZoneSearch(zones, sure=True)
    us = look_up_zones("US", NOW).zones
    assert us[0] == "America/New_York" and not {"Europe/Moscow", "Asia/Nicosia", "Europe/Vienna"} & set(us)
    assert "ROU" not in search_countries("oman", inside_words=False) and "ROU" in search_countries("oman")


def test_a_partial_name_is_a_guess_to_confirm() -> None:
    assert look_up_zones("Sene", NOW) == ZoneSearch(("Africa/Dakar",), sure=False)
    assert not look_up_zones("San", NOW).sure


def test_a_country_with_several_zones_offers_them_capital_first() -> None:
    russia = look_up_zones("Россия", NOW)
    assert russia.zones[0] == "Europe/Moscow" and len(russia.zones) == 11
    assert len({_hours(zone) for zone in russia.zones}) == 11
    assert look_up_zones("Sénégal", NOW).zones == ("Africa/Dakar",)


@pytest.mark.parametrize(("typed", "zone"), [
    # The capital of China, ITU's headquarters and the report's capitals and cities, in the six languages
    *((name, "Asia/Shanghai") for name in ("北京", "北京市", "Beijing", "Pékin", "Pekín", "Пекин", "بكين", "北京时间")),
    *((name, "Europe/Zurich") for name in ("Geneva", "Genève", "Ginebra", "Genf", "Женева", "日内瓦", "جنيف", "Bern")),
    *((name, "Asia/Kolkata") for name in ("New Delhi", "Нью-Дели", "新德里", "Mumbai")),
    ("Washington", "America/New_York"), ("Brasília", "America/Sao_Paulo"), ("Abuja", "Africa/Lagos"),
    ("Kano", "Africa/Lagos"), ("Ankara", "Europe/Istanbul"), ("伊斯兰堡", "Asia/Karachi"),
    ("Rabat", "Africa/Casablanca"),
    ("الرباط", "Africa/Casablanca"), ("Doha", "Asia/Qatar"), ("الدوحة", "Asia/Qatar"), ("Manama", "Asia/Bahrain"),
    ("المنامة", "Asia/Bahrain"), ("Abu Dhabi", "Asia/Dubai"), ("أبوظبي", "Asia/Dubai"), ("Sanaa", "Asia/Aden"),
    ("صنعاء", "Asia/Aden"), ("Astana", "Asia/Almaty"), ("Астана", "Asia/Almaty"), ("Yaoundé", "Africa/Douala"),
    ("Quito", "America/Guayaquil"), ("Hanoi", "Asia/Ho_Chi_Minh"), ("河内", "Asia/Ho_Chi_Minh"),
    ("Wellington", "Pacific/Auckland"), ("Suva", "Pacific/Fiji"), ("Malé", "Indian/Maldives"),
    ("广州", "Asia/Shanghai"), ("深圳", "Asia/Shanghai"), ("Санкт-Петербург", "Europe/Moscow"),
    ("Казань", "Europe/Moscow"), ("Jeddah", "Asia/Riyadh"), ("جدة", "Asia/Riyadh"), ("Alexandria", "Africa/Cairo"),
    ("الإسكندرية", "Africa/Cairo"), ("Rio de Janeiro", "America/Sao_Paulo"),
    # "City, Country": the city within that country, else the country's zone
    ("Dakar, Sénégal", "Africa/Dakar"), ("Paris, France", "Europe/Paris"), ("Kaolack, Sénégal", "Africa/Dakar"),
    ("Hyderabad, Pakistan", "Asia/Karachi"), ("جدة، السعودية", "Asia/Riyadh"), ("Guangzhou，中国", "Asia/Shanghai"),
])
def test_capitals_and_large_cities_are_found(typed: str, zone: str) -> None:
    found = look_up_zones(typed, NOW)
    assert found.zones[0] == zone and found.sure, found


def test_every_city_of_the_data_file_is_found_by_each_of_its_names() -> None:
    with CITY_DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len({row["iso3"] for row in rows}) >= 240  # a capital for every country GeoNames names one for
    assert all(is_zone(row["zone"]) for row in rows)
    for row in rows:
        for name in row["names"].split("|"):
            assert _hours(row["zone"]) in {_hours(z) for z in look_up_zones(name, NOW).zones}, (name, row["zone"])


@pytest.mark.parametrize(("typed", "zone"), [
    ("UTC＋８", "Etc/GMT-8"), ("+0300", "Etc/GMT-3"), ("UTC+5.5", "Asia/Kolkata"), ("غرينتش+3", "Etc/GMT-3"),
    ("+٣", "Etc/GMT-3"), ("UTC – 4", "Etc/GMT+4"), ("UTC+5:30", "Asia/Kolkata"), ("UTC−5:30", None), ("UTC+25", None),
])
def test_offsets_as_people_write_them(typed: str, zone: str | None) -> None:
    """The full-width UTC＋８ of Chinese input methods, +0300 and UTC+5.5 were refused."""
    assert parse_offset(typed) == zone


def test_an_offset_no_zone_keeps_is_said_so() -> None:
    """The bot's own example, UTC−5:30, was refused as "I could not find that place"."""
    assert look_up_zones("UTC-5:30", NOW).offset == "UTC−05:30" and look_up_zones("UTC−5:30", NOW).zones == ()


@pytest.mark.parametrize(("typed", "zone"), [("МСК+1", "Europe/Samara"), ("мск-1", "Europe/Kaliningrad"),
                                             ("MSK+7", "Asia/Vladivostok"), ("МСК", "Europe/Moscow")])
def test_russian_time_counted_from_moscow(typed: str, zone: str) -> None:
    assert look_up_zones(typed, NOW).zones[0] == zone
