"""How often a pledge reports, as staff set it with buttons pc:<a|h|q>:<pledge id>."""

from __future__ import annotations

from handlers.messages import N_, Button, Concat, Text
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
