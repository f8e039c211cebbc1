"""Changing one answer from the summary (✏️), table-driven: the question shows the current answer, Back returns to
the summary unchanged, the summary's other ✏️ buttons still work, and answers the change makes necessary are
still asked."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.i18n import Catalogs, Renderer
from handlers.forms.base import Form, FormContext, FormState
from handlers.forms.countries import CountryStep
from handlers.forms.engine import CONFIRM_CANCEL, SUMMARY, FormInput, Outcome, advance
from handlers.forms.steps import AmountStep, ChoiceStep, DateStep, MultiChoiceStep, TextStep
from handlers.messages import Text
from handlers.reports.form import EvidenceStep

CTX = FormContext("en", date(2026, 11, 28))
RENDERER = Renderer(Catalogs())

FORM = Form(
    id="edits",
    title="Edits",
    steps=(
        TextStep(id="title", question="Title?", label="Title", min_length=5, max_length=50),
        ChoiceStep(id="kind", question="Kind?", label="Kind", choices=("money", "work"), label_of=Text),
        AmountStep(id="value", question="Value?", label="Value", optional=lambda a: a.get("kind") != "money"),
        MultiChoiceStep(id="tags", question="Tags?", label="Tags", choices=("a", "b", "c"), label_of=Text),
        DateStep(id="start", question="Start?", label="Start"),
        DateStep(id="end", question="End?", label="End", not_before="start", not_past=True),
        CountryStep(id="where", question="Where?", label="Where", multi=True),
        EvidenceStep(id="evidence", question="Evidence?", label="Evidence", optional=True, max_length=4000),
    ),
)

ANSWERS: dict[str, Any] = {"title": "Connect schools", "kind": "work", "value": None, "tags": ["a"],
                           "start": "2027-01-01", "end": "2028-06-30", "where": ["SEN"], "evidence": None}
MONEY: dict[str, Any] = {**ANSWERS, "kind": "money", "value": "2500000"}


def run(answers: dict[str, Any], *inputs: str) -> Outcome:
    """Start at the summary with these answers; "f:…" presses a button, "photo:ID" sends a photo, else typed."""
    outcome = Outcome(FormState(step=SUMMARY, answers=dict(answers)), ())
    for given in inputs:
        if given.startswith("photo:"):
            data = FormInput(file=("photo", given.removeprefix("photo:")))
        elif given.startswith("f:"):
            data = FormInput(code=given)
        else:
            data = FormInput(text=given)
        outcome = advance(FORM, outcome.state, data, CTX)
    return outcome


def shown(outcome: Outcome) -> str:
    """The last reply as the person reads it, its buttons' labels after it."""
    rendered = RENDERER.reply(outcome.replies[-1], "en")
    return rendered.text + " || " + " | ".join(label for row in rendered.buttons for label, _ in row)


def codes(outcome: Outcome) -> list[str]:
    return [button.code for row in outcome.replies[-1].buttons for button in row]


