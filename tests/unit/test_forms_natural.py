"""Issue #14, forms, as tables: typed intents, lists of countries and choices, counts with their unit, dates as
people say them, edits in place, Cancel on an older question, and a group of one-tap defaults."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from bot.i18n import Renderer
from handlers.forms.base import FormContext, FormState
from handlers.forms.countries import read_countries
from handlers.forms.dates import parse_date
from handlers.forms.engine import (
    CONFIRM_CANCEL,
    DEFAULT_GROUP,
    DEFAULTS,
    DEFAULTS_FROM,
    PREFILLED,
    FormInput,
    Outcome,
    advance,
    prompt,
)
from handlers.forms.intents import typed_intent
from handlers.forms.parsing import ParseError
from handlers.forms.steps import unit_score
from handlers.helpdesk.compose import COMPOSE_FORM
from handlers.messages import Text
from handlers.onboarding import ONBOARDING
from handlers.pledges.form import PLEDGE_FORM
from handlers.reports.form import FINANCIAL, PERIOD, PLEDGE_ID, REPORT_FORM, TARGET, UNIT, VALUE
from models.geography import exact_countries, suggest_countries

TODAY = date(2026, 11, 28)
CTX = FormContext("en", TODAY)


def run(state: FormState, *inputs: str) -> Outcome:
    outcome = Outcome(state, ())
    for given in inputs:
        code = given if given.startswith("f:") else None
        outcome = advance(PLEDGE_FORM, outcome.state, FormInput(text=None if code else given, code=code), CTX)
    return outcome


def at(step: str, **answers: Any) -> FormState:
    return FormState(step=step, answers=answers)


@pytest.mark.parametrize(("typed", "intent"), [
    ("annuler", "cancel"), ("Cancel", "cancel"), ("отмена", "cancel"), ("إلغاء", "cancel"), ("الغاء", "cancel"),
    ("取消", "cancel"), ("cancelar", "cancel"), ("retour", "back"), ("Back", "back"), ("назад", "back"),
    ("رجوع", "back"), ("返回", "back"), ("atrás", "back"), ("aide", "help"), ("help!", "help"), ("помощь", "help"),
    ("مساعدة", "help"), ("帮助", "help"), ("ayuda", "help"), ("No sé", "skip"), ("لا أعرف", "skip"),
    ("не знаю", "skip"), ("不知道", "skip"), ("Skip", "skip"), ("je ne sais pas", "skip"), ("No sé nada", None),
    ("Annuler la dette de 40 pays", None), ("Connect 500 rural schools", None), ("", None)])
def test_typed_intents_in_six_languages(typed: str, intent: str | None) -> None:
    assert typed_intent(typed) == intent


def test_a_typed_cancel_word_asks_for_confirmation_and_keeps_the_answers() -> None:
    outcome = run(at("description", title="Connect 500 rural schools"), "annuler")
    assert outcome.state.step == CONFIRM_CANCEL and outcome.state.answers["title"] == "Connect 500 rural schools"
    assert not outcome.in_place, "a typed word is answered below it"
    back = run(outcome.state, "f:$cancel:no")
    assert back.state.step == "description" and back.in_place


def test_typed_back_and_help_are_the_buttons() -> None:
    assert run(at("description", title="Connect 500 rural schools"), "назад").state.step == "title"
    helped = run(at("title"), "aide")
    assert helped.state.step == "title" and "title" not in helped.state.answers
    assert any(isinstance(p, Text) and "short name" in p.msgid for p in helped.replies[0].parts)


def test_cancel_on_an_older_question_is_honoured() -> None:
    outcome = run(at("focus_area", title="Connect 500 rural schools", description="x" * 30), "f:title:cancel")
    assert outcome.state.step == CONFIRM_CANCEL and outcome.state.resume == "focus_area"
    assert not outcome.in_place, "the older message is not the current question's: the confirmation comes below"
    other = run(at("focus_area"), "f:title:c:yes")
    assert other.state.step == "focus_area", "other buttons of an older question still only point at the current one"


def test_toggles_edit_in_place_and_answers_do_not() -> None:
    state = at("beneficiary_groups")
    toggled = run(state, "f:beneficiary_groups:c:schools")
    assert toggled.in_place and len(toggled.replies) == 1
    done = run(toggled.state, "f:beneficiary_groups:done")
    assert not done.in_place and done.state.step == "target_value"
    error = run(state, "f:beneficiary_groups:done")
    assert not error.in_place, "an error is a new message"


@pytest.mark.parametrize(("typed", "found", "choices", "unknown"), [
    ("Mali, Côte d'Ivoire et Niger", ["MLI", "CIV", "NER"], [], []),
    ("Mali", ["MLI"], [], []),
    ("Niger", ["NER"], [], []),
    ("Senegal, Mali, Niger and Chad", ["SEN", "MLI", "NER", "TCD"], [], []),
    ("Trinidad and Tobago and Mali", ["TTO", "MLI"], [], []),
    ("Bolivia y Perú", ["BOL", "PER"], [], []),
    ("Мали, Нигер и Сенегал", ["MLI", "NER", "SEN"], [], []),
    ("مالي والنيجر والسنغال", ["MLI", "NER", "SEN"], [], []),
    ("ترينيداد وتوباغو", ["TTO"], [], []),
    ("马里、科特迪瓦和尼日尔", ["MLI", "CIV", "NER"], [], []),
    ("Senegall", [], ["SEN"], ["Senegall"]),
    ("Mali, xyzzy", ["MLI"], [], ["xyzzy"]),
    ("Mali, nige", ["MLI"], ["NER", "NGA"], []),
])
def test_lists_of_countries(typed: str, found: list[str], choices: list[str], unknown: list[str]) -> None:
    reading = read_countries(typed)
    assert (reading.found, reading.choices[:len(choices)], reading.unknown) == (found, choices, unknown)


def test_exact_names_and_suggestions() -> None:
    assert exact_countries("niger") == {"NER"} and exact_countries("Somal") == frozenset()
    assert suggest_countries("Senegall")[0] == "SEN" and suggest_countries("Bangladech")[0] == "BGD"
    assert suggest_countries("xq") == []


def test_a_misspelt_country_offers_suggestions_as_buttons() -> None:
    outcome = run(at("countries"), "Senegall")
    assert outcome.state.scratch["matches"][0] == "SEN" and outcome.state.scratch["suggested"]
    codes = [b.code for row in outcome.replies[-1].buttons for b in row]
    assert "f:countries:c:SEN" in codes


@pytest.mark.parametrize(("typed", "unit", "score"), [
    ("écoles", "écoles", 3), ("schools", "schools", 3), ("школ", "школы", 1), ("所学校", "学校", 2),
    ("de personnes", "personnes", 3), ("bananes", "écoles", 0), ("people trained", "people trained", 3),
    # the first word alone of a longer name names it no more than another ("établissements scolaires"): a tester's
    # "340 établissements" of a schools pledge was taken as health facilities
    ("people", "people trained", 0), ("établissements", "établissements de santé", 0),
    ("établissement de santé", "établissements de santé", 1)])
def test_unit_scores(typed: str, unit: str, score: int) -> None:
    assert unit_score(typed, unit) == score


@pytest.mark.parametrize(("typed", "locale", "value", "unit"), [
    ("300 écoles", "fr", 300, "schools"), ("2 million people", "en", 2_000_000, "people"),
    ("500所学校", "zh", 500, "schools"), ("300 школ", "ru", 300, "schools"), ("300 escuelas", "es", 300, "schools"),
    ("300 مدارس", "ar", 300, "schools"), ("300 people trained", "en", 300, "trainees"),
    ("300 bananas", "en", 300, None), ("500", "en", 500, None), ("340 établissements", "fr", 340, None)])
def test_a_count_with_its_unit_answers_both(renderer: Renderer, typed: str, locale: str, value: int,
                                            unit: str | None) -> None:
    ctx = FormContext(locale, TODAY, lambda label: renderer.label(label, locale, markup=False))
    outcome = advance(PLEDGE_FORM, at("target_value"), FormInput(text=typed), ctx)
    assert outcome.state.answers["target_value"] == value
    assert outcome.state.answers.get("target_unit") == unit
    assert outcome.state.step == ("target_date" if unit else "target_unit")


@pytest.mark.parametrize(("typed", "locale", "unit", "step"), [
    ("800 docentes", "es", None, "target_unit"), ("600 معلم", "ar", None, "target_unit"),
    ("800", "es", "schools", "$sum"), ("800 escuelas", "es", "schools", "$sum"),
    ("800 personas", "es", "people", "$sum")])
def test_a_target_changed_from_the_summary_in_words_naming_no_unit_asks_the_unit_again(
        renderer: Renderer, typed: str, locale: str, unit: str | None, step: str) -> None:
    """A tester: "800 docentes" (teachers) on ✏️ Target of a pledge counted in schools was stored as 800 schools, the
    summary showing the old unit beside the new number. A number alone keeps the unit; words naming one change it."""
    whole = run(at(PLEDGE_FORM.steps[0].id), "Connect 120 rural schools", "We will connect 120 rural schools.",
                "f:focus_area:c:access", "f:pillars:c:infrastructure", "f:pillars:done", "f:pledge_type:c:financial",
                "2.5 million", "Senegal", "f:countries:done", "f:beneficiary_groups:c:schools",
                "f:beneficiary_groups:done", "120 schools", "31/12/2027", "2026-01-01", "2028-06-30", "f:sdgs:skip",
                "f:wsis_action_lines:skip")
    assert whole.state.step == "$sum" and whole.state.answers["target_unit"] == "schools", whole.state.step
    ctx = FormContext(locale, TODAY, lambda label: renderer.label(label, locale, markup=False))
    changing = advance(PLEDGE_FORM, whole.state, FormInput(code="f:$sum:edit:target_value"), ctx)
    outcome = advance(PLEDGE_FORM, changing.state, FormInput(text=typed), ctx)
    assert outcome.state.answers["target_value"] in (800, 600)
    assert outcome.state.answers.get("target_unit") == unit
    assert outcome.state.step == step


@pytest.mark.parametrize(("typed", "locale", "day"), [
    ("fin 2027", "fr", date(2027, 12, 31)), ("end of 2027", "en", date(2027, 12, 31)),
    ("finales de 2027", "es", date(2027, 12, 31)), ("конец 2027 года", "ru", date(2027, 12, 31)),
    ("نهاية 2027", "ar", date(2027, 12, 31)), ("2027年底", "zh", date(2027, 12, 31)),
    ("Q3 2027", "en", date(2027, 9, 30)), ("T3 2027", "fr", date(2027, 9, 30)), ("2027 Q1", "en", date(2027, 3, 31)),
    ("3e trimestre 2027", "fr", date(2027, 9, 30)), ("tercer trimestre de 2027", "es", date(2027, 9, 30)),
    ("третий квартал 2027 года", "ru", date(2027, 9, 30)), ("3 кв. 2027", "ru", date(2027, 9, 30)),
    ("الربع الثالث 2027", "ar", date(2027, 9, 30)), ("2027年第三季度", "zh", date(2027, 9, 30)),
    ("third quarter of 2027", "en", date(2027, 9, 30)), ("end of June 2028", "en", date(2028, 6, 30))])
def test_dates_as_people_say_them(typed: str, locale: str, day: date) -> None:
    assert parse_date(typed, locale, TODAY) == day


@pytest.mark.parametrize("typed", ["Q5 2027", "fin", "quarter 2027", "T3"])
def test_not_quite_dates_are_refused(typed: str) -> None:
    with pytest.raises(ParseError):
        parse_date(typed, "fr", TODAY)


@pytest.mark.parametrize(("typed", "picked"), [("4, 9", ["4", "9"]), ("4 9", ["4", "9"]), ("4 et 17", ["4", "17"])])
def test_a_typed_list_of_sdgs_picks_each(typed: str, picked: list[str]) -> None:
    outcome = run(at("sdgs"), typed)
    assert outcome.state.scratch["picked"] == picked and outcome.state.step == "sdgs"



@pytest.mark.parametrize(("typed", "country"), [
    ("Estados Unidos Mexicanos", "MEX"), ("República de Colombia", "COL"), ("República de Chile", "CHL"),
    ("المملكة المغربية", "MAR"), ("الجمهورية التونسية", "TUN"), ("جمهورية مصر العربية", "EGY"),
    ("المملكة الأردنية الهاشمية", "JOR"), ("Kingdom of Morocco", "MAR"), ("Республика Колумбия", "COL"),
    ("Королевство Марокко", "MAR"), ("République du Sénégal", "SEN"), ("哥伦比亚共和国", "COL"), ("摩洛哥王国", "MAR"),
    ("Republic of the Congo", "COG"), ("República Democrática del Congo", "COD"), ("Republic of Korea", "KOR"),
    ("Kingdom of the Netherlands", "NLD"), ("مملكة البحرين", "BHR"), ("République islamique de Mauritanie", "MRT"),
    ("جمهورية الصين الشعبية", "CHN")])
def test_a_country_by_its_formal_name_is_that_country(typed: str, country: str) -> None:
    """A tester: "República de Colombia" was not recognised and Moldova and Korea were offered; "المملكة المغربية"
    (Morocco) offered the United Kingdom. Ministries often write their country's official name."""
    assert exact_countries(typed) == {country}
    assert read_countries(typed).found == [country]


