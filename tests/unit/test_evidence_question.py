"""The report's evidence question said "…Then press Done. (optional)" while its only buttons were Back, Skip and
Cancel: Done comes once something was received, and the question says so."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.i18n import Renderer
from handlers.forms.base import FormContext, FormState
from handlers.forms.engine import FormInput, advance, prompt
from handlers.reports.form import FINANCIAL, PERIOD, PLEDGE_ID, REPORT_FORM, TARGET, UNIT, VALUE

FACTS: dict[str, Any] = {PLEDGE_ID: 7, PERIOD: "2025", UNIT: "schools", TARGET: 500, VALUE: "2500000",
                         FINANCIAL: False}


def test_the_question_names_no_button_it_does_not_show(renderer: Renderer) -> None:
    ctx = FormContext("en", date(2026, 12, 1), lambda label: renderer.label(label, "en", markup=False))
    first = FormState(step="evidence", answers=dict(FACTS))
    asked = renderer.reply(prompt(REPORT_FORM, first, ctx), "en")
    labels = [label for row in asked.buttons for label, _ in row]
    assert not any("Done" in label for label in labels)
    assert "Then press Done" not in asked.text and "Done button appears once the first one is received" in asked.text
    received = advance(REPORT_FORM, first, FormInput(text="https://example.org/x"), ctx)
    labels = [label for row in renderer.reply(received.replies[-1], "en").buttons for label, _ in row]
    assert "Done ✔️" in labels


def test_a_piece_past_the_limit_is_named_as_not_kept(renderer: Renderer) -> None:
    """A tester: an album of eight files after three photos kept ten, and "At most 10 pieces of evidence" never said
    which file was left out (doc7.pdf)."""
    ctx = FormContext("ru", date(2026, 12, 1), lambda label: renderer.label(label, "ru", markup=False))
    state = FormState(step="evidence", answers=dict(FACTS))
    for number in range(10):
        sent = FormInput(file=("document", f"file-{number}"), file_name=f"doc{number}.pdf")
        state = advance(REPORT_FORM, state, sent, ctx).state
    refused = advance(REPORT_FORM, state, FormInput(file=("document", "file-10"), file_name="doc10.pdf"), ctx)
    said = renderer.reply(refused.replies[-1], "ru").text
    assert "Не сохранено: doc10.pdf. Не более 10 подтверждений, пожалуйста." in said, said
    assert len(refused.state.scratch["items"]) == 10
