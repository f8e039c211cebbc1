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
    is_zone,
    look_up_zones,
    offset_label,
    read_offset,
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
    ("UTC +13:45", "Pacific/Chatham"), ("UTC−3:30", "America/St_Johns"), ("UTC", "Etc/UTC"), ("+0", "Etc/UTC"),
    ("UTC+14", "Etc/GMT-14"), ("UTC+15", None), ("UTC+5:10", None),
    ("UTC+99", None), ("+2500", None), ("UTC+5:75", None),  # no clock has them: said so, not "no such place" (tester)
])
def test_offsets(typed: str, zone: str | None) -> None:
    found = look_up_zones(typed, NOW, "IND")  # in India: +05:30 is India's (elsewhere Sri Lanka's too)
    assert found == (ZoneSearch((zone,), sure=True) if zone else ZoneSearch(offset=found.offset)) and found.offset != ""
    assert (found.offset is None) == (zone is not None)  # an offset no zone keeps is said so


def test_a_place_is_no_offset() -> None:
    assert read_offset("Paris") is None and read_offset("") is None and read_offset("3") is None


@pytest.mark.parametrize(("typed", "first"), [
    ("Paris", "Europe/Paris"), ("  dakar ", "Africa/Dakar"), ("Calcutta", "Asia/Kolkata"), ("加尔各答", "Asia/Kolkata"),
    ("Цюрих", "Europe/Zurich"), ("Sénégal", "Africa/Dakar"), ("السنغال", "Africa/Dakar"), ("Chile", "America/Santiago"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"), ("UTC+5:30", "Asia/Kolkata"),
    ("Nueva York", "America/New_York"),
])
def test_look_up_zones(typed: str, first: str) -> None:
    assert look_up_zones(typed, NOW).zones[0] == first


def test_find_nothing_and_at_most_six() -> None:
    assert look_up_zones("x", NOW) == ZoneSearch() and look_up_zones("qqqqzz", NOW) == ZoneSearch()
    assert len(look_up_zones("San", NOW).zones) <= 6


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
    # The capital of China, ITU's headquarters and the report's capitals and cities, by their own names
    ("Beijing", "Asia/Shanghai"), ("Geneva", "Europe/Zurich"), ("Bern", "Europe/Zurich"),
    ("New Delhi", "Asia/Kolkata"), ("Mumbai", "Asia/Kolkata"),
    ("Washington", "America/New_York"), ("Brasília", "America/Sao_Paulo"), ("Abuja", "Africa/Lagos"),
    ("Kano", "Africa/Lagos"), ("Ankara", "Europe/Istanbul"), ("Rabat", "Africa/Casablanca"), ("Doha", "Asia/Qatar"),
    ("Manama", "Asia/Bahrain"), ("Abu Dhabi", "Asia/Dubai"), ("Sanaa", "Asia/Aden"), ("Astana", "Asia/Almaty"),
    ("Yaoundé", "Africa/Douala"), ("Quito", "America/Guayaquil"), ("Hanoi", "Asia/Ho_Chi_Minh"),
    ("Wellington", "Pacific/Auckland"), ("Suva", "Pacific/Fiji"), ("Malé", "Indian/Maldives"),
    # a city in a zone of its own, not the first of its country's zones that keeps the same time (Asia/Barnaul,
    # America/Boise)
    ("Novosibirsk", "Asia/Novosibirsk"), ("Vladivostok", "Asia/Vladivostok"), ("Samara", "Europe/Samara"),
    ("Denver", "America/Denver"), ("Krasnoyarsk", "Asia/Krasnoyarsk"), ("Новосибирск", "Asia/Novosibirsk"),
    ("Владивосток", "Asia/Vladivostok"), ("Самара", "Europe/Samara"), ("Якутск", "Asia/Yakutsk"),
    ("Jeddah", "Asia/Riyadh"), ("Alexandria", "Africa/Cairo"), ("Rio de Janeiro", "America/Sao_Paulo"),
    # "City, Country": the city within that country, else the country's zone
    ("Dakar, Sénégal", "Africa/Dakar"), ("Paris, France", "Europe/Paris"), ("Kaolack, Sénégal", "Africa/Dakar"),
    ("Hyderabad, Pakistan", "Asia/Karachi"), ("Guangzhou，中国", "Asia/Shanghai"), ("Paris, FR", "Europe/Paris"),
])
def test_capitals_and_large_cities_are_found(typed: str, zone: str) -> None:
    found = look_up_zones(typed, NOW)
    assert found.zones[0] == zone and found.sure, found


