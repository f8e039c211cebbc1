"""Tester H's form defects: a count written with its unit ("700 écoles"), quick dates a step then refused, a typed
label that unticked a choice, and "Question 6 of 10" after "Question 5 of 9"."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

import pytest

from bot.i18n import Renderer
from handlers.forms.base import Form, FormContext, FormState
from handlers.forms.engine import FormInput, Outcome, advance, prompt, start
from handlers.forms.numbers import parse_count
from handlers.forms.parsing import ParseError
from handlers.forms.steps import IntegerStep, TextStep
from handlers.messages import Text
from handlers.pledges.form import PLEDGE_FORM
from handlers.reports.form import FINANCIAL, PERIOD, PLEDGE_ID, REPORT_FORM, TARGET, UNIT, VALUE

TODAY = date(2026, 3, 2)
FACTS: dict[str, Any] = {PLEDGE_ID: 1, PERIOD: "2025", UNIT: "schools", TARGET: 2000, VALUE: "45000000",
                         FINANCIAL: True}


def context(renderer: Renderer, locale: str) -> FormContext:
    return FormContext(locale, TODAY, lambda label: renderer.label(label, locale, markup=False))


def shown(renderer: Renderer, outcome: Outcome, locale: str) -> str:
    return "\n".join(renderer.reply(reply, locale).text for reply in outcome.replies)


# 4. A count written with its unit, or with words around it


@pytest.mark.parametrize(("typed", "locale", "value", "after"), [
    ("700", "fr", 700, ""), ("700 écoles", "fr", 700, "écoles"), ("350 000 élèves", "fr", 350_000, "élèves"),
    ("environ 350 000 élèves", "fr", 350_000, "élèves"), ("about 2 million people", "en", 2_000_000, "people"),
    ("a million people", "en", 1_000_000, "people"), ("200万人", "zh", 2_000_000, "人"),
    ("大约35万人", "zh", 350_000, "人"), ("около 500 школ", "ru", 500, "школ"), ("300écoles", "fr", 300, "écoles"),
    ("300 schools", "en", 300, "schools"), ("approximately 300 schools", "en", 300, "schools"), ("~300", "en", 300, ""),
    ("près de 300 écoles", "fr", 300, "écoles"), ("300 écoles environ", "fr", 300, "écoles"),
    ("cerca de 300 escuelas", "es", 300, "escuelas"), ("unos 300", "es", 300, ""),
    ("примерно 300 школ", "ru", 300, "школ"),
    ("حوالي ٣٠٠ مدرسة", "ar", 300, "مدرسة"), ("نحو 300", "ar", 300, ""), ("约300所学校", "zh", 300, "所学校"),
    ("大概35万人", "zh", 350_000, "人"), ("35万人左右", "zh", 350_000, "人"), ("约三十万人", "zh", 300_000, "人"),
    ("half a million people", "en", 500_000, "people")])
def test_a_count_is_read_with_the_words_around_it(typed: str, locale: str, value: int, after: str) -> None:
    assert parse_count(typed, locale) == (value, after)


@pytest.mark.parametrize(("typed", "locale"), [
    ("700 sur 2 000", "fr"), ("700 écoles en 2025", "fr"), ("35 %", "fr"), ("écoles", "fr"), ("-5 schools", "en"),
    ("between 300 and 400 schools", "en"), ("三四万人", "zh")])
def test_a_count_with_another_number_or_no_words_is_refused(typed: str, locale: str) -> None:
    with pytest.raises(ParseError):
        parse_count(typed, locale)


@pytest.mark.parametrize(("typed", "locale"), [
    ("сто двадцать", "ru"), ("сто двадцать школ", "ru"), ("hundred twenty", "en"), ("cent vingt", "fr"),
    ("cien veinte", "es"), ("مئة وعشرون", "ar"), ("مئة عشرون", "ar"),
    # hundreds, "and", compounds: "тысяча двести школ" was 1000, "cent quatre-vingts écoles" 100
    ("тысяча двести школ", "ru"), ("1 тысяча пятьсот школ", "ru"), ("mil quinientos", "es"), ("ألف وخمسمائة", "ar"),
    ("cien mil doscientas", "es"), ("a hundred and twenty", "en"), ("hundred twenty-five", "en"),
    ("cent vingt-cinq", "fr"), ("مئة و عشرون", "ar"), ("cent quatre-vingts écoles", "fr"),
    # no digit at all: "сорок" was refused as text that is no number ("type a number, for example 500")
    ("сорок", "ru"), ("сорок школ", "ru"), ("forty", "en"), ("twenty million", "en"), ("cuarenta escuelas", "es"),
    ("أربعون", "ar"), ("quatre-vingts", "fr")])
def test_a_number_spelled_on_after_its_first_word_is_refused(typed: str, locale: str) -> None:
    """Regression: "сто двадцать" (120) was read as 100 counting "двадцать", and stored as 100."""
    with pytest.raises(ParseError) as refused:
        parse_count(typed, locale)
    assert refused.value.reason == "spelled"


@pytest.mark.parametrize(("locale", "typed", "start"), [
    ("ru", "сорок тысяч долларов", "Введите число цифрами, например 1\u00a0500\u00a0000."),
    ("en", "twenty million", "Please type the number in digits, for example 1,500,000."),
    ("en", "lots", "Please type a number, for example 1,500,000 or 2.5 million.")])
def test_an_amount_spelled_out_is_asked_in_digits(renderer: Renderer, locale: str, typed: str, start: str) -> None:
    current = FormState(step="value_disbursed", answers={**FACTS, FINANCIAL: True, "status": "in_progress"})
    outcome = advance(REPORT_FORM, current, FormInput(text=typed), context(renderer, locale))
    said = shown(renderer, outcome, locale)
    assert "value_disbursed" not in outcome.state.answers and said.startswith(start), said


@pytest.mark.parametrize(("typed", "locale", "value"), [
    ("сто школ", "ru", 100), ("a hundred schools", "en", 100), ("500 one-room schools", "en", 500),
    ("2 млн человек", "ru", 2_000_000)])
def test_a_number_word_before_a_unit_still_counts(typed: str, locale: str, value: int) -> None:
    assert parse_count(typed, locale)[0] == value


@pytest.mark.parametrize(("typed", "locale", "reason"), [
    ("35 percent", "en", "percent"), ("35 pour cent", "fr", "percent"), ("35 процентов", "ru", "percent"),
    ("35 por ciento", "es", "percent"), ("35 %", "fr", "percent"), ("35%", "en", "percent"), ("٣٥٪", "ar", "percent"),
    ("35 في المائة", "ar", "percent"), ("百分之35", "zh", "percent"), ("35 per cent of the schools", "en", "percent"),
    ("5 000 000 FCFA", "fr", "money"), ("300 dollars", "en", "money"), ("USD 300", "en", "money"),
    ("$300", "en", "money"), ("300 €", "fr", "money"), ("300万元", "zh", "money"), ("300 рублей", "ru", "money"),
    ("half of 400", "en", "qualified"), ("less than 300", "en", "qualified"), ("no more than 40", "en", "qualified"),
    ("at least 300 schools", "en", "qualified"), ("page 3", "en", "qualified"), ("300 or more", "en", "qualified"),
    ("moins de 300", "fr", "qualified"), ("plus de 300 écoles", "fr", "qualified"), ("au moins 300", "fr", "qualified"),
    ("la moitié de 400", "fr", "qualified"), ("menos de 300", "es", "qualified"), ("más de 300", "es", "qualified"),
    ("al menos 300", "es", "qualified"), ("la mitad de 400", "es", "qualified"), ("не менее 300", "ru", "qualified"),
    ("более 300 школ", "ru", "qualified"), ("меньше 300", "ru", "qualified"), ("половина от 400", "ru", "qualified"),
    ("أقل من 300", "ar", "qualified"), ("أكثر من 300", "ar", "qualified"), ("نصف 400", "ar", "qualified"),
    ("不到300人", "zh", "qualified"), ("超过300人", "zh", "qualified"), ("至少300人", "zh", "qualified"),
    ("300多人", "zh", "qualified"), ("400的一半", "zh", "qualified")])
def test_a_count_whose_words_change_it_is_refused(typed: str, locale: str, reason: str) -> None:
    """Regression: every IntegerStep read past any words: "35 percent" was 35, "half of 400" 400, "less than 300"
    300, "5 000 000 FCFA" 5 000 000 and "page 3" 3."""
    with pytest.raises(ParseError) as refused:
        parse_count(typed, locale)
    assert refused.value.reason == reason


@pytest.mark.parametrize(("step", "typed", "value"), [
    ("target_achieved", "700 écoles", 700), ("beneficiaries_reached", "350 000 élèves", 350_000),
    ("beneficiaries_reached", "environ 350 000 élèves", 350_000)])
def test_the_report_reads_a_count_written_with_its_unit(renderer: Renderer, step: str, typed: str,
                                                        value: int) -> None:
    """Regression: "700 écoles" at "the target is 2 000 (schools)" was refused "type a number, for example
    1 500 000 or 2,5 millions", while the pledge form reads "300 écoles"."""
    current = FormState(step=step, answers={**FACTS, "status": "in_progress", "percent_complete": 35})
    outcome = advance(REPORT_FORM, current, FormInput(text=typed), context(renderer, "fr"))
    assert outcome.state.answers.get(step) == value, shown(renderer, outcome, "fr")


