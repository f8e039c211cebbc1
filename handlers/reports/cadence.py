"""How often a pledge reports, as staff set it with buttons pc:<a|h|q>:<pledge id>."""

from __future__ import annotations

from datetime import date

from handlers.messages import N_, Button, Code, Concat, Label, Line, Text, text
from handlers.reports.cards import REMINDERS_STOPPED, next_due_label, period_label
from handlers.reports.rules import due_of, owed_after
from models.reporting import period_of
from models.tables import Pledge
from models.values import PledgeStatus, ReportingCadence

OPEN_FOR_CADENCE = frozenset({PledgeStatus.submitted, PledgeStatus.changes_requested, PledgeStatus.validated})
"""A pledge's cadence can be set while it is under review or validated."""
CADENCES = {"a": ReportingCadence.annual, "h": ReportingCadence.semi_annual, "q": ReportingCadence.quarterly}
CADENCE_LABELS: dict[str, str] = {
    ReportingCadence.annual: N_("once a year"),
    ReportingCadence.semi_annual: N_("twice a year"),
    ReportingCadence.quarterly: N_("every quarter"),
}


SHOWN: dict[str, int] = {cadence.value: number for number, cadence in enumerate(CADENCES.values(), start=1)}
"""The cadence a card showed, as the last field of its buttons (pc:<key>:<pledge id>:<shown>): a colleague's change
made since is caught rather than silently undone."""


def cadence_label(cadence: str) -> Text:
    """How often a pledge reports, in words ("once a year" for a value the bot does not know)."""
    return Text(CADENCE_LABELS.get(cadence, N_("once a year")))


def cadence_buttons(pledge: Pledge) -> tuple[Button, ...]:
    """The staff buttons that set how often a pledge reports, each carrying the cadence it has now. None is ticked
    as the current one: a press answers below, and the card's tick would then name the old cadence (a review; the
    card's text says the cadence, and a press of the current one says nothing changed)."""
    shown = SHOWN.get(pledge.reporting_cadence, 1)
    return tuple(Button(Concat(("📅 ", Text(CADENCE_LABELS[cadence]))), f"pc:{key}:{pledge.id}:{shown}")
                 for key, cadence in CADENCES.items())


def cadence_news(pledge: Pledge, today: date) -> Label:
    """What the pledge's focal points are told of how often it reports: its cadence, and, when a change begins
    later, from which period and how it reports until then."""
    ref, cadence = Code(pledge.ref or ""), cadence_label(pledge.reporting_cadence)
    since, previous = pledge.cadence_since, pledge.previous_cadence
    if since is None or previous is None:
        return text(N_("BDT has set how often you report on {ref}: {cadence}. /mypledges shows when the next report "
                       "is due."), ref=ref, cadence=cadence)
    period = period_label(period_of(since, pledge.reporting_cadence))
    if since <= today:  # the period in progress is the new cadence's already; those before keep the previous one
        return text(N_("BDT has set how often you report on {ref}: {cadence}, starting with {period}; the periods "
                       "before it are still reported {previous}. /mypledges shows when the next report is due."),
                    ref=ref, cadence=cadence, period=period, previous=cadence_label(previous))
    return text(N_("BDT has set how often you report on {ref}: {cadence}, starting with {period}. Until then, you "
                   "report {previous}. /mypledges shows when the next report is due."),
                ref=ref, cadence=cadence, period=period, previous=cadence_label(previous))


def cadence_line(pledge: Pledge, reported: set[str], today: date, *, stopped: bool = False) -> Label | None:
    """How often the pledge reports (a change that begins later named with its first period) and, once validated,
    when its next report is due or since when it is overdue, with how many more are owed, and that its reminders
    stopped (`stopped`: no report for 24 months): a line of its card (None: it reports no more)."""
    if pledge.status not in OPEN_FOR_CADENCE:
        return None
    cadence = cadence_label(pledge.reporting_cadence)
    how: Label = cadence
    since, previous = pledge.cadence_since, pledge.previous_cadence
    if since is not None and previous is not None and since > today:
        # TRANSLATORS: how often a pledge reports, when staff changed it from a later period: "every quarter from
        # first quarter of 2027, once a year until then"
        how = text(N_("{cadence} from {period}, {previous} until then"), cadence=cadence,
                   period=period_label(period_of(since, pledge.reporting_cadence)),
                   previous=cadence_label(previous))
    if pledge.status == PledgeStatus.validated and pledge.start_date is not None:
        due = due_of(pledge, reported, today)
        how = Concat((how, " · ", next_due_label(due, owed_after(pledge, reported, today, due))))  # as /mypledges
        if stopped:
            return Concat((Line(Text(N_("Reports")), how), "\n", Text(REMINDERS_STOPPED)))
    return Line(Text(N_("Reports")), how)