def test_state_words_alone_name_no_country() -> None:
    assert exact_countries("Republic") == frozenset() and exact_countries("المملكة") == frozenset()


@pytest.mark.parametrize("typed", ["Republic of China", "Республика Китай", "République de Chine", "جمهورية الصين",
                                   "State of Georgia"])
def test_a_formal_name_that_is_another_s_names_no_country(typed: str) -> None:
    """Review: "Republic of China" was read as China, whose formal name is the People's Republic of China; the State
    of Georgia is one of the United States. Neither is taken for a country without a word: the form asks."""
    assert exact_countries(typed) == frozenset()

def test_a_typed_list_keeps_its_choices_and_names_the_others(renderer: Renderer) -> None:
    """A tester: "18, 0, -4" was told only to choose with the buttons; what is not a choice is named. Another's
    "4, 5, 9, 18" then kept none of the three good ones: they are ticked, 18 named."""
    outcome = run(at("sdgs"), "4, 5, 9, 18")
    assert outcome.state.scratch == {"picked": ["4", "5", "9"]} and outcome.state.step == "sdgs"
    said = renderer.reply(outcome.replies[-1], "en").text
    assert "Not among the choices, so not chosen: 18." in said, said
    nothing = run(at("sdgs"), "18, 0")
    assert nothing.state.scratch == {} and nothing.state.step == "sdgs"
    said = renderer.reply(nothing.replies[-1], "en").text
    assert said.startswith("Not among the choices: 18 and 0. Please choose with the buttons below"), said


