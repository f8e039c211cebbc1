"""An answer that is possible but unlikely (a digit too many) is asked about before it is taken: a report's target
reached far past the target, an amount disbursed above the one pledged, a pledge worth a tenth of P2C's goal."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.i18n import Renderer
from handlers.forms.base import FormContext, FormState
from handlers.forms.engine import DEFAULTS, DOUBTED, FormInput, Outcome, advance, fingerprint
from handlers.pledges.form import PLEDGE_FORM
from handlers.reports.form import FINANCIAL, PERIOD, PLEDGE_ID, REPORT_FORM, TARGET, UNIT, VALUE

TODAY = date(2026, 12, 1)
FACTS: dict[str, Any] = {PLEDGE_ID: 7, PERIOD: "2025", UNIT: "schools", TARGET: 500, VALUE: "2500000",
                         FINANCIAL: True, "status": "in_progress", "percent_complete": 40}


def context(renderer: Renderer, locale: str) -> FormContext:
    return FormContext(locale, TODAY, lambda label: renderer.label(label, locale, markup=False))


def shown(renderer: Renderer, outcome: Outcome, locale: str) -> tuple[str, list[tuple[str, str]]]:
    """The last reply's text and its buttons (label, code)."""
    reply = renderer.reply(outcome.replies[-1], locale)
    return reply.text, [button for row in reply.buttons for button in row]


def sure(step: str, value: Any) -> str:
    """The code of the ✅ that confirms `value` (its fingerprint, as the engine writes it)."""
    return f"f:{step}:sure:{fingerprint(value)}"


def doubted(renderer: Renderer, step: str, typed: str, locale: str = "en") -> Outcome:
    outcome = advance(REPORT_FORM, FormState(step=step, answers=dict(FACTS)), FormInput(text=typed),
                      context(renderer, locale))
    assert outcome.state.step == step and step not in outcome.state.answers, shown(renderer, outcome, locale)
    return outcome


@pytest.mark.parametrize(("locale", "typed", "said", "button"), [
    ("en", "12340000", "12,340,000 is more than twice the target of 500 (schools). Is that right?",
     "✅ Yes, 12,340,000 is right"),
    ("fr", "12 340 000 écoles", "12\u202f340\u202f000, c’est plus du double de la cible de 500 (écoles).",
     "✅ Oui, 12\u202f340\u202f000 est exact"),
    ("es", "1001", "1001 es más del doble de la meta de 500 (escuelas).", "✅ Sí, 1001 es correcto"),
])
def test_a_count_far_past_the_target_is_asked_about_not_taken(renderer: Renderer, locale: str, typed: str, said: str,
                                                              button: str) -> None:
    outcome = doubted(renderer, "target_achieved", typed, locale)
    text, buttons = shown(renderer, outcome, locale)
    assert said in text
    assert text.index(said) < text.index("500", text.index(said) + len(said))  # the question follows, asked again
    assert button == buttons[0][0] and buttons[0][1] == sure("target_achieved", outcome.state.scratch[DOUBTED]["value"])


@pytest.mark.parametrize("typed", ["1000", "600", "0"])
def test_a_count_up_to_twice_the_target_is_taken_at_once(renderer: Renderer, typed: str) -> None:
    outcome = advance(REPORT_FORM, FormState(step="target_achieved", answers=dict(FACTS)), FormInput(text=typed),
                      context(renderer, "en"))
    assert outcome.state.answers["target_achieved"] == int(typed)
    assert outcome.state.step == "beneficiaries_reached"


@pytest.mark.parametrize("confirm", [FormInput(code=sure("target_achieved", 12_340_000)), FormInput(text="12,340,000"),
                                     FormInput(text="12340000 schools"), FormInput(text="yes")])
def test_the_doubted_count_is_taken_once_confirmed(renderer: Renderer, confirm: FormInput) -> None:
    """A tap, the same number typed again, or a typed yes."""
    held = doubted(renderer, "target_achieved", "12340000").state
    outcome = advance(REPORT_FORM, held, confirm, context(renderer, "en"))
    assert outcome.state.answers["target_achieved"] == 12_340_000
    assert outcome.state.step == "beneficiaries_reached" and DOUBTED not in outcome.state.scratch
    assert "✓ 12,340,000" in shown(renderer, outcome, "en")[0]


