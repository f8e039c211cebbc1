"""Answers typed the way people of each language write them (exploratory testing, a_pledges and b_reports): Chinese
counts with their multiplier and unit joined, the Arabic comma, digits and letters of other scripts at choices, an
amount in another currency, "nothing" at an optional question, Roman-numeral quarters and the too-large limit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.i18n import Renderer
from handlers.forms.base import Answer, FormContext, FormState, InvalidAnswerError, Stay
from handlers.forms.countries import read_countries
from handlers.forms.engine import FormInput, advance
from handlers.forms.steps import MultiChoiceStep
from handlers.pledges.form import PLEDGE_FORM
from handlers.reports.form import REPORT_FORM

TODAY = date(2026, 11, 28)


def context(renderer: Renderer, locale: str) -> FormContext:
    return FormContext(locale, TODAY, lambda label: renderer.label(label, locale, markup=False))


def refusal(renderer: Renderer, locale: str, step_id: str, typed: str, answers: dict[str, Any] | None = None,
            form: Any = PLEDGE_FORM) -> str:
    """The reply a step gives to a typed answer it refuses, in the reader's language."""
    step = form.step(step_id)
    with pytest.raises(InvalidAnswerError) as caught:
        step.on_text(typed, answers or {}, {}, context(renderer, locale))
    return renderer.label(caught.value.message, locale, markup=False)


@pytest.mark.parametrize(("typed", "value", "unit"), [
    ("200万人", 2_000_000, "people"), ("1万所学校", 10_000, "schools"), ("1.5万名学生", 15_000, None),
    ("２００万人", 2_000_000, "people"), ("2亿人", 200_000_000, "people"), ("5千所学校", 5_000, "schools"),
    ("100万台设备", 1_000_000, "devices"), ("200 万人", 2_000_000, "people"), ("500所学校", 500, "schools")])
def test_a_chinese_count_keeps_its_multiplier_joined_to_the_unit(renderer: Renderer, typed: str, value: int,
                                                                 unit: str | None) -> None:
    outcome = advance(PLEDGE_FORM, FormState(step="target_value"), FormInput(text=typed), context(renderer, "zh"))
    assert outcome.state.answers["target_value"] == value
    assert outcome.state.answers.get("target_unit") == unit


@pytest.mark.parametrize(("typed", "found"), [
    ("اليمن، السودان، الصومال", ["YEM", "SDN", "SOM"]), ("جيبوتي؛ جزر القمر", ["DJI", "COM"]),
    ("اليمن،السودان", ["YEM", "SDN"])])
def test_the_arabic_comma_separates_countries(typed: str, found: list[str]) -> None:
    reading = read_countries(typed)
    assert (reading.found, reading.unknown) == (found, [])


def picked(renderer: Renderer, locale: str, step_id: str, typed: str, answers: dict[str, Any] | None = None) -> Any:
    step = PLEDGE_FORM.step(step_id)
    assert isinstance(step, MultiChoiceStep)
    result = step.on_text(typed, answers or {}, {}, context(renderer, locale))
    assert isinstance(result, Stay)
    return result.scratch["picked"]


@pytest.mark.parametrize(("locale", "step_id", "typed", "expected", "answers"), [
    ("ar", "beneficiary_groups", "المدارس، الشباب", ["youth", "schools"], {}),
    ("ar", "pillars", "البنية التحتية، الأمن السيبراني", ["infrastructure", "cybersecurity"],
     {"focus_area": "access"}),
    ("ar", "sdgs", "٤؛ ٩", ["4", "9"], {}),
    ("ar", "sdgs", "٤ و ٩", ["4", "9"], {}),
    ("ar", "sdgs", "١٧", ["17"], {}),
    ("zh", "sdgs", "４、９", ["4", "9"], {}),
    ("zh", "sdgs", "１７", ["17"], {}),
    ("ru", "wsis_action_lines", "С2, С3", ["C2", "C3"], {}),  # Cyrillic "С", as a Russian keyboard types it
    ("ru", "wsis_action_lines", "с4", ["C4"], {}),
    ("zh", "wsis_action_lines", "Ｃ２", ["C2"], {})])
