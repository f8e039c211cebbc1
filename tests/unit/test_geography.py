"""Tests for models.geography: the country table against UN M49, names, groups and search."""

from __future__ import annotations

import csv
import importlib.util
import time
from pathlib import Path

import babel.localedata
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.geography import (
    COUNTRY_TABLE_AS_OF,
    GROUPS,
    LANGUAGES,
    NAME_LOCALES,
    CountryFacts,
    ItuRegion,
    countries_in_group,
    country_name,
    load_country_table,
    region_name,
    search_countries,
)
from models.geography import _search_index as _search_index

REPO_ROOT = Path(__file__).resolve().parents[2]
M49_REFERENCE = REPO_ROOT.parent / "shared" / "data" / "m49" / "m49_overview.csv"
DATA_README = REPO_ROOT / "models" / "data" / "README.md"

# Areas outside ITU-D's regional groupings.
NO_ITU_REGION = {"ATA"}


@pytest.fixture(scope="module")
def m49() -> dict[str, dict[str, str]]:
    """The UN M49 overview (reference, outside the project), keyed by ISO3."""
    if not M49_REFERENCE.is_file():
        pytest.skip(f"M49 reference not found at {M49_REFERENCE}: the table was NOT checked against UN M49")
    with M49_REFERENCE.open(encoding="utf-8-sig", newline="") as f:
        return {row["ISO-alpha3 Code"]: row for row in csv.DictReader(f)}


def _int_or_none(value: str) -> int | None:
    """Parse an optional integer cell of the reference."""
    return int(value) if value.strip() else None


# --- the table against the reference ------------------------------------------------------------


def test_same_countries_as_m49(m49: dict[str, dict[str, str]]) -> None:
    table = load_country_table()
    assert len(m49) == 248
    assert set(table) - set(m49) == set(), "in the project's table but not in M49"
    assert set(m49) - set(table) == set(), "in M49 but not in the project's table"


def test_codes_flags_and_regions_match_m49(m49: dict[str, dict[str, str]]) -> None:
    table = load_country_table()
    wrong: list[str] = []
    for iso3, ref in m49.items():
        facts = table.get(iso3)
        if facts is None:
            continue  # reported by test_same_countries_as_m49
        expected = CountryFacts(
            iso3=iso3,
            iso2=ref["ISO-alpha2 Code"],
            m49=int(ref["M49 Code"]),
            ldc=bool(ref["Least Developed Countries (LDC)"].strip()),
            lldc=bool(ref["Land Locked Developing Countries (LLDC)"].strip()),
            sids=bool(ref["Small Island Developing States (SIDS)"].strip()),
            region_code=_int_or_none(ref["Region Code"]),
            subregion_code=_int_or_none(ref["Sub-region Code"]),
            itu_region=facts.itu_region,  # not in M49
            ldc_until=facts.ldc_until,  # a graduation to come: M49 flags the country until it takes effect
        )
        if facts != expected:
            wrong.append(f"{iso3}: project {facts} != M49 {expected}")
    assert wrong == []


@pytest.mark.parametrize(("group", "count"), [("ldc", 44), ("lldc", 32), ("sids", 53)])
def test_group_counts_as_of_the_table_date(group: str, count: int) -> None:
    assert COUNTRY_TABLE_AS_OF.isoformat() == "2025-11-29"
    assert len(countries_in_group(group)) == count


def test_known_graduations() -> None:
    table = load_country_table()
    assert not table["STP"].ldc  # graduated 13 Dec 2024
    assert not table["BTN"].ldc  # graduated 13 Dec 2023
    assert all(table[c].ldc for c in ("BGD", "LAO", "NPL"))  # scheduled for Nov 2026


def test_data_readme_states_the_date() -> None:
    assert "29 November 2025" in DATA_README.read_text(encoding="utf-8")


