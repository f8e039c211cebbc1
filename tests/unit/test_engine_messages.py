"""The form engine told which message an input is about (FormInput.on): a button of another form's (or an earlier
draft's) message is refused, a reply to an earlier question does not answer the current one, and a reply to
another message at a pending "Cancel and discard?" asks it again (tester t2, findings 4 and 7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.forms.base import Form, FormContext, FormState
from handlers.forms.engine import (
    CONFIRM_CANCEL,
    CONFIRM_FIRST,
    EARLIER_QUESTION,
    OTHER_FORM,
    SUMMARY,
    FormInput,
    Outcome,
    Status,
    advance,
)
from handlers.forms.steps import ChoiceStep, MultiChoiceStep, TextStep
from handlers.messages import Text

CTX = FormContext("en", date(2026, 11, 28))
FORM = Form(id="test", title="Test", steps=(
    ChoiceStep(id="status", question="Status?", label="Status", choices=("going", "cancelled"), label_of=Text),
    TextStep(id="steps", question="Steps taken?", label="Steps", min_length=3, max_length=200),
    MultiChoiceStep(id="tags", question="Tags?", label="Tags", choices=("a", "b", "c"), label_of=Text),
))
SHOWN = (("u:11:0", "status"), ("u:12:0", "steps"))
"""The messages this draft sent: its first question, then its second."""


def notes(outcome: Outcome) -> list[str]:
    return [part.msgid for reply in outcome.replies for part in reply.parts if isinstance(part, Text)]


def test_a_button_of_another_forms_message_is_refused_and_changes_nothing() -> None:
    """The 2023 report's "Cancelled" (f:status:c:cancelled) pressed while the 2024 report is at that question: it
    set the 2024 report's status."""
    state = FormState(step="status", shown=SHOWN[:1])
    refused = advance(FORM, state, FormInput(code="f:status:c:cancelled", on="u:3:0"), CTX)
    assert refused.state == state and refused.status is Status.open
    assert OTHER_FORM in notes(refused) and "Status?" in notes(refused)
    taken = advance(FORM, state, FormInput(code="f:status:c:cancelled", on="u:11:0"), CTX)
    assert taken.state.answers == {"status": "cancelled"} and taken.state.step == "steps"


def test_an_old_summarys_submit_does_not_submit_the_form_at_its_summary_now() -> None:
    state = FormState(step=SUMMARY, answers={"status": "going", "steps": "Built", "tags": ["a"]},
                      shown=(*SHOWN, ("u:13:0", SUMMARY)))
    refused = advance(FORM, state, FormInput(code="f:$sum:submit", on="u:5:1"), CTX)
    assert refused.status is Status.open and refused.state == state and OTHER_FORM in notes(refused)
    assert advance(FORM, state, FormInput(code="f:$sum:submit", on="u:13:0"), CTX).status is Status.done


def test_without_a_known_message_step_ids_alone_tell_as_before() -> None:
    """A message the outbox no longer knows (on None), or a draft opened before it kept its messages (shown empty),
    is not refused for that: the step's own check stays."""
    assert advance(FORM, FormState(step="status", shown=SHOWN), FormInput(code="f:status:c:going"),
                   CTX).state.step == "steps"
    assert advance(FORM, FormState(step="status"), FormInput(code="f:status:c:going", on="u:3:0"),
                   CTX).state.step == "steps"


def test_typed_cancel_is_not_a_pressed_message() -> None:
    state = FormState(step="steps", answers={"status": "going"}, shown=SHOWN[:2])
    cancel = advance(FORM, state, FormInput(code="f:steps:cancel", typed=True, on="u:3:0"), CTX)
    assert cancel.state.step == CONFIRM_CANCEL


def test_a_reply_to_an_earlier_question_keeps_the_current_one_and_says_how_to_change_it() -> None:
    """A correction quoted under the "Steps taken?" question while "Tags?" is asked: dropped with "Please choose
    with the buttons below"; at a typed question it would even have become that question's answer."""
    state = FormState(step="tags", answers={"status": "going", "steps": "Built"},
                      shown=(*SHOWN, ("u:14:0", "tags")))
    replied = advance(FORM, state, FormInput(text="Correction: built 800 schools", on="u:12:0"), CTX)
    assert replied.state == state and EARLIER_QUESTION in notes(replied) and "Tags?" in notes(replied)
    assert "Please choose with the buttons below." not in notes(replied)
    at_text = replace(state, step="steps", answers={"status": "going"})
    earlier = advance(FORM, at_text, FormInput(text="Going well, thanks", on="u:11:0"), CTX)
    assert earlier.state == at_text and EARLIER_QUESTION in notes(earlier)
    # a reply to the current question's own message answers it
    assert advance(FORM, at_text, FormInput(text="Built 3 towers", on="u:12:0"), CTX).state.answers["steps"] \
        == "Built 3 towers"


def test_a_reply_to_another_message_at_a_pending_cancel_asks_it_again() -> None:
    """An addition typed under an old report's question while "Cancel and discard your answers?" was pending (for
    weeks) was taken as No and appended to the forgotten draft."""
    state = FormState(step=CONFIRM_CANCEL, resume="steps", answers={"status": "going"}, shown=SHOWN)
    again = advance(FORM, state, FormInput(text="Addition: 50 more schools", reply=True), CTX)
    assert again.state == state and again.status is Status.open
    assert CONFIRM_FIRST in notes(again) and "Cancel and discard your answers?" in notes(again)
    # typed under no message, it still answers the question Cancel was pressed at (as before)
    answered = advance(FORM, state, FormInput(text="Built 3 towers"), CTX)
    assert answered.state.answers.get("steps") == "Built 3 towers"
    assert advance(FORM, state, FormInput(text="yes", reply=True), CTX).status is Status.cancelled


CODES = st.sampled_from(["f:status:c:going", "f:status:c:cancelled", "f:steps:back", "f:tags:c:a", "f:tags:done",
                         "f:$sum:submit", "f:$sum:edit:steps", "f:$cancel:yes", "f:$cancel:no", "f:status:cancel",
                         "f:tags:cancel", "f:$sum:cancel", "f:tags:skip", "f:steps:help"])
STATES = st.builds(
    FormState,
    step=st.sampled_from(["status", "steps", "tags", SUMMARY, CONFIRM_CANCEL]),
    answers=st.fixed_dictionaries({}, optional={"status": st.sampled_from(["going", "cancelled"]),
                                                "steps": st.just("Built"), "tags": st.just(["a"])}),
    resume=st.sampled_from([None, "status", "tags"]),
    shown=st.lists(st.tuples(st.from_regex(r"u:[0-9]{1,3}:[0-9]", fullmatch=True),
                             st.sampled_from(["status", "steps", "tags", SUMMARY])), min_size=1, max_size=5)
    .map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(STATES, CODES, st.from_regex(r"u:[0-9]{4}:[0-9]", fullmatch=True))
def test_no_button_of_a_message_the_draft_did_not_send_changes_it(state: FormState, data: str, other: str) -> None:
    """Whatever the step and the code, a press on a message this draft did not send leaves it as it was: not
    submitted, not cancelled, no answer changed; the current question (or confirmation) is asked again."""
    outcome = advance(FORM, state, FormInput(code=data, on=other), CTX)
    assert outcome.status is Status.open and outcome.state == state
    assert OTHER_FORM in notes(outcome)
