"""What reading typed values shares: the error that says why text was refused, our languages' Babel locales, and the
folding of typed text for matching."""

import unicodedata
from typing import Literal

Reason = Literal[
    "empty", "not_a_number", "other_currency", "negative", "too_large", "not_whole", "not_a_date", "ambiguous_date",
    "out_of_range", "percent", "money", "qualified", "spelled",
]

# Our language codes to Babel locales. Arabic is shown with Latin digits ("latn"): CLDR's "ar" uses
# them by default, as do UN documents and most Arab-state forms online; Arabic-Indic digits are still
# read on input.
BABEL_LOCALES = {"ar": "ar", "en": "en", "es": "es", "fr": "fr", "ru": "ru", "zh": "zh_Hans_CN"}

_SUBSTITUTES = str.maketrans(
    {"−": "-", "–": "-", "‐": "-", "‑": "-", "﹣": "-", "٪": "%", "’": "'", "ʼ": "'", "،": ",",
     "ى": "ي", "ی": "ي", "ک": "ك", "ة": "ه", "ـ": None}
)
_DROPPED_CATEGORIES = frozenset(("Mn", "Me", "Cf"))


class ParseError(ValueError):
    """Typed text could not be read as the value asked for; `reason` says why, for a localized reply."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


def babel_locale(locale: str) -> str:
    """Map one of our language codes (or a tag such as "en-US") to a Babel locale; English otherwise."""
    return BABEL_LOCALES.get(locale.replace("_", "-").split("-")[0].lower(), "en")


def _fold(text: str) -> str:
    """Fold text for matching: compatibility forms, ASCII digits, no marks or bidi controls, lower case."""
    kept = []
    for char in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(char)
        if category in _DROPPED_CATEGORIES or (category == "Cc" and not char.isspace()):
            continue
        digit = unicodedata.decimal(char, None)
        kept.append(char if digit is None else str(digit))
    folded = unicodedata.normalize("NFC", "".join(kept).casefold().translate(_SUBSTITUTES))
    return " ".join(folded.split())


def fold_word(name: str) -> str:
    """Fold a vocabulary word or a typed token the same way, ignoring an abbreviation's dot."""
    return _fold(name).rstrip(".")


def folded_or_empty(text: str) -> str:
    """Fold typed text, refusing text with nothing visible in it."""
    folded = _fold(text)
    if not folded:
        raise ParseError("empty")
    return folded
