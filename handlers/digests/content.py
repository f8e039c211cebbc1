"""The digest's text: one message under Telegram's 4,096 characters, long lists cut with "and N more"."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from handlers.digests.labels import BREAKDOWN_TITLES, CHANGES, REGIONS, group_label
from handlers.messages import (
    N_,
    Button,
    Clock,
    Code,
    Concat,
    CountryName,
    Day,
    Items,
    Label,
    Markup,
    Money,
    Number,
    Reply,
    Text,
    plural,
)
from handlers.reports.cards import period_label
from handlers.vocabulary import SECTOR_LABELS
from models.repositories.digests import BREAKDOWNS, Figures, Overdue, Share
from models.scope import Scope, ScopeKind
from models.values import GOAL_USD

NEWLINE = Markup("\n")
"""A line break inside a paragraph (a plain string would be isolated as a Latin run in Arabic text)."""
SHOWN = 5
"""Groups of a breakdown listed; the rest are counted ("and N more")."""
OVERDUE_SHOWN = 5
"""Overdue pledges listed in the message; the spreadsheet has every one."""
NUDGE_BUTTONS = 5
COUNTRIES_NAMED = 8
"""Countries a scope is named by; beyond, the last name gives way to a count."""
SHORT = 40
"""Characters of a title or a name kept in the message (they are user-written, up to 200 each)."""


def shorten(value: str, limit: int = SHORT) -> str:
    """A user-written text cut to `limit` characters, with an ellipsis when cut."""
    return value if len(value) <= limit else value[:limit - 1].rstrip() + "…"


def percent(part: int | Decimal, whole: int | Decimal) -> Number:
    """`part` as a share of `whole`, in percent with one decimal (0 when there is no whole)."""
    if not whole:
        return Number(Decimal("0.0"))
    return Number((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def goal_share(value: Decimal) -> Number:
    """A value as a share of P2C's USD 100 billion goal, in percent: one decimal, or two significant digits below
    0.1 % (a scope's USD 2.9 million read "0 % of the goal")."""
    share = Decimal(value) * 100 / Decimal(GOAL_USD)
    if share <= 0 or share >= Decimal("0.1"):
        return percent(value, GOAL_USD)
    return Number(share.quantize(Decimal(1).scaleb(share.adjusted() - 1), rounding=ROUND_HALF_UP))


def scope_label(scope: Scope, entity: str | None = None) -> Label:
    """What a scope covers, in the reader's language (an organisation's scope by its name, when `entity` gives it)."""
    if scope.kind is ScopeKind.region:
        return Text(N_("ITU region: {region}"), {"region": Text(REGIONS.get(scope.values[0], scope.values[0]))})
    if scope.kind is ScopeKind.countries:
        names: list[Label] = [CountryName(code) for code in scope.values]
        if len(names) > COUNTRIES_NAMED:  # a long list would crowd the chart's title: the rest are counted
            more = len(names) - COUNTRIES_NAMED + 1
            names[COUNTRIES_NAMED - 1:] = [plural("{count} other country", "{count} other countries", more)]
        return Text(N_("Countries: {codes}"), {"codes": Items(tuple(names))})
    if scope.kind is ScopeKind.sector:
        name = SECTOR_LABELS.get(scope.values[0])
        return Text(N_("Sector: {sector}"), {"sector": Text(name) if name else scope.values[0]})
    if scope.kind is ScopeKind.entity and entity is not None:
        return Text(N_("Organisation “{entity}” (no. {id})"), {"entity": entity, "id": Code(scope.values[0])})
    if scope.kind is ScopeKind.entity:
        return Text(N_("One entity (no. {id})"), {"id": Code(scope.values[0])})
    return Text(N_("All pledges"))


def _lines(*lines: Label) -> Concat:
    parts: list[Label] = []
    for index, line in enumerate(lines):
        parts.extend((NEWLINE, line) if index else (line,))
    return Concat(tuple(parts))


def _overdue_line(item: Overdue) -> Label:
    """An overdue pledge with the periods it owes, as its reminders say them: the oldest (the one its reminders and
    a nudge ask for), and how many more after it."""
    focal = shorten(item.focal_point, 30) if item.focal_point else Text(N_("no focal point"))
    named = {"ref": Code(item.ref), "title": shorten(item.title), "entity": shorten(item.entity),
             "focal_point": focal}
    first = item.first_period or item.period
    if item.owed > 1:
        # TRANSLATORS: {period} is a reporting period ("2024", "first half of 2025"): its report is owed, and the
        # reports of {count} later periods too (as the focal point's reminder says it).
        return plural("• {ref} {title}: {entity}, {focal_point} (period {period}, and {count} later period still "
                      "owed)",
                      "• {ref} {title}: {entity}, {focal_point} (period {period}, and {count} later periods still "
                      "owed)",
                      item.owed - 1, **named, period=period_label(first))
    return Text(N_("• {ref} {title}: {entity}, {focal_point} (period {period})"),
                {**named, "period": period_label(first)})


NOTHING_PUBLISHED = N_("No pledge of your scope is published now: the breakdowns, the reporting rate and the chart "
                       "count published pledges, and come with the first one.")


def _share_line(name: str, share: Share) -> Label:
    """One group of a breakdown: its pledges and their value; no amount for a group of pledges that carry none
    (programmatic, policy: "• Adoption: 1 pledge", not "0 $", which read as worthless)."""
    values: dict[str, Any] = {"group": group_label(name, share.key),
                              "pledges": plural("{count} pledge", "{count} pledges", share.pledges)}
    if share.value_usd is None:
        return Text(N_("• {group}: {pledges}, no value in USD"), values)
    return Text(N_("• {group}: {pledges}, {value}"), {**values, "value": Money(share.value_usd)})


def digest_reply(figures: Figures, scope: Scope | Label, today: date, since: datetime | None) -> Reply:
    """The digest message: headline, changes, breakdowns, reporting rate and overdue pledges with nudge buttons; the
    scope as a Scope, or already named (digests.service.scope_name: an organisation by its name); the changes since
    the moment `since`, in the reader's time (its hour said: what happened earlier that day was in the last one)."""
    named = scope_label(scope) if isinstance(scope, Scope) else scope
    parts: list[Label] = [_lines(Text(N_("<b>Partner2Connect digest</b>, {day}"), {"day": Day(today)}), named)]
    if figures.pledges:  # nothing published: no headline of zeros (a tester read "0 pledges, from 0 entities…")
        parts.append(_lines(plural("{count} pledge", "{count} pledges", figures.pledges),
                            plural("from {count} entity", "from {count} entities", figures.entities),
                            plural("in {count} country", "in {count} countries", figures.countries),
                            # none with a value (programmatic, policy): no "US$0 pledged: 0%", read as worthless
                            Text(N_("{value} pledged: {share}% of the USD 100 billion goal"),
                                 {"value": Money(figures.value_usd), "share": goal_share(figures.value_usd)})
                            if figures.value_usd else Text(N_("None of them has a value in USD"))))
    heading = (Text(N_("<b>Since {day}, {time}</b>"), {"day": Day(since.date()), "time": Clock(since.time())})
               if since is not None else Text(N_("<b>In the last seven days</b>")))
    parts.append(_lines(heading, *(plural(*CHANGES[name], figures.changes.get(name, 0)) for name in CHANGES)))
    if not figures.pledges:  # a scope with nothing published: no page of zeros, nor a chart and a sheet of nothing
        parts.append(Text(NOTHING_PUBLISHED))
        return Reply(tuple(parts))
    for name in BREAKDOWNS:
        shares = figures.breakdowns.get(name, [])
        rows: list[Label] = [_share_line(name, share) for share in shares[:SHOWN]]
        if len(shares) > SHOWN:
            rows.append(plural("and {count} more", "and {count} more", len(shares) - SHOWN))
        parts.append(_lines(Text(BREAKDOWN_TITLES[name]),
                            *(rows or [Text(N_("• none yet"))])))
    if figures.shared:  # the lines above add up to more than the total: say why (Res. 88 figures get summed)
        parts.append(plural("{count} pledge is in several countries: each region line, and each regional or "
                            "country digest, counts it whole.",
                            "{count} pledges are in several countries: each region line, and each regional or "
                            "country digest, counts them whole.", figures.shared))
    # the rate is the latest round's; the pledges overdue also count those owing an earlier period (k_loop #5)
    reporting: list[Label] = [
        Text(N_("<b>Reporting on the latest periods due</b>: no pledge has a report due yet")) if not figures.due else
        plural("<b>Reporting on the latest periods due</b>: {reported} of {count} pledge due reported ({rate}%)",
               "<b>Reporting on the latest periods due</b>: {reported} of {count} pledges due reported ({rate}%)",
               figures.due, reported=Number(figures.reported), rate=percent(figures.reported, figures.due))]
    if figures.overdue_total:
        reporting.append(plural("{count} pledge with a report overdue, for these periods or earlier ones:",
                                "{count} pledges with a report overdue, for these periods or earlier ones:",
                                figures.overdue_total))
        reporting.extend(_overdue_line(item) for item in figures.overdue[:OVERDUE_SHOWN])
        if figures.overdue_total > OVERDUE_SHOWN:
            more = figures.overdue_total - OVERDUE_SHOWN
            reporting.append(plural("and {count} more (all in the spreadsheet)",
                                    "and {count} more (all in the spreadsheet)", more))
    parts.append(_lines(*reporting))
    buttons = tuple((Button(Text(N_("Nudge {ref}"), {"ref": Code(item.ref)}), f"dg:nudge:{item.pledge_id}"),)
                    for item in figures.overdue[:NUDGE_BUTTONS] if item.focal_point_id is not None)
    return Reply(tuple(parts), buttons)