def test_another_number_is_checked_afresh(renderer: Renderer) -> None:
    held = doubted(renderer, "target_achieved", "12340000").state
    ctx = context(renderer, "en")
    corrected = advance(REPORT_FORM, held, FormInput(text="1234"), ctx)  # still more than twice 500: asked again
    assert corrected.state.scratch[DOUBTED]["value"] == 1234 and "target_achieved" not in corrected.state.answers
    assert ("✅ Yes, 1,234 is right", sure("target_achieved", 1234)) in shown(renderer, corrected, "en")[1]
    older = advance(REPORT_FORM, corrected.state, FormInput(code=sure("target_achieved", 12_340_000)), ctx)
    assert "target_achieved" not in older.state.answers  # the first ✅ confirms only 12,340,000, no longer doubted
    assert "earlier question" in shown(renderer, older, "en")[0]
    taken = advance(REPORT_FORM, corrected.state, FormInput(text="234"), ctx)
    assert taken.state.answers["target_achieved"] == 234 and taken.state.step == "beneficiaries_reached"


def test_a_typed_no_asks_again_without_the_doubted_answer(renderer: Renderer) -> None:
    held = doubted(renderer, "target_achieved", "12340000", "ar").state
    ctx = context(renderer, "ar")
    again = advance(REPORT_FORM, held, FormInput(text="لا"), ctx)
    assert again.state.step == "target_achieved" and DOUBTED not in again.state.scratch
    assert not any(":sure" in code for _, code in shown(renderer, again, "ar")[1])
    pressed = advance(REPORT_FORM, again.state, FormInput(code=sure("target_achieved", 12_340_000)), ctx)  # older ✅
    assert "target_achieved" not in pressed.state.answers
    assert "ليس من خيارات هذا السؤال" in shown(renderer, pressed, "ar")[0]


def test_back_forgets_the_doubted_answer(renderer: Renderer) -> None:
    held = doubted(renderer, "target_achieved", "12340000").state
    back = advance(REPORT_FORM, held, FormInput(code="f:target_achieved:back"), context(renderer, "en"))
    assert back.state.step == "value_disbursed" and back.state.scratch == {}


def test_a_sure_with_nothing_doubted_is_refused(renderer: Renderer) -> None:
    outcome = advance(REPORT_FORM, FormState(step="target_achieved", answers=dict(FACTS)),
                      FormInput(code=sure("target_achieved", 500)), context(renderer, "en"))
    assert "target_achieved" not in outcome.state.answers
    assert "not one of this question's options" in shown(renderer, outcome, "en")[0]


def test_an_amount_disbursed_above_the_pledge_is_asked_about(renderer: Renderer) -> None:
    outcome = doubted(renderer, "value_disbursed", "25 million", "ru")
    text, buttons = shown(renderer, outcome, "ru")
    assert "превышает обещанные" in text and "Это верно?" in text
    assert buttons[0][1] == sure("value_disbursed", "25000000")
    taken = advance(REPORT_FORM, outcome.state, FormInput(code=buttons[0][1]), context(renderer, "ru"))
    assert taken.state.answers["value_disbursed"] == "25000000" and taken.state.step == "target_achieved"
    within = advance(REPORT_FORM, FormState(step="value_disbursed", answers=dict(FACTS)), FormInput(text="2.5 million"),
                     context(renderer, "en"))
    assert within.state.answers["value_disbursed"] == "2500000"  # all of it: no question


@pytest.mark.parametrize(("typed", "asked"), [("15 billion", True), ("10000000000", True), ("9.9 billion", False),
                                              ("250000", False)])
def test_a_pledge_worth_a_tenth_of_the_goal_is_asked_about(renderer: Renderer, typed: str, asked: bool) -> None:
    ctx = context(renderer, "zh")
    current = FormState(step="value_usd", answers={"pledge_type": "financial"})
    outcome = advance(PLEDGE_FORM, current, FormInput(text=typed), ctx)
    assert ("value_usd" not in outcome.state.answers) is asked
    text, buttons = shown(renderer, outcome, "zh")
    assert ("P2C 总目标 1000 亿美元" in text) is asked  # the goal as the digest writes it, not in twelve digits
    assert buttons[0][1].startswith("f:value_usd:sure:") is asked
    if asked:
        taken = advance(PLEDGE_FORM, outcome.state, FormInput(text="是的"), ctx)
        assert taken.state.answers["value_usd"] == outcome.state.scratch[DOUBTED]["value"]
        assert taken.state.step == "countries"


