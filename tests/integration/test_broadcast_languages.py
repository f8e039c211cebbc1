"""A broadcast's languages as staff choose and read them: the fallback among the texts written, the lines of the
composer laid out by each language, the scheduled time named by city and offset; an edit closed once it started."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import select

from bot.i18n import Renderer
from handlers.broadcasts import journey
from handlers.broadcasts.composer import BROADCAST_FORM
from handlers.broadcasts.journey import moment_label
from handlers.broadcasts.service import BroadcastError, CreateBroadcast, create_broadcast, start_due_broadcasts
from handlers.conversation import Deps
from handlers.forms.base import FormContext, FormState
from handlers.inputs import Person
from handlers.messages import Text
from models.clock import utcnow
from models.database import Database
from models.repositories.drafts import Drafts
from models.tables import Broadcast, Contact
from models.values import BroadcastStatus

pytestmark = pytest.mark.usefixtures("mid_year")  # "15 January next year" is over a year away on 1–14 January

STAFF = 9100


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, and focal points of a Senegalese ministry reading English, French, Spanish and Chinese."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    return await driver.with_focal_points(("en", "fr", "es", "zh"))


async def _at_fallback(chat: ChatDriver) -> tuple[Person, list[str]]:
    """Staff who wrote a broadcast in Chinese and French: the fallback question is asked; its buttons."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:role:focal_point")
    await chat.press(staff, "f:audience:done")
    await chat.press(staff, "f:attachment:skip")
    await chat.press(staff, "f:language:c:zh")
    await chat.send(staff, "欢迎参加网络研讨会")
    await chat.press(staff, "f:translations:c:add:fr")
    await chat.send(staff, "Rejoignez le webinaire")
    asked = await chat.press(staff, "f:translations:done")
    return staff, codes(asked[-1])


async def test_the_fallback_offers_only_the_languages_written(chat: ChatDriver, database: Database) -> None:
    """Regression (i_langs #1): English was offered with no English text; the summary said "English", English
    readers got the Chinese text, and the broadcast stored Chinese."""
    staff, offered = await _at_fallback(chat)
    assert [c for c in offered if c.startswith("f:fallback:c:")] == ["f:fallback:c:zh", "f:fallback:c:fr"]
    refused = await chat.press(staff, "f:fallback:c:en")
    assert "Fallback language" not in refused[-1].text and "f:fallback:c:fr" in codes(refused[-1])
    await chat.press(staff, "f:fallback:c:fr")
    summary = await chat.press(staff, "f:when:c:now")
    assert "<b>Fallback language</b>: Français" in summary[-1].text
    await chat.press(staff, "f:$sum:submit")
    assert "Rejoignez le webinaire" in (await chat.collect(100))[-1].text  # the English reader: French, as chosen
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Broadcast))).scalar_one().fallback == "fr"


async def _at_summary(chat: ChatDriver, database: Database) -> tuple[Person, int]:
    """Staff at the summary of a broadcast written in Chinese and French, French the fallback; their contact id."""
    staff, _ = await _at_fallback(chat)
    await chat.press(staff, "f:fallback:c:fr")
    await chat.press(staff, "f:when:c:now")
    async with database.uow() as uow:
        staff_id = (await uow.session.execute(select(Contact.id).where(Contact.telegram_id == STAFF))).scalar_one()
    return staff, staff_id


async def test_a_draft_whose_fallback_has_no_text_asks_for_it_again_at_submit(chat: ChatDriver,
                                                                              database: Database) -> None:
    """Regression (review s25 #3): a draft saved before the fallback was limited to the languages written held
    "en" with no English text; Submit crashed on the service's refusal, again at every press."""
    staff, staff_id = await _at_summary(chat, database)
    async with database.uow() as uow:
        draft = await Drafts(uow.session).find(staff_id, "broadcast")
        assert draft is not None
        state = FormState.from_json(draft.state)
        old = FormState.from_json({**draft.state, "answers": {**state.answers, "fallback": "en"}})
        await Drafts(uow.session).save(draft, draft.step_id, old.to_json(), utcnow())
        await uow.commit()
    asked = await chat.press(staff, "f:$sum:submit")
    assert "People whose language has no text must receive it in a language the broadcast has a text in. Choose " \
           "one of them." in asked[-1].text
    assert [c for c in codes(asked[-1]) if c.startswith("f:fallback:c:")] == ["f:fallback:c:zh", "f:fallback:c:fr"]
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Broadcast))).first() is None
    summary = await chat.press(staff, "f:fallback:c:zh")
    assert "<b>Fallback language</b>: 中文" in summary[-1].text
    await chat.press(staff, "f:$sum:submit")
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Broadcast))).scalar_one().fallback == "zh"


