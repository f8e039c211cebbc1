"""The form engine, table-driven: every step type, navigation, summary, and untrusted codes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from bot.i18n import Renderer
from handlers.forms.base import Form, FormContext, FormState
from handlers.forms.countries import CountryStep
from handlers.forms.engine import SUMMARY, FormInput, Outcome, Status, advance, collected, prompt, start
from handlers.forms.steps import (
    AmountStep,
    ChoiceStep,
    CountStep,
    DateStep,
    IntegerStep,
    MultiChoiceStep,
    TextStep,
    YesNoStep,
)
from handlers.messages import Text
from handlers.reports.form import EvidenceStep, evidence_label

CTX = FormContext("en", date(2026, 11, 28))

FORM = Form(
    id="test",
    title="Test",
    steps=(
        TextStep(id="title", question="Title?", label="Title", min_length=5, max_length=50),
        ChoiceStep(id="kind", question="Kind?", label="Kind", choices=("money", "work"), label_of=Text),
        AmountStep(id="value", question="Value?", label="Value", when=lambda a: a.get("kind") == "money"),
        MultiChoiceStep(id="tags", question="Tags?", label="Tags", choices=("a", "b", "c"), label_of=Text),
        IntegerStep(id="people", question="People?", label="People", optional=True, maximum=10**9),
        DateStep(id="start", question="Start?", label="Start"),
        DateStep(id="end", question="End?", label="End", not_before="start", not_past=True),
        CountryStep(id="where", question="Where?", label="Where", multi=True),
        YesNoStep(id="ok", question="OK?", label="OK", require_yes="Say yes"),
    ),
)


def text_of(outcome: Outcome) -> str:
    return " | ".join(str(p) for reply in outcome.replies for p in reply.parts)


def run(state: FormState, *inputs: str) -> Outcome:
    outcome = Outcome(state, ())
    for given in inputs:
        code = given if given.startswith("f:") else None
        outcome = advance(FORM, outcome.state, FormInput(text=None if code else given, code=code), CTX)
    return outcome


def at(step: str, **answers: Any) -> FormState:
    return FormState(step=step, answers=answers)


def test_a_date_either_way_round_names_both_readings_and_offers_them() -> None:
    outcome = run(at("end", start="2025-01-01"), "03/04/2027")
    assert "could be" in text_of(outcome) and "03/04/2027" in text_of(outcome), text_of(outcome)
    codes = [button.code for row in outcome.replies[-1].buttons for button in row]
    assert codes[:2] == ["f:end:c:2027-03-04", "f:end:c:2027-04-03"], codes
    french = advance(FORM, at("end", start="2025-01-01"), FormInput(text="03/04/2027"), replace(CTX, locale="fr"))
    assert french.state.step == "where" and french.state.answers["end"] == "2027-04-03"  # day first: no doubt


@pytest.mark.parametrize(("state", "inputs", "step", "answer"), [
    (at("title"), ["Connect schools"], "kind", "Connect schools"),
    (at("title"), ["  Connect   schools  "], "kind", "Connect schools"),
    (at("title"), ["abc"], "title", None),
    (at("title"), ["x" * 51], "title", None),
    (at("title"), ["🎉🎉🎉🎉🎉🎉"], "title", None),
    (at("title"), ["/pledge now"], "title", None),
    (at("kind", title="T"), ["f:kind:c:money"], "value", "money"),
    (at("kind", title="T"), ["f:kind:c:work"], "tags", "work"),
    (at("kind", title="T"), ["f:kind:c:forged"], "kind", None),
    (at("kind", title="T"), ["work"], "tags", "work"),
    (at("value", kind="money"), ["1.5 million"], "tags", "1500000"),
    (at("value", kind="money"), ["$3m"], "tags", "3000000"),
    (at("value", kind="money"), ["lots"], "value", None),
    (at("value", kind="money"), ["-5"], "value", None),
    (at("tags"), ["f:tags:c:a", "f:tags:c:b", "f:tags:c:a", "f:tags:done"], "people", ["b"]),
    (at("tags"), ["f:tags:done"], "tags", None),
    (at("tags"), ["f:tags:c:z"], "tags", None),
    (at("people"), ["2 million"], "start", 2_000_000),
    (at("people"), ["f:people:skip"], "start", None),
    (at("people"), ["2.5"], "people", None),
    (at("start"), ["2026-01-15"], "end", "2026-01-15"),
    (at("start"), ["f:start:c:2027-12-31"], "end", "2027-12-31"),
    (at("start"), ["f:start:c:2031-12-31"], "start", None),
    (at("start"), ["31/02/2027"], "start", None),
    (at("end", start="2027-01-01"), ["2026-12-31"], "end", None),
    (at("end", start="2025-01-01"), ["2025-06-30"], "end", None),
    (at("end", start="2025-01-01"), ["12/31/2027"], "where", "2027-12-31"),
    # either way round in English, read month first as the United States writes it: asked, the two offered
    (at("end", start="2025-01-01"), ["03/04/2027"], "end", None),
    (at("end", start="2025-01-01"), ["03/04/2027", "f:end:c:2027-04-03"], "where", "2027-04-03"),
    (at("end", start="2025-01-01"), ["03/04/2027", "f:end:c:2027-03-04"], "where", "2027-03-04"),
    (at("end", start="2025-01-01"), ["03/04/2027", "f:end:c:2027-05-05"], "end", None),
    (at("end", start="2025-01-01"), ["03/04/2027", "2027-04-03"], "where", "2027-04-03"),
    (at("end", start="2027-03-10"), ["03/04/2027"], "where", "2027-04-03"),  # the other reading is before the start
    (at("where"), ["Senegal", "f:where:done"], "ok", ["SEN"]),
    (at("where"), ["f:where:c:LDC", "f:where:c:ITU:africa", "f:where:done"], "ok", ["LDC", "ITU:africa"]),
    (at("where"), ["niger"], "where", None),
    (at("where"), ["zzzzqqq"], "where", None),
    (at("where"), ["f:where:c:XXX"], "where", None),
    (at("where"), ["f:where:done"], "where", None),
    (at("ok"), ["f:ok:c:no"], "ok", None),
    (at("ok"), ["f:ok:c:yes"], SUMMARY, "yes"),
])
def test_step_inputs(state: FormState, inputs: list[str], step: str, answer: Any) -> None:
    outcome = run(state, *inputs)
    assert outcome.state.step == step
    assert outcome.replies, "every input gets an answer"
    stepped = FORM.step(state.step)
    assert stepped is not None
    assert outcome.state.answers.get(stepped.id) == answer


def test_several_matches_offer_buttons_and_keep_the_selection() -> None:
    outcome = run(at("where"), "nige")
    assert outcome.state.scratch["matches"][:2] == ["NER", "NGA"]
    outcome = run(outcome.state, "f:where:c:NGA", "Kenya", "f:where:done")
    assert outcome.state.answers["where"] == ["NGA", "KEN"]


def test_back_skips_steps_that_do_not_apply() -> None:
    outcome = run(at("tags", title="Title!", kind="work"), "f:tags:back")
    assert outcome.state.step == "kind"


def test_changing_an_answer_drops_later_answers_it_invalidates() -> None:
    state = at(SUMMARY, title="Title!", kind="money", value="5", tags=["a"], people=None, start="2025-01-01",
               end="2027-01-01", where=["SEN"], ok="yes")
    outcome = run(state, f"f:{SUMMARY}:edit:start", "2027-06-01")
    assert outcome.state.step == "end", "the end date now precedes the start: it must be asked again"
    outcome = run(outcome.state, "2027-12-31")
    assert outcome.state.step == SUMMARY


def test_edit_from_summary_returns_to_summary() -> None:
    state = at(SUMMARY, title="Title!", kind="work", tags=["a"], people=None, start="2025-01-01",
               end="2027-01-01", where=["SEN"], ok="yes")
    outcome = run(state, f"f:{SUMMARY}:edit:title", "A better title")
    assert outcome.state.step == SUMMARY and outcome.state.answers["title"] == "A better title"


def test_edit_that_makes_a_step_apply_asks_it_then_returns() -> None:
    state = at(SUMMARY, title="Title!", kind="work", tags=["a"], people=None, start="2025-01-01",
               end="2027-01-01", where=["SEN"], ok="yes")
    outcome = run(state, f"f:{SUMMARY}:edit:kind", "f:kind:c:money")
    assert outcome.state.step == "value"
    outcome = run(outcome.state, "10 000")
    assert outcome.state.step == SUMMARY
    assert collected(FORM, outcome.state)["value"] == "10000"


def test_submit_finishes_and_cancel_confirms() -> None:
    state = at(SUMMARY, title="Title!", kind="work", tags=["a"], people=None, start="2025-01-01",
               end="2027-01-01", where=["SEN"], ok="yes")
    assert run(state, f"f:{SUMMARY}:submit").status is Status.done
    confirm = run(state, f"f:{SUMMARY}:cancel")
    assert confirm.state.step == "$cancel" and confirm.status is Status.open
    assert run(confirm.state, "f:$cancel:no").state.step == SUMMARY
    assert run(confirm.state, "f:$cancel:yes").status is Status.cancelled


@pytest.mark.parametrize("code", ["f:kind:c:money", "f:$sum:submit", "x:y", "f:title", "f:title:", "f:nope:back",
                                  "f:$cancel:yes", "f:title:edit:kind", "f:title:c:" + "z" * 60])
def test_stale_or_forged_codes_repeat_the_question(code: str) -> None:
    outcome = run(at("title"), code)
    assert outcome.state == at("title")
    assert outcome.status is Status.open and outcome.replies


def test_unknown_step_in_a_stored_draft_does_not_crash() -> None:
    outcome = advance(FORM, FormState(step="removed_step"), FormInput(text="hello"), CTX)
    assert outcome.replies


def test_prompt_shows_progress_and_navigation() -> None:
    state, = (start(FORM, CTX).state,)
    reply = prompt(FORM, replace(state, step="kind"), CTX)
    codes = [b.code for row in reply.buttons for b in row]
    assert "f:kind:back" in codes and "f:kind:cancel" in codes and "f:kind:skip" not in codes
    reply = prompt(FORM, replace(state, step="people"), CTX)
    assert "f:people:skip" in [b.code for row in reply.buttons for b in row]


def test_state_survives_json() -> None:
    outcome = run(at("where"), "niger")
    assert FormState.from_json(outcome.state.to_json()) == outcome.state


HOLDING = Form(
    id="hold",
    title="Hold",
    steps=(
        TextStep(id="needs", question="Needs?", label="Needs", optional=True, min_length=3, max_length=100),
        EvidenceStep(id="evidence", question="Evidence?", label="Evidence", optional=True, max_length=4000),
    ),
)


def _hold(state: FormState, *inputs: str) -> Outcome:
    """Inputs to HOLDING: "photo:ID" sends a photo, "f:…" presses a button, anything else is typed."""
    outcome = Outcome(state, ())
    for given in inputs:
        if given.startswith("photo:"):
            given_input = FormInput(file=("photo", given.removeprefix("photo:")))
        elif given.startswith("f:"):
            given_input = FormInput(code=given)
        else:
            given_input = FormInput(text=given)
        outcome = advance(HOLDING, outcome.state, given_input, CTX)
    return outcome


def _codes(outcome: Outcome) -> list[str]:
    return [button.code for reply in outcome.replies for row in reply.buttons for button in row]


def test_files_sent_before_done_are_kept_when_going_back_and_cannot_be_skipped_away() -> None:
    outcome = _hold(FormState(step="evidence", answers={"needs": None}), "photo:P1", "https://example.org/a")
    assert "f:evidence:skip" not in _codes(outcome), "Skip would drop the two pieces received"
    kept = [{"kind": "photo", "file_id": "P1", "name": None}, {"kind": "link", "url": "https://example.org/a"}]
    assert _hold(outcome.state, "f:evidence:skip").state.scratch["items"] == kept, "an older Skip drops nothing"
    back = _hold(outcome.state, "f:evidence:back")
    assert back.state.step == "needs" and back.state.answers["evidence"] == kept
    again = _hold(back.state, "Trainers")
    assert again.state.step == "evidence" and "f:evidence:done" in _codes(again)
    assert _hold(again.state, "f:evidence:done").state.answers["evidence"] == kept


def test_evidence_counts_a_repeated_link_once_and_removes_the_last_piece() -> None:
    outcome = _hold(FormState(step="evidence", answers={"needs": None}),
                    "https://example.org/a and https://example.org/a", "photo:P1")
    assert [item.get("url") or item.get("file_id") for item in outcome.state.scratch["items"]] == [
        "https://example.org/a", "P1"]
    repeated = _hold(outcome.state, "https://example.org/a")
    assert repeated.state.scratch == outcome.state.scratch and "received already" in text_of(repeated)
    emptied = _hold(outcome.state, "f:evidence:undo", "f:evidence:undo")
    assert emptied.state.scratch["items"] == [] and "f:evidence:skip" in _codes(emptied)
    back = _hold(emptied.state, "f:evidence:back")
    assert back.state.answers["evidence"] is None, "pieces removed before going back stay removed"


def test_back_during_an_edit_from_the_summary_returns_to_the_summary() -> None:
    state = at(SUMMARY, title="Title!", kind="money", value="5", tags=["a"], people=None, start="2025-01-01",
               end="2027-01-01", where=["SEN"], ok="yes")
    outcome = run(state, f"f:{SUMMARY}:edit:tags", "f:tags:back")
    assert outcome.state.step == SUMMARY and outcome.state.answers == state.answers, "unchanged, not the Kind before"
    assert run(outcome.state, "f:kind:c:money").state == outcome.state, "the Kind question's buttons stay stale"


COUNTING = Form(
    id="count",
    title="Count",
    steps=(
        CountStep(id="target", question="Target?", label="Target", minimum=1, maximum=10**12, unit_step="unit",
                  units={"schools": "schools", "people": "people"}),
        ChoiceStep(id="unit", question="Unit?", label="Unit", choices=("schools", "people"), label_of=Text),
        TextStep(id="note", question="Note?", label="Note"),
    ),
)


def test_a_unit_filled_by_an_earlier_answer_is_asked_again_once_that_answer_is_changed() -> None:
    outcome = Outcome(FormState(step="target", answers={}), ())
    for given in ("300 schools", "f:note:back", "f:unit:back", "2000"):
        code = given if given.startswith("f:") else None
        outcome = advance(COUNTING, outcome.state, FormInput(text=None if code else given, code=code), CTX)
    assert outcome.state.answers["target"] == 2000
    assert outcome.state.step == "unit", "2000 says no unit: the schools of 300 schools must not stand silently"


def test_the_words_sent_with_a_photo_are_kept_with_the_evidence(renderer: Renderer) -> None:
    """A tester's photo captioned "Escuela en Mafraq" reached staff as "photo" alone."""
    outcome = advance(HOLDING, FormState(step="evidence", answers={"needs": None}),
                      FormInput(file=("photo", "P1"), text="  Escuela en Mafraq "), CTX)
    (item,) = outcome.state.scratch["items"]
    assert item["caption"] == "Escuela en Mafraq"
    assert renderer.label(evidence_label(item), "es") == "foto — Escuela en Mafraq"
    bare = advance(HOLDING, outcome.state, FormInput(file=("document", "D1"), file_name="informe.pdf"), CTX)
    assert "caption" not in bare.state.scratch["items"][1]


