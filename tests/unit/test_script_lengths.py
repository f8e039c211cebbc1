"""Minimum lengths counted for the script an answer is written in: a complete Chinese sentence of 14 characters was
refused as "内容过短：请至少输入20个字符。" on "Steps taken"; Chinese writers had to pad their answer."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from bot.i18n import Renderer
from handlers.forms.base import Answer, Form, FormContext, FormState, InvalidAnswerError
from handlers.forms.engine import FormInput, advance
from handlers.forms.scripts import density, least_length
from handlers.forms.steps import TextStep
from handlers.pledges.form import PLEDGE_FORM
from handlers.reports.form import PERIOD, PLEDGE_ID, REPORT_FORM, TARGET, UNIT

TODAY = date(2026, 12, 1)
REPORT_FACTS: dict[str, Any] = {PLEDGE_ID: 7, PERIOD: "2025", UNIT: "schools", TARGET: 500}


def context(renderer: Renderer, locale: str) -> FormContext:
    """What a step sees, with the real catalogs."""
    return FormContext(locale, TODAY, lambda label: renderer.label(label, locale, markup=False))


def answer(renderer: Renderer, form: Form, step: str, typed: str, locale: str = "en",
           **answers: Any) -> tuple[Any, str]:
    """The stored answer to `step` after typing `typed` (None when refused), and what the bot said."""
    outcome = advance(form, FormState(step=step, answers=dict(answers)), FormInput(text=typed),
                      context(renderer, locale))
    said = "\n".join(renderer.reply(reply, locale).text for reply in outcome.replies)
    return outcome.state.answers.get(step), said


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_a_complete_chinese_sentence_is_enough_for_steps_taken(renderer: Renderer, locale: str) -> None:
    stored, said = answer(renderer, REPORT_FORM, "steps_taken", "2024年培训了三万名青年。", locale, **REPORT_FACTS)
    assert stored == "2024年培训了三万名青年。", said


def test_a_too_short_chinese_answer_is_told_the_count_that_passes(renderer: Renderer) -> None:
    """The refusal's count is the count of Chinese characters that passes, not the 20 letters of an alphabet."""
    stored, said = answer(renderer, REPORT_FORM, "steps_taken", "培训青年。", "en", **REPORT_FACTS)
    assert stored is None
    assert "Too short: please write at least 7 characters." in said, said
    stored, said = answer(renderer, REPORT_FORM, "steps_taken", "培训了三万青年", "en", **REPORT_FACTS)
    assert stored == "培训了三万青年", said


def test_an_answer_in_an_alphabet_still_needs_twenty_characters(renderer: Renderer) -> None:
    for typed, locale in (("Trained young people", "en"), ("Обучили молодёжь", "ru"), ("دربنا الشباب", "ar")):
        stored, said = answer(renderer, REPORT_FORM, "steps_taken", typed, locale, **REPORT_FACTS)
        assert stored == (typed if len(typed) >= 20 else None), said
    stored, said = answer(renderer, REPORT_FORM, "steps_taken", "Trained 300 teachers", "en", **REPORT_FACTS)
    assert stored == "Trained 300 teachers", said


def test_the_pledge_title_and_description_in_chinese(renderer: Renderer) -> None:
    """"连接学校" ("Connect schools") was refused as a title under 5 characters."""
    stored, said = answer(renderer, PLEDGE_FORM, "title", "连接学校", "zh")
    assert stored == "连接学校", said
    described = "为塞内加尔五百所农村学校接入互联网。"
    stored, said = answer(renderer, PLEDGE_FORM, "description", described, "zh", title="连接学校")
    assert stored == described, said


def test_the_prompts_do_not_promise_a_minimum_counted_in_letters(renderer: Renderer) -> None:
    """The question said "(20 to 4,000 characters)", which a Chinese writer read as a reason to pad."""
    prompts = [step.question for form in (REPORT_FORM, PLEDGE_FORM) for step in form.steps
               if isinstance(step, TextStep) and step.min_length > 1]
    prompts += [step.help or "" for form in (REPORT_FORM, PLEDGE_FORM) for step in form.steps
                if isinstance(step, TextStep) and step.min_length > 1]
    for prompt in prompts:
        assert not re.search(r"\d+ to \d", prompt), prompt


@pytest.mark.parametrize(("typed", "worth"), [
    ("2024年培训了三万名青年。", 3),
    ("ITU与UNESCO合作培训", 1),  # more Latin letters than ideographs: an alphabet
    ("与ITU合作培训了青年", 3),
    ("学校にインターネットを接続しました", 2),  # more kana than kanji
    ("학교에 인터넷을 연결했습니다", 2),
    ("Connected 120 schools", 1),
    ("Подключили школы", 1),
    ("2024", 1),
])
def test_density_follows_the_script_most_letters_are_in(typed: str, worth: int) -> None:
    assert density(typed) == worth


@pytest.mark.parametrize("minimum", [1, 2, 3, 5, 20])
@pytest.mark.parametrize("character", ["a", "я", "ب", "学", "か", "한"])
def test_the_count_a_refusal_names_is_the_count_that_passes(minimum: int, character: str) -> None:
    """"At least {count} characters" stays true: `count` characters of the script pass, one fewer does not."""
    step = TextStep(id="t", question="?", label="T", min_length=minimum, max_length=4000)
    ctx = FormContext("en", TODAY)
    count = least_length(character * minimum, minimum)
    taken = step.on_text(character * count, {}, {}, ctx)
    assert isinstance(taken, Answer) and taken.value == character * count, taken
    if count > 1:
        with pytest.raises(InvalidAnswerError) as refused:
            step.on_text(character * (count - 1), {}, {}, ctx)
        assert refused.value.message.params["count"] == count


def test_a_name_is_counted_as_typed(renderer: Renderer) -> None:
    """review #8: a name's minimum catches a stray key; divided by the script's density it let "中" through as an
    organisation's or a person's name."""
    from handlers.onboarding import FULL_NAME

    form = Form(id="t", title="T", steps=(FULL_NAME,), summary=False)
    stored, said = answer(renderer, form, "full_name", "中")
    assert stored is None and "at least 2 characters" in said, said
    stored, _ = answer(renderer, form, "full_name", "王芳")
    assert stored == "王芳"