async def test_a_broadcast_the_service_refuses_at_submit_is_reopened(chat: ChatDriver, database: Database,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (review s25 #3): a BroadcastError at Submit went uncaught: the person was stuck, their draft
    answering every Submit with the same crash. They are now told nothing was sent, and get their answers back."""
    staff, staff_id = await _at_summary(chat, database)

    async def refuse(*args: object) -> Broadcast:
        raise BroadcastError("the fr text would be refused by Telegram")

    monkeypatch.setattr(journey, "create_broadcast", refuse)
    reopened = await chat.press(staff, "f:$sum:submit")
    assert "Nothing was sent: the broadcast cannot go out as it is. Check the answers, then press Submit." \
        in reopened[-1].text
    assert "<b>Fallback language</b>: Français" in reopened[-1].text and "f:$sum:submit" in codes(reopened[-1])
    async with database.uow() as uow:
        assert await Drafts(uow.session).find(staff_id, "broadcast") is not None


async def test_a_fallback_without_a_text_is_refused_not_replaced(database: Database) -> None:
    """Regression (i_langs #1): the service silently replaced a fallback with no text by the first text."""
    now = utcnow()
    async with database.uow() as uow:
        with pytest.raises(BroadcastError, match="fallback language en has no text: choose one of zh, fr"):
            await create_broadcast(uow.session, CreateBroadcast(["everyone"], {"zh": "你好", "fr": "Bonjour"}, "en"),
                                   now, now.date(), "en")
        unset = await create_broadcast(uow.session, CreateBroadcast(["everyone"], {"zh": "你好", "fr": "Bonjour"}),
                                       now, now.date(), "en")
        assert unset.fallback == "zh"  # none given: the first text, as stored and as used


def test_still_missing_is_one_message_each_language_lays_out(renderer: Renderer) -> None:
    """Regression (i_langs #9): "Still missing:" + " " + the list gave Chinese "仍缺少： Español" (a space after a
    full-width colon); the list is now a placeholder of one message."""
    step = BROADCAST_FORM.step("translations")
    assert step is not None
    ctx = FormContext("zh", utcnow().date(), facts={"languages": {"en": 1, "es": 1, "fr": 1, "zh": 1}})
    lines = step.lines({"language": "zh", "text": "你好", "translations": {"fr": "Bonjour"}}, {}, ctx)
    assert len(lines) == 1 and isinstance(lines[0], Text) and lines[0].msgid == "Still missing: {languages}"
    assert renderer.label(lines[0], "en", markup=False) == \
        "Still missing: English (1 recipient) and Español (1 recipient)"


async def test_no_unreachable_clause_when_nobody_is_unreachable(chat: ChatDriver) -> None:
    """Regression (i_langs #9): "其中0人无法送达" (of whom 0 unreachable) was said of every audience."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    counted = await chat.press(staff, "f:audience:c:role:focal_point")
    assert "4 people match." in counted[-1].text and "unreachable" not in counted[-1].text


def test_a_scheduled_time_names_the_city_and_the_offset_once(renderer: Renderer) -> None:
    """Regression (i_langs #10): "10:00 (الرياض (Asia/Riyadh, UTC+03:00))": nested parentheses and the Latin IANA
    id; the half-width " (UTC)" was written by the code, not by each language."""
    moment = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)
    riyadh = moment_label(moment, ZoneInfo("Asia/Riyadh"), "ar")
    assert isinstance(riyadh, Text) and riyadh.msgid == "{day} {time} ({city}, {offset})"
    assert riyadh.params["city"] == "الرياض" and riyadh.params["offset"] == "UTC+03:00"
    shown = renderer.label(moment_label(moment, ZoneInfo("Asia/Riyadh"), "en"), "en", markup=False)
    assert shown == "Dec 10, 2026 10:00\u202fAM (Riyadh, UTC+03:00)"
    utc = moment_label(moment, ZoneInfo("UTC"), "zh")
    assert isinstance(utc, Text) and utc.msgid == "{day} {time} ({offset})" and utc.params["offset"] == "UTC"


async def test_an_edit_left_open_is_closed_when_the_broadcast_starts(chat: ChatDriver,
                                                                    database: Database) -> None:
    """J4: an edit of a scheduled broadcast left open when it started stayed open; everything changed in it was
    refused only at Submit. It is now closed at once, and the editor told why."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    for code in ("f:audience:c:role:focal_point", "f:audience:done", "f:attachment:skip", "f:language:c:en"):
        await chat.press(staff, code)
    await chat.send(staff, "Registration is opne")
    for code in ("f:translations:done", "f:when:c:later"):
        await chat.press(staff, code)
    await chat.send(staff, f"{utcnow().year + 1}-01-15 09:30")
    await chat.press(staff, "f:$sum:submit")
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        staff_id = (await uow.session.execute(select(Contact.id).where(Contact.telegram_id == STAFF))).scalar_one()
    await chat.press(staff, f"bc:edit:{broadcast.id}")
    await chat.press(staff, "f:$sum:edit:text")
    async with database.uow() as uow:
        assert await Drafts(uow.session).find(staff_id, "broadcast") is not None
        assert await start_due_broadcasts(uow.session, utcnow() + timedelta(days=400), "en") == 1
        await uow.commit()
    told = [m.text for m in await chat.collect(STAFF)]
    assert any(f"Broadcast #{broadcast.id} has started, so your edit of it is closed: nothing you changed in it "
               "was saved." in said for said in told)
    async with database.uow() as uow:
        assert await Drafts(uow.session).find(staff_id, "broadcast") is None
        started = await uow.session.get(Broadcast, broadcast.id)
        assert started is not None and started.status == BroadcastStatus.sending
    after = await chat.send(staff, "Registration is open")
    assert not any("Fallback language" in m.text for m in after)  # no summary of the closed edit comes back


async def test_the_summary_says_how_many_receive_it_and_who_reads_the_fallback(chat: ChatDriver) -> None:
    """Review: the summary staff submit from said the audience's groups and "Fallback language: Français" alone: not
    how many people it reaches, nor that the English and Spanish readers would get the French text."""
    staff, _ = await _at_fallback(chat)
    await chat.press(staff, "f:fallback:c:fr")
    summary = (await chat.press(staff, "f:when:c:now"))[-1].text
    assert "<b>Audience</b>: Focal points\n4 people match." in summary
    assert "<b>Fallback language</b>: Français, also for those who read English (1 recipient) and Español (1 " \
           "recipient)" in summary
    await chat.press(staff, "f:$sum:edit:fallback")
    summary = (await chat.press(staff, "f:fallback:c:zh"))[-1].text
    assert "<b>Fallback language</b>: 中文, also for those who read English (1 recipient) and Español" in summary
