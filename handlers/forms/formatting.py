"""Showing amounts, numbers, dates and times back to the reader, in the reader's locale."""

from datetime import date, time
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale, dates, numbers

from handlers.forms.parsing import babel_locale


@cache
def _babel(locale: str) -> Locale:
    """The Babel locale for one of our language codes, parsed once (Babel parses a name on every call)."""
    return Locale.parse(babel_locale(locale))


TWO_GROUPING_DIGITS = frozenset({"es"})
"""Languages whose CLDR data has minimumGroupingDigits 2: a number of four digits is written whole ("4000", RAE's
rule in Spanish), the separator coming from five ("12.000"). Babel does not apply it (it wrote "4.000" in an error
beside the question's "4000", a tester)."""


def _grouped(value: Decimal | int, where: Locale) -> bool:
    """Whether the digits of `value` are grouped in the reader's language."""
    return where.language not in TWO_GROUPING_DIGITS or not -10_000 < value < 10_000


def format_amount(value: Decimal, locale: str, *, currency: str | None = "USD") -> str:
    """Format an amount for the reader, in full; whole amounts without cents ("$3,000,000")."""
    where = _babel(locale)
    if currency is None:
        return numbers.format_decimal(value, locale=where, decimal_quantization=False, numbering_system="latn",
                                      group_separator=_grouped(value, where))
    pattern = None
    if value == value.to_integral_value():
        pattern = where.currency_formats["standard"].pattern.replace(".00", "")
    return numbers.format_currency(
        value, currency, pattern, where, currency_digits=pattern is None,
        decimal_quantization=False, group_separator=_grouped(value, where), numbering_system="latn",
    )


@lru_cache(maxsize=4096)  # counts, steps and years come back in every message
def format_integer(value: int, locale: str) -> str:
    """Format a whole number for the reader ("1,000,000", "1 000 000")."""
    where = _babel(locale)
    return numbers.format_decimal(value, locale=where, group_separator=_grouped(value, where), numbering_system="latn")


@lru_cache(maxsize=1024)
def format_time(value: time, locale: str) -> str:
    """Format a time of day in the locale's short CLDR format ("14:30", "2:30 PM", "2:30 م")."""
    return dates.format_time(value, "short", locale=_babel(locale))


@lru_cache(maxsize=4096)  # due dates and periods come back in every list
def format_date(value: date, locale: str) -> str:
    """Format a date for the reader in the locale's medium format ("Dec 31, 2027", "31 déc. 2027"); in Arabic the
    long one, with the month's name ("31 ديسمبر 2027"): the medium one, "31‏/12‏/2027", puts a right-to-left mark
    before each "/", and Telegram then reads "/12" and "/2027" as commands, shown as links that send them (a tester).
    French writes the first of a month as an ordinal, "1er févr. 2027" (CLDR's patterns have no such field)."""
    where = _babel(locale)
    shown = dates.format_date(value, "long" if where.language == "ar" else "medium", locale=where)
    if where.language == "fr" and value.day == 1 and shown.startswith("1 "):
        return f"1er{shown[1:]}"
    return shown