@pytest.mark.parametrize(("step", "before", "typed", "asked"), [
    # a tester reported 30,000 people reached after 35,000 last time: taken without a word, though it is a total
    ("beneficiaries_reached", 35_000, "30000", True), ("beneficiaries_reached", 35_000, "35000", False),
    ("beneficiaries_reached", 35_000, "40 000", False), ("target_achieved", 300, "120", True),
    ("target_achieved", 300, "450", False),
    # a tester's 40 % after 60 % last time went in unasked (a slip of "4" for "40" too)
    ("percent_complete", 60, "40", True), ("percent_complete", 60, "60 %", False),
    ("percent_complete", 60, "75", False)])
def test_a_total_below_last_time_s_is_asked_about(renderer: Renderer, step: str, before: int, typed: str,
                                                   asked: bool) -> None:
    answers = {**{key: value for key, value in FACTS.items() if key != step}, DEFAULTS: {step: before}}
    outcome = advance(REPORT_FORM, FormState(step=step, answers=answers), FormInput(text=typed),
                      context(renderer, "en"))
    assert (step not in outcome.state.answers) is asked
    if asked:
        text, buttons = shown(renderer, outcome, "en")
        assert "is less than the" in text and "reported last time" in text and buttons[0][1] == sure(step, int(typed))
        taken = advance(REPORT_FORM, outcome.state, FormInput(code=buttons[0][1]), context(renderer, "en"))
        assert taken.state.answers[step] == int(typed)


@pytest.mark.parametrize(("locale", "typed", "asked", "said"), [
    # a tester's 1,400,000 disbursed after 1,500,000 last time went into the digests without a word
    ("es", "1.400.000", True, "1.400.000\xa0US$ es menos que"), ("en", "1500000", False, ""),
    ("en", "1.6 million", False, ""), ("en", "900000", True, "$900,000 is less than the $1,500,000 reported")])
def test_less_disbursed_than_last_time_is_asked_about(renderer: Renderer, locale: str, typed: str, asked: bool,
                                                      said: str) -> None:
    answers = {**FACTS, DEFAULTS: {"value_disbursed": "1500000.00"}}
    ctx = context(renderer, locale)
    outcome = advance(REPORT_FORM, FormState(step="value_disbursed", answers=answers), FormInput(text=typed), ctx)
    assert ("value_disbursed" not in outcome.state.answers) is asked
    if asked:
        text, buttons = shown(renderer, outcome, locale)
        assert said in text, text
        taken = advance(REPORT_FORM, outcome.state, FormInput(code=buttons[0][1]), ctx)
        assert "value_disbursed" in taken.state.answers


def test_no_previous_report_no_question(renderer: Renderer) -> None:
    outcome = advance(REPORT_FORM, FormState(step="beneficiaries_reached", answers=dict(FACTS)),
                      FormInput(text="30"), context(renderer, "en"))
    assert outcome.state.answers["beneficiaries_reached"] == 30


def test_the_question_asked_again_says_what_its_check_button_confirms(renderer: Renderer) -> None:
    """A reviewer: after ✖️ Cancel then "No, continue", the ✅ came back without the words that explain it."""
    ctx = context(renderer, "en")
    held = doubted(renderer, "target_achieved", "12340000").state
    confirming = advance(REPORT_FORM, held, FormInput(code="f:target_achieved:cancel"), ctx)
    again = advance(REPORT_FORM, confirming.state, FormInput(code="f:$cancel:no"), ctx)
    text, buttons = shown(renderer, again, "en")
    assert text.startswith("12,340,000 is more than twice the target")
    assert buttons[0][0] == "✅ Yes, 12,340,000 is right"


