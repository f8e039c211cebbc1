"""Write models/data/currency_names.txt: the currencies in use other than the US dollar as people name them beside
an amount, folded as handlers.forms.parsing.fold_word folds what they type, one per line.

`python scripts/currency_names.py` after upgrading Babel (a unit test says when the file and Babel's CLDR data part
ways). The bot reads the file (handlers/forms/currencies.py) rather than building the names from Babel's data:
that loads about 250 CLDR locales, 0.6 s and 33 MB of memory in every process.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from babel import Locale, localedata, numbers

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from handlers.forms.parsing import BABEL_LOCALES, fold_word

TARGET = Path(__file__).resolve().parent.parent / "models" / "data" / "currency_names.txt"

IN_USE_SINCE = date(2020, 1, 1)
"""Currencies legal tender somewhere since this date (a fixed date: the core reads no clock); older ones such as
the peseta are no longer typed."""
_LATEST = date(9999, 12, 31)
_DOLLAR = "USD"
_LANGUAGES = frozenset(where.split("_")[0] for where in BABEL_LOCALES.values())
_PLURAL_SAMPLES = (1, 2, 3, 5, 11, 100, Decimal("1.5"))
"""A count of each plural category of the six languages, for every plural form of a currency's name."""
_NOUN_FIRST = frozenset(("es", "fr", "ar"))
"""Languages whose currency names begin with the noun ("sol peruano", "جنيه مصري"); English ends with it."""
_RUSSIAN_ADJECTIVE = re.compile(r"(?:ий|ый|ой|ая|яя|ое|ее|ые|ие|ых|их|ого|его|ому|ему|ую|юю)$")
_SHORTEST_NOUN = {"Latn": 3, "Hani": 2}
"""The fewest letters of a currency's noun taken alone ("sol"); a shorter word ("or" of French names) is too common
to stand for a currency. Han nouns of one character ("元", "镑") count when several currencies share them."""


def _script(word: str) -> str:
    """"Hani" for Chinese characters, "Latn" for Latin letters, "" for the other scripts."""
    if any("\u3400" <= char <= "\u9fff" for char in word):
        return "Hani"
    return "Latn" if any("a" <= char <= "z" for char in word) else ""


def _noun(name: str, language: str, territories: tuple[str, ...]) -> str:
    """The noun of a currency's name, folded, as people say it alone: "soles" of "soles peruanos", "сомов" of
    "киргизских сомов", "pound" of "Egyptian pound", "比索" of "墨西哥比索" (the name less its country's)."""
    words = re.sub(r"\(.*?\)", "", name).split()
    if not words:
        return ""
    if language == "zh":
        whole = fold_word(name)
        return next((whole[len(place):] for place in territories if whole.startswith(place) and whole != place), "")
    if language == "ru":
        return fold_word(next((word for word in words if not _RUSSIAN_ADJECTIVE.search(word)), words[-1]))
    return fold_word(words[0] if language in _NOUN_FIRST else words[-1])


def _names(code: str, where: str) -> set[str]:
    """A currency's name in a Babel locale and every plural form of it, as Babel gives them."""
    names = {numbers.get_currency_name(code, count, where) for count in _PLURAL_SAMPLES}
    return names | {numbers.get_currency_name(code, locale=where)}


def currency_names() -> list[str]:
    """The folded codes, symbols and names of the currencies in use other than the US dollar, sorted."""
    english = Locale.parse("en")
    codes = {code for territory in english.territories if isinstance(territory, str)
             for code in numbers.get_territory_currencies(territory, IN_USE_SINCE, _LATEST)} - {_DOLLAR}
    dollar = set[str]()
    found = {code.casefold() for code in codes}
    nouns: dict[str, set[str]] = {}
    for where in BABEL_LOCALES.values():
        locale = Locale.parse(where)
        language = locale.language
        dollar |= {fold_word(locale.currency_symbols.get(_DOLLAR, "$")), *map(fold_word, _names(_DOLLAR, where))}
        territories = tuple(sorted((fold_word(name) for name in locale.territories.values()), key=len, reverse=True))
        for code in codes:
            names = _names(code, where)
            found |= {fold_word(name) for name in names}
            if (symbol := locale.currency_symbols.get(code)) is not None:
                found.add(fold_word(symbol))
            for name in names:
                if noun := _noun(name, language, territories):
                    nouns.setdefault(noun, set()).add(code)
    found |= _local_symbols(codes)
    for noun, named in nouns.items():
        script = _script(noun)
        if len(noun) >= _SHORTEST_NOUN.get(script, 2) or (script == "Hani" and len(named) > 1):
            found.add(noun)
    found -= dollar | {""}
    return sorted(found)


def _local_symbols(codes: set[str]) -> set[str]:
    """The folded symbols the six languages give a currency where it is used ("S/" in Peru, "сом" in Kyrgyzstan,
    "Ksh" in Kenya), but a lone letter ("R", "K": a multiplier) or one a US dollar has ("$", "US$")."""
    symbols: set[str] = set()
    for identifier in localedata.locale_identifiers():
        if identifier.split("_")[0] not in _LANGUAGES or "_" not in identifier:
            continue
        locale = Locale.parse(identifier)
        if not isinstance(territory := locale.territory, str):
            continue
        for code in numbers.get_territory_currencies(territory, IN_USE_SINCE, _LATEST):
            symbol = fold_word(locale.currency_symbols.get(code, ""))
            if code in codes and not (len(symbol) == 1 and symbol.isalpha()):
                symbols.add(symbol)
    return symbols


def main() -> None:
    """Write the file."""
    TARGET.write_text("".join(f"{name}\n" for name in currency_names()), encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
