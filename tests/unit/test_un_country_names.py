"""Issue #14 item 21: countries are shown by their UN short names (UNTERM), CLDR's names still understood."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.i18n import FSI, PDI, Renderer
from handlers.messages import CountryName, Items
from models.geography import country_name, load_country_table, search_countries
from models.values import LANGUAGES

DATA = Path(__file__).resolve().parents[2] / "models" / "data"
M49_REFERENCE = DATA.parents[2] / "shared" / "data" / "m49" / "m49_overview.csv"


def rows(name: str) -> dict[str, dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return {row["iso3"]: row for row in csv.DictReader(handle)}


@pytest.mark.parametrize(("iso3", "locale", "name"), [
    ("COD", "fr", "République démocratique du Congo"), ("COD", "en", "Democratic Republic of the Congo"),
    ("COG", "ru", "Конго"), ("PRK", "fr", "République populaire démocratique de Corée"), ("CIV", "ar", "كوت ديفوار"),
    ("VNM", "en", "Viet Nam"), ("VNM", "es", "Viet Nam"), ("RUS", "ru", "Российская Федерация"),
    ("GBR", "zh", "大不列颠及北爱尔兰联合王国"), ("TZA", "es", "República Unida de Tanzanía"),
    ("BOL", "en", "Bolivia (Plurinational State of)"), ("PSE", "zh", "巴勒斯坦国"), ("VAT", "fr", "Saint-Siège"),
    ("KGZ", "ru", "Кыргызстан"), ("TLS", "fr", "Timor-Leste"), ("SEN", "fr", "Sénégal"),  # the same in both
])
def test_countries_are_named_as_the_un_names_them(iso3: str, locale: str, name: str) -> None:
    assert country_name(iso3, locale) == name


def test_every_name_shown_in_a_message_is_the_un_s(renderer: Renderer) -> None:
    shown = renderer.label(Items((CountryName("COD"), CountryName("CIV"))), "ar").replace(FSI, "").replace(PDI, "")
    assert "جمهورية الكونغو الديمقراطية" in shown and "كوت ديفوار" in shown and "ساحل العاج" not in shown


@pytest.mark.parametrize(("typed", "iso3"), [
    ("Congo-Kinshasa", "COD"), ("Corée du Nord", "PRK"), ("ساحل العاج", "CIV"), ("Vietnam", "VNM"),  # CLDR's
    ("République démocratique du Congo", "COD"), ("Viet Nam", "VNM"), ("كوت ديفوار", "CIV"),  # the UN's
    ("Российская Федерация", "RUS"), ("Кыргызстан", "KGZ"), ("Saint-Siège", "VAT"), ("多民族玻利维亚国", "BOL"),
])
def test_both_names_are_understood(typed: str, iso3: str) -> None:
    assert search_countries(typed)[0] == iso3


def test_the_un_names_file_only_holds_names_that_differ_from_cldr() -> None:
    un, cldr, table = rows("un_country_names.csv"), rows("country_names.csv"), load_country_table()
    assert set(un) <= set(table)
    for iso3, row in un.items():
        assert any(row[lang] for lang in LANGUAGES), iso3
        for lang in LANGUAGES:
            assert row[lang] != cldr[iso3][lang], (iso3, lang)
            assert row[lang] == row[lang].strip()


def test_english_names_are_m49_s() -> None:
    if not M49_REFERENCE.is_file():
        pytest.skip(f"M49 reference not found at {M49_REFERENCE}: English names NOT checked")
    with M49_REFERENCE.open(encoding="utf-8-sig", newline="") as handle:
        m49 = {row["ISO-alpha3 Code"]: row["Country or Area"] for row in csv.DictReader(handle)}
    for iso3 in load_country_table():
        if iso3 in m49:
            assert country_name(iso3, "en") == m49[iso3], iso3


def test_the_source_is_stated() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert "un_country_names.csv" in readme and "UNTERM" in readme
