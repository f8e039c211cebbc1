"""Six languages: gettext catalogs from locales/, locale negotiation, and rendering of messages.

Catalogs are read from the .po files at start-up (no compiled .mo files are needed). Rendering
turns message ids and typed parameters into HTML text in the reader's language, with numbers,
money, dates and country names formatted by Babel (CLDR), and right-to-left care for Arabic.
"""

from __future__ import annotations

import gettext
import html
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any, Literal

from babel import Locale
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from handlers.forms.formatting import format_amount, format_date, format_integer, format_time
from handlers.forms.parsing import BABEL_LOCALES
from handlers.language import negotiate
from handlers.lengths import CAPTION_LIMIT, TEXT_LIMIT, fit_html, plain, shorten, visible_length, within
from handlers.messages import (
    CAPITAL,
    SMALL,
    Clock,
    Code,
    Concat,
    CountryName,
    Day,
    Items,
    Label,
    Line,
    Markup,
    Money,
    Number,
    Reply,
    Text,
)
from models.geography import country_name
from models.values import LANGUAGES

__all__ = ["Catalogs", "Rendered", "Renderer", "negotiate"]

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
RTL_LANGUAGES = frozenset({"ar"})
FSI, PDI, LRM, RLM = "\u2068", "\u2069", "\u200e", "\u200f"
OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e")
"""Bidirectional embeddings and overrides: until a PDF or the end of the paragraph, they turn what follows."""
OWN, OWN_END = "\ufdd0", "\ufdd1"
"""Set while a message is rendered, never sent (Unicode noncharacters, which `canonical` drops from what people
type): OWN before each line of what someone wrote as it stands (a person's multi-line text, a staff member's
formatted message), OWN_END after its last. A line that is theirs alone keeps the direction they gave it."""
TAG = re.compile(r"<[^>]*>")
LINK_AT_END = re.compile(r"(?:https?://|www\.)[^\s<>\u2069]+\u2069?\Z", re.IGNORECASE)
"""An item of a list that ends with a link (an isolate's closing mark after it, in markup)."""
CAPS = (1000, 300, 100, 30)
"""How short what people wrote becomes, step by step, in a message that would not fit otherwise."""
COMMAND = re.compile(r"(?<![\w/<:.\u2068])/[a-z][a-z0-9_]*")
"""A slash command in running text ("/start"), not a closing tag ("</b>") nor part of a link or a path."""
COLON = {"fr": "\u202f: ", "zh": "："}
"""How a label is joined to its value: French puts a narrow no-break space before the colon."""
ENUMERATING = frozenset({"zh"})
"""Languages whose lists set items apart with an enumeration comma (、) that is no word of their own."""
UNSPACED = frozenset({"zh"})
"""Languages that put no space between their own characters: a catalog's space beside a parameter is only kept
where the parameter meets Latin letters or digits."""
PLACEHOLDER_BEFORE = re.compile(r"\{(\w+)\}\Z")
PLACEHOLDER_AFTER = re.compile(r"\{(\w+)\}")
LEADING_PLACEHOLDER = re.compile(r"\{(\w+)\}")
"""A translation that begins with a parameter: at a paragraph's start, that parameter begins the sentence."""


class Catalogs:
    """The translations of every language, loaded once from the .po files."""

    def __init__(self, directory: Path = LOCALES_DIR) -> None:
        self._translations: dict[str, gettext.NullTranslations] = {}
        for language in LANGUAGES:
            po = directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"
            self._translations[language] = _load(po) if po.exists() else gettext.NullTranslations()

    def gettext(self, msgid: str, locale: str) -> str:
        """The translation of a message id."""
        return self._translations.get(locale, self._translations["en"]).gettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int, locale: str) -> str:
        """The plural form of a message for the count `n`, by the locale's rules."""
        return self._translations.get(locale, self._translations["en"]).ngettext(singular, plural, n)