def previous() -> dict[str, Any]:
    return {DEFAULTS: {"countries": ["SEN", "MLI"], "beneficiary_groups": ["schools"], "sdgs": ["4"],
                       "wsis_action_lines": None},
            DEFAULTS_FROM: "P2C-2026-00004",
            DEFAULT_GROUP: ["countries", "beneficiary_groups", "sdgs", "wsis_action_lines"]}


def test_a_group_of_defaults_is_one_tap_and_its_steps_are_not_asked_again() -> None:
    state = at("countries", **previous(), title="T" * 10, pledge_type="policy", value_usd=None)
    asked = run(state)
    codes = [b.code for row in advance(PLEDGE_FORM, state, FormInput(code="f:countries:x"), CTX).replies[-1].buttons
             for b in row]
    assert "f:countries:samegroup" in codes and "f:countries:same" in codes
    assert asked.state == state
    taken = run(state, "f:countries:samegroup")
    answers = taken.state.answers
    assert answers["countries"] == ["SEN", "MLI"] and answers["beneficiary_groups"] == ["schools"]
    assert answers["sdgs"] == ["4"] and answers["wsis_action_lines"] is None
    assert set(answers[PREFILLED]) == {"beneficiary_groups", "sdgs", "wsis_action_lines"}
    assert taken.state.step == "target_value", "beneficiaries are answered: the next question is the target"
    later = run(taken.state, "500", "f:target_unit:c:schools", "31/12/2027", "2026-01-01", "2028-06-30")
    assert later.state.step == "$sum", "the SDGs and WSIS lines were answered ahead: straight to the summary"