@pytest.mark.parametrize(("answers", "inputs", "step", "says", "offers"), [
    # the question asked again shows the answer as the summary renders it, and a way back to the summary
    (ANSWERS, ["f:$sum:edit:end"], "end", ["<b>Current answer</b>: Jun 30, 2028", "↩️ Back to summary"],
     ["f:end:back"]),
    (MONEY, ["f:$sum:edit:value"], "value", ["<b>Current answer</b>: $2,500,000"], ["f:value:back"]),
    (ANSWERS, ["f:$sum:edit:title"], "title", ["<b>Current answer</b>: Connect schools"], ["f:title:back"]),
    (ANSWERS, ["f:$sum:edit:evidence"], "evidence", ["<b>Current answer</b>: (skipped)"], ["f:evidence:back"]),
    # the summary's other buttons still work while an answer is being changed
    (ANSWERS, ["f:$sum:edit:title", "f:$sum:edit:end"], "end", ["Jun 30, 2028"], ["f:end:back"]),
    (ANSWERS, ["f:$sum:edit:tags", "f:tags:c:b", "f:$sum:edit:title"], "title", ["Connect schools"], []),
    # an answer the change makes necessary is asked, without a current answer to keep
    (ANSWERS, ["f:$sum:edit:kind", "f:kind:c:money"], "value", ["Value?"], ["f:value:back"]),
    (ANSWERS, ["f:$sum:edit:start", "2028-09-01"], "end", ["End?"], ["f:end:back"]),
    (ANSWERS, ["f:$sum:edit:kind", "f:kind:c:money", "3 million"], SUMMARY, ["$3,000,000"], ["f:$sum:submit"]),
    # Back (pressed or typed) returns to the summary, never to the step before in the form
    (ANSWERS, ["f:$sum:edit:end", "f:end:back"], SUMMARY, ["Jun 30, 2028"], ["f:$sum:submit"]),
    (MONEY, ["f:$sum:edit:value", "f:value:back"], SUMMARY, ["$2,500,000"], ["f:$sum:submit"]),
    (MONEY, ["f:$sum:edit:value", "back"], SUMMARY, ["$2,500,000"], ["f:$sum:submit"]),
    (ANSWERS, ["f:$sum:edit:title", "f:title:back"], SUMMARY, ["Connect schools"], ["f:$sum:submit"]),
    (ANSWERS, ["f:$sum:edit:tags", "f:tags:c:b", "f:tags:back"], SUMMARY, ["<b>Tags</b>: a"], ["f:$sum:submit"]),
    # an older question's buttons stay stale; a Cancel not confirmed goes back to the answer being changed
    (MONEY, ["f:$sum:edit:value", "f:kind:c:money"], "value", ["earlier question"], ["f:value:back"]),
    (ANSWERS, ["f:$sum:edit:end", "f:$sum:submit"], "end", ["earlier question"], ["f:end:back"]),
    (ANSWERS, ["f:$sum:edit:end", "f:$sum:edit:nope"], "end", ["earlier question"], ["f:end:back"]),
    (ANSWERS, ["f:$sum:edit:end", "f:$sum:edit:"], "end", ["earlier question"], ["f:end:back"]),
    (ANSWERS, ["f:$sum:edit:end", "f:$sum:full:title"], "end", ["earlier question"], ["f:end:back"]),
    (ANSWERS, ["f:$sum:edit:end", "f:end:cancel", "f:$cancel:no"], "end", ["Current answer"], ["f:end:back"]),
    (ANSWERS, ["f:$sum:edit:end", "f:end:cancel", "f:$sum:edit:title"], CONFIRM_CANCEL, ["earlier question"],
     ["f:$cancel:yes"]),
    (ANSWERS, ["f:$sum:edit:end", "2029-01-31", "f:end:back"], SUMMARY, ["earlier question"], ["f:$sum:submit"]),
])
def test_changing_an_answer_from_the_summary(answers: dict[str, Any], inputs: list[str], step: str, says: list[str],
                                              offers: list[str]) -> None:
    outcome = run(answers, *inputs)
    assert outcome.state.step == step
    for words in says:
        assert words in shown(outcome)
    assert set(offers) <= set(codes(outcome))
    if step == SUMMARY:
        assert outcome.state.reviewed is None and not outcome.state.editing


@pytest.mark.parametrize(("answers", "inputs", "kept"), [
    (ANSWERS, ["f:$sum:edit:end", "f:end:back"], {}),
    (ANSWERS, ["f:$sum:edit:where", "Mali", "f:where:back"], {}),
    (ANSWERS, ["f:$sum:edit:kind", "f:kind:c:money", "f:value:back"], {}),
    (ANSWERS, ["f:$sum:edit:start", "2028-09-01", "f:end:back"], {}),
    (ANSWERS, ["f:$sum:edit:tags", "f:$sum:edit:start", "2028-09-01", "f:$sum:edit:title", "f:title:back"], {}),
    (ANSWERS, ["f:$sum:edit:end", "2029-01-31"], {"end": "2029-01-31"}),
    (ANSWERS, ["f:$sum:edit:end", "f:$sum:edit:title", "A new title"], {"title": "A new title"}),
    (ANSWERS, ["f:$sum:edit:kind", "f:kind:c:money", "3 million"], {"kind": "money", "value": "3000000"}),
    (MONEY, ["f:$sum:edit:kind", "f:kind:c:work"], {"kind": "work"}),
    (ANSWERS, ["f:$sum:edit:start", "2028-09-01", "2029-03-31"], {"start": "2028-09-01", "end": "2029-03-31"}),
    # files sent before Done are kept as the answer, as Back keeps them
    (ANSWERS, ["f:$sum:edit:evidence", "photo:P1", "f:evidence:back"],
     {"evidence": [{"kind": "photo", "file_id": "P1", "name": None}]}),
])
def test_the_summary_comes_back_with_only_the_answers_given(answers: dict[str, Any], inputs: list[str],
                                                             kept: dict[str, Any]) -> None:
    outcome = run(answers, *inputs)
    assert outcome.state.step == SUMMARY
    assert outcome.state.answers == {**answers, **kept}


