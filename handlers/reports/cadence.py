"""How often a pledge reports, as staff set it with buttons pc:<a|h|q>:<pledge id>."""

from __future__ import annotations

from datetime import date

from handlers.messages import N_, Button, Code, Concat, Label, Text, text
from handlers.reports.cards import period_label
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


def cadence_buttons(pledge_id: int) -> tuple[Button, ...]:
    """The staff buttons that set how often a pledge reports."""
    return tuple(Button(Concat(("📅 ", Text(CADENCE_LABELS[cadence]))), f"pc:{key}:{pledge_id}")
                 for key, cadence in CADENCES.items())


def cadence_news(pledge: Pledge, today: date) -> Label:
    """What the pledge's focal points are told of how often it reports: its cadence, and, when a change begins
    later, from which period and how it reports until then."""
    ref, cadence = Code(pledge.ref or ""), Text(CADENCE_LABELS.get(pledge.reporting_cadence, N_("once a year")))
    since, previous = pledge.cadence_since, pledge.previous_cadence
    if since is None or previous is None or since <= today:  # the period in progress is the new cadence's already
        return text(N_("BDT has set how often you report on {ref}: {cadence}. /mypledges shows when the next report "
                       "is due."), ref=ref, cadence=cadence)
    return text(N_("BDT has set how often you report on {ref}: {cadence}, starting with {period}. Until then, you "
                   "report {previous}, as before. /mypledges shows when the next report is due."),
                ref=ref, cadence=cadence, period=period_label(period_of(since, pledge.reporting_cadence)),
                previous=Text(CADENCE_LABELS.get(previous, N_("once a year"))))
