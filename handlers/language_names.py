"""The six languages by name, as people type them ("English", "français", "中文", "العربية"): pure, for the /language
command and for forms that ask for a language (the broadcast composer)."""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale

from models.values import LANGUAGE_NAMES, LANGUAGES

OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "ar": ("عربي", "عربية", "العربيه", "بالعربية", "بالعربي"),
    "zh": ("汉语", "漢語", "普通话", "简体中文", "繁體中文", "华语", "国语", "mandarin"),
    "en": ("eng", "in english"),
    "fr": ("en français", "francais"),
    "ru": ("по-русски", "русский язык", "на русском"),
    "es": ("castellano", "en español"),
}
"""Ways of naming a language beyond its name in each of the six (which Babel gives)."""


def _folded(value: str) -> str:
    """Lower case, without accents, punctuation, emoji or extra spaces: "Français !" → "francais"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    kept = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in decomposed
                   if unicodedata.category(ch) != "Mn")
    return " ".join(kept.replace("-", " ").split())


@cache
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for code in LANGUAGES:
        spelled = [LANGUAGE_NAMES[code], *OTHER_NAMES.get(code, ())]
        spelled += [Locale.parse(reader).languages[code] for reader in LANGUAGES]
        names.update({_folded(name): code for name in spelled})
    return names


def named_language(value: str) -> str | None:
    """The language a whole message names, in any of the six ("English", "français", "中文", "العربية"), if any."""
    return _names().get(_folded(value)) if len(value) <= 40 else None
