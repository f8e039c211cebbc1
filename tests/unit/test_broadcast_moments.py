"""The scheduling step reads a time of day as people type it, and as the bot itself writes it."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Renderer
from handlers.broadcasts.moments import MomentStep, TypedMoment, moment_label, read_moment
from handlers.forms.base import FormContext, InvalidAnswerError


@pytest.mark.parametrize(("typed", "read"), [
    ("2026-12-15 14:30", ("2026-12-15", time(14, 30))),
    ("2026-12-15T14:30", ("2026-12-15", time(14, 30))),  # ISO, once refused
    ("2026-12-15T14:30:00", ("2026-12-15", time(14, 30))),
    ("2026-12-15 2:30 PM", ("2026-12-15", time(14, 30))),  # as English readers are shown times, once refused
    ("Dec 15, 2026 2:30\u202fPM", ("Dec 15, 2026", time(14, 30))),
    ("2026-12-15 2 pm", ("2026-12-15", time(14, 0))),
    ("2026-12-15 12:30 a.m.", ("2026-12-15", time(0, 30))),
    ("2026-12-15 12 PM", ("2026-12-15", time(12, 0))),
    ("15/12/2026 2:30 م", ("15/12/2026", time(14, 30))),  # as Arabic readers are shown times
    ("15/12/2026 9:05 ص", ("15/12/2026", time(9, 5))),
    ("15/12/2026 10h30", ("15/12/2026", time(10, 30))),
    ("15 December 2026, 14.30", ("15 December 2026", time(14, 30))),
    ("١٥/١٢/٢٠٢٦ ١٠:٣٠", ("١٥/١٢/٢٠٢٦", time(10, 30))),
    # as people write hours (c_bc1): refused before
    ("demain 9h", ("demain", time(9, 0))),
    ("demain à 9 h 30", ("demain", time(9, 30))),
    ("mañana a las 9", ("mañana", time(9, 0))),
    ("tomorrow at 9", ("tomorrow", time(9, 0))),
    ("завтра в 9:00", ("завтра", time(9, 0))),
    ("завтра в 9 вечера", ("завтра", time(21, 0))),
    ("غدا الساعة 9", ("غدا", time(9, 0))),
    ("明天9点", ("明天", time(9, 0))),
    ("明天9点半", ("明天", time(9, 30))),
    ("明天9点05分", ("明天", time(9, 5))),
    ("2026年12月15日下午3点", ("2026年12月15日", time(15, 0))),
    ("tomorrow 9:00 AM", ("tomorrow", time(9, 0))),
    ("中午12点", ("", time(12, 0))),
    # a time alone is today's (c_exploratory): "That answer is empty" before
    ("9h", ("", time(9, 0))),
    ("at 9", ("", time(9, 0))),
    ("9点", ("", time(9, 0))),
    ("9:00", ("", time(9, 0))),
])
def test_a_time_of_day_is_read_in_the_forms_the_bot_writes(typed: str, read: tuple[str, time]) -> None:
    assert read_moment(typed) == TypedMoment(*read)


@pytest.mark.parametrize(("typed", "read"), [
    ("明天晚上12点", TypedMoment("明天", time(0, 0), next_day=True)),
    ("晚上12点半", TypedMoment("", time(0, 30), next_day=True)),
    ("2026年12月15日凌晨12点", TypedMoment("2026年12月15日", time(0, 0))),
    ("明天中午12点", TypedMoment("明天", time(12, 0))),
    ("明天晚上11点", TypedMoment("明天", time(23, 0))),
])
def test_twelve_in_the_evening_or_the_small_hours_is_midnight(typed: str, read: TypedMoment) -> None:
    """Regression: "明天晚上12点" (midnight at the end of tomorrow) and "凌晨12点" were read as noon."""
    assert read_moment(typed) == read


@pytest.mark.parametrize("typed", ["2026-12-15", "2026-12-15 14", "2026-12-15 24:00", "2026-12-15 10:60",
                                   "2026-12-15 14:30 PM", "2026-12-15 0 am", "soon",
                                   "tomorrow 9", "Sat 9", "明天",
                                   "15.12"])  # alone, 15 December as much as 15:12
def test_no_time_of_day_is_none(typed: str) -> None:
    assert read_moment(typed) is None



@pytest.mark.parametrize(("typed", "read"), [
    ("tomorrow at midnight", TypedMoment("tomorrow", time(0), next_day=True)),
    ("2026-12-15 midnight", TypedMoment("2026-12-15", time(0), next_day=True)),
    ("tomorrow 12 midnight", TypedMoment("tomorrow", time(0), next_day=True)),
    ("demain à minuit", TypedMoment("demain", time(0), next_day=True)),
    ("mañana a la medianoche", TypedMoment("mañana", time(0), next_day=True)),
    ("завтра в полночь", TypedMoment("завтра", time(0), next_day=True)),
    ("غدا في منتصف الليل", TypedMoment("غدا", time(0), next_day=True)),
    ("明天午夜", TypedMoment("明天", time(0), next_day=True)),
    ("明天半夜12点", TypedMoment("明天", time(0), next_day=True)),
    ("midnight", TypedMoment("", time(0), next_day=True)),
    ("tomorrow at noon", TypedMoment("tomorrow", time(12))),
    ("15/12/2026 noon", TypedMoment("15/12/2026", time(12))),
    ("tomorrow 12 noon", TypedMoment("tomorrow", time(12))),
    ("tomorrow midday", TypedMoment("tomorrow", time(12))),
    ("demain à midi", TypedMoment("demain", time(12))),
    ("mañana al mediodía", TypedMoment("mañana", time(12))),
    ("завтра в полдень", TypedMoment("завтра", time(12))),
    ("غدا ظهرًا", TypedMoment("غدا", time(12))),
    ("غدا الظهر", TypedMoment("غدا", time(12))),
    ("明天中午", TypedMoment("明天", time(12))),
    ("明天正午", TypedMoment("明天", time(12))),
    ("noon", TypedMoment("", time(12))),
    ("3 ظهرًا", TypedMoment("", time(15))),  # as "3 م"
])
def test_midnight_and_noon_are_read_in_words(typed: str, read: TypedMoment) -> None:
    """Regression: "tomorrow at midnight", "demain à midi", "明天中午" were refused (or "半夜12点" read "半夜" as a
    date); midnight is the one ending the day named, as 晚上12点 is."""
    assert read_moment(typed) == read


@pytest.mark.parametrize(("typed", "read"), [
    ("tonight at 8", TypedMoment("today", time(20))),
    ("tonight 8", TypedMoment("today", time(20))),
    ("Tonight at 8 PM", TypedMoment("today", time(20))),
    ("this evening at 7:30", TypedMoment("today", time(19, 30))),
    ("tonight 21:00", TypedMoment("today", time(21))),
    ("ce soir à 20h", TypedMoment("today", time(20))),
    ("esta noche a las 9", TypedMoment("today", time(21))),
    ("сегодня вечером в 8", TypedMoment("today", time(20))),
    ("الليلة الساعة 8", TypedMoment("today", time(20))),
    ("今晚8点", TypedMoment("today", time(20))),
    ("今晚12点", TypedMoment("today", time(0), next_day=True)),
    ("tonight at midnight", TypedMoment("today", time(0), next_day=True)),
    ("tomorrow night at 9", TypedMoment("tomorrow", time(21))),
    ("tomorrow evening 12", TypedMoment("tomorrow", time(0), next_day=True)),
    ("demain soir à 9h", TypedMoment("tomorrow", time(21))),
    ("mañana por la noche a las 10", TypedMoment("tomorrow", time(22))),
    ("завтра вечером в 7", TypedMoment("tomorrow", time(19))),
    ("غدا مساءً الساعة 8", TypedMoment("tomorrow", time(20))),
    ("明晚8点", TypedMoment("tomorrow", time(20))),
    ("明晚12点", TypedMoment("tomorrow", time(0), next_day=True)),
])
def test_an_evening_names_its_day_and_its_hours_after_noon(typed: str, read: TypedMoment) -> None:
    """Regression: "tonight at 8", "demain soir à 9h", "今晚8点" were refused, or read as 8 in the morning."""
    assert read_moment(typed) == read


@pytest.mark.parametrize("typed", ["半夜", "tonight", "明晚", "tonight at noon", "tonight 9 am", "tonight 15/12 8",
                                   "tomorrow afternoon", "demain après-midi", "غدا بعد الظهر", "demain à 2h du soir",
                                   "tomorrow 2 in the evening"])
def test_a_vague_or_contradictory_evening_or_word_is_none(typed: str) -> None:
    """"半夜" (late at night) is no time; noon or a morning hour "tonight" contradict themselves; "après-midi" and
    "بعد الظهر" (afternoon) are not noon."""
    assert read_moment(typed) is None


@pytest.mark.parametrize(("typed", "read"), [
    ("mañana a las 3 de la tarde", TypedMoment("mañana", time(15))),
    ("mañana a las 9 de la mañana", TypedMoment("mañana", time(9))),
    ("mañana a las 10 de la noche", TypedMoment("mañana", time(22))),
    ("mañana a las 12 de la noche", TypedMoment("mañana", time(0), next_day=True)),
    ("mañana a las 15 horas", TypedMoment("mañana", time(15))),
    ("demain à 3h de l'après-midi", TypedMoment("demain", time(15))),
    ("demain à 20 heures", TypedMoment("demain", time(20))),
    ("demain à 11 du soir", TypedMoment("demain", time(23))),
    ("demain à 8 heures du matin", TypedMoment("demain", time(8))),
    ("завтра в 3 часа дня", TypedMoment("завтра", time(15))),
    ("завтра в 15 часов", TypedMoment("завтра", time(15))),
    ("завтра в 3 часа ночи", TypedMoment("завтра", time(3))),  # the small hours of the day named
    ("5 декабря в 3 часа ночи", TypedMoment("5 декабря", time(3))),
    ("2026-12-05 3 часа ночи", TypedMoment("2026-12-05", time(3))),
    ("завтра в 11 ночи", TypedMoment("завтра", time(23))),
    ("завтра в 12 ночи", TypedMoment("завтра", time(0), next_day=True)),
    ("tomorrow 1 at night", TypedMoment("tomorrow", time(1))),
    ("tomorrow at 10 at night", TypedMoment("tomorrow", time(22))),
    ("mañana a la 1 de la noche", TypedMoment("mañana", time(1))),
    ("5 de diciembre a las 2 de la noche", TypedMoment("5 de diciembre", time(2))),
    ("غدا 3 بعد الظهر", TypedMoment("غدا", time(15))),
    ("غدا الساعة 4 عصرًا", TypedMoment("غدا", time(16))),
    ("غدا 9 صباحًا", TypedMoment("غدا", time(9))),
    ("tomorrow at 3 in the afternoon", TypedMoment("tomorrow", time(15))),
    ("tomorrow at 9 o'clock", TypedMoment("tomorrow", time(9))),
    ("明天晚上1点", TypedMoment("明天", time(1), next_day=True)),  # was 13:00: the night after that evening
    ("明天晚上9点", TypedMoment("明天", time(21))),
])
def test_an_hour_said_in_words_is_read(typed: str, read: TypedMoment) -> None:
    """Regression: "a las 3 de la tarde", "à 20 heures", "в 3 часа дня", "3 بعد الظهر", "9 صباحًا" (the tanween
    before the alef) were refused as no time at all; each is how a person writes an hour in their language."""
    assert read_moment(typed) == read


@pytest.mark.parametrize(("typed", "read"), [
    ("10/12 10:00 h", TypedMoment("10/12", time(10))),
    ("10/12 10:00h", TypedMoment("10/12", time(10))),
    ("10.12 10:00 ч", TypedMoment("10.12", time(10))),
    ("10 de diciembre de 2026, 10:00 h", TypedMoment("10 de diciembre de 2026", time(10))),
    ("12月10日 10：00", TypedMoment("12月10日", time(10))),
    ("１２月１０日 １０：００", TypedMoment("１２月１０日", time(10))),
])
def test_a_time_with_its_unit_or_a_full_width_colon_is_read(typed: str, read: TypedMoment) -> None:
    """i_langs #4, #5: "10:00 h" (Spanish, French) and "10:00 ч" were read as "00 h" on the day "10/12 10:", which
    the date parser took for 10 December 2010 ("has passed"); "10：00", the colon a Chinese input method types, was
    refused."""
    assert read_moment(typed) == read


@pytest.mark.parametrize("locale", ["ru", "fr", "ar"])
def test_the_summary_writes_a_moment_as_the_list_of_broadcasts_does(renderer: Renderer, locale: str) -> None:
    """A tester's Russian summary said "4 дек. 2026 г. 09:00", /broadcasts "4 дек. 2026 г., 09:00"."""
    ctx = FormContext(locale, date(2026, 12, 1), lambda label: renderer.label(label, locale, markup=False))
    summary = renderer.label(MomentStep(id="send_at", question="q", label="l").show("2026-12-04T09:00", ctx), locale)
    listed = renderer.label(moment_label(datetime(2026, 12, 4, 9, 0), ZoneInfo("UTC"), locale), locale)
    assert listed.startswith(summary), (summary, listed)


def test_a_moment_more_than_a_year_ahead_is_refused(renderer: Renderer) -> None:
    """A tester set a broadcast for 2099-12-31 23:59 and it was taken: a year mistyped, which would wait for ever in
    /broadcasts. Up to a year ahead is a plan; beyond, the person is asked for an earlier date."""
    step = MomentStep(id="send_at", question="q", label="l")
    ctx = FormContext("en", date(2026, 12, 5), lambda label: renderer.label(label, "en", markup=False),
                      facts={"now": "2026-12-05T10:00:00"})
    assert step.on_text("2027-12-05 09:00", {}, {}, ctx).value == "2027-12-05T09:00"  # type: ignore[union-attr]
    with pytest.raises(InvalidAnswerError) as refused:
        step.on_text("2099-12-31 23:59", {}, {}, ctx)
    said = renderer.label(refused.value.message, "en", markup=False)
    assert said.startswith("Dec 31, 2099 is more than a year away"), said