def _load(path: Path) -> gettext.GNUTranslations:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=path.parent.parent.name)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for Telegram: HTML text and rows of (label, callback data) buttons."""

    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...]
    attachment: tuple[str, str] | None = None
    """("photo" | "document" | "video", file_id), the text then being its caption."""
    upload: Upload | None = None
    """A file the bot made, uploaded with the message (the text then being its caption)."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A file to upload with a message: sent as a photo or a document."""

    kind: str
    name: str
    mime_type: str
    content: bytes


FIXED_TEXTS = 20_000
"""At most this many texts without parameters are kept rendered (each of the catalog's in each language and place
is far fewer)."""


class Renderer:
    """Turns Labels and Replies into text in one language."""

    def __init__(self, catalogs: Catalogs) -> None:
        self.catalogs = catalogs
        self._fixed: dict[tuple[str, str | None, str, bool, bool, bool], str] = {}
        """Texts without parameters as rendered (`_text`), by message id, initial, language and place."""

    def reply(self, message: Reply, locale: str) -> Rendered:
        """Render a whole reply: paragraphs joined by blank lines, buttons in reading order.

        The text is measured as Telegram measures it (a caption when a file goes with it); one that would
        not fit is rendered again with what people wrote shortened, and as a last resort cut as plain text.
        Journeys keep their messages within the limits themselves; this is the guarantee behind them. A reply in a
        language of its own (`Reply.locale`, a preview) is rendered in it, whoever reads it.
        """
        locale = message.locale or locale
        limit = CAPTION_LIMIT if message.attachment is not None else TEXT_LIMIT
        body = self.body(message, locale)
        for cap in CAPS:
            if within(body, limit):
                break
            log.warning("message shortened to fit Telegram's limit", extra={"limit": limit, "cap": cap})
            body = self.body(message, locale, cap=cap)
        else:  # still too long with the shortest cap: the last resort (a body that fits is not measured again)
            body = fit_html(body, limit)
        rows = tuple(
            tuple((self.label(button.label, locale, markup=False), button.code) for button in row)
            for row in message.buttons
        )
        if locale in RTL_LANGUAGES:
            rows = tuple(tuple(reversed(row)) for row in rows)
        return Rendered(body, rows, message.attachment)

    def body(self, message: Reply, locale: str, *, cap: int | None = None) -> str:
        """A reply's text as `reply` renders it before making it fit (what people wrote shortened to `cap`):
        its parts joined by blank lines, each line in the language's direction (`directed`)."""
        return directed("\n\n".join(self._label(part, locale, cap=cap, start=True) for part in message.parts), locale)

    def label(self, label: Label, locale: str, *, markup: bool = True, cap: int | None = None) -> str:
        """Render one label; user-written strings are escaped (in HTML mode) and kept as written, or
        shortened to `cap` UTF-16 units when a message must be made to fit."""
        rendered = self._label(label, locale, markup=markup, cap=cap)
        return rendered.replace(OWN, "").replace(OWN_END, "") if markup else rendered

    def _label(self, label: Label, locale: str, *, markup: bool = True, cap: int | None = None,
               start: bool = False, inner: bool = False) -> str:
        """`label`, with the lines written as they stand set apart by OWN for `directed` (in HTML mode). At the `start`
        of a paragraph, a phrase of the catalog written for the middle of a sentence ("a person without a name") begins
        with a capital; what people wrote is never changed."""
        if isinstance(label, Text):
            return self._text(label, locale, markup, cap, start=start, inner=inner)
        if isinstance(label, str):
            shown = label if cap is None else shorten(label, cap)
            if not markup:
                return shown
            escaped = html.escape(shown, quote=False)
            if "\n" in shown and any(c.isalnum() for c in shown):
                # a person's lines keep their own direction: an Arabic answer's lines in an English message read
                # right to left, an English answer's in an Arabic one left to right (a line break ends the paragraph,
                # and with it any isolate opened before it)
                escaped = _own_lines(escaped)
            # a separator ("\n", " · ", "• ") has no letters to keep in order; isolated, a line break would end the
            # paragraph inside the isolate and leave its closing mark at the start of the next line
            if locale in RTL_LANGUAGES:
                return self._isolate(escaped, locale) if any(c.isalnum() for c in shown) else escaped
            # a name in Arabic script in left-to-right text: isolated, it cannot draw a number or a word beside it
            # into its own direction
            # so is one holding an override or embedding (U+202A-U+202E), which would reverse the rest of the line: a
            # pledge titled "Ministry\u202e TCI fo" turned staff's list around it; the isolate ends it
            isolated = _direction(shown) == "rtl" or (not shown.isascii() and not OVERRIDES.isdisjoint(shown))
            return f"{FSI}{escaped}{PDI}" if "\n" not in shown and isolated else escaped
        if isinstance(label, Items):
            return join_list([self._label(item, locale, markup=markup, cap=cap) for item in label.items],
                             _known(locale), "or" if label.choice else "standard")
        if isinstance(label, Line):
            name = self._label(label.name, locale, markup=markup, cap=cap, start=start, inner=inner)
            head = f"<b>{name}</b>" if markup else name
            return f"{head}{COLON.get(locale, ': ')}{self._label(label.value, locale, markup=markup, cap=cap)}"
        if isinstance(label, Concat):
            return "".join(self._label(part, locale, markup=markup, cap=cap, start=start and index == 0, inner=inner)
                           for index, part in enumerate(label.parts))
        if isinstance(label, Markup):
            if cap is not None and visible_length(label.html) > cap:  # formatting cannot be cut safely: plain text
                return self._label(plain(label.html), locale, markup=markup, cap=cap)
            # a staff member's formatted message is shown as its recipients will see it, each line as it was written
            return _own_lines(label.html) if markup else html.unescape(re.sub(r"<[^>]+>", "", label.html))
        value = self._value(label, locale)
        return value if markup else value.replace(FSI, "").replace(PDI, "")

    def _value(self, value: Money | Number | Day | Clock | CountryName | Code, locale: str) -> str:
        loc = _known(locale)
        if isinstance(value, Money):
            amount = format_amount(value.value, loc)
            # Arabic writes "US$" after the number: in right-to-left text the bidi algorithm takes its trailing "$"
            # for right-to-left and draws it before "US" ("$US 2,500,000", in messages and charts alike); a
            # left-to-right mark after it keeps the symbol whole ("US$ 2,500,000", read right to left)
            return self._isolate(amount + LRM if loc in RTL_LANGUAGES else amount, locale)
        if isinstance(value, Number):
            if isinstance(value.value, int):
                return self._isolate(format_integer(value.value, loc), locale)
            return self._isolate(format_amount(value.value, loc, currency=None), locale)
        if isinstance(value, Day):
            return format_date(value.value, loc)
        if isinstance(value, Clock):
            return self._isolate(format_time(value.value, loc), locale)
        if isinstance(value, CountryName):
            return html.escape(country_name(value.iso3, loc), quote=False)
        return self._isolate(html.escape(value.value, quote=False), locale)

    def _text(self, message: Text, locale: str, markup: bool, cap: int | None = None, *, start: bool = False,
              inner: bool = False) -> str:
        if message.params or message.plural is not None:
            return self._filled(message, locale, markup, cap, start=start, inner=inner)
        key = (message.msgid, message.initial, locale, markup, start, inner)
        found = self._fixed.get(key)
        if found is None:
            found = self._filled(message, locale, markup, cap, start=start, inner=inner)
            if len(self._fixed) < FIXED_TEXTS:
                self._fixed[key] = found
        return found

    def _filled(self, message: Text, locale: str, markup: bool, cap: int | None = None, *, start: bool = False,
                inner: bool = False) -> str:
        loc = _known(locale)
        if message.plural is not None and message.count is not None:
            n = _count(message.params.get(message.count))
            template = self.catalogs.ngettext(message.msgid, message.plural, n, loc)
        else:
            template = self.catalogs.gettext(message.msgid, loc)
        # at a paragraph's start, the parameter the translation begins with begins the sentence ("{person} is not a
        # focal point…"): a phrase of the catalog made for a sentence's middle given there ("a person without a name")
        # takes a capital; a paragraph's own text is written as its authors capitalised it
        first = LEADING_PLACEHOLDER.match(template) if start else None
        if start and inner and first is None and template[:1].islower():  # a phrase made for a sentence's middle
            template = template[0].upper() + template[1:]
        if message.initial == CAPITAL:  # a word made for one use shown in the other (Text.initial)
            template = template[:1].upper() + template[1:]
        elif message.initial == SMALL:
            template = template[:1].lower() + template[1:]
        params = {key: self._param(value, loc, markup, cap, start=first is not None and key == first.group(1))
                  for key, value in message.params.items()}
        template = _one_full_stop(template, params)
        if loc in UNSPACED:
            template = _unspaced(template, params)
        if loc in RTL_LANGUAGES:
            template = COMMAND.sub(lambda found: f"{FSI}{found.group(0)}{PDI}", template)
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            log.error("catalog entry does not fit its parameters", extra={"msgid": message.msgid, "locale": loc})
            return message.msgid.format(**params)

    def _param(self, value: Any, locale: str, markup: bool, cap: int | None = None, *, start: bool = False) -> str:
        if isinstance(value, list | tuple):
            return join_list([self._param(item, locale, markup, cap) for item in value], locale)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return self._isolate(format_integer(value, locale), locale)
        if value is None:
            return ""
        return self._label(value, locale, markup=markup, cap=cap, start=start, inner=start)

    @staticmethod
    def _isolate(value: str, locale: str) -> str:
        """In right-to-left text, keep a Latin run (a ref, an amount) from reordering the sentence."""
        return f"{FSI}{value}{PDI}" if locale in RTL_LANGUAGES and value else value


