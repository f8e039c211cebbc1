"""The composer of thread messages: text gathered over several messages, files with their captions, Send; ages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.i18n import Catalogs, Renderer
from handlers.forms.base import FormContext, FormState
from handlers.forms.engine import FormInput, Status, advance, start
from handlers.helpdesk.compose import COMPOSE_FORM, MAX_FILES, MAX_TEXT
from handlers.helpdesk.listing import age
from handlers.helpdesk.reminders import LISTED, reminder
from handlers.messages import Text
from models.tables import QuestionThread

CTX = FormContext("en", date(2026, 12, 1))


def opened(**answers: Any) -> FormState:
    return start(COMPOSE_FORM, CTX, {"$mode": "ask", "$thread": 0, **answers}).state


def codes(outcome: Any) -> list[str]:
    return [b.code for row in outcome.replies[-1].buttons for b in row]


def test_nothing_to_send_offers_no_send_button() -> None:
    outcome = start(COMPOSE_FORM, CTX, {"$mode": "ask", "$thread": 0})
    assert codes(outcome) == ["f:message:cancel"]
    refused = advance(COMPOSE_FORM, outcome.state, FormInput(code="f:message:send"), CTX)
    assert refused.status is Status.open and refused.state == outcome.state


def test_text_and_files_are_gathered_then_sent() -> None:
    state = opened()
    for given in (FormInput(text="First line."), FormInput(text="Second line."),
                  FormInput(text="caption here", file=("photo", "P1")), FormInput(file=("document", "D1"),
                                                                                 file_name="a.pdf")):
        outcome = advance(COMPOSE_FORM, state, given, CTX)
        assert outcome.status is Status.open and "f:message:send" in codes(outcome)
        state = outcome.state
    done = advance(COMPOSE_FORM, state, FormInput(code="f:message:send"), CTX)
    assert done.status is Status.done
    assert done.state.answers["message"] == {
        "text": "First line.\n\nSecond line.\n\ncaption here",
        "files": [{"kind": "photo", "file_id": "P1", "name": None}, {"kind": "document", "file_id": "D1",
                                                                    "name": "a.pdf"}]}


def test_an_offer_starts_with_what_the_person_typed() -> None:
    outcome = start(COMPOSE_FORM, CTX, {"$mode": "offer", "$thread": 0, "$start": {"text": "Hello BDT", "files": []}})
    assert "f:message:send" in codes(outcome)
    done = advance(COMPOSE_FORM, outcome.state, FormInput(code="f:message:send"), CTX)
    assert done.state.answers["message"] == {"text": "Hello BDT", "files": []}


@pytest.mark.parametrize("given", [FormInput(text="🙂🙂"), FormInput(text="/pledge"),
                                   FormInput(code="f:message:c:yes"), FormInput(code="f:other:send"),
                                   FormInput(code="f:message:report")])
def test_bad_input_changes_nothing(given: FormInput) -> None:
    state = advance(COMPOSE_FORM, opened(), FormInput(text="Kept."), CTX).state
    outcome = advance(COMPOSE_FORM, state, given, CTX)
    assert outcome.status is Status.open and outcome.state.scratch == state.scratch


def test_a_text_over_the_limit_is_left_out_and_said_above_send_until_sent() -> None:
    state = advance(COMPOSE_FORM, opened(), FormInput(text="Kept."), CTX).state
    outcome = advance(COMPOSE_FORM, state, FormInput(text="x" * MAX_TEXT), CTX)
    assert outcome.status is Status.open and outcome.state.scratch == {**state.scratch, "refused": 1}
    shown = outcome.replies[-1].parts
    assert any("as a document" in str(getattr(part, "msgid", "")) for part in shown), shown
    assert any("too long: it is not in this message" in str(getattr(part, "msgid", "")) for part in shown), shown
    done = advance(COMPOSE_FORM, outcome.state, FormInput(code="f:message:send"), CTX)
    assert done.state.answers["message"] == {"text": "Kept.", "files": []}


def test_too_many_files_are_refused() -> None:
    state = opened()
    for n in range(MAX_FILES):
        state = advance(COMPOSE_FORM, state, FormInput(file=("photo", f"P{n}")), CTX).state
    outcome = advance(COMPOSE_FORM, state, FormInput(file=("photo", "one more")), CTX)
    assert len(outcome.state.scratch["files"]) == MAX_FILES


@pytest.mark.parametrize(("delta", "shown"), [
    (timedelta(seconds=30), "less than a minute"), (timedelta(minutes=1), "1 minute"),
    (timedelta(minutes=59), "59 minutes"), (timedelta(hours=47), "47 hours"), (timedelta(days=2), "2 days"),
    (timedelta(seconds=-5), "less than a minute"),
])
def test_ages_in_the_largest_whole_unit(delta: timedelta, shown: str) -> None:
    assert Renderer(Catalogs()).label(age(delta), "en") == shown


def test_the_composer_is_not_numbered_like_questions() -> None:
    outcome = start(COMPOSE_FORM, CTX, {"$mode": "ask", "$thread": 0})
    assert not any(isinstance(p, Text) and p.msgid.startswith("Question {n}") for p in outcome.replies[0].parts)


@pytest.mark.parametrize(("waiting", "counted"), [(10, None), (11, "and 1 more"), (26, "and 16 more")])
def test_the_staff_reminder_counts_the_questions_it_does_not_list(waiting: int, counted: str | None) -> None:
    """A tester: "26 questions have waited …" listed Q-1 to Q-10, and no word of the 16 others."""
    now = datetime(2026, 12, 21, 10, tzinfo=UTC)
    threads = [QuestionThread(id=n, waiting_since=now - timedelta(days=5)) for n in range(1, waiting + 1)]
    shown = Renderer(Catalogs()).reply(reminder(threads, now, 7, {}), "en").text
    assert shown.count("Q-") == min(waiting, LISTED) and f"{waiting} questions have waited" in shown, shown
    assert (counted in shown) if counted else shown.count(" more") == 1  # "… more than two working days"
