"""What a resubmission tells staff (issue 14, item 9): each changed field, old and new, and for a list what was
added and removed; amounts written differently but equal are not changes."""

from __future__ import annotations

from bot.i18n import Renderer
from handlers.messages import Concat
from handlers.pledges.notices import changed_fields

BEFORE = {"title": "Connect 500 rural schools", "description": "We will connect 500 rural schools.",
          "value_usd": "2500000.00", "countries": ["SEN", "LDC"], "beneficiary_groups": ["schools", "youth"],
          "target_value": 500, "target_date": "2027-12-31"}


def rendered(renderer: Renderer, after: dict[str, object], locale: str = "en") -> list[str]:
    return [renderer.label(line, locale) for line in changed_fields(BEFORE, {**BEFORE, **after})]


def test_nothing_changed_gives_no_line(renderer: Renderer) -> None:
    assert rendered(renderer, {"value_usd": "2500000"}) == []


def test_a_text_shows_old_and_new(renderer: Renderer) -> None:
    assert rendered(renderer, {"title": "Connect 600 rural schools"}) == [
        "<b>Title</b>: Connect 500 rural schools → Connect 600 rural schools"]


def test_a_list_shows_what_was_added_and_removed(renderer: Renderer) -> None:
    lines = rendered(renderer, {"countries": ["SEN", "MLI", "NER"], "beneficiary_groups": ["schools"]})
    assert lines[0].startswith("<b>Countries</b>: + Mali and Niger  − ") and "LDC" in lines[0]
    assert lines[1].startswith("<b>Beneficiaries</b>: − ") and "outh" in lines[1]


def test_dates_and_numbers_are_shown_for_the_reader(renderer: Renderer) -> None:
    line = rendered(renderer, {"target_date": "2028-06-30", "target_value": 1500}, "fr")
    assert "1 500" in line[0].replace("\u202f", " ").replace("\xa0", " ")
    assert "2028" in line[1] and "→" in line[1]


def test_every_line_is_a_label_of_its_field() -> None:
    for line in changed_fields(BEFORE, {**BEFORE, "countries": ["MLI"]}):
        assert isinstance(line.value, Concat)
