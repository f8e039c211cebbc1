"""A target typed with its unit is confirmed in the form its count takes (exploratory testing): "300 школ" was confirmed
as "✓ 300 школы", "500 مدرسة" as "✓ 500 مدارس" and "1 escuela" as "✓ 1 escuelas", the unit's label (a plural noun)
put after the number."""

from __future__ import annotations

from datetime import date

import pytest

from bot.i18n import FSI, PDI, Renderer
from handlers.forms.base import Answer, FormContext, FormState
from handlers.forms.engine import FormInput, advance
from handlers.forms.steps import CountStep
from handlers.forms.units import TARGET_UNIT_COUNTS, unit_count
from handlers.messages import Label, Number, plural
from handlers.pledges.form import PLEDGE_FORM
from handlers.vocabulary import TARGET_UNITS

TODAY = date(2026, 11, 28)


def context(renderer: Renderer, locale: str) -> FormContext:
    return FormContext(locale, TODAY, lambda label: renderer.label(label, locale, markup=False))


def shown(renderer: Renderer, label: Label, locale: str) -> str:
    return renderer.label(label, locale, markup=False).replace(FSI, "").replace(PDI, "")


def typed_target(renderer: Renderer, locale: str, typed: str) -> Answer:
    step = PLEDGE_FORM.step("target_value")
    assert step is not None
    result = step.on_text(typed, {}, {}, context(renderer, locale))
    assert isinstance(result, Answer)
    return result


@pytest.mark.parametrize(("locale", "typed", "count", "unit"), [
    ("ru", "300 школ", 300, "schools"), ("ar", "500 مدرسة", 500, "schools"), ("es", "1 escuela", 1, "schools"),
    ("en", "1 school", 1, "schools"), ("fr", "300 écoles", 300, "schools"), ("zh", "200万人", 2_000_000, "people"),
    ("ru", "2 млн человек", 2_000_000, "people"), ("en", "1 person trained", 1, "trainees"),
])
def test_a_count_typed_with_its_unit_is_confirmed_by_the_units_plural_message(
        renderer: Renderer, locale: str, typed: str, count: int, unit: str) -> None:
    result = typed_target(renderer, locale, typed)
    assert result.value == count and result.also == {"target_unit": unit}
    assert result.echo == plural(*TARGET_UNIT_COUNTS[unit], count)


@pytest.mark.parametrize(("typed", "expected"), [
    ("1 school", "✓ 1 school"), ("300 schools", "✓ 300 schools"), ("1 person", "✓ 1 person"),
    ("2 million people", "✓ 2,000,000 people"), ("1 health facility", "✓ 1 health facility"),
])
def test_the_confirmation_says_the_unit_in_the_form_its_count_takes(
        renderer: Renderer, typed: str, expected: str) -> None:
    outcome = advance(PLEDGE_FORM, FormState(step="target_value"), FormInput(text=typed), context(renderer, "en"))
    said = renderer.reply(outcome.replies[0], "en").text
    assert said.startswith(expected + "\n") or said == expected, said


# Russian, Arabic and Spanish give a unit the form its count governs
@pytest.mark.parametrize(("locale", "count", "expected"), [
    ("ru", 1, "1 школа"), ("ru", 3, "3 школы"), ("ru", 300, "300 школ"), ("ru", 21, "21 школа"),
    ("ar", 500, "500 مدرسة"), ("ar", 3, "3 مدارس"), ("es", 1, "1 escuela"), ("es", 300, "300 escuelas"),
    ("fr", 1, "1 école"), ("fr", 300, "300 écoles"),
])
def test_schools_are_counted_in_each_languages_grammar(
        renderer: Renderer, locale: str, count: int, expected: str) -> None:
    assert shown(renderer, unit_count(count, "schools"), locale) == expected


def test_every_target_unit_has_its_count_message() -> None:
    assert set(TARGET_UNIT_COUNTS) == set(TARGET_UNITS)


def test_a_unit_that_is_no_target_unit_is_kept_as_written_after_the_number(renderer: Renderer) -> None:
    assert shown(renderer, unit_count(7, "goats"), "en") == "7 goats"  # an import's unit is not hidden
    assert unit_count(7, "") == Number(7)


def test_a_unit_without_a_count_message_is_confirmed_in_brackets(renderer: Renderer) -> None:
    step = CountStep(id="target", question="Target?", label="Target", unit_step="unit",
                     units={"schools": "schools", "people": "people"})
    result = step.on_text("1 school", {}, {}, context(renderer, "en"))
    assert isinstance(result, Answer) and result.also == {"unit": "schools"}
    assert result.echo is not None and shown(renderer, result.echo, "en") == "1 (schools)"
