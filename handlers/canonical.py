"""Text as it enters the bot: one canonical form, so that what is stored, compared and shown is what was meant.

Every text a person sends goes through `canonical` (the adapters call it through `Incoming.from_text`);
names (of people and organisations) also through `canonical_name`, which removes the invisible characters
that could make two names look alike but compare different, or reorder what staff read around a name.
"""

from __future__ import annotations

import re
import unicodedata

KEPT_CONTROLS = "\n\t"
# Bidirectional controls: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069), the marks
# (U+200E, U+200F, U+061C); zero-width characters: space, non-joiner, joiner, word joiner, BOM, Mongolian
# vowel separator, and the invisible operators U+2061-U+2064 (word joiner's neighbours).
NAME_INVISIBLE = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e"
)
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def _dropped(char: str) -> bool:
    # Cc: C0 and C1 controls and DEL (NUL breaks PostgreSQL's text); Cs: a lone surrogate, which no encoder
    # (JSON for Telegram, UTF-8 for the database) accepts; noncharacters (U+FDD0-U+FDEF, U+xFFFE, U+xFFFF), which
    # Unicode keeps for a program's own use: the renderer's marks of what people wrote are two of them.
    category = unicodedata.category(char)
    if category == "Cn":
        point = ord(char)
        return 0xFDD0 <= point <= 0xFDEF or point & 0xFFFE == 0xFFFE
    return (category == "Cc" and char not in KEPT_CONTROLS) or category == "Cs"


def canonical(text: str) -> str:
    """NFC, line breaks as \\n, and no control characters other than newline and tab."""
    text = _NEWLINES.sub("\n", text)
    if not text.isascii() or any(_dropped(c) for c in text):
        text = "".join(c for c in text if not _dropped(c))
    return unicodedata.normalize("NFC", text)


def canonical_name(name: str) -> str:
    """A name on one line: `canonical`, without bidirectional controls or zero-width characters, spaces collapsed."""
    name = canonical(name)
    if not name.isascii():
        name = "".join(c for c in name if c not in NAME_INVISIBLE)
    return " ".join(name.split())