@pytest.mark.parametrize(("typed", "zone"), [
    # Their names in the other languages are GeoNames' alternate names, which it does not tell apart from noise
    # ("Delhi" is also one of Dili's, "Alexandria" one of Mashhad's): found, and confirmed with a button
    *((name, "Asia/Shanghai") for name in ("北京", "北京市", "Pékin", "Pekín", "Пекин", "بكين", "北京时间")),
    *((name, "Europe/Zurich") for name in ("Genève", "Ginebra", "Genf", "Женева", "日内瓦", "جنيف")),
    *((name, "Asia/Kolkata") for name in ("Нью-Дели", "新德里")),
    ("伊斯兰堡", "Asia/Karachi"), ("الرباط", "Africa/Casablanca"), ("الدوحة", "Asia/Qatar"),
    ("المنامة", "Asia/Bahrain"), ("أبوظبي", "Asia/Dubai"), ("صنعاء", "Asia/Aden"), ("Астана", "Asia/Almaty"),
    ("河内", "Asia/Ho_Chi_Minh"), ("广州", "Asia/Shanghai"), ("深圳", "Asia/Shanghai"),
    ("Санкт-Петербург", "Europe/Moscow"), ("Казань", "Europe/Moscow"), ("جدة", "Asia/Riyadh"),
    ("الإسكندرية", "Africa/Cairo"), ("جدة، السعودية", "Asia/Riyadh"),
])
def test_their_other_names_are_found_to_confirm(typed: str, zone: str) -> None:
    assert look_up_zones(typed, NOW) == ZoneSearch((zone,), sure=False)


def test_every_city_of_the_data_file_is_found_by_each_of_its_names() -> None:
    with CITY_DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len({row["iso3"] for row in rows}) >= 240  # a capital for every country GeoNames names one for
    assert all(is_zone(row["zone"]) for row in rows)
    for row in rows:
        own, *bynames = row["names"].split("|")
        assert _hours(row["zone"]) in {_hours(z) for z in look_up_zones(own, NOW).zones}, (own, row["zone"])
        for name in bynames:  # unless a place of that very name outranks it ("Delhi" is not Dili)
            found = look_up_zones(name, NOW)
            assert _hours(row["zone"]) in {_hours(z) for z in found.zones} or found.sure, (name, row["zone"])


@pytest.mark.parametrize(("typed", "zone", "not_zone"), [
    ("Delhi", "Asia/Kolkata", "Asia/Dili"), ("Alexandria", "Africa/Cairo", "Asia/Tehran"),
    ("Victoria", "Indian/Mahe", "Asia/Hong_Kong"), ("Samoa", "Pacific/Apia", "Pacific/Pago_Pago"),
])
def test_a_citys_own_name_outranks_another_places_byname(typed: str, zone: str, not_zone: str) -> None:
    """Delhi offered Dili, Alexandria Tehran (a byname of Mashhad), Victoria Hong Kong, Samoa American Samoa's zone
    (Pacific/Samoa, an old name of Pago Pago's)."""
    assert look_up_zones(typed, NOW) == ZoneSearch((zone,), sure=True)


@pytest.mark.parametrize(("typed", "zone"), [
    ("Dilly", "Asia/Dili"), ("Meshed", "Asia/Tehran"), ("Alexandria, Iran", "Asia/Tehran"),
    ("North", "Australia/Darwin"), ("Queensland", "Australia/Brisbane"), ("Saigon", "Asia/Ho_Chi_Minh"),
])
def test_a_name_only_another_city_goes_by_is_a_guess(typed: str, zone: str) -> None:
    """A byname alone, or an old zone name that is a region's ("North" saved Australia/North), is confirmed."""
    assert look_up_zones(typed, NOW) == ZoneSearch((zone,), sure=False)


@pytest.mark.parametrize(("typed", "home", "zone"), [
    ("Victoria", "CAN", "Indian/Mahe"), ("Valencia", "ESP", "America/Caracas"),
    ("San José", "USA", "America/Costa_Rica"), ("Paris", "SEN", "Europe/Paris"),
])
def test_a_city_found_only_abroad_is_confirmed(typed: str, home: str, zone: str) -> None:
    """A tester: "Victoria" was taken as the Seychelles' capital for a focal point in Canada, "Valencia" as
    Venezuela's city for one in Spain; the index holds no smaller city of the name at home. Found only in another
    country than the organisation's, the place is offered to confirm; at home it is still taken at once."""
    assert look_up_zones(typed, NOW, home) == ZoneSearch((zone,), sure=False)
    assert look_up_zones(typed, NOW).sure


@pytest.mark.parametrize(("typed", "home", "zone"), [
    ("北京", "CHN", "Asia/Shanghai"), ("Пекин", "CHN", "Asia/Shanghai"), ("Genève", "CHE", "Europe/Zurich"),
    ("Hyderabad", "PAK", "Asia/Karachi"), ("Hyderabad", "IND", "Asia/Kolkata"), ("Valencia", "VEN", "America/Caracas"),
    ("Dakar", "SEN", "Africa/Dakar"),
])
def test_a_name_of_a_city_at_home_is_taken(typed: str, home: str, zone: str) -> None:
    """At home a city's name in another language (北京 in China, which elsewhere may be a byname to confirm) is taken,
    and a name several countries' cities share is the home country's."""
    assert look_up_zones(typed, NOW, home) == ZoneSearch((zone,), sure=True)