@pytest.mark.parametrize(("typed", "locale"), [
    ("700 élèves", "fr"), ("700 pupils", "en"), ("700 people", "en"), ("700 or so pupils", "en"), ("700 чел.", "ru"),
    ("700 шк", "ru"), ("700人", "zh"), ("700名", "zh"), ("700台", "zh")])  # measure words of people and machines
def test_the_target_reached_is_counted_only_in_the_target_unit(renderer: Renderer, typed: str, locale: str) -> None:
    """Regression: "700 élèves" against a target of 2 000 schools was stored as 700 schools."""
    current = FormState(step="target_achieved", answers={**FACTS, "status": "in_progress"})
    outcome = advance(REPORT_FORM, current, FormInput(text=typed), context(renderer, locale))
    said = shown(renderer, outcome, "en")
    assert "target_achieved" not in outcome.state.answers, said
    assert said.startswith("The target counts schools. Please type the number of schools reached, "
                           "for example 500."), said


@pytest.mark.parametrize(("typed", "locale"), [
    ("700", "en"), ("700 schools", "en"), ("about 700 schools", "en"), ("700 school", "en"), ("700 écoles", "fr"),
    ("environ 700 écoles", "fr"), ("700 écoles environ", "fr"), ("700 of the schools", "en"),
    # a measure word alone, or the unit's abbreviation with its dot: "120所" was refused ("the target counts schools")
    ("700所", "zh"), ("700 所", "zh"), ("700所学校", "zh"), ("700 шк.", "ru"), ("700 éc.", "fr"), ("700个", "zh")])