def test_a_questioned_answer_shows_its_check_not_the_old_answer_s_keep(renderer: Renderer) -> None:
    """A second tester: back at a typed amount, a new doubted one showed ✅ (the new) right above Keep (the old),
    with nothing saying which value each kept."""
    ctx = context(renderer, "en")
    asked_again = FormState(step="target_achieved", answers={**FACTS, "target_achieved": 200})
    assert any(code.endswith(":keep") for _, code in shown(renderer, advance(
        REPORT_FORM, asked_again, FormInput(text="help"), ctx), "en")[1])  # asked again: Keep offered
    held = advance(REPORT_FORM, asked_again, FormInput(text="12340000"), ctx)
    codes = [code for _, code in shown(renderer, held, "en")[1]]
    assert ":sure:" in codes[0] and not any(code.endswith(":keep") for code in codes)


@pytest.mark.parametrize(("typed", "asked"), [("0", True), ("0.01", True), ("999", True), ("1000", False),
                                              ("2 million", False)])
def test_a_financial_pledge_of_next_to_nothing_is_asked_about(renderer: Renderer, typed: str, asked: bool) -> None:
    """Limits tester: financial pledges of USD 0 and 0.01 went in without a word."""
    ctx = context(renderer, "ru")
    outcome = advance(PLEDGE_FORM, FormState(step="value_usd", answers={"pledge_type": "financial"}),
                      FormInput(text=typed), ctx)
    assert ("value_usd" not in outcome.state.answers) is asked
    if asked:
        text, buttons = shown(renderer, outcome, "ru")
        assert buttons[0][1].startswith("f:value_usd:sure:"), text
        taken = advance(PLEDGE_FORM, outcome.state, FormInput(code=buttons[0][1]), ctx)
        assert taken.state.step == "countries"


@pytest.mark.parametrize(("typed", "asked"), [("3000000000", True), ("3 млрд", True), ("1000000000", False),
                                              ("250000", False)])
def test_more_than_a_billion_people_reached_is_asked_about(renderer: Renderer, typed: str, asked: bool) -> None:
    """Limits tester: 3 billion people reached by a 500-school pledge went in without a word."""
    outcome = advance(REPORT_FORM, FormState(step="beneficiaries_reached", answers=dict(FACTS)),
                      FormInput(text=typed), context(renderer, "ru"))
    assert ("beneficiaries_reached" not in outcome.state.answers) is asked
    if asked:
        text, buttons = shown(renderer, outcome, "ru")
        assert buttons[0][1] == sure("beneficiaries_reached", 3_000_000_000), text


def test_a_wrong_answer_after_a_doubted_one_drops_the_doubt(renderer: Renderer) -> None:
    """QA: a financial pledge of 0 (asked about), then -500 typed: "cannot be negative" came with the question about
    0 again and its ✅ Yes, 0 is right, for a value the person had just replaced."""
    held = doubted(renderer, "target_achieved", "12340000").state
    outcome = advance(REPORT_FORM, held, FormInput(text="-5"), context(renderer, "en"))
    text, buttons = shown(renderer, outcome, "en")
    assert outcome.state.step == "target_achieved" and DOUBTED not in outcome.state.scratch
    assert "Please type a number" in text and "12,340,000" not in text
    assert not any(":sure:" in code for _, code in buttons)
    refused = advance(REPORT_FORM, outcome.state, FormInput(code=sure("target_achieved", 12_340_000)),
                      context(renderer, "en"))
    assert "target_achieved" not in refused.state.answers  # the old ✅, pressed anyway, takes nothing


def test_a_tapped_percentage_below_last_time_s_is_taken(renderer: Renderer) -> None:
    """A tapped quick percentage is chosen, not typed: taken as it is (only a typed one can be a slip)."""
    answers = {**FACTS, DEFAULTS: {"percent_complete": 60}}
    answers.pop("percent_complete")
    tapped = advance(REPORT_FORM, FormState(step="percent_complete", answers=answers),
                     FormInput(code="f:percent_complete:c:25"), context(renderer, "fr"))
    assert tapped.state.answers["percent_complete"] == 25
    typed = advance(REPORT_FORM, FormState(step="percent_complete", answers=answers), FormInput(text="25"),
                    context(renderer, "fr"))
    text, _ = shown(renderer, typed, "fr")
    assert "25\u202f%, c’est moins que les 60\u202f% indiqués la dernière fois" in text, text
