"""The broadcast composer as staff read it: its question count, the file named, times without a year, recipients."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import select

from bot.i18n import Renderer
from handlers.broadcasts.composer import BROADCAST_FORM
from handlers.broadcasts.moments import MomentStep
from handlers.conversation import Deps
from handlers.forms.base import FormContext, InvalidAnswerError
from handlers.forms.formatting import format_date
from handlers.inputs import Person
from models.clock import utcnow
from models.database import Database
from models.tables import Broadcast

# "29 February" and "tomorrow" read on a leap year's 1 March or 30 December
pytestmark = pytest.mark.usefixtures("mid_year")

STAFF = 9100


@pytest.fixture
async def chat(sqlite_database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, and six focal points of a Senegalese ministry in six languages."""
    driver = await ChatDriver.with_staff(sqlite_database, deps, renderer, STAFF)
    return await driver.with_focal_points(("ar", "en", "es", "fr", "ru", "zh"))


async def _begun(chat: ChatDriver) -> Person:
    """Staff who began a broadcast to the focal points: the attachment question is asked."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:role:focal_point")
    await chat.press(staff, "f:audience:done")
    return staff


async def _at_when(chat: ChatDriver, staff: Person) -> list[str]:
    """From the language question to "Send it now, or schedule it?": what the staff member read on the way."""
    await chat.press(staff, "f:language:c:en")
    await chat.send(staff, "Registration is open")
    asked = await chat.press(staff, "f:translations:done")  # one language: no fallback to choose, not asked
    assert not any("receive it in" in m.text for m in asked)
    return [m.text for m in asked]


async def test_the_question_count_does_not_grow_when_a_time_is_asked(chat: ChatDriver) -> None:
    """Regression: "Question 7 of 7 / Send it now, or schedule it?" became "Question 8 of 8" after 🗓 Schedule."""
    staff = await _begun(chat)
    first = await chat.press(staff, "f:attachment:skip")
    assert "Question 3 of 8" in first[-1].text
    when = await _at_when(chat, staff)
    assert "Question 6 of 7" in when[-1]  # no translation: the fallback is not asked, and counted no more
    moment = await chat.press(staff, "f:when:c:later")
    assert "Question 7 of 7" in moment[-1].text
    assert "Your time zone is UTC" in moment[-1].text, moment[-1].text  # a tester learnt it only once submitted
    await chat.press(staff, "f:send_at:back")
    summary = await chat.press(staff, "f:when:c:now")  # sent now: the eighth question is not asked
    assert "f:$sum:submit" in codes(summary[-1]) and "Scheduled for" not in summary[-1].text


async def test_a_document_is_named_in_the_echo_and_the_summary(chat: ChatDriver) -> None:
    """Regression: the attachment was echoed and summarised as "📎 a document", so a wrong file could not be seen."""
    staff = await _begun(chat)
    echoed = await chat.send_file(staff, "document", "DOC-FILE-ID", name="programme_webinaire.pdf")
    assert "✓ 📎 programme_webinaire.pdf" in echoed[-1].text
    await _at_when(chat, staff)
    summary = await chat.press(staff, "f:when:c:now")
    assert "<b>Attachment</b>: 📎 programme_webinaire.pdf" in summary[-1].text
    await chat.press(staff, "f:$sum:edit:attachment")
    apart = await chat.press(staff, "f:attachment:c:separate")  # the name stays when the file goes apart
    assert "📎 programme_webinaire.pdf (sent separately" in apart[-1].text


async def test_a_photo_is_still_called_a_photo(chat: ChatDriver) -> None:
    staff = await _begun(chat)
    echoed = await chat.send_file(staff, "photo", "PHOTO-FILE-ID")
    assert "✓ 📷 a photo" in echoed[-1].text


async def test_the_languages_still_missing_say_they_count_recipients(chat: ChatDriver) -> None:
    """Regression: "Still missing: Español (1), Français (1), and 中文 (1)": nothing said what the number counts."""
    staff = await _begun(chat)
    await chat.press(staff, "f:attachment:skip")
    await chat.press(staff, "f:language:c:en")
    translations = await chat.send(staff, "Registration is open")
    assert "Español (1 recipient)" in translations[-1].text and "中文 (1 recipient)" in translations[-1].text
    assert "(1)" not in translations[-1].text


@pytest.mark.parametrize("typed", ["{month}月{day}日 10:00", "{name} {day} 10:00", "{day} {name} 10:00"])
async def test_a_day_and_month_without_a_year_is_the_next_such_day(chat: ChatDriver, typed: str) -> None:
    """Regression: "12月10日 10:00" was refused as "This date is ambiguous": it only lacks its year, and a broadcast's
    time is to come, so it is the next 10 December."""
    staff = await _begun(chat)
    await chat.press(staff, "f:attachment:skip")
    await _at_when(chat, staff)
    await chat.press(staff, "f:when:c:later")
    today = utcnow().date()
    for day, expected in ((today + timedelta(days=1), today + timedelta(days=1)),
                          (today - timedelta(days=1), _a_year_after(today - timedelta(days=1)))):
        summary = await chat.send(staff, typed.format(month=day.month, day=day.day, name=f"{day:%B}"))
        assert f"{format_date(expected, 'en')} 10:00\u202fAM" in summary[-1].text
        assert "f:$sum:submit" in codes(summary[-1])
        await chat.press(staff, "f:$sum:edit:send_at")


def _a_year_after(day: date) -> date:
    """The same day a year later (28 February for a 29th)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