def test_the_target_reached_reads_its_unit(renderer: Renderer, typed: str, locale: str) -> None:
    current = FormState(step="target_achieved", answers={**FACTS, "status": "in_progress"})
    outcome = advance(REPORT_FORM, current, FormInput(text=typed), context(renderer, locale))
    assert outcome.state.answers.get("target_achieved") == 700, shown(renderer, outcome, locale)


@pytest.mark.parametrize(("step", "typed", "start"), [
    ("target_achieved", "35 percent", "Please type the number itself, not a percentage, for example 500."),
    ("target_achieved", "hundred twenty", "Please type the number in digits, for example 500."),
    ("beneficiaries_reached", "5 000 000 FCFA",
     "Please type the number itself, not an amount of money, for example 1,500,000."),
    ("beneficiaries_reached", "less than 300",
     "Please type just the number, for example 1,500,000. Only “about” may come before it: words such as "
     "“less than” or “half of” change the count.")])
def test_a_count_refusal_says_what_to_type(renderer: Renderer, step: str, typed: str, start: str) -> None:
    current = FormState(step=step, answers={**FACTS, "status": "in_progress", "percent_complete": 35})
    outcome = advance(REPORT_FORM, current, FormInput(text=typed), context(renderer, "en"))
    said = shown(renderer, outcome, "en")
    assert step not in outcome.state.answers and said.startswith(start), said