def test_a_file_sent_at_a_question_for_words_quotes_its_caption_as_not_kept(renderer: Renderer) -> None:
    """A tester's document captioned "Обучено 6000 человек…" at "What was done?" was only told to answer with text:
    the words, which could have been the answer, went unsaid."""
    outcome = advance(FORM, at("title"), FormInput(file=("document", "D1"), file_name="itogi.docx",
                                                   text="Обучено 6000 человек"), CTX)
    assert outcome.state.step == "title" and "title" not in outcome.state.answers
    said = renderer.reply(outcome.replies[0], "ru").text
    assert "не файлом" in said and "«Обучено 6000 человек»" in said, said
    bare = advance(FORM, at("title"), FormInput(file=("photo", "P1")), CTX)
    assert "not kept" not in text_of(bare), "nothing to quote"


def test_a_press_on_a_question_asked_again_does_not_put_the_previous_answer_above_it() -> None:
    """Tester: 🗑 on "Received: 2 items" (the evidence asked again below the links sent) edited that message into
    "✓ (skipped)" and the removal: the line that confirmed the previous answer belongs to the message that first
    asked the question, which a press edited in place keeps (a tick of a choice, say)."""
    asked = advance(HOLDING, FormState(step="needs"), FormInput(text="skip"), CTX).state
    assert asked.step == "evidence" and asked.scratch, "the typed skip is confirmed above the evidence question"
    for link in ("https://example.org/a", "https://example.org/b"):
        asked = advance(HOLDING, asked, FormInput(text=link), CTX).state
    shown = replace(asked, shown=(("u:1:0", "needs"), ("u:2:0", "evidence"), ("u:3:0", "evidence"),
                                  ("u:4:0", "evidence")))
    again = advance(HOLDING, shown, FormInput(code="f:evidence:undo", on="u:4:0"), CTX)
    assert again.in_place and "✓" not in text_of(again), text_of(again)
    first = advance(HOLDING, shown, FormInput(code="f:evidence:undo", on="u:2:0"), CTX)
    assert "✓" in text_of(first), "the message that showed it keeps it"


def test_a_choice_asked_again_after_back_says_which_one_it_holds() -> None:
    """Tester: back at the report's status, the choices came with nothing of the one made, where a number asked
    again shows "Current answer: 40 %" (a choice needs no Keep button: it is one tap)."""
    back = run(at("value", title="Connect schools", kind="money"), "f:value:back")
    assert back.state.step == "kind" and back.state.answers["kind"] == "money"
    (question,) = back.replies
    assert "Line(name=Text(msgid='Current answer'" in text_of(back) and "msgid='money'" in text_of(back), text_of(back)
    assert "f:kind:keep" not in [button.code for row in question.buttons for button in row]
    fresh = run(at("kind", title="Connect schools"), "nonsense")
    assert "Current answer" not in text_of(fresh), "nothing held: nothing said"