@pytest.mark.parametrize("source", ["P2C-2026-00003", None])
def test_a_long_default_is_quoted_and_its_button_stays_short(renderer: Renderer, source: str | None) -> None:
    """Regression: "↩️ Как в P2C-2026-00003: Казахстан, Узбекистан, … Бутан и Лаосская Народно-Демократическая
    Республика", a button of over 200 characters, for a pledge made in fifteen countries."""
    countries = ["KAZ", "UZB", "KGZ", "TJK", "TKM", "MNG", "NPL", "BTN", "LAO", "KHM", "MMR", "AFG", "BGD", "LKA",
                 "MDV"]
    state = at("countries", **{**previous(), DEFAULTS: {"countries": countries}, DEFAULT_GROUP: None,
                               DEFAULTS_FROM: source}, title="T" * 10, pledge_type="policy", value_usd=None)
    ctx = FormContext("ru", TODAY, lambda label: renderer.label(label, "ru", markup=False))
    asked = advance(PLEDGE_FORM, state, FormInput(code="f:countries:x"), ctx).replies[-1]
    rendered = renderer.reply(asked, "ru")
    same = next(label for row in rendered.buttons for label, code in row if code == "f:countries:same")
    assert same == ("↩️ Как в P2C-2026-00003" if source else "↩️ Как в прошлый раз"), same
    assert "Лаосская Народно-Демократическая Республика" in rendered.text
    assert ("В P2C-2026-00003" if source else "В прошлый раз") in rendered.text, rendered.text


