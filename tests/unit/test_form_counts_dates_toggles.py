"""Tester H's form defects: "Question 6 of 10" after "Question 5 of 9"."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

import pytest

from bot.i18n import Renderer
from handlers.forms.base import Form, FormContext, FormState
from handlers.forms.engine import FormInput, Outcome, advance, prompt, start
from handlers.forms.steps import IntegerStep, TextStep
from handlers.messages import Text
from handlers.reports.form import FINANCIAL, PERIOD, PLEDGE_ID, REPORT_FORM, TARGET, UNIT, VALUE

TODAY = date(2026, 3, 2)
FACTS: dict[str, Any] = {PLEDGE_ID: 1, PERIOD: "2025", UNIT: "schools", TARGET: 2000, VALUE: "45000000",
                         FINANCIAL: True}


def context(renderer: Renderer, locale: str) -> FormContext:
    return FormContext(locale, TODAY, lambda label: renderer.label(label, locale, markup=False))


def shown(renderer: Renderer, outcome: Outcome, locale: str) -> str:
    return "\n".join(renderer.reply(reply, locale).text for reply in outcome.replies)


# 11. "Question n of total": the total never grows


def totals(renderer: Renderer, outcomes: list[Outcome]) -> list[tuple[int, int]]:
    found = []
    for outcome in outcomes:
        for reply in outcome.replies:
            for part in reply.parts:
                if isinstance(part, Text) and part.msgid == "Question {n} of {total}":
                    found.append((int(part.params["n"]), int(part.params["total"])))
    return found


@pytest.mark.parametrize("answers", [
    ["f:status:c:in_progress", "35", "15000000", "700", "350000", "48"],
    ["f:status:c:in_progress", "100", "f:pledge_complete:c:yes", "15000000", "700", "0"],
    ["f:status:c:completed", "f:percent_complete:c:100", "f:pledge_complete:c:no", "1", "2", "3", "50"],
    ["f:status:c:not_started"]])
def test_the_report_total_never_grows(renderer: Renderer, answers: list[str]) -> None:
    """Regression: "Question 5 of 9" (people reached), then "Question 6 of 10" (share of women)."""
    ctx = context(renderer, "en")
    outcomes = [start(REPORT_FORM, ctx, dict(FACTS))]
    for given in answers:
        code = given if given.startswith("f:") else None
        outcomes.append(advance(REPORT_FORM, outcomes[-1].state, FormInput(text=None if code else given, code=code),
                                ctx))
    counted = totals(renderer, outcomes)
    assert [n for n, _ in counted] == list(range(1, len(counted) + 1)), counted
    assert all(later <= earlier for (_, earlier), (_, later) in pairwise(counted)), counted


def test_a_conditional_step_counts_until_the_answer_it_depends_on_rules_it_out() -> None:
    form = Form(id="t", title="T", steps=(
        IntegerStep(id="people", question="People?", label="People", optional=True),
        IntegerStep(id="women", question="Women?", label="Women", when=lambda a: bool(a.get("people"))),
        TextStep(id="note", question="Note?", label="Note"),
        TextStep(id="hidden", question="Hidden?", label="Hidden", when=lambda a: bool(a.get("$never")))))
    ctx = FormContext("en", TODAY)

    def total(outcome: Outcome) -> tuple[Any, Any]:
        part = next(p for p in outcome.replies[-1].parts if isinstance(p, Text) and p.msgid.startswith("Question"))
        return part.params["n"], part.params["total"]

    opened = start(form, ctx)
    assert total(opened) == (1, 3), "women may come: people is not answered yet; hidden never comes"
    assert total(advance(form, opened.state, FormInput(text="300"), ctx)) == (2, 3)
    skipped = advance(form, opened.state, FormInput(code="f:people:skip"), ctx)
    assert total(skipped) == (2, 2), "no people: no women's share"
    editing = FormState(step="people", answers={"people": None, "note": "x"}, editing=True)
    assert total(Outcome(editing, (prompt(form, editing, ctx),))) == (1, 3), "an edit may bring it back"