def test_the_pledge_target_reads_its_unit_in_english(renderer: Renderer) -> None:
    outcome = advance(PLEDGE_FORM, FormState(step="target_value"), FormInput(text="300 schools"),
                      context(renderer, "en"))
    assert outcome.state.answers["target_value"] == 300 and outcome.state.answers["target_unit"] == "schools"


def test_a_count_refused_gives_a_count_as_its_example(renderer: Renderer) -> None:
    current = FormState(step="target_achieved", answers={**FACTS, "status": "in_progress"})
    outcome = advance(REPORT_FORM, current, FormInput(text="beaucoup"), context(renderer, "en"))
    said = shown(renderer, outcome, "en")
    assert "target_achieved" not in outcome.state.answers
    assert said.startswith("Please type a number, for example 500.") and "million" not in said, said


def test_the_pledge_target_reads_words_before_the_count_too(renderer: Renderer) -> None:
    outcome = advance(PLEDGE_FORM, FormState(step="target_value"), FormInput(text="environ 300 écoles"),
                      context(renderer, "fr"))
    assert outcome.state.answers["target_value"] == 300 and outcome.state.answers["target_unit"] == "schools"


# 6. Quick end dates from the target date on


def test_the_end_date_offers_only_dates_from_the_target_date_on(renderer: Renderer) -> None:
    """Regression: with the target on Jun 30, 2029 the end date offered Dec 31 of 2026, 2027 and 2028, and refused
    each of them: "Dec 31, 2027 is before Jun 30, 2029"."""
    ctx = context(renderer, "en")
    current = FormState(step="end_date", answers={"target_date": "2029-06-30", "start_date": "2026-01-01"})
    asked = renderer.reply(prompt(PLEDGE_FORM, current, ctx), "en")
    dates = [code for row in asked.buttons for _, code in row if code.startswith("f:end_date:c:")]
    assert dates == ["f:end_date:c:2029-12-31", "f:end_date:c:2030-12-31", "f:end_date:c:2031-12-31"], dates
    assert "type" in asked.text.split("When will it end?")[1], asked.text
    pressed = advance(PLEDGE_FORM, current, FormInput(code=dates[0]), ctx)
    assert pressed.state.answers["end_date"] == "2029-12-31", shown(renderer, pressed, "en")


def test_the_start_date_offers_no_date_after_the_target_date(renderer: Renderer) -> None:
    """A draft resumed after its target date (Feb 27): "today" (Mar 2) would be refused as after it."""
    ctx = context(renderer, "en")
    current = FormState(step="start_date", answers={"target_date": "2026-02-27"})
    asked = renderer.reply(prompt(PLEDGE_FORM, current, ctx), "en")
    dates = [code for row in asked.buttons for _, code in row if code.startswith("f:start_date:c:")]
    assert dates == ["f:start_date:c:2026-01-01"], dates


# 8. A typed label ticks


def test_typing_a_ticked_pillar_keeps_it_ticked_and_says_so(renderer: Renderer) -> None:
    """Regression: typing "Infraestructura" with ✓ Infraestructura ticked silently unticked it."""
    ctx = context(renderer, "es")
    current = FormState(step="pillars", answers={"focus_area": "access"})
    first = advance(PLEDGE_FORM, current, FormInput(text="Infraestructura"), ctx)
    assert first.state.scratch["picked"] == ["infrastructure"]
    again = advance(PLEDGE_FORM, first.state, FormInput(text="Infraestructura"), ctx)
    assert again.state.scratch["picked"] == ["infrastructure"]
    assert "Infraestructura" in shown(renderer, again, "es").split("\n")[0], shown(renderer, again, "es")
    pressed = advance(PLEDGE_FORM, again.state, FormInput(code="f:pillars:c:infrastructure"), ctx)
    assert pressed.state.scratch["picked"] == [], "the button still toggles"


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