def test_back_to_a_typed_answer_shows_it_and_offers_to_keep_it(renderer: Renderer) -> None:
    """Regression: Back to the description showed the bare question, and the person had to type again a text they
    could not see."""
    description = "Connect 500 rural schools in the Sahel to broadband by 2027, with solar power."
    answered = run(at("title"), "Schools online", description)
    assert answered.state.step == "focus_area"
    back = run(answered.state, "f:focus_area:back")
    assert back.state.step == "description"
    asked = renderer.reply(back.replies[-1], "en")
    assert f"<b>Current answer</b>: {description}" in asked.text
    assert asked.buttons[0] == (("➡️ Keep this answer", "f:description:keep"),)
    kept = run(back.state, "f:description:keep")
    assert kept.state.step == "focus_area" and kept.state.answers["description"] == description
    again = run(kept.state, "f:focus_area:back", "f:description:back", "f:title:keep")
    assert again.state.step == "description" and again.state.answers["title"] == "Schools online"
    # a choice is tapped again: no Keep there; nor on a question never answered, where a forged one is refused
    assert "f:focus_area:keep" not in [b.code for row in run(again.state, "f:description:keep").replies[-1].buttons
                                       for b in row]
    fresh = run(at("title"), "f:title:keep")
    assert fresh.state.step == "title" and "title" not in fresh.state.answers


def test_the_running_selection_of_countries_is_punctuated_in_the_reader_s_language(renderer: Renderer) -> None:
    """Regression: "已选： 中国、蒙古": a space after the full-width colon in Chinese, as in every language."""
    state = FormState(step="countries", answers={"title": "T" * 10, "pledge_type": "policy", "value_usd": None},
                      scratch={"picked": ["CHN", "MNG"]})
    for locale, expected in (("zh", "已选：中国和蒙古"), ("fr", "Sélection\u00a0: Chine et Mongolie"),
                             ("en", "Selected: China and Mongolia")):
        ctx = FormContext(locale, TODAY, lambda label, locale=locale: renderer.label(label, locale, markup=False))
        assert expected in renderer.reply(prompt(PLEDGE_FORM, state, ctx), locale).text