def test_table_shape() -> None:
    table = load_country_table()
    assert len(table) == 248
    for iso3, facts in table.items():
        assert iso3 == facts.iso3 and len(iso3) == 3 and iso3.isupper()
        assert len(facts.iso2) == 2 and facts.iso2.isupper()
        assert 0 < facts.m49 < 1000
    assert len({f.iso2 for f in table.values()}) == 248
    assert len({f.m49 for f in table.values()}) == 248
    assert load_country_table() is table  # cached


# --- ITU-D regions ------------------------------------------------------------------------------


def test_every_country_has_an_itu_region_except_listed() -> None:
    table = load_country_table()
    assert {iso3 for iso3, f in table.items() if f.itu_region is None} == NO_ITU_REGION


def test_cis_and_arab_states_are_exactly_the_documented_lists() -> None:
    assert countries_in_group("cis") == {"ARM", "AZE", "BLR", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UZB"}
    league_of_arab_states = {
        "DZA", "BHR", "COM", "DJI", "EGY", "IRQ", "JOR", "KWT", "LBN", "LBY", "MRT",
        "MAR", "OMN", "PSE", "QAT", "SAU", "SOM", "SDN", "SYR", "TUN", "ARE", "YEM",
    }  # fmt: skip
    assert countries_in_group("arab_states") == league_of_arab_states | {"ESH"}


@pytest.mark.parametrize(
    ("iso3", "region"),
    [
        ("SEN", ItuRegion.AFRICA),
        ("ZAF", ItuRegion.AFRICA),
        ("REU", ItuRegion.AFRICA),
        ("EGY", ItuRegion.ARAB_STATES),
        ("IRN", ItuRegion.ASIA_PACIFIC),
        ("AFG", ItuRegion.ASIA_PACIFIC),
        ("TUV", ItuRegion.ASIA_PACIFIC),
        ("GEO", ItuRegion.EUROPE),
        ("UKR", ItuRegion.EUROPE),
        ("TUR", ItuRegion.EUROPE),
        ("ISR", ItuRegion.EUROPE),
        ("CYP", ItuRegion.EUROPE),
        ("GRL", ItuRegion.AMERICAS),
        ("PRI", ItuRegion.AMERICAS),
        ("HTI", ItuRegion.AMERICAS),
    ],
)
def test_itu_region_of(iso3: str, region: ItuRegion) -> None:
    assert load_country_table()[iso3].itu_region is region


def test_african_region_is_sub_saharan() -> None:
    table = load_country_table()
    for iso3 in countries_in_group("africa"):
        assert table[iso3].subregion_code == 202, iso3


def test_groups_agree_with_flags_and_partition_regions() -> None:
    table = load_country_table()
    assert countries_in_group("ldc") == {c for c, f in table.items() if f.ldc}
    assert countries_in_group("LLDC") == {c for c, f in table.items() if f.lldc}
    assert countries_in_group("sids") == {c for c, f in table.items() if f.sids}
    regions = [countries_in_group(r) for r in ItuRegion]
    assert sum(len(r) for r in regions) == len(table) - len(NO_ITU_REGION)
    assert frozenset().union(*regions) == set(table) - NO_ITU_REGION
    assert set(GROUPS) == {"ldc", "lldc", "sids", *ItuRegion}


def test_unknown_group_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown country group"):
        countries_in_group("g77")


# --- names --------------------------------------------------------------------------------------


def test_every_country_has_a_name_in_every_language() -> None:
    missing = [
        (iso3, lang)
        for iso3 in load_country_table()
        for lang in LANGUAGES
        if not country_name(iso3, lang).strip() or country_name(iso3, lang) == iso3
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("iso3", "locale", "name"),
    [
        ("SEN", "fr", "Sénégal"),
        ("SEN", "ru", "Сенегал"),
        ("SEN", "ar", "السنغال"),
        ("SEN", "zh", "塞内加尔"),  # Simplified
        ("SEN", "es", "Senegal"),
        ("civ", "en", "Côte d’Ivoire"),
        ("PSE", "en", "State of Palestine"),  # UN terminology, not CLDR's
        ("PSE", "zh", "巴勒斯坦国"),
        ("SEN", "pt-BR", "Senegal"),
        ("DEU", "zz", "Germany"),  # unknown locale: English
        ("DEU", "", "Germany"),
        ("XKX", "en", "XKX"),  # not in the table: the code
    ],
)
def test_country_name(iso3: str, locale: str, name: str) -> None:
    assert country_name(iso3, locale) == name


def test_the_names_file_is_cldr_as_the_installed_babel_has_it() -> None:
    """After a Babel upgrade changes a name, `python scripts/country_names.py` writes the file again."""
    spec = importlib.util.spec_from_file_location("country_names", REPO_ROOT / "scripts" / "country_names.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    with (REPO_ROOT / "models" / "data" / "country_names.csv").open(encoding="utf-8", newline="") as f:
        written = list(csv.reader(f))
    assert written[0] == ["iso3", *NAME_LOCALES]
    assert written[1:] == generator.cldr_rows()


def test_names_and_search_in_the_six_languages_load_no_cldr_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each CLDR locale costs about 1.5 MB once loaded; names and search read the names file instead."""
    def refuse(name: str, merge_inherited: bool = True) -> None:
        raise AssertionError(f"CLDR locale {name} loaded")

    monkeypatch.setattr(babel.localedata, "load", refuse)
    for lang in LANGUAGES:
        assert country_name("SEN", lang)
    assert country_name("ABW", "zh-Hant") == "荷屬阿魯巴"  # Traditional, where Simplified has 阿鲁巴
    assert _search_index.__wrapped__().exact


@pytest.mark.parametrize(
    ("code", "locale", "name"),
    [
        (2, "en", "Africa"),
        (2, "fr", "Afrique"),
        (202, "en", "Sub-Saharan Africa"),
        (150, "ru", "Европа"),
        (142, "zh", "亚洲"),
        (9, "ar", "أوقيانوسيا"),
        (15, "not-a-locale", "Northern Africa"),
        (998, "en", "998"),
        (-1, "en", "-1"),
    ],
)
def test_region_name(code: int, locale: str, name: str) -> None:
    assert region_name(code, locale) == name


def test_every_region_of_the_table_has_a_name() -> None:
    codes = {c for f in load_country_table().values() for c in (f.region_code, f.subregion_code) if c}
    for code in codes:
        for lang in LANGUAGES:
            assert region_name(code, lang) != str(code), (code, lang)


# --- search -------------------------------------------------------------------------------------

SEARCHES = [
    # (typed, expected first result)
    ("Sénégal", "SEN"),
    ("senegal", "SEN"),
    ("SENEGAL ", "SEN"),
    ("Сенегал", "SEN"),
    ("السنغال", "SEN"),
    ("سنغال", "SEN"),  # without the article
    ("السِّنِغال", "SEN"),  # with tashkeel
    ("塞内加尔", "SEN"),
    ("Côte d'Ivoire", "CIV"),
    ("cote divoire", "CIV"),
    ("ivory coast", "CIV"),
    ("Кот-д’Ивуар", "CIV"),
    ("科特迪瓦", "CIV"),
    ("bolivia", "BOL"),
    ("Bolivie", "BOL"),
    ("玻利维亚", "BOL"),
    ("مصر", "EGY"),
    ("إيران", "IRN"),
    ("ايران", "IRN"),  # bare alef
    ("السعودية", "SAU"),
    ("السعوديه", "SAU"),  # ha for ta marbuta
    ("Россия", "RUS"),
    ("russia", "RUS"),
    ("Russian Federation", "RUS"),
    ("Российская Федерация", "RUS"),
    ("Йемен", "YEM"),
    ("Соединенное Королевство", "GBR"),  # е typed for ё
    ("Кот-д'Ивуар", "CIV"),
    ("viet", "VNM"),
    ("Viet Nam", "VNM"),
    ("Laos", "LAO"),
    ("DRC", "COD"),
    ("Congo-Kinshasa", "COD"),
    ("tanz", "TZA"),
    ("niger", "NER"),
    ("Turkey", "TUR"),
    ("Türkiye", "TUR"),
    ("Swaziland", "SWZ"),
    ("Czech Republic", "CZE"),
    ("Burma", "MMR"),
    ("Cape Verde", "CPV"),
    ("East Timor", "TLS"),
    ("USA", "USA"),
    ("UK", "GBR"),
    ("South Korea", "KOR"),
    ("st lucia", "LCA"),
    ("Saint Lucia", "LCA"),
    ("SN", "SEN"),  # ISO2
    ("NER", "NER"),  # ISO3
    # a number is no country: "500" (a target typed a question late) added Montserrat, "31/12/2028" Azerbaijan and
    # Algeria, by their M49 numbers (limits tester)
    ("686", None),
    ("500", None),
    ("31", None),
    ("España", "ESP"),
    ("Allemagne", "DEU"),
    ("Германия", "DEU"),
    ("ألمانيا", "DEU"),
    ("德国", "DEU"),
    ("德國", "DEU"),  # Traditional characters
    ("Estados Unidos", "USA"),
    ("Беларусь", "BLR"),
    # what people call a country in their own language: "Америка" was American Samoa, "Англия" nothing at all
    ("Америка", "USA"),
    ("Amérique", "USA"),
    ("Англия", "GBR"),
    ("Angleterre", "GBR"),
    ("Inglaterra", "GBR"),
    ("إنجلترا", "GBR"),
    ("英格兰", "GBR"),
    ("Туркмения", "TKM"),
    ("Киргизия", "KGZ"),
    ("Ёлка", None),
]


@pytest.mark.parametrize(("typed", "first"), SEARCHES)
def test_search_finds(typed: str, first: str | None) -> None:
    results = search_countries(typed)
    if first is None:
        assert results == []
    else:
        assert results and results[0] == first, results


def test_search_niger_ranks_niger_before_nigeria() -> None:
    results = search_countries("niger")
    assert results[:2] == ["NER", "NGA"]


@pytest.mark.parametrize(("typed", "expected"), [("tanz", "TZA"), ("bots", "BWA"), ("кирг", "KGZ"), ("塞内", "SEN")])
def test_search_partial(typed: str, expected: str) -> None:
    assert expected in search_countries(typed)


def test_search_word_prefix_and_substring() -> None:
    assert "ZAF" in search_countries("africa")  # a later word: "South Africa"
    assert "CAF" in search_countries("african")
    assert search_countries("korea")[:2] == ["KOR", "PRK"]
    assert "GNB" in search_countries("bissau")
    assert "PNG" in search_countries("guinea")


def test_search_limit_and_order_are_stable() -> None:
    assert len(search_countries("a")) == 8
    assert len(search_countries("a", limit=3)) == 3
    assert search_countries("a", limit=0) == []
    assert search_countries("a") == search_countries("A")
    assert len(set(search_countries("a", limit=300))) == len(search_countries("a", limit=300))


@pytest.mark.parametrize(
    "typed",
    ["", " ", "😀", "🇸🇳", "\u200f\u200e\u2068\u2069", "?!.,", "x" * 10_000, "\x00", "\ud800", "ـــ", "\u0651"],
)
def test_search_odd_input(typed: str) -> None:
    assert search_countries(typed) == []


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(), st.integers(min_value=-1, max_value=20))
def test_search_never_raises(typed: str, limit: int) -> None:
    results = search_countries(typed, limit=limit)
    assert len(results) <= max(limit, 0)
    assert set(results) <= set(load_country_table())


def test_search_is_fast() -> None:
    queries = [typed for typed, _ in SEARCHES] + ["a", "e", "us", "zzzz"]
    search_countries("warm up")
    start = time.perf_counter()
    for typed in queries * 10:
        search_countries(typed)
    per_search = (time.perf_counter() - start) / (len(queries) * 10)
    assert per_search < 0.001, f"{per_search * 1e6:.0f} µs per search"
