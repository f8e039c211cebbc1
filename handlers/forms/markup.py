"""Telegram's HTML, checked before anything is sent: only its tags, balanced, within its length limit."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.entities import html5
from html.parser import HTMLParser
from typing import Literal

TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
                  "pre", "blockquote", "tg-emoji"})
VOID = frozenset({"br"})
MAX_TEXT = 4096
BLANK = frozenset("\u200b\u200c\u200d\u2060\ufeff")
"""Characters that show nothing but are not whitespace to `str.isspace`: zero-width spaces and joiners, the BOM."""

Reason = Literal["tag", "unbalanced", "attribute", "length", "empty"]
"""Why Telegram would refuse a text: a tag it does not know, tags not closed in order, an attribute it does not
allow, more characters than its limit, formatting without text (or with blanks only). Whoever says it to a person
says every one."""


class MarkupError(ValueError):
    """Text that Telegram would refuse, and why (`reason`); `detail` names the tag, or counts the characters."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


START_TAG = re.compile(r"<[A-Za-z][A-Za-z0-9-]*(?:\s[^>]*)?>")
"""A start tag as Telegram reads one: its name, then attributes after a space, up to the first ">"."""


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)  # entities come apart from the text, so a "<" left in it shows
        self.stack: list[str] = []
        self.length = 0
        self.visible = False
        """Whether the text, its entities parsed ("&#32;" a space), has a character other than blanks."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID or tag not in TAGS or not START_TAG.fullmatch(self.get_starttag_text() or ""):
            raise MarkupError("tag", tag)
        names = {name for name, _ in attrs}
        allowed = {"a": {"href"}, "span": {"class"}, "code": {"class"}, "blockquote": {"expandable"},
                   "tg-emoji": {"emoji-id"}}.get(tag, set())
        if names - allowed:
            raise MarkupError("attribute", f"{tag} {' '.join(sorted(names - allowed))}")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            raise MarkupError("attribute", "span needs class=\"tg-spoiler\"")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise MarkupError("tag", tag)  # "<b/>": Telegram knows no self-closing tag

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise MarkupError("unbalanced", tag)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:  # what the parser gave up reading as a tag ('<a href="x>'): Telegram refuses it
            raise MarkupError("unbalanced", data[data.index("<"):][:20])
        self._text(data)

    def handle_entityref(self, name: str) -> None:
        self._text(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self._text(html.unescape(f"&#{name};"))

    def _text(self, data: str) -> None:
        self.length += len(data.encode("utf-16-le")) // 2
        self.visible = self.visible or any(not char.isspace() and char not in BLANK for char in data)


NOT_A_TAG = re.compile(r"<(?!/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*|/)?>)")
"""A "<" that opens no tag as Telegram reads one: a name (after "/" in an end tag), then attributes after a space
or a "/", up to a ">" before any other "<"."""
NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
TELEGRAM_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
"""The named entities Telegram reads (every numeric one too); it shows any other ("&nbsp;") as written."""


def literal(value: str) -> str:
    """The text with what a person means literally written so that Telegram reads it so.

    Python's parser takes "Deadline < 30 June", "<< Webinar >>" or "3<5" as text; Telegram refuses the whole message
    ("Unsupported start tag"), so every recipient of a broadcast would get an apology instead. Such a "<" becomes
    "&lt;"; one that opens something tag-like is left to `check_markup`, which names a tag Telegram does not know. A
    named entity Telegram does not read ("&nbsp;", "&eacute;") becomes its character."""
    value = NOT_A_TAG.sub("&lt;", value)

    def character(match: re.Match[str]) -> str:
        name = match.group(1)
        known = html5.get(name + ";")
        if name in TELEGRAM_ENTITIES or known is None:
            return match.group(0)
        return html.escape(known, quote=False)

    return NAMED_ENTITY.sub(character, value)


def check_markup(value: str, max_length: int = MAX_TEXT) -> str:
    """The text if Telegram would accept it in HTML parse mode; otherwise MarkupError."""
    checker = _Checker()
    try:
        checker.feed(value)
        checker.close()
    except MarkupError:
        raise
    except (AssertionError, ValueError) as error:  # the parser's own complaints about broken markup
        raise MarkupError("unbalanced", str(error)[:60]) from error
    if checker.stack:
        raise MarkupError("unbalanced", checker.stack[-1])
    if not checker.visible:  # "<b> </b>", "<i>\n</i>", "&#32;": Telegram trims it to nothing, "message text is empty"
        raise MarkupError("empty")
    if checker.length > max_length:
        raise MarkupError("length", str(checker.length))
    return value


@dataclass(frozen=True)
class Refusal:
    """What Telegram would refuse in a text: the reason and its detail (see MarkupError), and the limit that applied
    to its length."""

    reason: Reason
    detail: str
    limit: int

    @property
    def length(self) -> int:
        """The text's length in Telegram's characters, when that is what is wrong (else 0)."""
        return int(self.detail) if self.reason == "length" else 0


def refusal(value: str, max_length: int = MAX_TEXT) -> Refusal | None:
    """What Telegram would refuse in the text (spaces around it aside), within `max_length`; None when it would take
    it as it is."""
    try:
        check_markup(value.strip(), max_length)
    except MarkupError as error:
        return Refusal(error.reason, error.detail, max_length)
    return None
