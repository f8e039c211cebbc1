"""Answers typed in words rather than with the buttons or with digits (exploratory testing, a_pledges #11 and #12,
b_reports #9): yes and no in each language's own words, numbers written in Chinese numerals or as a multiplier word
alone ("a million", "полмиллиона"), and a target's unit in the singular or in the form a number governs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.i18n import Renderer
from handlers.forms.base import Answer, FormContext, FormState, InvalidAnswerError
from handlers.forms.engine import FormInput, advance
from handlers.forms.numbers import parse_amount, parse_integer, parse_percent
from handlers.forms.parsing import ParseError
from handlers.forms.steps import YesNoStep
from handlers.pledges.form import PLEDGE_FORM
from handlers.vocabulary import TARGET_UNIT_FORMS, YES_NO_WORDS, typed_yes_no

TODAY = date(2026, 11, 28)
LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")
AGREE = YesNoStep(id="agree", question="Agree?", label="Agree")
CONSENT = YesNoStep(id="consent", question="Agree?", label="Agree", require_yes="Say yes")


def context(renderer: Renderer, locale: str) -> FormContext:
    return FormContext(locale, TODAY, lambda label: renderer.label(label, locale, markup=False))


# Yes and no


@pytest.mark.parametrize(("locale", "typed", "said"), [
    ("zh", "是的", "yes"), ("zh", "是", "yes"), ("zh", "对", "yes"), ("zh", "好", "yes"), ("zh", "是的。", "yes"),
    ("zh", "不", "no"), ("zh", "不是", "no"), ("zh", "否", "no"), ("zh", "没有", "no"),
    ("ru", "да", "yes"), ("ru", "Ага", "yes"), ("ru", "Да!", "yes"), ("ru", "нет", "no"), ("ru", "Нет.", "no"),
    ("fr", "Oui", "yes"), ("fr", "oui !", "yes"), ("fr", "d’accord", "yes"), ("fr", "non", "no"),
    ("es", "sí", "yes"), ("es", "Si", "yes"), ("es", "¡Claro!", "yes"), ("es", "No", "no"), ("es", "para nada", "no"),
    ("ar", "نعم", "yes"), ("ar", "أجل", "yes"), ("ar", "اجل!", "yes"), ("ar", "لا", "no"), ("ar", "كلا", "no"),
    ("en", "yes", "yes"), ("en", "Yep", "yes"), ("en", "YES!", "yes"), ("en", "nope", "no"), ("en", "No.", "no")])
def test_a_typed_yes_or_no_in_each_language_answers_a_yes_no_question(renderer: Renderer, locale: str, typed: str,
                                                                      said: str) -> None:
    result = AGREE.on_text(typed, {}, {}, context(renderer, locale))
    assert isinstance(result, Answer) and result.value == said


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_typed_no_still_meets_a_required_yes(renderer: Renderer, locale: str) -> None:
    for word in YES_NO_WORDS["no"][locale]:
        with pytest.raises(InvalidAnswerError):
            CONSENT.on_text(word, {}, {}, context(renderer, locale))


@pytest.mark.parametrize("typed", ["yes please send it", "是否", "ok no", "maybe", "peut-être", "может быть", "也许"])
def test_other_answers_at_a_yes_no_question_are_still_refused(renderer: Renderer, typed: str) -> None:
    with pytest.raises(InvalidAnswerError):
        AGREE.on_text(typed, {}, {}, context(renderer, "en"))


def test_no_word_means_both_yes_and_no_and_every_language_has_both() -> None:
    for answer in ("yes", "no"):
        assert set(YES_NO_WORDS[answer]) == set(LANGUAGES)
        assert all(typed_yes_no(word) == answer for words in YES_NO_WORDS[answer].values() for word in words)


def test_the_report_asks_whether_the_pledge_is_complete_and_takes_a_chinese_yes(renderer: Renderer) -> None:
    from handlers.reports.form import REPORT_FORM

    step = REPORT_FORM.step("pledge_complete")
    assert step is not None
    result = step.on_text("是的", {}, {}, context(renderer, "zh"))
    assert isinstance(result, Answer) and result.value == "yes"


# Numbers in Chinese numerals and in words


@pytest.mark.parametrize(("typed", "value"), [
    ("一百万", 1_000_000), ("五百万", 5_000_000), ("两百万", 2_000_000), ("二十五万", 250_000), ("一千五百", 1_500),
    ("三亿", 300_000_000), ("百万", 1_000_000), ("十五", 15), ("一千零五十", 1_050), ("一百五", 150),
    ("两万五", 25_000),
    ("一亿五千万", 150_000_000), ("十万", 100_000), ("壹佰万", 1_000_000), ("兩百萬", 2_000_000)])
def test_chinese_numerals_are_read_as_amounts_and_counts(typed: str, value: int) -> None:
    assert parse_amount(typed, "zh") == value
    assert parse_integer(typed, "zh") == value
    assert parse_amount(f"{typed}美元", "zh") == value


@pytest.mark.parametrize(("locale", "typed", "value"), [
    ("ar", "مليون", 1_000_000), ("ar", "مليون دولار", 1_000_000), ("ar", "نصف مليون", 500_000),
    ("ru", "миллион", 1_000_000), ("ru", "полмиллиона", 500_000), ("ru", "пол миллиона", 500_000),
    ("ru", "сто тысяч", 100_000), ("en", "a million", 1_000_000), ("en", "half a million", 500_000),
    ("en", "a million dollars", 1_000_000), ("en", "a hundred thousand", 100_000),
    ("fr", "un million", 1_000_000), ("fr", "un million de dollars", 1_000_000), ("fr", "demi-million", 500_000),
    ("fr", "cent mille", 100_000), ("es", "un millón", 1_000_000), ("es", "medio millón", 500_000),
    ("es", "mil millones", 1_000_000_000), ("es", "cien mil", 100_000), ("zh", "百万", 1_000_000)])
def test_a_multiplier_word_without_a_digit_is_a_number(locale: str, typed: str, value: int) -> None:
    assert parse_amount(typed, locale) == value
    assert parse_integer(typed.replace("dollars", "").replace("دولار", "").replace("de ", ""), locale) == value


@pytest.mark.parametrize(("typed", "value"), [
    ("百分之五十", 50), ("百分之百", 100), ("百分之一百", 100), ("五十%", 50)])
def test_a_chinese_percentage_is_read(typed: str, value: int) -> None:
    assert parse_percent(typed, "zh") == value


@pytest.mark.parametrize(("locale", "typed"), [
    ("zh", "百百"), ("zh", "一些"), ("zh", "万万"), ("zh", "一亿亿"), ("zh", "千百"), ("zh", "零五"), ("en", "a"),
    ("en", "half"), ("ru", "пол"), ("ru", "половина"), ("en", "m"), ("en", "one"), ("fr", "un"),
    ("en", "million million million million"), ("en", "cent mille"), ("en", "two apples")])
def test_words_that_are_not_a_number_are_still_refused(locale: str, typed: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_amount(typed, locale)
    # a number word with no digit ("one", "cent mille" read in English) is asked again in digits
    spelled = typed in ("one", "un", "two apples", "cent mille")
    assert caught.value.reason == ("spelled" if spelled else "not_a_number")


def test_a_chinese_amount_in_yuan_is_still_asked_in_dollars() -> None:
    with pytest.raises(ParseError) as caught:
        parse_amount("五百万元", "zh")
    assert caught.value.reason == "other_currency"
    assert parse_amount("500万美元", "zh") == Decimal(5_000_000)


# A target's unit in another form


@pytest.mark.parametrize(("locale", "typed", "value", "unit"), [
    ("ru", "2 млн человек", 2_000_000, "people"), ("ru", "500 школ", 500, "schools"),
    ("ru", "1 школа", 1, "schools"), ("ru", "300 предприятий", 300, "businesses"),
    ("ru", "1000 обученных человек", 1000, "trainees"), ("ru", "миллион человек", 1_000_000, "people"),
    ("ar", "٥٠٠ مدرسة", 500, "schools"), ("ar", "مليون شخص", 1_000_000, "people"), ("ar", "1 جهاز", 1, "devices"),
    ("fr", "1 école", 1, "schools"), ("fr", "un million de personnes", 1_000_000, "people"),
    ("fr", "200 km", 200, "km_fibre"),
    ("es", "1 escuela", 1, "schools"), ("es", "un millón de personas", 1_000_000, "people"),
    ("en", "1 school", 1, "schools"), ("en", "a million people", 1_000_000, "people"),
    ("en", "1 person", 1, "people"), ("en", "500 trainees", 500, "trainees"),
    ("zh", "两百万人", 2_000_000, "people"), ("zh", "五百所学校", 500, "schools"),
    ("zh", "三万户", 30_000, "households"),
    ("zh", "一千公里", 1_000, "km_fibre")])
def test_a_count_with_its_unit_in_the_singular_or_as_the_number_governs_answers_both(
        renderer: Renderer, locale: str, typed: str, value: int, unit: str) -> None:
    outcome = advance(PLEDGE_FORM, FormState(step="target_value"), FormInput(text=typed), context(renderer, locale))
    assert outcome.state.answers["target_value"] == value
    assert outcome.state.answers.get("target_unit") == unit


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_form_of_a_unit_names_that_unit_alone(renderer: Renderer, locale: str) -> None:
    for unit, languages in TARGET_UNIT_FORMS.items():
        for form in languages.get(locale, ()):
            outcome = advance(PLEDGE_FORM, FormState(step="target_value"), FormInput(text=f"12 {form}"),
                              context(renderer, locale))
            assert outcome.state.answers.get("target_unit") == unit, (form, outcome.state.answers)


@pytest.mark.parametrize("typed", ["三四万人", "两三万人", "一两万户", "三四所学校"])
def test_a_chinese_rough_count_is_refused_not_read_digit_by_digit(renderer: Renderer, typed: str) -> None:
    """Regression: "三四万人" (30 to 40 thousand people) was taken as 340,000, "一两万户" as 120,000."""
    outcome = advance(PLEDGE_FORM, FormState(step="target_value"), FormInput(text=typed), context(renderer, "zh"))
    assert "target_value" not in outcome.state.answers and outcome.state.step == "target_value"


@pytest.mark.parametrize(("typed", "said"), [
    # a tester's "نعم موافق" and "si claro" at the consent were refused, each word alone being a yes
    ("si claro", "yes"), ("نعم موافق", "yes"), ("oui merci", "yes"), ("да, конечно", "yes"), ("yes please", "yes"),
    ("是的 谢谢", "yes"), ("no, gracias", "no"), ("нет спасибо", "no"),
    # a second tester's answers to "Is that right?", refused as no number
    ("Oui, c'est exact", "yes"), ("Exactement", "yes"), ("Да, всё верно", "yes"), ("подтверждаю", "yes"),
    ("正确", "yes"), ("确认", "yes"), ("没问题", "yes"), ("对，没错", "yes"), ("是的，金额正确", None),
    ("yes no", None), ("sí, pero no", None), ("not sure", None), ("yes I am sure it is right", None)])
def test_a_few_words_saying_the_same_yes_or_no_are_that_answer(typed: str, said: str | None) -> None:
    assert typed_yes_no(typed) == said
