"""An amount in a local currency is told that amounts are asked in US dollars (exploratory testing): "2 millones de
soles", "1 500 000 сомов", "EGP 1,000,000" and "MXN 2.000.000" were refused with "Please type a number", as only
the euro, the rouble, the pound and a few others were known; now every currency in use is, by its ISO 4217 code,
symbol or name in the six languages as Babel has them."""

from __future__ import annotations

import importlib.util
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel import localedata

from bot.i18n import Renderer
from handlers.forms.base import FormContext, InvalidAnswerError
from handlers.forms.currencies import other_currencies
from handlers.forms.numbers import parse_amount
from handlers.forms.parsing import ParseError
from handlers.pledges.form import PLEDGE_FORM

M = 10**6


@pytest.mark.parametrize(("locale", "typed"), [
    ("es", "2 millones de soles"), ("ru", "1 500 000 сомов"), ("ar", "EGP 1,000,000"), ("es", "MXN 2.000.000"),
    ("es", "2 millones de pesos mexicanos"), ("es", "S/ 2 000 000"), ("fr", "2 millions de dollars canadiens"),
    ("en", "2 million Canadian dollars"), ("en", "INR 5 crore"), ("en", "5 crore rupees"), ("en", "2m ZAR"),
    ("en", "egp1,000"), ("en", "1000€"), ("ru", "3 млн тенге"), ("ru", "2 млн гривен"), ("ar", "1000 ج.م."),
    ("ar", "5 ملايين جنيه"), ("ar", "٣ ملايين درهم إماراتي"), ("zh", "300万比索"), ("zh", "200万卢比"),
    ("zh", "500万日元"), ("fr", "3 millions de nairas"), ("en", "KES 4,500,000"),
])
def test_an_amount_in_any_other_currency_is_refused_as_such(locale: str, typed: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_amount(typed, locale)
    assert caught.value.reason == "other_currency"


@pytest.mark.parametrize(("locale", "typed", "expected"), [
    ("en", "USD 2m", 2 * M), ("en", "$2m", 2 * M), ("en", "US$ 3m", 3 * M), ("es", "2 millones de dólares", 2 * M),
    ("es", "2,5 millones USD", Decimal(2_500_000)), ("ru", "2 млн долларов", 2 * M), ("ar", "2 مليون دولار", 2 * M),
    ("zh", "300万美元", 3 * M), ("fr", "3 millions de dollars", 3 * M), ("ru", "1 500 000 долл. США", 1_500_000),
])
def test_dollars_are_still_read_as_dollars(locale: str, typed: str, expected: Decimal) -> None:
    assert parse_amount(typed, locale) == expected


@pytest.mark.parametrize("typed", ["2 millones de", "2 million or", "12abc", "soles", "2 million for schools",
                                   "1 000 000 de valeur", "abc €"])
def test_words_that_name_no_currency_beside_a_number_are_no_number(typed: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_amount(typed, "en")
    assert caught.value.reason == "not_a_number"


def test_a_negative_amount_in_another_currency_is_refused_as_negative() -> None:
    with pytest.raises(ParseError) as caught:
        parse_amount("-5 EGP", "en")
    assert caught.value.reason == "negative"


def test_the_us_dollar_is_no_other_currency() -> None:
    names, _ = other_currencies()
    assert not {"usd", "$", "us$", "$us", "美元", "доллар сша", "dolar estadounidense"} & names
    assert {"egp", "mxn", "pen", "kgs", "€", "soles", "сомов", "比索"} <= names


@pytest.mark.parametrize(("locale", "typed"), [("es", "2 millones de soles"), ("ru", "1 500 000 сомов")])
def test_the_pledge_form_asks_the_amount_in_dollars(renderer: Renderer, locale: str, typed: str) -> None:
    step = PLEDGE_FORM.step("value_usd")
    assert step is not None
    context = FormContext(locale, date(2026, 11, 28), lambda label: renderer.label(label, locale, markup=False))
    with pytest.raises(InvalidAnswerError) as caught:
        step.on_text(typed, {"pledge_type": "financial"}, {}, context)
    assert "US dollars" in caught.value.message.msgid


def test_the_names_file_is_what_the_installed_babel_gives() -> None:
    """After a Babel upgrade changes a currency's name or symbol, `python scripts/currency_names.py` writes the file
    again."""
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("currency_names", root / "scripts" / "currency_names.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    written = (root / "models" / "data" / "currency_names.txt").read_text(encoding="utf-8").splitlines()
    assert written == generator.currency_names()


def test_reading_other_currencies_loads_no_cldr_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built from Babel at run time, the names loaded about 250 CLDR locales: 0.6 s and 33 MB in every process."""
    def refuse(name: str, merge_inherited: bool = True) -> None:
        raise AssertionError(f"CLDR locale {name} loaded")

    other_currencies.cache_clear()
    monkeypatch.setattr(localedata, "load", refuse)
    try:
        names, longest = other_currencies()
    finally:
        other_currencies.cache_clear()
    assert {"egp", "mxn", "€", "soles", "сомов"} <= names and longest >= 2
