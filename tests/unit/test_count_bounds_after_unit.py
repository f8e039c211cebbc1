"""A bound written after a count's unit ("300 schools at least", "300 écoles au moins") was read past as part of the
unit and the count taken as exact, while the same bound before the number ("at least 300") or right after it ("300
or more") was refused: wherever it stands, it is refused the same way."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.i18n import Renderer
from handlers.forms.base import FormContext, FormState
from handlers.forms.engine import FormInput, advance
from handlers.forms.numbers import parse_count
from handlers.forms.parsing import ParseError
from handlers.reports.form import FINANCIAL, PERIOD, PLEDGE_ID, REPORT_FORM, TARGET, UNIT, VALUE

TODAY = date(2026, 3, 2)
FACTS: dict[str, Any] = {PLEDGE_ID: 1, PERIOD: "2025", UNIT: "schools", TARGET: 500, VALUE: "45000000",
                         FINANCIAL: True}
QUALIFIED = ("Please type just the number, for example 500. Only “about” may come before it: words such as "
             "“less than” or “half of” change the count.")


@pytest.mark.parametrize(("typed", "locale"), [
    ("300 schools at least", "en"), ("300 schools, at least", "en"), ("300 Schools At Least.", "en"),
    ("300 schools at most", "en"), ("300 schools or more", "en"), ("300 schools and over", "en"),
    ("300 schools minimum", "en"), ("300 schools max", "en"), ("300 schools+", "en"),
    ("about 300 schools at least", "en"),
    ("300 écoles au moins", "fr"), ("300 écoles au plus", "fr"), ("300 écoles ou plus", "fr"),
    ("300 écoles minimum", "fr"),
    ("300 escuelas al menos", "es"), ("300 escuelas por lo menos", "es"), ("300 escuelas como mínimo", "es"),
    ("300 escuelas o más", "es"),
    ("300 школ не менее", "ru"), ("300 школ как минимум", "ru"), ("300 школ минимум", "ru"),
    ("300 школ или больше", "ru"), ("300 школ с лишним", "ru"),
    ("300 مدرسة على الأقل", "ar"), ("300 مدرسة أو أكثر", "ar"), ("300 مدرسة فأكثر", "ar"),
    ("300所学校以上", "zh"), ("300所学校至少", "zh"),
])
def test_a_bound_after_the_unit_is_refused(typed: str, locale: str) -> None:
    """Regression: each was read as exactly 300, its unit "schools at least"."""
    with pytest.raises(ParseError) as refused:
        parse_count(typed, locale)
    assert refused.value.reason == "qualified"


@pytest.mark.parametrize(("typed", "locale"), [
    ("au moins 300 écoles", "fr"), ("al menos 300 escuelas", "es"), ("не менее 300 школ", "ru"),
    ("至少300所学校", "zh"), ("300 على الأقل", "ar"), ("at least 300 schools", "en"), ("more than 300", "en"),
    ("over 300 schools", "en"), ("up to 300 schools", "en"), ("plus de 300 écoles", "fr"),
    ("jusqu'à 300 écoles", "fr"), ("más de 300 escuelas", "es"), ("hasta 300 escuelas", "es"),
    ("более 300 школ", "ru"), ("до 300 школ", "ru"), ("超过300所学校", "zh"), ("最多300所学校", "zh"),
    ("أكثر من 300 مدرسة", "ar"), ("حتى 300 مدرسة", "ar"),
])
def test_a_bound_before_the_number_stays_refused(typed: str, locale: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_count(typed, locale)
    assert refused.value.reason == "qualified"


@pytest.mark.parametrize(("typed", "locale", "value", "after"), [
    ("300", "en", 300, ""), ("300 schools", "en", 300, "schools"), ("300 écoles", "fr", 300, "écoles"),
    ("1 200", "fr", 1200, ""), ("1,200 schools", "en", 1200, "schools"), ("1 200 écoles", "fr", 1200, "écoles"),
    ("300 escuelas", "es", 300, "escuelas"), ("300 школ", "ru", 300, "школ"), ("300 مدرسة", "ar", 300, "مدرسة"),
    ("300所学校", "zh", 300, "所学校"),
    # words that describe what is counted, not bound it
    ("300 schools with minimum connectivity", "en", 300, "schools with minimum connectivity"),
    ("300 écoles les plus pauvres", "fr", 300, "écoles les plus pauvres"),
    ("300 schools in rural areas", "en", 300, "schools in rural areas"),
    # an approximation after the unit is read past, as "about" before the number is
    ("300 schools more or less", "en", 300, "schools"), ("300 écoles, plus ou moins", "fr", 300, "écoles"),
    ("300 escuelas más o menos", "es", 300, "escuelas"), ("300 школ, более или менее", "ru", 300, "школ"),
    ("300 écoles environ", "fr", 300, "écoles"), ("35万人左右", "zh", 350_000, "人"),
])
def test_a_count_with_its_unit_is_still_read(typed: str, locale: str, value: int, after: str) -> None:
    assert parse_count(typed, locale) == (value, after)


@pytest.mark.parametrize(("typed", "locale"), [
    ("300 schools at least", "en"), ("300 écoles au moins", "fr"), ("300 escuelas al menos", "es"),
    ("300 школ не менее", "ru"), ("300所学校以上", "zh"), ("300 مدرسة على الأقل", "ar")])
def test_the_report_refuses_a_bound_after_the_unit_saying_what_to_type(renderer: Renderer, typed: str,
                                                                         locale: str) -> None:
    """Regression: "300 schools at least" at "target achieved: of 500 schools" was stored as 300."""
    ctx = FormContext(locale, TODAY, lambda label: renderer.label(label, locale, markup=False))
    current = FormState(step="target_achieved", answers={**FACTS, "status": "in_progress"})
    outcome = advance(REPORT_FORM, current, FormInput(text=typed), ctx)
    said = "\n".join(renderer.reply(reply, "en").text for reply in outcome.replies)
    assert "target_achieved" not in outcome.state.answers, said
    assert said.startswith(QUALIFIED), said
