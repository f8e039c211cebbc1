"""Telegram's length limits, measured as Telegram measures them, and long texts cut to fit.

Telegram counts a message in UTF-16 code units after parsing its entities: HTML tags do not count, and
an entity such as ``&lt;`` counts as the one character it stands for. A text may have 4,096 of them, the
caption of a photo or document 1,024. Forms accept longer answers than a summary can show beside the
other answers (a 4,000-character description), so summaries, notices and lists show an excerpt, and
the whole text is sent on request in parts that each fit.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

TEXT_LIMIT = 4096
"""Telegram's limit for a message's text, in UTF-16 units after entity parsing."""
CAPTION_LIMIT = 1024
"""Telegram's limit for the caption of a photo or a document."""
EXCERPT = 500
"""How much of a long field a summary, notice or list shows (UTF-16 units): a summary holds up to three
such fields beside its other answers, in the wordiest language, well within TEXT_LIMIT."""
LIST_TITLE = 80
"""How much of a title a list line shows: a list holds up to ten lines per message."""
PART = 3500
"""The size of one part when a whole text is sent in parts, leaving room for a heading."""
ELLIPSIS = "…"


def utf16_units(value: str) -> int:
    """The length of `value` as Telegram counts it (a character outside the BMP counts two)."""
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def plain(markup: str) -> str:
    """The text a reader sees of Telegram HTML: tags dropped, entities replaced by their characters."""
    parser = _Visible()
    parser.feed(markup)
    parser.close()
    return "".join(parser.chunks)


def visible_length(markup: str) -> int:
    """The length of Telegram HTML as Telegram measures it against its limits."""
    return utf16_units(plain(markup))


def within(markup: str, limit: int) -> bool:
    """True when Telegram HTML measures at most `limit` as Telegram measures it.

    Tags and entities only ever shorten what a reader sees (``&lt;`` is one character, a tag none), so the
    markup's own length settles almost every message without parsing it.
    """
    return utf16_units(markup) <= limit or visible_length(markup) <= limit


def fits(markup: str, *, caption: bool = False) -> bool:
    """True when Telegram accepts this HTML as a text (or as a caption)."""
    return within(markup, CAPTION_LIMIT if caption else TEXT_LIMIT)


def _cut(value: str, units: int) -> str:
    """The longest prefix of `value` within `units` UTF-16 units (never half a surrogate pair)."""
    total = 0
    for index, char in enumerate(value):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > units:
            return value[:index]
    return value


def shorten(value: str, limit: int = EXCERPT) -> str:
    """`value` itself when it fits in `limit` UTF-16 units; else its beginning, cut after a word, and "…"."""
    if utf16_units(value) <= limit:
        return value
    head = _cut(value, max(0, limit - 1))
    space = max(head.rfind(" "), head.rfind("\n"))
    if space > len(head) * 3 // 4:  # end on a whole word when one ends near the cut
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def is_long(value: str, limit: int = EXCERPT) -> bool:
    """True when `shorten` would cut this text."""
    return utf16_units(value) > limit


def parts(value: str, size: int = PART) -> list[str]:
    """The whole text in parts of at most `size` UTF-16 units, cut at a line or word end where one is near."""
    pieces: list[str] = []
    rest = value
    while utf16_units(rest) > size:
        head = _cut(rest, size)
        cut = max(head.rfind("\n"), head.rfind(" "))
        if cut < len(head) // 2:  # no line or word end in the second half: cut where the limit is
            cut = len(head)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def fit_html(markup: str, limit: int = TEXT_LIMIT) -> str:
    """`markup` when it fits `limit`; else its visible text, escaped and shortened (the last resort of
    delivery: a message that would not fit is shown cut rather than refused)."""
    if within(markup, limit):
        return markup
    # escaping adds no visible length: &lt; counts one, like the < it stands for
    return html.escape(shorten(re.sub(r"\n{3,}", "\n\n", plain(markup)), limit), quote=False)
