"""A pledge's target date lies between its start and end dates and is not past (a typo of 2017 for 2027 was
accepted and submitted): each question refuses what breaks it, and the final check of the answers names the date
to change."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from handlers.forms.base import Answer, FormContext, FormState, InvalidAnswerError
from handlers.forms.engine import FormInput, advance
from handlers.pledges.form import PLEDGE_FORM
from handlers.pledges.rules import check_answers

TODAY = date(2026, 12, 1)
CTX = FormContext("en", TODAY)
EVERY_ANSWER: dict[str, Any] = {
    "title": "Connect 500 rural schools", "description": "We will connect 500 rural schools to broadband.",
    "focus_area": "access", "pillars": ["infrastructure"], "pledge_type": "programmatic", "value_usd": None,
    "countries": ["SEN"], "beneficiary_groups": ["schools"], "target_value": 500, "target_unit": "schools",
    "target_date": "2027-12-31", "start_date": "2026-01-01", "end_date": "2028-06-30", "sdgs": None,
    "wsis_action_lines": None}
VALID = {"pledge_type": "programmatic", "focus_area": "access", "pillars": ["infrastructure"],
         "target_date": "2027-12-31", "start_date": "2026-01-01", "end_date": "2028-06-30"}


@pytest.mark.parametrize(("dates", "step", "why"), [
    ({"target_date": "2017-12-31"}, "target_date", "The target date has passed. Please give a date from today on."),
    ({"target_date": "2025-12-31", "start_date": "2025-01-01"}, "target_date",
     "The target date has passed. Please give a date from today on."),
    ({"start_date": "2029-01-01", "end_date": "2029-06-30"}, "target_date",
     "The target date cannot be before the start date."),
    ({"end_date": "2027-06-30"}, "target_date", "The target date cannot be after the end date."),
    ({"start_date": "2025-01-01", "end_date": "2025-12-31"}, "end_date",
     "The end date has passed. Please give a date from today on."),
])
def test_a_target_date_out_of_place_is_refused_before_submitting(dates: dict[str, str], step: str, why: str) -> None:
    broken = check_answers(FormState(step="$summary", answers={**VALID, **dates}), TODAY)
    assert broken is not None and (broken[0], broken[1].msgid) == (step, why)


@pytest.mark.parametrize("dates", [{}, {"target_date": "2026-12-01"}, {"target_date": "2028-06-30"},
                                   {"start_date": "2027-12-31"}, {"start_date": "2025-01-01"}])
def test_a_target_date_from_start_to_end_is_accepted(dates: dict[str, str]) -> None:
    assert check_answers(FormState(step="$summary", answers={**VALID, **dates}), TODAY) is None


def test_each_question_refuses_a_date_out_of_place() -> None:
    step = PLEDGE_FORM.step("target_date")
    assert step is not None
    with pytest.raises(InvalidAnswerError, match="is in the past") as past:
        step.on_text("31.12.2017", {}, {}, CTX)
    assert past.value.message.params["date"].value == date(2017, 12, 31)  # the date as understood is named
    start = PLEDGE_FORM.step("start_date")
    assert start is not None
    with pytest.raises(InvalidAnswerError, match="is after"):
        start.on_text("2029-01-01", {"target_date": "2027-12-31"}, {}, CTX)
    end = PLEDGE_FORM.step("end_date")
    assert end is not None
    with pytest.raises(InvalidAnswerError, match="is before"):
        end.on_text("2027-06-30", {"target_date": "2027-12-31", "start_date": "2026-01-01"}, {}, CTX)
    taken = end.on_text("2028-06-30", {"target_date": "2027-12-31", "start_date": "2026-01-01"}, {}, CTX)
    assert isinstance(taken, Answer) and taken.value == "2028-06-30", taken


def test_moving_the_target_date_before_the_start_asks_the_start_again() -> None:
    answers = {**EVERY_ANSWER, "start_date": "2027-06-01"}
    outcome = advance(PLEDGE_FORM, FormState(step="target_date", answers=answers, editing=True),
                      FormInput(text="2026-12-31"), CTX)
    assert outcome.state.answers["target_date"] == "2026-12-31"
    assert "start_date" not in outcome.state.answers and outcome.state.step == "start_date"
    assert outcome.state.answers["end_date"] == "2028-06-30"


@pytest.mark.parametrize(("step", "typed", "answers", "understood", "limit"), [
    ("start_date", "1/2/2028", {"target_date": "2027-12-31"}, date(2028, 1, 2), date(2027, 12, 31)),
    ("end_date", "12/6/2027", {"target_date": "2027-12-31", "start_date": "2026-01-01"}, date(2027, 12, 6),
     date(2027, 12, 31)),
])
def test_a_date_out_of_its_limits_is_named_as_understood(step: str, typed: str, answers: dict[str, str],
                                                          understood: date, limit: date) -> None:
    # "12/6/2027" meant as 12 June was read in English as 6 December, and the refusal named only the limit
    question = PLEDGE_FORM.step(step)
    assert question is not None
    with pytest.raises(InvalidAnswerError) as refused:
        question.on_text(typed, answers, {}, CTX)
    params = refused.value.message.params
    assert (params["date"].value, params["limit"].value) == (understood, limit)
