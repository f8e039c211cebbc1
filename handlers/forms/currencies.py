"""Currencies other than the US dollar as people name them beside an amount: ISO 4217 codes ("EGP", "MXN"), symbols
("€", "ج.م."), and names in our six languages, whole or the noun alone ("soles peruanos" and "soles", "киргизских
сомов" and "сомов", "墨西哥比索" and "比索"). The names, folded, are read from models/data/currency_names.txt,
written from Babel's (CLDR's) data by `python scripts/currency_names.py`: built at run time, they took 0.6 s and
33 MB of every process's memory (about 250 CLDR locales loaded), on the first amount refused."""

from __future__ import annotations

from functools import cache
from importlib import resources

NAMES_RESOURCE = "data/currency_names.txt"
_CONNECTIVES = frozenset(("de", "des", "of"))
"""A word between an amount and its currency ("2 millones de soles"), dropped with the currency."""


@cache
def other_currencies() -> tuple[frozenset[str], int]:
    """The folded codes, symbols and names of the currencies in use other than the US dollar, and how many words the
    longest has."""
    text = resources.files("models").joinpath(NAMES_RESOURCE).read_text(encoding="utf-8")
    found = frozenset(line for line in text.split("\n") if line)
    return found, max(len(name.split()) for name in found)


def _is_currency(words: list[str]) -> bool:
    """Whether these words, together, name another currency than the US dollar."""
    names, _ = other_currencies()
    return " ".join(words).rstrip(".") in names


def without_other_currency(folded: str) -> str | None:
    """Folded text with another currency than the US dollar that names it taken away, before or after the amount
    ("EGP 1,000,000", "2 millones de soles", "1000€", "300万比索"); None when it names none."""
    words = folded.rstrip("!。 ").split()
    _, longest = other_currencies()
    start = next((size for size in range(min(longest, len(words) - 1), 0, -1) if _is_currency(words[:size])), 0)
    end = len(words) - next((size for size in range(min(longest, len(words) - start - 1), 0, -1)
                             if _is_currency(words[len(words) - size:])), 0)
    if end < len(words) and end - start > 1 and words[end - 1] in _CONNECTIVES:
        end -= 1
    left = words[start:end]
    if left and start == 0:  # a code or symbol written against the number: "€1000", "egp1,000"
        first = left[0]
        left[0] = next((first[size:] for size in range(len(first) - 1, 0, -1) if _is_currency([first[:size]])),
                       first)
    if left and end == len(words):  # "1000€", "300万比索", "2 millions d'euros"
        last = left[-1]
        cut = next((size for size in range(1, len(last)) if _is_currency([last[size:]])), len(last))
        left[-1] = last[:cut].removesuffix("d'")
        if not left[-1]:
            left.pop()
    bare = " ".join(left)
    return bare if bare and bare != " ".join(words) else None