def test_keep_is_offered_only_for_an_answer_that_may_be_given_again(renderer: Renderer) -> None:
    """Regression: Keep was offered for a target date that had passed since, and for an answer a rule of the form had
    just refused at Submit: kept, it was refused again at Submit, and so on without end."""
    def keep_offered(state: FormState) -> bool:
        return any(b.code.endswith(":keep") for row in prompt(PLEDGE_FORM, state, CTX).buttons for b in row)

    answers = {"title": "T" * 10, "pledge_type": "policy", "value_usd": None, "start_date": "2026-01-01"}
    passed = FormState(step="target_date", answers={**answers, "target_date": "2026-06-30"})  # before TODAY
    assert not keep_offered(passed)
    refused = run(passed, "f:target_date:keep")
    assert refused.state.answers["target_date"] == "2026-06-30" and refused.state.step == "target_date"
    assert "not one of this question's options" in renderer.reply(refused.replies[0], "en").text
    future = {**answers, "target_date": "2027-12-31"}
    assert keep_offered(FormState(step="target_date", answers=future))
    assert not keep_offered(FormState(step="target_date", answers=future, editing=True))  # asked again by a rule


@pytest.mark.parametrize(("step", "typed", "stored"), [
    ("start_date", "أيلول ٢٠٢٧", "2027-09-01"), ("target_date", "أيلول ٢٠٢٧", "2027-09-30")])
def test_the_pledge_s_start_is_the_first_day_of_the_month_typed_its_target_the_last(
        renderer: Renderer, step: str, typed: str, stored: str) -> None:
    ctx = FormContext("ar", date(2026, 12, 1), lambda label: renderer.label(label, "ar", markup=False))
    answers: dict[str, Any] = {"target_date": "2028-12-31"} if step == "start_date" else {}
    outcome = advance(PLEDGE_FORM, FormState(step=step, answers=answers), FormInput(text=typed), ctx)
    assert outcome.state.answers[step] == stored


@pytest.mark.parametrize(("step", "answers", "first", "typed", "locale", "following"), [
    # a tester typed "listo" and "تم" as the questions say ("…then Done"): refused, or searched as a country
    ("pillars", {"focus_area": "access"}, FormInput(code="f:pillars:c:infrastructure"), "listo", "es", "pledge_type"),
    ("countries", {}, FormInput(text="Colombia"), "Listo.", "es", "beneficiary_groups"),
    ("countries", {}, FormInput(text="الأردن"), "تم", "ar", "beneficiary_groups"),
    ("beneficiary_groups", {}, FormInput(code="f:beneficiary_groups:c:youth"), "готово", "ru", "target_value"),
])
def test_typing_done_where_the_question_shows_done_presses_it(renderer: Renderer, step: str, answers: dict[str, Any],
                                                              first: FormInput, typed: str, locale: str,
                                                              following: str) -> None:
    ctx = FormContext(locale, date(2026, 12, 1), lambda label: renderer.label(label, locale, markup=False))
    picked = advance(PLEDGE_FORM, FormState(step=step, answers=answers), first, ctx)
    assert picked.state.step == step and picked.state.scratch
    done = advance(PLEDGE_FORM, picked.state, FormInput(text=typed), ctx)
    assert done.state.step == following and done.state.answers[step]


def test_done_typed_where_there_is_no_done_button_is_an_answer() -> None:
    assert typed_intent("listo") == "done"
    titled = run(at("title"), "Listo")
    assert titled.state.answers["title"] == "Listo" and titled.state.step == "description"


@pytest.mark.parametrize(("step", "typed", "locale", "said"), [
    # a tester's "no sé" and "لا أعرف" at optional counts were refused as no number, with no word of Skip
    ("women_share", "no sé", "es", ""), ("beneficiaries_reached", "لا أعرف", "ar", ""),
    # a required question: said so (a second tester's "je ne sais pas" was "too short", inviting padding)
    ("steps_taken", "не знаю", "ru", "Этот вопрос нельзя пропустить.")])
def test_i_do_not_know_skips_a_question_that_may_be_skipped(renderer: Renderer, step: str, typed: str, locale: str,
                                                             said: str) -> None:
    ctx = FormContext(locale, date(2026, 12, 1), lambda label: renderer.label(label, locale, markup=False))
    answers = {PLEDGE_ID: 7, PERIOD: "2025", UNIT: "schools", TARGET: 500, VALUE: None, FINANCIAL: False,
               "status": "in_progress", "percent_complete": 40, "beneficiaries_reached": 300}
    if step == "beneficiaries_reached":
        del answers["beneficiaries_reached"]
    outcome = advance(REPORT_FORM, FormState(step=step, answers=answers), FormInput(text=typed), ctx)
    shown = renderer.reply(outcome.replies[-1], locale).text
    if said:
        assert outcome.state.step == step and step not in outcome.state.answers and shown.startswith(said)
    else:
        assert outcome.state.answers[step] is None and outcome.state.step != step
        assert shown.startswith("✓ ")  # echoed as a typed "no" is