def test_typed_choices_in_other_scripts_are_the_buttons(renderer: Renderer, locale: str, step_id: str, typed: str,
                                                        expected: list[str], answers: dict[str, Any]) -> None:
    assert picked(renderer, locale, step_id, typed, answers) == expected


@pytest.mark.parametrize(("locale", "step_id", "typed", "expected"), [
    ("zh", "pledge_type", "资金", "financial"), ("ru", "pledge_type", "Программ", "programmatic"),
    ("ru", "pillars", "навыки", ["skills"])])
def test_a_clear_start_of_one_label_chooses_it(renderer: Renderer, locale: str, step_id: str, typed: str,
                                               expected: Any) -> None:
    step = PLEDGE_FORM.step(step_id)
    assert step is not None
    result = step.on_text(typed, {"focus_area": "adoption"}, {}, context(renderer, locale))
    assert (result.scratch["picked"] if isinstance(result, Stay) else result.value) == expected


@pytest.mark.parametrize(("locale", "step_id", "typed"), [
    ("en", "pillars", "digital"), ("en", "pillars", "Dig"), ("ru", "sdgs", "ЦУР"), ("zh", "pledge_type", "类")])
def test_a_start_shared_by_several_labels_or_too_short_chooses_none(renderer: Renderer, locale: str, step_id: str,
                                                                     typed: str) -> None:
    step = PLEDGE_FORM.step(step_id)
    assert step is not None
    with pytest.raises(InvalidAnswerError):
        step.on_text(typed, {"focus_area": "adoption"}, {}, context(renderer, locale))


@pytest.mark.parametrize(("locale", "typed"), [
    ("fr", "1 000 000 €"), ("zh", "300万元"), ("ru", "250000 руб"), ("en", "EUR 2m")])
def test_an_amount_in_another_currency_is_asked_in_dollars(renderer: Renderer, locale: str, typed: str) -> None:
    step = PLEDGE_FORM.step("value_usd")
    assert step is not None
    with pytest.raises(InvalidAnswerError) as caught:
        step.on_text(typed, {"pledge_type": "financial"}, {}, context(renderer, locale))
    assert "US dollars" in caught.value.message.msgid and "example" in caught.value.message.params


def test_a_too_large_number_gives_the_limit(renderer: Renderer) -> None:
    said = refusal(renderer, "en", "value_usd", "9999999999999999 USD")
    assert "10,000,000,000,000" in said


@pytest.mark.parametrize("typed", ["无", "没有", "No", "None", "none.", "Non", "Aucun", "Ninguno", "Нет", "لا",
                                   "لا يوجد", "无。", "不需要", "N/A", "Not needed", "pas besoin", "Не нужно",
                                   "no hace falta", "لا حاجة"])
def test_nothing_at_an_optional_question_is_skip(renderer: Renderer, typed: str) -> None:
    step = REPORT_FORM.step("challenges")
    assert step is not None
    result = step.on_text(typed, {}, {}, context(renderer, "zh"))
    assert isinstance(result, Answer) and result.value is None


@pytest.mark.parametrize("typed", ["No electricity in two districts", "Non-payment by a partner", "Не хватает"])
def test_a_sentence_starting_with_no_is_an_answer(renderer: Renderer, typed: str) -> None:
    step = REPORT_FORM.step("challenges")
    assert step is not None
    result = step.on_text(typed, {}, {}, context(renderer, "en"))
    assert isinstance(result, Answer) and result.value == typed


def test_a_too_short_answer_to_an_optional_question_points_at_skip(renderer: Renderer) -> None:
    assert "Skip" in refusal(renderer, "en", "challenges", "ok", form=REPORT_FORM)
    assert "Skip" not in refusal(renderer, "en", "title", "No"), "a required question has no Skip"


def test_typed_nothing_moves_on_like_the_skip_button(renderer: Renderer) -> None:
    ctx = context(renderer, "en")
    state = FormState(step="challenges", answers={"steps_taken": "x" * 30})
    typed = advance(REPORT_FORM, state, FormInput(text="None"), ctx)
    pressed = advance(REPORT_FORM, state, FormInput(code="f:challenges:skip"), ctx)
    assert typed.state.answers == pressed.state.answers and typed.state.step == pressed.state.step
