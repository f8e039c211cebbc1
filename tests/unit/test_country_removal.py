"""Removing a selected country: its "✓ Name" button, a page of them when many are selected, and the typed name of
one already selected. Button codes are untrusted: a stale or forged one is answered and changes nothing."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

import pytest

from handlers.forms.base import Answer, Form, FormContext, FormState, InvalidAnswerError
from handlers.forms.countries import NO_COUNTRY, SELECTED_PAGE, CountryStep, place_label
from handlers.forms.engine import NOT_OFFERED, SUMMARY, FormInput, Outcome, advance, prompt
from handlers.forms.steps import TextStep
from handlers.messages import Reply, Text
from models.geography import load_country_table

CTX = FormContext("en", date(2026, 11, 28))
FORM = Form(id="test", title="Test", steps=(
    TextStep(id="title", question="Title?", label="Title", min_length=5, max_length=50),
    CountryStep(id="where", question="Where?", label="Where", multi=True),
))
SINGLE = Form(id="single", title="Single", steps=(
    CountryStep(id="country", question="Where?", label="Country"),
))


def run(state: FormState, *inputs: str, form: Form = FORM) -> Outcome:
    outcome = Outcome(state, ())
    for given in inputs:
        code = given if given.startswith("f:") else None
        outcome = advance(form, outcome.state, FormInput(text=None if code else given, code=code), CTX)
    return outcome


def codes(reply: Reply) -> list[str]:
    return [button.code for row in reply.buttons for button in row]


def texts(reply: Reply) -> list[Any]:
    return [part for part in reply.parts if isinstance(part, Text)]


def msgids(reply: Reply) -> list[str]:
    return [part.msgid for part in texts(reply)]


def picked(outcome: Outcome) -> list[str]:
    return list(outcome.state.scratch["picked"])


def at(**scratch: Any) -> FormState:
    return FormState(step="where", answers={"title": "Title!"}, scratch=scratch)


def test_each_selected_country_is_a_button_that_removes_it() -> None:
    outcome = run(at(), "Peru, Bolivia", "Ecuador")
    assert picked(outcome) == ["PER", "BOL", "ECU"]
    shown = codes(outcome.replies[-1])
    assert {"f:where:x:PER", "f:where:x:BOL", "f:where:x:ECU"} <= set(shown)
    assert "To remove a country, tap its ✓ button." in msgids(outcome.replies[-1])
    outcome = run(outcome.state, "f:where:x:BOL")
    assert picked(outcome) == ["PER", "ECU"] and outcome.in_place, "a removal edits the question in place"
    assert "f:where:x:BOL" not in codes(outcome.replies[-1])
    outcome = run(outcome.state, "f:where:done")
    assert outcome.state.answers["where"] == ["PER", "ECU"]


def test_a_country_of_the_summary_can_be_removed_when_editing() -> None:
    state = FormState(step=SUMMARY, answers={"title": "Title!", "where": ["PER", "BOL"]})
    outcome = run(state, f"f:{SUMMARY}:edit:where")
    assert {"f:where:x:PER", "f:where:x:BOL"} <= set(codes(outcome.replies[-1])), "the stored ones, from the start"
    outcome = run(outcome.state, "Ecuador", "f:where:x:BOL", "f:where:done")
    assert outcome.state.step == SUMMARY and outcome.state.answers["where"] == ["PER", "ECU"]


def test_the_last_country_removed_leaves_the_question_open_and_done_asks_for_one() -> None:
    outcome = run(at(), "Kenya", "f:where:x:KEN")
    assert picked(outcome) == [] and not [c for c in codes(outcome.replies[-1]) if ":x:" in c]
    assert "To remove a country, tap its ✓ button." not in msgids(outcome.replies[-1])
    outcome = run(outcome.state, "f:where:done")
    assert outcome.state.step == "where"


def test_a_country_typed_again_is_said_to_be_selected_with_its_button() -> None:
    outcome = run(at(), "Peru, Bolivia", "Bolivia")
    assert picked(outcome) == ["PER", "BOL"]
    reply = outcome.replies[-1]
    assert "Already selected: {countries}." in msgids(reply) and "f:where:x:BOL" in codes(reply)
    assert "Already selected: {countries}." not in msgids(run(at(), "Peru").replies[-1])


def test_a_selected_country_that_is_also_a_match_is_ticked_once() -> None:
    outcome = run(at(), "Niger", "nige")
    shown = codes(outcome.replies[-1])
    assert "f:where:c:NER" in shown and "f:where:x:NER" not in shown
    assert picked(run(outcome.state, "f:where:c:NER")) == [], "the match's ✓ still unticks it"


def test_did_you_mean_goes_once_its_suggestion_is_picked() -> None:
    """A tester picked Ecuador from "Did you mean one of these?" after "Colombia, Ecuadro y Peru": the line stayed
    above the choice made, and again when the question came back after /help."""
    suggested = run(at(), "Colombia, Ecuadro, Peru")
    assert "Did you mean one of these? Pick below:" in msgids(suggested.replies[-1])
    chosen = run(suggested.state, "f:where:c:ECU")
    assert sorted(picked(chosen)) == ["COL", "ECU", "PER"]
    assert "Did you mean one of these? Pick below:" not in msgids(chosen.replies[-1])
    assert "Did you mean one of these? Pick below:" not in msgids(prompt(FORM, chosen.state, CTX))


def test_a_stale_removal_says_the_country_is_no_longer_selected() -> None:
    outcome = run(at(), "Peru, Bolivia", "f:where:x:BOL")
    again = run(outcome.state, "f:where:x:BOL")  # a double tap, or the button of the copy above
    assert again.state == outcome.state and not again.in_place
    notice = texts(again.replies[-1])[0]
    assert notice.msgid == "{country} is not selected any more." and notice.params["country"].iso3 == "BOL"


@pytest.mark.parametrize("code", ["f:where:x:XXX", "f:where:x:bol", "f:where:x:", "f:where:x:BOL:1", "f:where:x:LDC",
                                  "f:where:x:-", "f:where:p:1", "f:where:p:-1", "f:where:p:01", "f:where:p:1x",
                                  "f:where:p:", "f:where:p:１", "f:where:p:9999", "f:where:q:BOL"])
def test_forged_removal_and_page_codes_change_nothing(code: str) -> None:
    state = run(at(), "Peru, Bolivia", "f:where:c:LDC").state
    outcome = run(state, code)
    assert outcome.state == state
    assert msgids(outcome.replies[-1])[0] == NOT_OFFERED


def test_a_single_country_question_has_no_removal_codes() -> None:
    state = FormState(step="country")
    outcome = run(state, "f:country:x:SEN", form=SINGLE)
    assert outcome.state == state and msgids(outcome.replies[-1])[0] == NOT_OFFERED
    assert not [c for c in codes(prompt(SINGLE, state, CTX)) if ":x:" in c or ":p:" in c]


def test_many_selected_countries_come_a_page_at_a_time() -> None:
    many = sorted(load_country_table())[:SELECTED_PAGE * 2 + 3]
    state = FormState(step="where", answers={"title": "Title!", "where": many})
    first = prompt(FORM, state, CTX)
    removals = [c for c in codes(first) if ":x:" in c]
    assert removals == [f"f:where:x:{c}" for c in many[:SELECTED_PAGE]]
    assert "f:where:p:1" in codes(first)
    outcome = run(state, "f:where:p:1")
    assert outcome.in_place and [c for c in codes(outcome.replies[-1]) if ":x:" in c] == [
        f"f:where:x:{c}" for c in many[SELECTED_PAGE:SELECTED_PAGE * 2]]
    outcome = run(outcome.state, "f:where:p:2")
    last = codes(outcome.replies[-1])
    assert [c for c in last if ":x:" in c] == [f"f:where:x:{c}" for c in many[SELECTED_PAGE * 2:]]
    assert "f:where:p:0" in last and "f:where:p:3" not in last, "from the last page back to the first"
    outcome = run(outcome.state, f"f:where:x:{many[-1]}", f"f:where:x:{many[-2]}", f"f:where:x:{many[-3]}")
    assert picked(outcome) == many[:SELECTED_PAGE * 2], "the last page emptied: the one before is shown"
    shown = codes(outcome.replies[-1])
    assert [c for c in shown if ":x:" in c] == [f"f:where:x:{c}" for c in many[SELECTED_PAGE:SELECTED_PAGE * 2]]
    assert "f:where:p:2" not in shown and run(outcome.state, "f:where:p:2").state == outcome.state


def test_a_country_typed_again_shows_the_page_with_its_button() -> None:
    many = [*[c for c in sorted(load_country_table()) if c != "BOL"][:SELECTED_PAGE * 2], "BOL"]
    state = FormState(step="where", answers={"title": "Title!", "where": many})
    assert "f:where:x:BOL" not in codes(prompt(FORM, state, CTX))
    outcome = run(state, "Bolivia")
    assert picked(outcome) == many and "f:where:x:BOL" in codes(outcome.replies[-1])


def test_every_country_selected_still_fits_telegram_s_keyboard_limits() -> None:
    state = FormState(step="where", answers={"title": "Title!", "where": [*sorted(load_country_table()), "LDC"]})
    for scratch in ({}, {"page": 999}, {"page": "2"}, {"page": True}):
        reply = prompt(FORM, FormState(step="where", answers=state.answers, scratch=scratch), CTX)
        assert sum(len(row) for row in reply.buttons) <= 100
        assert all(len(code.encode()) <= 64 for code in codes(reply))
    pages = -(-len(load_country_table()) // SELECTED_PAGE)
    outcome = run(state, f"f:where:p:{pages - 1}")
    assert "f:where:p:0" in codes(outcome.replies[-1])


@pytest.mark.parametrize(("typed", "international"), [
    ("international", True), ("International (no single country)", True), ("Internacional", True),
    ("internationale.", True), ("国际", True), ("دولية", True), ("Международная организация", True),
    ("Senegal", False), ("international schools", False),
])
def test_the_international_button_typed_as_a_word(typed: str, international: bool) -> None:
    """A tester typed "international", the button's word, and read "No country matches"."""
    step = CountryStep(id="country", question="Where?", label="Country", allow_none=True)
    if international:
        assert step.on_text(typed, {}, {}, CTX) == Answer(NO_COUNTRY, place_label(NO_COUNTRY))
    else:
        with contextlib.suppress(InvalidAnswerError):
            assert step.on_text(typed, {}, {}, CTX) != Answer(NO_COUNTRY, place_label(NO_COUNTRY))
    several = CountryStep(id="where", question="Where?", label="Where", multi=True)
    with contextlib.suppress(InvalidAnswerError):  # where several countries are asked, no button of that word
        assert not isinstance(several.on_text(typed, {}, {}, CTX), Answer)
