"""Regression: the pledge details' target put the unit's label after the number ("{value} {unit} by {date}"), so
one school read "1 schools" and Russian "300 школы"; it now says the count with its unit's plural message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.i18n import Renderer
from handlers.pledges.listing import details_reply
from models.tables import Pledge


def _pledge(value: int) -> Pledge:
    return Pledge(id=1, ref="P2C-2026-00001", entity_id=1, title="Schools online", description="Connect schools.",
                  focus_area="infrastructure", pledge_type="non_financial", target_value=Decimal(value),
                  target_unit="schools", target_date=date(2027, 12, 31), status="validated")


def test_the_target_says_its_count_with_the_unit_in_the_form_the_count_takes(renderer: Renderer) -> None:
    one = renderer.reply(details_reply(_pledge(1), None, [], manages=True), "en").text
    assert "1 school by Dec 31, 2027" in one, one
    many = renderer.reply(details_reply(_pledge(300), None, [], manages=True), "en").text
    assert "300 schools by Dec 31, 2027" in many, many