@pytest.mark.parametrize(("inputs", "note"), [
    (["f:$sum:edit:start", "2028-09-01", "f:end:back"], "Your change to Start was not kept"),
    (["f:$sum:edit:kind", "f:kind:c:money", "f:value:back"], "Your change to Kind was not kept"),
    (["f:$sum:edit:end", "f:end:back"], None),  # nothing changed: nothing to say
    (["f:$sum:edit:title", "f:title:back"], None),
])
def test_back_to_summary_says_which_change_it_left(inputs: list[str], note: str | None) -> None:
    """QA: a target date changed from the summary ("✓ 31 Dec 2030"), which asked for a later end date; ↩️ Back to
    summary showed the old target date, with no word that the change just confirmed was not kept."""
    outcome = run(ANSWERS, *inputs)
    assert outcome.state.step == SUMMARY
    if note is None:
        assert "was not kept" not in shown(outcome)
    else:
        assert shown(outcome).startswith(note)


def test_an_answer_the_change_makes_necessary_shows_no_current_answer_and_no_linear_back() -> None:
    outcome = run(ANSWERS, "f:$sum:edit:kind", "f:kind:c:money")
    assert "Current answer" not in shown(outcome) and "(skipped)" not in shown(outcome)
    assert "⬅️ Back" not in shown(outcome) and "↩️ Back to summary" in shown(outcome)


def test_a_long_answer_in_full_from_the_summary_then_the_question_again() -> None:
    long = "word " * 400
    outcome = run({**ANSWERS, "title": long.strip()}, "f:$sum:edit:kind", "f:$sum:full:title")
    assert outcome.state.step == "kind" and len(outcome.replies) >= 2
    assert "f:kind:back" in codes(outcome)


def test_an_edit_under_way_survives_json() -> None:
    state = run(ANSWERS, "f:$sum:edit:kind", "f:kind:c:money").state
    assert state.reviewed == ANSWERS
    assert FormState.from_json(state.to_json()) == state
    assert "reviewed" not in FormState(step=SUMMARY, answers=ANSWERS).to_json(), "older drafts read as before"
    back = advance(FORM, FormState.from_json(state.to_json()), FormInput(code="f:value:back"), CTX)
    assert back.state.answers == ANSWERS


@pytest.mark.parametrize(("locale", "typed"), [("en", "submit"), ("fr", "Envoyer"), ("es", "enviar"),
                                               ("ru", "Отправить"), ("zh", "提交"), ("ar", "إرسال")])
def test_the_submit_button_s_label_typed_at_the_summary_submits(locale: str, typed: str) -> None:
    """A tester typed "envoyer" at the summary and was told to use the buttons, while other labels typed worked."""
    ctx = FormContext(locale, date(2026, 11, 28), lambda label: RENDERER.label(label, locale, markup=False))
    label = RENDERER.label(Text("✅ Submit"), locale, markup=False)
    assert typed.casefold() in label.casefold(), label
    done = advance(FORM, FormState(step=SUMMARY, answers=dict(ANSWERS)), FormInput(text=typed), ctx)
    assert done.status.value == "done"
    edit = advance(FORM, FormState(step=SUMMARY, answers=dict(ANSWERS)), FormInput(text="bonjour"), ctx)
    assert edit.status.value == "open" and edit.state.step == SUMMARY