def _direction(text: str) -> Literal["ltr", "rtl"] | None:
    """The direction of the first letter with one (Unicode's strong characters), None when there is none."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


ISOLATED = re.compile(f"{FSI}[^{FSI}{PDI}]*(?:{PDI}|$)")


def _outside(line: str) -> Literal["ltr", "rtl"]:
    """The direction an app that follows Unicode's rule (P2: isolated text does not count; the sandbox page, Telegram's
    apps) gives a line whose first letters are in isolates: that of its first letter outside them, left to right
    when there is none ("✓ ⁨250,000 US$⁩" in Arabic sat at the left edge)."""
    stripped = line
    while FSI in stripped:
        shorter = ISOLATED.sub("", stripped)
        if shorter == stripped:
            break
        stripped = shorter
    return _direction(stripped) or "ltr"


def directed(body: str, locale: str) -> str:
    """Each line of a message body that would start in the other direction than its language's begins with a
    mark in the language's direction (LRM or RLM).

    Telegram's apps, like the sandbox page, lay each line out in the direction of its first letter: an
    English sentence opening with an organisation's Arabic name would read right to left, an Arabic one opening
    with a reference in Latin letters left to right. Isolates (FSI) do not prevent it everywhere: Chromium's
    `dir="auto"` reads their letters too, while apps that follow Unicode's rule skip them. So the mark goes where the
    first letter of a line, tags left out, is of the other direction, read either way; every other line is left as
    it is. So is a line that is wholly what someone wrote as
    it stands (from OWN to the line's end or OWN_END, with no letter after it; both removed here): a line of a
    person's multi-line answer, or of a staff member's formatted message, shown as written and as its recipients
    will see it. A line where the bot's own words follow such text ("old → new", "… (edited)") is the bot's.
    """
    wanted = "rtl" if locale in RTL_LANGUAGES else "ltr"
    mark = RLM if wanted == "rtl" else LRM
    lines = body.split("\n")
    for index, line in enumerate(lines):
        visible = html.unescape(TAG.sub("", line))
        if visible.lstrip(FSI).startswith(OWN) and _direction(visible.partition(OWN_END)[2]) is None:
            continue
        found = _direction(visible)
        if (found is not None and found != wanted) or (FSI in visible and _outside(visible) != wanted):
            lines[index] = mark + line
    return "\n".join(lines).replace(OWN, "").replace(OWN_END, "")


def _own_lines(text: str) -> str:
    """`text` with OWN before each of its lines that has something on it and OWN_END after it, for `directed`."""
    return re.sub(r"(?m)^(?=.)", OWN, text) + OWN_END


def join_list(items: list[str], locale: str, style: Literal["standard", "or"] = "standard") -> str:
    """Rendered items joined by the language's CLDR list pattern ("a, b and c"; "a, b or c" in the "or" style).

    Where lists set items apart with an enumeration comma (Chinese 、), a list whose items contain the
    conjunction itself is joined by that comma throughout: "学校、农村和偏远社区", not "学校和农村和偏远社区",
    which reads as three groups. There, a link is followed by a space: Telegram took the mark and the next link into
    it ("…/a.pdf和https://…" was one link; a tester's evidence).
    """
    babel_locale = BABEL_LOCALES[locale]
    if locale in UNSPACED and len(items) > 1:
        items = [f"{item} " if LINK_AT_END.search(item) else item for item in items[:-1]] + items[-1:]
    if locale in ENUMERATING and len(items) > 1:
        conjunction, comma = _list_marks(babel_locale, style)
        if any(conjunction in item for item in items):
            return comma.join(items)
    return format_list(items, style=style, locale=babel_locale)


@cache
def _list_marks(babel_locale: str, style: str) -> tuple[str, str]:
    """The conjunction between the last two items ("和") and the mark between the others ("、"), from CLDR."""
    patterns = Locale.parse(babel_locale).list_patterns[style]
    return patterns["2"].format("", "").strip(), patterns["middle"].format("", "")


def _unspaced(template: str, params: dict[str, str]) -> str:
    """Drop a catalog's space beside a parameter where Chinese sets none.

    Translators space a Latin value off the Chinese text around it ("已设置 Ivan Petrov 的范围"), but no space goes
    beside full-width punctuation nor between two Chinese characters: "Awa Diop（ID 1001） 负责" becomes
    "Awa Diop（ID 1001）负责", "已设置 王芳 的范围" becomes "已设置王芳的范围". Spaces away from a parameter are the
    translator's and stay; so does whatever a parameter holds (people's own words among them).
    """
    kept: list[str] = []
    for index, char in enumerate(template):
        if char == " " and 0 < index < len(template) - 1:
            before = PLACEHOLDER_BEFORE.search(template, 0, index)
            after = PLACEHOLDER_AFTER.match(template, index + 1)
            if before is not None or after is not None:
                left = _edge(params.get(before.group(1), ""), last=True) if before else template[index - 1]
                right = _edge(params.get(after.group(1), ""), last=False) if after else template[index + 1]
                if left and right and not _spaced(left, right):
                    continue
        kept.append(char)
    return "".join(kept)


def _edge(rendered: str, *, last: bool) -> str:
    """The visible character a rendered parameter begins or ends with ("" when it shows none)."""
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip(FSI + PDI + OWN + OWN_END)
    return shown[-1:] if last else shown[:1]


def _spaced(left: str, right: str) -> bool:
    """Whether Chinese typography puts a space between these two characters."""
    def wide(char: str) -> bool:
        return unicodedata.east_asian_width(char) in ("W", "F")

    def category(char: str) -> str:
        return unicodedata.category(char)[0]

    if any(wide(char) and category(char) == "P" for char in (left, right)):  # （ ） ， 。 ：
        return False
    return not (wide(left) and category(left) == "L" and wide(right) and category(right) == "L")  # 王芳 的


def _one_full_stop(template: str, params: dict[str, str]) -> str:
    """Drop the full stop after a parameter that already ends with one (Russian dates end in "г.")."""
    for key, value in params.items():
        if value.rstrip(PDI).endswith(".") and f"{{{key}}}." in template:
            template = template.replace(f"{{{key}}}.", f"{{{key}}}")
    return template


def _known(locale: str) -> str:
    return locale if locale in LANGUAGES else "en"


def _count(value: Any) -> int:
    if isinstance(value, Number):
        return int(value.value)
    return int(value) if isinstance(value, int) else 0
