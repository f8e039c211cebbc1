"""What the bot says, as data: message ids with typed parameters, rendered later in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Any


def N_(msgid: str) -> str:
    """Mark a message id for extraction; translation happens at render time."""
    return msgid


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in US dollars, formatted for the reader."""

    value: Decimal


@dataclass(frozen=True, slots=True)
class Number:
    """A number, formatted for the reader."""

    value: int | Decimal


@dataclass(frozen=True, slots=True)
class Day:
    """A calendar date, formatted for the reader."""

    value: date


@dataclass(frozen=True, slots=True)
class Clock:
    """A time of day, formatted for the reader by CLDR ("14:30", "2:30 PM", "14 h 30")."""

    value: time


@dataclass(frozen=True, slots=True)
class CountryName:
    """A country by ISO 3166-1 alpha-3 code, named in the reader's language."""

    iso3: str


@dataclass(frozen=True, slots=True)
class Code:
    """A reference or identifier written in Latin script (isolated in right-to-left text)."""

    value: str


CAPITAL, SMALL = "capital", "small"
"""The values of Text.initial."""


@dataclass(frozen=True, slots=True)
class Text:
    """A message id with parameters; `plural` and `count` select a plural form."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None
    count: str | None = None
    initial: str | None = None
    """The first letter of the translation made a "capital" or a "small" letter, in the scripts that have cases: a
    word the catalog gives for one use shown in the other (a pledge status, "validated" for the middle of a sentence,
    as a card's value; a report status, "In progress" alone, in the middle of a sentence)."""


def text(msgid: str, **params: Any) -> Text:
    """Shorthand for a Text with keyword parameters."""
    return Text(msgid, params)


def plural(singular: str, plural_: str, count: int, **params: Any) -> Text:
    """A message whose form follows `count` by the reader's plural rules; `{count}` shows the count.

    Both ids are literal strings so that `bot.catalogs` extracts them as one plural entry
    (keyword spec `plural: (1, 2)`); every language fills each of its plural forms.
    """
    return Text(singular, {"count": count, **params}, plural=plural_, count="count")


def NP_(singular: str, plural_: str) -> tuple[str, str]:
    """Mark a plural message id pair for extraction when it is declared as data and counted later."""
    return singular, plural_


@dataclass(frozen=True, slots=True)
class Items:
    """Several labels joined as a list in the reader's language ("a, b and c"; a choice: "a, b or c")."""

    items: tuple[Label, ...]
    choice: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    """A "<b>name</b>: value" line, laid out for the reader's script."""

    name: Label
    value: Label


@dataclass(frozen=True, slots=True)
class Concat:
    """Labels shown one after the other (an emoji before a label, for instance)."""

    parts: tuple[Label, ...]


@dataclass(frozen=True, slots=True)
class Markup:
    """Telegram HTML written by staff and checked (handlers.forms.markup): shown with its formatting."""

    html: str


Value = Money | Number | Day | Clock | CountryName | Code
Label = Text | str | Value | Items | Line | Concat | Markup
"""What can be shown: translated Text, a formatted value, a layout of labels, or a string shown as written."""


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button; `code` is what comes back when it is pressed (never a translated label)."""

    label: Label
    code: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to one person: paragraphs joined by blank lines, and rows of buttons."""

    parts: tuple[Label, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: tuple[str, str] | None = None
    """("photo" | "document" | "video", Telegram file id) sent with the text as its caption."""
    if_refused: Reply | None = None
    """What the reader is told instead if Telegram refuses this message (a file it no longer has); None: the
    runtime's general explanation (bot.refusals)."""
    locale: str | None = None
    """The language it is shown in, whoever reads it (None: the reader's): a preview of what the readers of that
    language get (a broadcast's header in their language, and laid out in its direction)."""


def reply(*parts: Label, buttons: tuple[tuple[Button, ...], ...] = ()) -> Reply:
    """Build a Reply from its paragraphs and button rows."""
    return Reply(tuple(parts), buttons)


# --- JSON form, for the outbox: rendering happens at send time in the recipient's language ---

def _param_to_json(value: Any) -> Any:
    if isinstance(value, Money):
        return {"$": "money", "v": str(value.value)}
    if isinstance(value, Number):
        return {"$": "num", "v": str(value.value)}
    if isinstance(value, Day):
        return {"$": "day", "v": value.value.isoformat()}
    if isinstance(value, Clock):
        return {"$": "clock", "v": value.value.isoformat(timespec="minutes")}
    if isinstance(value, CountryName):
        return {"$": "country", "v": value.iso3}
    if isinstance(value, Code):
        return {"$": "code", "v": value.value}
    if isinstance(value, Text):
        return {"$": "text", "v": text_to_json(value)}
    if isinstance(value, Items):
        stored = {"$": "items", "v": [_param_to_json(item) for item in value.items]}
        return {**stored, "or": True} if value.choice else stored
    if isinstance(value, Line):
        return {"$": "line", "v": [_param_to_json(value.name), _param_to_json(value.value)]}
    if isinstance(value, Concat):
        return {"$": "concat", "v": [_param_to_json(item) for item in value.parts]}
    if isinstance(value, Markup):
        return {"$": "markup", "v": value.html}
    if isinstance(value, list | tuple):
        return {"$": "list", "v": [_param_to_json(item) for item in value]}
    if isinstance(value, bool | int | str) or value is None:
        return value
    raise TypeError(f"cannot store parameter of type {type(value).__name__}")


def _param_from_json(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    kind, raw = value["$"], value["v"]
    if kind == "money":
        return Money(Decimal(raw))
    if kind == "num":
        number = Decimal(raw)
        return Number(int(number) if number == number.to_integral_value() and "." not in raw else number)
    if kind == "day":
        return Day(date.fromisoformat(raw))
    if kind == "clock":
        return Clock(time.fromisoformat(raw))
    if kind == "country":
        return CountryName(raw)
    if kind == "code":
        return Code(raw)
    if kind == "text":
        return text_from_json(raw)
    if kind == "list":
        return [_param_from_json(item) for item in raw]
    if kind == "items":
        return Items(tuple(_param_from_json(item) for item in raw), choice=bool(value.get("or")))
    if kind == "line":
        return Line(_param_from_json(raw[0]), _param_from_json(raw[1]))
    if kind == "concat":
        return Concat(tuple(_param_from_json(item) for item in raw))
    if kind == "markup":
        return Markup(raw)
    raise ValueError(f"unknown parameter kind {kind!r}")


def text_to_json(value: Text) -> dict[str, Any]:
    """Serialise a Text for storage."""
    data: dict[str, Any] = {"id": value.msgid}
    if value.params:
        data["p"] = {key: _param_to_json(item) for key, item in value.params.items()}
    if value.plural is not None:
        data["pl"], data["n"] = value.plural, value.count
    if value.initial is not None:
        data["i"] = value.initial
    return data


def text_from_json(data: dict[str, Any]) -> Text:
    """Rebuild a Text from storage."""
    params = {key: _param_from_json(item) for key, item in data.get("p", {}).items()}
    return Text(data["id"], params, data.get("pl"), data.get("n"), data.get("i"))


def label_to_json(label: Label) -> Any:
    """Serialise a label for storage (an outbox row's parts, a form's note kept in its state)."""
    return _param_to_json(label)


def label_from_json(data: Any) -> Label:
    """Rebuild a label from storage; ValueError for what is none."""
    value = _param_from_json(data)
    if not isinstance(value, Text | str | Money | Number | Day | Clock | CountryName | Code | Items | Line | Concat
                      | Markup):
        raise ValueError("not a label")
    return value


def reply_to_json(value: Reply) -> dict[str, Any]:
    """Serialise a Reply for the outbox."""
    data: dict[str, Any] = {"parts": [label_to_json(part) for part in value.parts]}
    if value.buttons:
        data["buttons"] = [[[label_to_json(b.label), b.code] for b in row] for row in value.buttons]
    if value.attachment is not None:
        data["att"] = list(value.attachment)
    if value.if_refused is not None:
        data["refused"] = reply_to_json(value.if_refused)
    if value.locale is not None:
        data["loc"] = value.locale
    return data


def reply_from_json(data: dict[str, Any]) -> Reply:
    """Rebuild a Reply from the outbox."""
    buttons = tuple(
        tuple(Button(label_from_json(label), code) for label, code in row) for row in data.get("buttons", [])
    )
    attachment = data.get("att")
    refused = data.get("refused")
    return Reply(tuple(label_from_json(part) for part in data["parts"]), buttons,
                 (str(attachment[0]), str(attachment[1])) if attachment else None,
                 reply_from_json(refused) if refused else None, data.get("loc"))