async def test_an_ambiguous_date_is_refused_with_an_example_of_a_date_and_a_time(chat: ChatDriver) -> None:
    """Regression: the refusal said "Please type it as 2027-12-31": no time, where the question asks for one."""
    staff = await _begun(chat)
    await chat.press(staff, "f:attachment:skip")
    await _at_when(chat, staff)
    await chat.press(staff, "f:when:c:later")
    refused = await chat.send(staff, "December 10:00")
    tomorrow = utcnow().date() + timedelta(days=1)
    assert f"for example {tomorrow.isoformat()} 10:00" in refused[-1].text
    assert "2027-12-31" not in refused[-1].text


def _moment(renderer: Renderer, typed: str, locale: str, today: date) -> str:
    """The refusal of `typed` as a broadcast's time by a reader of `locale` on the morning of `today`, in English."""
    step = BROADCAST_FORM.step("send_at")
    assert isinstance(step, MomentStep)
    context = FormContext(locale=locale, today=today, facts={"now": f"{today.isoformat()}T08:00"})
    with pytest.raises(InvalidAnswerError) as refused:
        step.on_text(typed, {"when": "later"}, {}, context)
    return renderer.label(refused.value.message, "en", markup=False)


def test_a_past_date_read_month_first_says_so_and_what_to_type(renderer: Renderer) -> None:
    """Regression: "10/12/2026 10:00", read month first as 12 October, was refused as past without saying how it was
    read; the 10 December meant is still to come."""
    refused = _moment(renderer, "10/12/2026 10:00", "zh", date(2026, 12, 2))
    assert "10/12/2026 was read month first, as Oct 12, 2026, which is in the past. If you meant Dec 10, 2026, " \
           "type 2026-12-10 10:00." in refused
    day_first = _moment(renderer, "12/02/2026 9:30", "fr", date(2026, 6, 15))  # 2 December is to come
    assert "was read day first, as Feb 12, 2026" in day_first and "type 2026-12-02 09:30" in day_first


def test_a_past_date_that_no_other_order_saves_is_simply_past(renderer: Renderer) -> None:
    refused = _moment(renderer, "25/11/2026 10:00", "fr", date(2026, 12, 2))
    assert "is in the past" in refused and "was read" not in refused


async def test_a_message_in_one_language_goes_to_everyone_in_it_without_asking(
        chat: ChatDriver, sqlite_database: Database) -> None:
    """A tester: a message written only in French still asked "People whose language has no text receive it in:",
    with French as its one button. Not asked: everyone reads the French; with a translation it is asked again."""
    staff, _ = await chat.broadcast_message_asked(STAFF, "fr", audience="role:focal_point")
    await chat.send(staff, "Les inscriptions sont ouvertes.")
    asked = await chat.press(staff, "f:translations:done")
    assert "f:when:c:now" in codes(asked[-1]) and not any("f:fallback" in c for c in codes(asked[-1]))
    summary = await chat.press(staff, "f:when:c:now")
    assert "Fallback language" not in summary[-1].text and "f:$sum:edit:fallback" not in codes(summary[-1])
    await chat.press(staff, "f:$sum:edit:translations")  # a translation added on the summary: now there is a choice
    await chat.press(staff, "f:translations:c:add:en")
    await chat.send(staff, "Registration is open.")
    chosen = await chat.press(staff, "f:translations:done")
    assert "f:fallback:c:fr" in codes(chosen[-1]) and "f:fallback:c:en" in codes(chosen[-1])
    await chat.press(staff, "f:fallback:c:en")
    await chat.press(staff, "f:$sum:submit")
    async with sqlite_database.uow() as uow:
        sent = (await uow.session.execute(select(Broadcast))).scalar_one()
    assert sent.fallback == "en" and set(sent.texts) == {"fr", "en"}


async def test_a_broadcast_in_one_language_falls_back_to_it(chat: ChatDriver, sqlite_database: Database) -> None:
    """Not asked, the fallback is the message's language: the Arabic, Chinese and Russian readers get the Spanish."""
    staff, _ = await chat.broadcast_message_asked(STAFF, "es", audience="role:focal_point")
    await chat.send(staff, "Las inscripciones están abiertas.")
    for code in ("f:translations:done", "f:when:c:now", "f:$sum:submit"):
        await chat.press(staff, code)
    async with sqlite_database.uow() as uow:
        sent = (await uow.session.execute(select(Broadcast))).scalar_one()
    assert sent.fallback == "es" and sent.texts == {"es": "Las inscripciones están abiertas."}
    for focal in (100, 104, 105):  # ar, ru, zh
        assert any("Las inscripciones están abiertas." in m.text for m in chat.mailbox[focal]), focal