@pytest.mark.parametrize("typed", ["не знаю", "不知道", "je ne sais pas", "Unknown"])
def test_i_do_not_know_is_no_title_nor_replaces_the_title_given(typed: str) -> None:
    """A tester went back to the title and typed "не знаю": it was taken as the title, in place of the one given."""
    given = run(at("title"), "Connect 500 rural schools")
    again = run(replace(given.state, step="title"), typed)
    assert again.state.step == "title" and again.state.answers["title"] == "Connect 500 rural schools"
    assert "This question cannot be skipped." in str(again.replies[-1])


@pytest.mark.parametrize(("typed", "locale"), [("готово", "ru"), ("完成", "zh")])
def test_done_at_optional_evidence_with_nothing_sent_is_skip(renderer: Renderer, typed: str, locale: str) -> None:
    # a second tester: "готово" at the optional evidence, nothing sent, asked for a document or a link
    ctx = FormContext(locale, date(2026, 12, 1), lambda label: renderer.label(label, locale, markup=False))
    answers = {PLEDGE_ID: 7, PERIOD: "2025", UNIT: "schools", TARGET: 500, VALUE: None, FINANCIAL: False,
               "status": "not_started", "steps_taken": "x" * 30, "challenges": None, "partnership_needs": None}
    outcome = advance(REPORT_FORM, FormState(step="evidence", answers=answers), FormInput(text=typed), ctx)
    assert outcome.state.answers["evidence"] is None and outcome.state.step == "$sum"


@pytest.mark.parametrize("typed", ["حكومة", "الحكومة", "قطاع خاص"])
def test_an_arabic_choice_is_found_with_or_without_its_article(renderer: Renderer, typed: str) -> None:
    # a tester's "حكومة" did not match the button "الحكومة"
    ctx = FormContext("ar", date(2026, 12, 1), lambda label: renderer.label(label, "ar", markup=False))
    outcome = advance(ONBOARDING, FormState(step="sector"), FormInput(text=typed), ctx)
    assert outcome.state.answers["sector"] == ("private_sector" if "خاص" in typed else "government")


@pytest.mark.parametrize(("typed", "locale"), [("Не знаю", "ru"), ("No lo sé", "es"), ("不知道", "zh")])
def test_i_do_not_know_is_a_message_where_there_is_no_skip(renderer: Renderer, typed: str, locale: str) -> None:
    # a reviewer: a focal point answering BDT's question with "Не знаю" was told the question cannot be skipped
    ctx = FormContext(locale, date(2026, 12, 1), lambda label: renderer.label(label, locale, markup=False))
    outcome = advance(COMPOSE_FORM, FormState(step="message", answers={"$mode": "reply", "$thread": 12}),
                      FormInput(text=typed), ctx)
    assert outcome.state.scratch["text"] == typed  # held for its Send, as any message


def test_an_arabic_key_word_with_its_article_still_picks_its_button(renderer: Renderer) -> None:
    # a reviewer: "الخاص" (private) picked the private sector, then was refused once its article was taken off
    ctx = FormContext("ar", date(2026, 12, 1), lambda label: renderer.label(label, "ar", markup=False))
    outcome = advance(ONBOARDING, FormState(step="sector"), FormInput(text="الخاص"), ctx)
    assert outcome.state.answers["sector"] == "private_sector"


def test_ticked_choices_are_not_skipped_away_and_back_keeps_them() -> None:
    """A tester typed "4 et 9" at the SDGs, then "je ne sais pas": the two ticks were dropped as "(skipped)"."""
    ticked = run(at("sdgs", pledge_type="programmatic"), "4 and 9")
    assert ticked.state.scratch["picked"] == ["4", "9"]
    assert "f:sdgs:skip" not in [b.code for r in ticked.replies for row in r.buttons for b in row]
    refused = run(ticked.state, "I don't know")
    assert refused.state.step == "sdgs" and refused.state.scratch["picked"] == ["4", "9"], refused.state
    back = run(ticked.state, "f:sdgs:back")
    assert back.state.answers["sdgs"] == ["4", "9"]
    done = run(ticked.state, "f:sdgs:done")
    assert done.state.answers["sdgs"] == ["4", "9"]