def test_at_home_an_abbreviation_an_offset_or_a_country_is_read_as_anywhere() -> None:
    """A review: "México" typed for an organisation in Mexico took Mexico City at once, where Mexico's zones were
    offered to choose from (a focal point in Tijuana is three hours off it)."""
    assert look_up_zones("IST", NOW, "IND") == look_up_zones("IST", NOW)
    assert look_up_zones("UTC+3", NOW, "SEN") == look_up_zones("UTC+3", NOW)
    for country, home in (("México", "MEX"), ("Mexico", "MEX"), ("Бразилия", "BRA"), ("Senegal", "SEN")):
        assert look_up_zones(country, NOW, home) == look_up_zones(country, NOW), country
    assert len(look_up_zones("México", NOW, "MEX").zones) > 1


@pytest.mark.parametrize("typed", ["No", "no", "in", "It", "me", "so", "to", "is", "my", "be", "us", "4", "12"])
def test_a_common_word_or_a_number_is_no_country(typed: str) -> None:
    """At the time-zone question "No" saved Europe/Oslo, "in" Kolkata, "it" Rome, "me" Podgorica (ISO codes), and
    "4" Kabul, "12" Algiers (M49 codes)."""
    assert look_up_zones(typed, NOW) == ZoneSearch()


@pytest.mark.parametrize(("typed", "zone"), [
    ("NO", "Europe/Oslo"), ("IN", "Asia/Kolkata"), ("ind", "Asia/Kolkata"), ("ITA", "Europe/Rome"),
    ("ME", "Europe/Podgorica"), ("Springfield, IL", "Asia/Jerusalem"),
])
def test_a_country_code_is_a_guess_to_confirm(typed: str, zone: str) -> None:
    """A code names a country less surely than its name: "IL" is Israel's and Illinois'."""
    assert look_up_zones(typed, NOW) == ZoneSearch((zone,), sure=False)


def test_a_countrys_short_name_is_still_sure() -> None:
    assert look_up_zones("UK", NOW) == ZoneSearch(("Europe/London",), sure=True)
    assert look_up_zones("日本", NOW) == ZoneSearch(("Asia/Tokyo",), sure=True)  # two characters, a whole name
    assert look_up_zones("Kano, Nigeria", NOW) == ZoneSearch(("Africa/Lagos",), sure=True)


@pytest.mark.parametrize(("typed", "zone"), [
    ("UTC＋８", "Etc/GMT-8"), ("+0300", "Etc/GMT-3"), ("UTC+5.5", "Asia/Kolkata"), ("غرينتش+3", "Etc/GMT-3"),
    ("+٣", "Etc/GMT-3"), ("UTC – 4", "Etc/GMT+4"), ("UTC+5:30", "Asia/Kolkata"), ("UTC−5:30", None), ("UTC+25", None),
])
def test_offsets_as_people_write_them(typed: str, zone: str | None) -> None:
    """The full-width UTC＋８ of Chinese input methods, +0300 and UTC+5.5 were refused."""
    assert look_up_zones(typed, NOW, "IND").zones == ((zone,) if zone else ())  # in India: +5:30 is India's


@pytest.mark.parametrize(("home", "zones"), [(None, ("Asia/Kolkata", "Asia/Colombo")), ("CHL", ("Asia/Kolkata",
                                                                                               "Asia/Colombo")),
                                             ("LKA", ("Asia/Colombo",)), ("IND", ("Asia/Kolkata",))])
def test_a_half_hour_offset_kept_by_two_countries_is_asked_unless_one_is_home(home: str | None,
                                                                             zones: tuple[str, ...]) -> None:
    """A review: "UTC+5:30" was India's for everyone, a claim to a focal point in Sri Lanka. Both are offered (one
    zone of each country, the most populous first), or the organisation's own country's taken at once."""
    for month in (1, 7):
        assert look_up_zones("UTC+5:30", NOW.replace(month=month), home) == ZoneSearch(zones, sure=len(zones) == 1)
    # Myanmar's UTC+6:30 is also the Cocos Islands' (an Australian territory): asked too
    assert look_up_zones("UTC+6:30", NOW).zones == ("Asia/Yangon", "Indian/Cocos")


def test_an_offset_no_zone_keeps_is_said_so() -> None:
    """The bot's own example, UTC−5:30, was refused as "I could not find that place"."""
    assert look_up_zones("UTC-5:30", NOW).offset == "UTC−05:30" and look_up_zones("UTC−5:30", NOW).zones == ()


@pytest.mark.parametrize(("typed", "zone"), [("МСК+1", "Europe/Samara"), ("мск-1", "Europe/Kaliningrad"),
                                             ("MSK+7", "Asia/Vladivostok"), ("МСК", "Europe/Moscow")])
def test_russian_time_counted_from_moscow(typed: str, zone: str) -> None:
    assert look_up_zones(typed, NOW).zones[0] == zone
