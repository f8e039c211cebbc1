"""Pledge rules: answers that must hold together, the derived geography, references, and when the next report is due
(next_report_due, from models.reporting)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from handlers.forms.base import FormState
from handlers.forms.countries import GLOBAL
from handlers.messages import N_, Text
from models.database import Session
from models.reporting import next_report_due
from models.repositories.pledges import Countries
from models.tables import Pledge
from models.values import PILLARS, FocusArea, PledgeType

__all__ = ["answers_of", "apply_answers", "check_answers", "derive_reach", "next_report_due", "pledge_ref"]


def check_answers(state: FormState, today: date) -> tuple[str, Text] | None:
    """The first rule the answers break together, as (step to ask again, why); None when all hold."""
    a = state.answers
    if a.get("pledge_type") == PledgeType.financial and not a.get("value_usd"):
        return "value_usd", Text(N_("A financial pledge needs its value in US dollars."))
    area = a.get("focus_area")
    chosen = set(a.get("pillars") or [])
    if not isinstance(area, str) or area not in FocusArea.__members__ or not chosen <= set(PILLARS[FocusArea(area)]):
        return "pillars", Text(N_("Please choose the pillars again for this focus area."))
    start, end, target = a.get("start_date"), a.get("end_date"), a.get("target_date")
    if start and end and end < start:
        return "end_date", Text(N_("The end date cannot be before the start date."))
    if end and date.fromisoformat(end) < today:
        return "end_date", Text(N_("The end date has passed. Please give a date from today on."))
    if target and date.fromisoformat(target) < today:
        return "target_date", Text(N_("The target date has passed. Please give a date from today on."))
    if target and start and target < start:
        return "target_date", Text(N_("The target date cannot be before the start date."))
    if target and end and target > end:
        return "target_date", Text(N_("The target date cannot be after the end date."))
    return None


def pledge_ref(year: int, pledge_id: int) -> str:
    """The public reference of a pledge, e.g. P2C-2026-00042."""
    return f"P2C-{year}-{pledge_id:05d}"


@dataclass(frozen=True, slots=True)
class Reach:
    """Where a pledge is implemented, derived from its countries and groups."""

    ldc: bool
    lldc: bool
    sids: bool
    itu_regions: list[str]


async def derive_reach(session: Session, tokens: list[str], day: date) -> Reach:
    """LDC/LLDC/SIDS targeting and ITU regions, from the (staff-correctable) country table on `day`."""
    groups = {token for token in tokens if token in ("LDC", "LLDC", "SIDS", GLOBAL)}
    rows = await Countries(session).reached(
        [t for t in tokens if t not in groups and not t.startswith("ITU:")],
        [t[4:] for t in tokens if t.startswith("ITU:")],
        ldc="LDC" in groups, lldc="LLDC" in groups, sids="SIDS" in groups, everywhere=GLOBAL in groups, day=day)
    regions = sorted({region for *_, region in rows if region})
    return Reach(any(row[0] for row in rows), any(row[1] for row in rows), any(row[2] for row in rows), regions)


def apply_answers(pledge: Pledge, answers: dict[str, Any]) -> None:
    """Copy the form's answers onto the pledge (typed as the table wants them)."""
    pledge.title = answers["title"]
    pledge.description = answers["description"]
    pledge.focus_area = answers["focus_area"]
    pledge.pillars = list(answers["pillars"])
    pledge.pledge_type = answers["pledge_type"]
    pledge.value_usd = Decimal(answers["value_usd"]) if answers.get("value_usd") else None
    pledge.countries = list(answers["countries"])
    pledge.beneficiary_groups = list(answers["beneficiary_groups"])
    pledge.target_value = Decimal(answers["target_value"])
    pledge.target_unit = answers["target_unit"]
    pledge.target_date = date.fromisoformat(answers["target_date"])
    pledge.start_date = date.fromisoformat(answers["start_date"])
    pledge.end_date = date.fromisoformat(answers["end_date"])
    pledge.sdgs = [int(n) for n in answers.get("sdgs") or []]
    pledge.wsis_action_lines = list(answers.get("wsis_action_lines") or [])


def answers_of(pledge: Pledge) -> dict[str, Any]:
    """The pledge as form answers, to edit it with the same form."""
    return {
        "title": pledge.title, "description": pledge.description, "focus_area": pledge.focus_area,
        "pillars": list(pledge.pillars), "pledge_type": pledge.pledge_type,
        "value_usd": str(pledge.value_usd) if pledge.value_usd is not None else None,
        "countries": list(pledge.countries), "beneficiary_groups": list(pledge.beneficiary_groups),
        "target_value": int(pledge.target_value) if pledge.target_value is not None else None,
        "target_unit": pledge.target_unit,
        "target_date": pledge.target_date.isoformat() if pledge.target_date else None,
        "start_date": pledge.start_date.isoformat() if pledge.start_date else None,
        "end_date": pledge.end_date.isoformat() if pledge.end_date else None,
        "sdgs": [str(n) for n in pledge.sdgs] or None, "wsis_action_lines": list(pledge.wsis_action_lines) or None,
    }
