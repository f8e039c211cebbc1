"""Report rules of DOMAIN.md: which period a new report is for, when it is due, and report <-> answers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from handlers.forms.base import FormState
from handlers.messages import N_, Text
from handlers.reports.form import (
    CARRIED_OVER,
    FINANCIAL,
    PERIOD,
    PLEDGE_ID,
    TARGET,
    UNIT,
    VALUE,
    may_be_complete,
    started,
)
from models.reminding import Reminding, reminding
from models.reporting import NextReport, due_date, inactive_cutoff, next_report, period_of
from models.tables import Pledge, ProgressReport
from models.values import PledgeStatus, PledgeType, ReportStatus


def due_of(pledge: Pledge, reported: set[str], today: date) -> NextReport:
    """What is due for a pledge: models.reporting.next_report, the rule the reminders follow too (a pledge
    without a start date, which the form never leaves, reports on the current period)."""
    upcoming = next_report(pledge, reported, today)
    if upcoming is not None:
        return upcoming
    period = period_of(today, pledge.reporting_cadence)
    return NextReport(period, due_date(period), False)


def owed_after(pledge: Pledge, reported: set[str], today: date, due: NextReport) -> int:
    """How many reports a pledge owes after the one due_of names, as its reminders count them (models.reminding:
    the periods not reported up to the latest whose first reminder came)."""
    owing = behind(pledge, reported, today, due)
    return owing.owed - 1 if owing is not None else 0


def behind(pledge: Pledge, reported: set[str], today: date, due: NextReport) -> Reminding | None:
    """When a pledge owes reports after the one due_of names (as its reminders count them): how many in all, and the
    latest of them (the one whose reminders run); None when it owes that one alone, or none."""
    if due.covered or due.due is None or pledge.start_date is None:
        return None
    owing = reminding(pledge, reported, today, due)
    return owing if owing.owed > 1 and owing.period != due.period else None


def reminders_stopped(pledge: Pledge, last_sent: datetime | None, now: datetime) -> bool:
    """True for a validated pledge with no report for 24 months (since its validation when it has none): the
    reminders' planner leaves it out (inactive_cutoff) until its next report."""
    active_at = last_sent or pledge.validated_at or pledge.created_at
    return pledge.status == PledgeStatus.validated and active_at <= inactive_cutoff(now)


def check_report(state: FormState, today: date) -> tuple[str, Text] | None:
    """The first rule the answers break together, as (step to ask again, why); None when all hold."""
    a = state.answers
    if a.get("women_share") is not None and not a.get("beneficiaries_reached"):
        return "beneficiaries_reached", Text(N_("A share of women needs the number of people reached."))
    if may_be_complete(a) and a.get("pledge_complete") not in ("yes", "no"):
        return "pledge_complete", Text(N_("Please say whether the whole pledge is complete."))
    return None


def apply_report(report: ProgressReport, answers: dict[str, Any]) -> None:
    """Copy the form's answers onto the report, typed as the table wants them."""
    report.status = answers["status"]
    if not started(answers):
        report.percent_complete = 0
    else:
        report.percent_complete = int(answers.get("percent_complete") or 0)
    disbursed = answers.get("value_disbursed")
    report.value_disbursed_usd = Decimal(str(disbursed)) if disbursed is not None and answers.get(FINANCIAL) else None
    achieved = answers.get("target_achieved")
    report.target_achieved = Decimal(int(achieved)) if achieved is not None else None
    reached = answers.get("beneficiaries_reached")
    report.beneficiaries_reached = int(reached) if reached is not None else None
    share = answers.get("women_share")
    report.women_share_percent = int(share) if share is not None and reached else None
    report.steps_taken = str(answers["steps_taken"])
    report.challenges = answers.get("challenges") or None
    report.partnership_needs = answers.get("partnership_needs") or None
    report.evidence = list(answers.get("evidence") or [])


def answers_of_report(report: ProgressReport) -> dict[str, Any]:
    """A stored report as form answers (to edit it, or to offer its answers as defaults)."""
    answers: dict[str, Any] = {
        "status": report.status,
        "percent_complete": report.percent_complete if report.status != ReportStatus.not_started else None,
        "value_disbursed": str(report.value_disbursed_usd) if report.value_disbursed_usd is not None else None,
        "target_achieved": int(report.target_achieved) if report.target_achieved is not None else None,
        "beneficiaries_reached": report.beneficiaries_reached,
        "women_share": report.women_share_percent,
        "steps_taken": report.steps_taken,
        "challenges": report.challenges,
        "partnership_needs": report.partnership_needs,
        "evidence": list(report.evidence) or None,
    }
    if may_be_complete(answers):
        answers["pledge_complete"] = "no"  # it was asked and the pledge went on
    return answers


def defaults_of(report: ProgressReport | None, *, replaced: bool = False) -> dict[str, Any]:
    """The previous report's answers offered as one-tap defaults. Its evidence is offered too when the new report
    `replaced` it (the same period: a tester's replacement "all as last time" lost the five pieces it had); another
    period's evidence is new each time."""
    if report is None:
        return {}
    answers = answers_of_report(report)
    return {key: answers.get(key) for key in (*CARRIED_OVER, *(("evidence",) if replaced else ()))}


def pledge_facts(pledge: Pledge, period: str) -> dict[str, Any]:
    """The hidden answers the questions name: the pledge, its period, unit, target and value."""
    return {PLEDGE_ID: pledge.id, PERIOD: period, UNIT: pledge.target_unit,
            TARGET: int(pledge.target_value) if pledge.target_value is not None else None,
            VALUE: str(pledge.value_usd) if pledge.value_usd is not None else None,
            FINANCIAL: pledge.pledge_type == PledgeType.financial}