def test_a_choice_ticked_keeps_the_line_that_confirmed_the_previous_answer(renderer: Renderer) -> None:
    """A tester: the pillars' question came with "✓ Access: connecting people everywhere" above it; ticking a
    pillar edited the message in place without that line, and the chat no longer showed the focus area chosen."""
    asked = run(at("focus_area", title="T" * 10, description="D" * 30), "f:focus_area:c:access")
    assert asked.state.step == "pillars"
    confirmed = renderer.reply(asked.replies[-1], "en").text.split("\n")[0]
    assert confirmed.startswith("✓ "), confirmed
    ticked = advance(PLEDGE_FORM, asked.state, FormInput(code="f:pillars:c:infrastructure"), CTX)
    assert ticked.in_place and len(ticked.replies) == 1
    shown = renderer.reply(ticked.replies[0], "en").text
    assert shown.split("\n")[0] == confirmed, shown
    again = advance(PLEDGE_FORM, ticked.state, FormInput(code="f:pillars:c:infrastructure"), CTX)
    assert renderer.reply(again.replies[0], "en").text.split("\n")[0] == confirmed, "and unticking it"


def test_the_confirming_line_is_kept_only_where_the_question_is_edited_in_place(renderer: Renderer) -> None:
    """Review: the line was added to every question that stayed open, below what was typed too ("Infrastructure"
    typed: "✓ Access" again under it); and Cancel, then "No, continue", redrew the question without it."""
    asked = run(at("focus_area", title="T" * 10, description="D" * 30), "f:focus_area:c:access")
    confirmed = renderer.reply(asked.replies[-1], "en").text.split("\n")[0]
    typed = advance(PLEDGE_FORM, asked.state, FormInput(text="Infrastructure"), CTX)
    assert not typed.in_place and not renderer.reply(typed.replies[-1], "en").text.startswith("✓ ")
    cancel = advance(PLEDGE_FORM, typed.state, FormInput(code="f:pillars:cancel"), CTX)
    resumed = advance(PLEDGE_FORM, cancel.state, FormInput(code="f:$cancel:no"), CTX)
    assert resumed.in_place and renderer.reply(resumed.replies[0], "en").text.split("\n")[0] == confirmed


@pytest.mark.parametrize("typed", ["non", "no", "oui", "sí", "si", "na", "n/a", "inf", "Asia", "Asie", "мир", "كل",
                                   "es"])
def test_a_word_is_no_country(typed: str) -> None:
    """A tester: short words were taken as the one country they are inside or the code of: "non" added Lebanon,
    "oui" the Falklands, "no" Norway, "sí" Slovenia, "мир" the United Arab Emirates, "كل" ("all") the Falklands,
    without a question. They name nothing now (the person is told "Not recognised")."""
    reading = read_countries(typed)
    assert reading.found == [] and reading.choices == [], reading


def test_a_code_typed_as_a_word_is_not_taken() -> None:
    """"per" and "mar" (Spanish: "sea") are Peru's and Morocco's codes in lower case: offered, never taken."""
    assert read_countries("per").found == [] and "PER" in read_countries("per").choices
    assert read_countries("mar").found == [] and read_countries("MAR").found == ["MAR"]


@pytest.mark.parametrize(("typed", "found", "choices"), [
    ("Seneg", ["SEN"], []), ("Côte", ["CIV"], []), ("塞内", ["SEN"], []), ("SN", ["SEN"], []), ("KAZ", ["KAZ"], []),
    ("sen", [], ["SEN"]), ("ongol", [], ["MNG"]),
])
def test_a_beginning_long_enough_is_taken_and_a_short_one_offered(typed: str, found: list[str],
                                                                   choices: list[str]) -> None:
    """Four letters that begin one country's name (two Chinese characters), or its code in capitals, stand for it;
    three letters, or five inside a name, are offered to confirm."""
    reading = read_countries(typed)
    assert (reading.found, reading.choices) == (found, choices)
