"""What a report reminder says (handlers.report_reminders plans them): one message a person listing every pledge
due, its buttons, and the escalation to coordinators; written straight as the outbox stores it (compose_json), a
peak day's plan writing thousands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from handlers.lengths import LIST_TITLE, shorten
from handlers.messages import N_, NP_, Button, Code, Concat, Day, Label, Reply, Text, plural, reply_to_json, text
from handlers.reports.cards import MORE, period_label
from models.reporting import due_date

MAX_BUTTON_ROWS = 8
"""Pledges of a message with buttons of their own (Telegram's keyboards stay readable on a phone)."""
MAX_LISTED = 10
"""Pledges a reminder or an escalation lists (in each of its lists), their titles shortened to LIST_TITLE; the rest
are counted, /report and /digest having them all. A message listing every one was cut by the renderer at Telegram's
4,096 characters, from about 35 pledges, mid-line and without its last lines."""
SHORT_TITLE, SHORT_NAME = 60, 40
"""How much of a title and of an organisation's name an escalation's line shows: it has two lists of MAX_LISTED."""
REMINDER_REST = NP_("… and {count} more pledge: /report lists every one.",
                    "… and {count} more pledges: /report lists every one.")
ESCALATION_REST = NP_("… and {count} more pledge.", "… and {count} more pledges.")


@dataclass(frozen=True, slots=True)
class Item:
    """One pledge in a reminder: what the message shows of it."""

    pledge_id: int
    ref: str
    title: str
    period: str
    """The earliest period not reported: the one a report is for."""
    due: date
    owed: int = 1
    """Periods owed, that one and the later ones due (Reminding.owed)."""
    last: str | None = None
    """When later periods are owed, the latest (Reminding.period): the one whose reminders run, coming due or
    overdue, which the line names with its due date (None in rows written before it was kept)."""

    def to_json(self) -> list[Any]:
        """As stored in the outbox row beside the message."""
        return [self.pledge_id, self.ref, self.title, self.period, self.due.isoformat(), self.owed, self.last]

    @classmethod
    def from_json(cls, data: list[Any]) -> Item:
        """Rebuild from the outbox row (rows written before `owed` have five fields, before `last` six)."""
        return cls(int(data[0]), str(data[1]), str(data[2]), str(data[3]), date.fromisoformat(data[4]),
                   int(data[5]) if len(data) > 5 else 1, str(data[6]) if len(data) > 6 and data[6] else None)

    @property
    def names_last(self) -> bool:
        """True when the line names the latest period owed as well as the earliest."""
        return self.owed > 1 and self.last is not None and self.last != self.period


OVERDUE_SINCE, DUE_ON = N_("overdue since {date}"), N_("due on {date}")
LINE = N_("{ref} “{title}” — {period}: {when}")
"""A pledge in a reminder: its reference, title, the period a report is for and when it was due."""
LINE_MORE = N_("{ref} “{title}” — {period}: {when}, and {more} after it")
"""The same, when later periods are owed too (rows written before the latest was kept: LINE_UPTO)."""
LINE_UPTO = N_("{ref} “{title}” — {period}: {when}, and {more} after it, up to {last}: {last_when}")
"""The same, naming the latest period owed and when it is due: the one whose reminders run, why this one came."""
DUE_HEADER = NP_("📅 {count} progress report is due:", "📅 {count} progress reports are due:")
ESCALATED_LINE = N_("{ref} “{title}” — {organisation}: {when}")
"""A pledge in a coordinator's escalation: its reference, title, organisation and when its report was due."""


def when_due(due: date, day: date) -> Text:
    """When a report is due, as of `day`: overdue since that date, or due on it."""
    return text(OVERDUE_SINCE if due < day else DUE_ON, date=Day(due))


def _line(item: Item, day: date) -> Text:
    when = when_due(item.due, day)
    title = shorten(item.title, LIST_TITLE)
    if item.names_last:
        assert item.last is not None
        return text(LINE_UPTO, ref=Code(item.ref), title=title, period=period_label(item.period), when=when,
                    more=plural(*MORE, item.owed - 1), last=period_label(item.last),
                    last_when=when_due(due_date(item.last), day))
    if item.owed > 1:
        return text(LINE_MORE, ref=Code(item.ref), title=title, period=period_label(item.period), when=when,
                    more=plural(*MORE, item.owed - 1))
    return text(LINE, ref=Code(item.ref), title=title, period=period_label(item.period), when=when)


def compose(items: list[Item], day: date) -> Reply:
    """One message listing every pledge due for a person, with Report / later / not mine buttons."""
    lines: list[Label] = [plural(*DUE_HEADER, sum(item.owed for item in items))]
    listed: list[Label] = []
    for item in items[:MAX_LISTED]:
        listed += ["\n" if listed else "", "• ", _line(item, day)]
    if len(items) > MAX_LISTED:
        listed += ["\n", plural(*REMINDER_REST, len(items) - MAX_LISTED)]
    lines.append(Concat(tuple(listed)))
    lines.append(Text(N_("Report with the buttons below, or any time with /report.")))
    if len(items) == 1:
        pid = items[0].pledge_id
        rows: tuple[tuple[Button, ...], ...] = (
            (Button(Text(N_("📝 Report now")), f"rp:open:{pid}"),),
            (Button(Text(N_("⏰ Remind me in 3 days")), f"rm:later:{pid}"),),
            (Button(Text(N_("🙅 Not my pledge any more")), f"rm:notmine:{pid}"),))
    else:
        rows = tuple((Button(Concat(("📝 ", Code(i.ref))), f"rp:open:{i.pledge_id}"),
                      Button(Text(N_("⏰ In 3 days")), f"rm:later:{i.pledge_id}"),
                      Button(Text(N_("🙅 Not mine")), f"rm:notmine:{i.pledge_id}")) for i in items[:MAX_BUTTON_ROWS])
    return Reply(tuple(lines), rows)


def json_of(label: Label) -> Any:
    """A label as the outbox stores it (reply_to_json's form)."""
    return reply_to_json(Reply((label,)))["parts"][0]


@lru_cache(maxsize=4096)
def _period_json(period: str) -> Any:
    return json_of(period_label(period))


@lru_cache(maxsize=4096)
def _due_of(period: str) -> date:
    return due_date(period)


def _when_json(due: date, day: date) -> Any:
    return {"$": "text", "v": {"id": OVERDUE_SINCE if due < day else DUE_ON,
                               "p": {"date": {"$": "day", "v": due.isoformat()}}}}


@lru_cache(maxsize=512)
def _plural_json(pair: tuple[str, str], count: int) -> Any:
    return json_of(plural(*pair, count))


def compose_json(items: list[Item], day: date) -> dict[str, Any]:
    """reply_to_json(compose(items, day)), built directly from pieces serialised once: a peak day's plan writes
    thousands of these, and the generic serialiser was a third of its time (a test holds the two equal)."""
    header = _plural_json(DUE_HEADER, sum(item.owed for item in items))
    listed: list[Any] = []
    for item in items[:MAX_LISTED]:
        params = {"ref": {"$": "code", "v": item.ref}, "title": shorten(item.title, LIST_TITLE),
                  "period": _period_json(item.period), "when": _when_json(item.due, day)}
        line = LINE
        if item.owed > 1:
            params["more"], line = _plural_json(MORE, item.owed - 1), LINE_MORE
        if item.names_last:
            assert item.last is not None
            params["last"], params["last_when"] = _period_json(item.last), _when_json(_due_of(item.last), day)
            line = LINE_UPTO
        listed += ["\n" if listed else "", "• ", {"$": "text", "v": {"id": line, "p": params}}]
    if len(items) > MAX_LISTED:
        listed += ["\n", _plural_json(REMINDER_REST, len(items) - MAX_LISTED)]
    if len(items) == 1:
        pid = items[0].pledge_id
        buttons = [[[_REPORT_NOW, f"rp:open:{pid}"]], [[_LATER, f"rm:later:{pid}"]], [[_NOT_MINE, f"rm:notmine:{pid}"]]]
    else:
        buttons = [[[{"$": "concat", "v": ["📝 ", {"$": "code", "v": i.ref}]}, f"rp:open:{i.pledge_id}"],
                    [_LATER_SHORT, f"rm:later:{i.pledge_id}"], [_NOT_MINE_SHORT, f"rm:notmine:{i.pledge_id}"]]
                   for i in items[:MAX_BUTTON_ROWS]]
    return {"parts": [header, {"$": "concat", "v": listed}, _FOOTER], "buttons": buttons}


_REPORT_NOW = json_of(Text(N_("📝 Report now")))
_LATER = json_of(Text(N_("⏰ Remind me in 3 days")))
_NOT_MINE = json_of(Text(N_("🙅 Not my pledge any more")))
_LATER_SHORT = json_of(Text(N_("⏰ In 3 days")))
_NOT_MINE_SHORT = json_of(Text(N_("🙅 Not mine")))
_FOOTER = json_of(Text(N_("Report with the buttons below, or any time with /report.")))


def outbox_meta(items: list[Item], day: date) -> dict[str, Any]:
    """What the outbox row keeps beside the message, to take a pledge out of it before it is sent."""
    return {"reminder": {"day": day.isoformat(), "items": [i.to_json() for i in items]}}


Escalated = Sequence[tuple[str, str, str, date]]
"""Pledges in an escalation: (ref, title, organisation, due date)."""


@dataclass(frozen=True, slots=True)
class Escalating:
    """A pledge in a coordinator's escalation: the item (the period owed and when it was due), its organisation, and
    whether no focal point follows it."""

    item: Item
    organisation: str
    unfollowed: bool = False

    def to_json(self) -> list[Any]:
        """As stored in the outbox row beside the message."""
        return [self.item.to_json(), self.organisation, self.unfollowed]

    @classmethod
    def from_json(cls, data: list[Any]) -> Escalating:
        return cls(Item.from_json(data[0]), str(data[1]), bool(data[2]))


def escalation_payload(entries: Sequence[Escalating]) -> dict[str, Any]:
    """An escalation's outbox payload: the message (escalation), and beside it the pledges it lists, to take out one
    reported meanwhile before it is sent."""
    def listed(unfollowed: bool) -> Escalated:
        return [(e.item.ref, e.item.title, e.organisation, e.item.due) for e in entries if e.unfollowed == unfollowed]
    return {"escalation": [e.to_json() for e in entries],
            "reply": reply_to_json(escalation(listed(False), listed(True)))}


def _listed(entries: Escalated) -> Concat:
    listed: list[Label] = []
    for ref, title, entity, due in entries[:MAX_LISTED]:
        listed += ["\n" if listed else "", "• ", text(ESCALATED_LINE, ref=Code(ref), title=shorten(title, SHORT_TITLE),
                                                      organisation=shorten(entity, SHORT_NAME),
                                                      when=text(OVERDUE_SINCE, date=Day(due)))]
    if len(entries) > MAX_LISTED:
        listed += ["\n", plural(*ESCALATION_REST, len(entries) - MAX_LISTED)]
    return Concat(tuple(listed))


def escalation(reminded: Escalated, unfollowed: Escalated = ()) -> Reply:
    """What a coordinator is told of the pledges of their scope still unreported two weeks after the due date: those
    whose focal points were reminded, and apart those whose reminders reach nobody (no focal point that can be
    reached, or only focal points who said the pledge is not theirs)."""
    parts: list[Label] = []
    if reminded:
        parts += [plural("⚠️ {count} pledge in your scope has no progress report two weeks after its due date, "
                         "although its focal points were reminded:",
                         "⚠️ {count} pledges in your scope have no progress report two weeks after their due date, "
                         "although their focal points were reminded:", len(reminded)), _listed(reminded)]
    if unfollowed:
        parts += [plural("⚠️ {count} pledge in your scope has no progress report two weeks after its due date, and "
                         "nobody follows it: it has no focal point we can reach, or its focal points told us it is "
                         "not theirs, so nobody was reminded:",
                         "⚠️ {count} pledges in your scope have no progress report two weeks after their due date, "
                         "and nobody follows them: they have no focal point we can reach, or their focal points told "
                         "us they are not theirs, so nobody was reminded:", len(unfollowed)), _listed(unfollowed)]
    parts.append(Text(N_("You may want to contact the organisations; /digest lists every overdue pledge of your "
                         "scope.")))
    return Reply(tuple(parts))
