"""The composer's first language changed to one with a translation, the translations a new message leaves out of
date, a delivered broadcast "cancelled", and an audience said with "and" for "or"."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, announced, codes
from sqlmodel import col, select, update

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.inputs import Person
from handlers.messages import N_, Number, text
from models.database import Database
from models.tables import Broadcast, Outbox
from models.values import BroadcastStatus

STAFF = 9100
AR, EN, ES, FR, RU, ZH = range(100, 106)
OUT_OF_DATE = "The message changed, but not these translations"


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, and six focal points of a Senegalese ministry in six languages."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    return await driver.with_focal_points(("ar", "en", "es", "fr", "ru", "zh"))


async def _in_french(chat: ChatDriver) -> tuple[Person, str]:
    """Staff who wrote "Réunion lundi." in French, translated into Chinese and English; the summary shown."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:role:focal_point")
    await chat.press(staff, "f:audience:done")
    await chat.press(staff, "f:attachment:skip")
    await chat.press(staff, "f:language:c:fr")
    await chat.send(staff, "Réunion lundi.")
    await chat.press(staff, "f:translations:c:add:zh")
    await chat.send(staff, "星期一开会。")
    await chat.press(staff, "f:translations:c:add:en")
    await chat.send(staff, "Meeting Monday.")
    await chat.press(staff, "f:translations:done")
    await chat.press(staff, "f:fallback:c:en")
    summary = await chat.press(staff, "f:when:c:now")
    return staff, summary[-1].text


async def test_a_first_language_with_a_translation_swaps_places_and_nothing_is_lost(chat: ChatDriver,
                                                                                    database: Database) -> None:
    """Regression: the English translation overwrote the French message, which was lost, and the message rewritten
    in English went to nobody: every reader got the old translation."""
    staff, shown = await _in_french(chat)
    assert OUT_OF_DATE not in shown
    await chat.press(staff, "f:$sum:edit:language")
    swapped = await chat.press(staff, "f:language:c:en")
    said = swapped[-1].text
    assert "The English translation is now the message, and the message in Français is kept as a translation" in said
    assert "Message</b>: Meeting Monday." in said and "Translations</b>: 中文 and Français" in said
    await chat.press(staff, "f:$sum:edit:text")
    summary = await chat.send(staff, "Meeting on Tuesday instead.")
    assert f"{OUT_OF_DATE}: 中文 and Français" in summary[-1].text
    await chat.press(staff, "f:$sum:submit")
    assert (await chat.collect(FR))[0].text == announced("Réunion lundi.", "fr")
    assert (await chat.collect(ZH))[0].text == announced("星期一开会。", "zh")
    for reader, language in ((AR, "ar"), (EN, "en"), (ES, "es"), (RU, "ru")):  # the header in the reader's language
        assert (await chat.collect(reader))[0].text == announced("Meeting on Tuesday instead.", language)
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        assert broadcast.texts == {"en": "Meeting on Tuesday instead.", "zh": "星期一开会。", "fr": "Réunion lundi."}


async def test_a_new_messages_translations_are_said_out_of_date_until_written_again(chat: ChatDriver) -> None:
    """Regression: only the edit of a scheduled broadcast said which translations its changed message left as they
    were; a new one's summary and ✏️ Translations said nothing ("Every language of the audience has a text")."""
    staff, _ = await _in_french(chat)
    await chat.press(staff, "f:$sum:edit:text")
    summary = await chat.send(staff, "Réunion mardi.")
    assert f"{OUT_OF_DATE}: 中文 and English. Check them with ✏️ Translations." in summary[-1].text
    step = await chat.press(staff, "f:$sum:edit:translations")
    assert f"{OUT_OF_DATE}: 中文 and English." in step[-1].text
    await chat.press(staff, "f:translations:c:add:en")
    written = await chat.send(staff, "Meeting Tuesday.")
    assert f"{OUT_OF_DATE}: 中文." in written[-1].text
    summary = await chat.press(staff, "f:translations:done")
    assert f"{OUT_OF_DATE}: 中文." in summary[-1].text
    await chat.press(staff, "f:$sum:edit:translations")
    await chat.press(staff, "f:translations:c:add:zh")
    await chat.send(staff, "星期二开会。")
    summary = await chat.press(staff, "f:translations:done")
    assert OUT_OF_DATE not in summary[-1].text


async def test_a_broadcast_already_delivered_is_not_called_cancelled(chat: ChatDriver, database: Database) -> None:
    """Regression: with every message sent, before the follow-up job closed it, "cancel" said "#1 is cancelled; 0
    messages will not be sent" and /broadcasts then "cancelled: 6 sent … of 6"."""
    staff, _ = await _in_french(chat)
    await chat.press(staff, "f:$sum:submit")
    for reader in (AR, EN, ES, FR, RU, ZH):
        await chat.collect(reader)  # delivered: every row is sent
    listing = await chat.send(staff, "/broadcasts")
    cancel = next(c for c in codes(listing[-1]) if c.startswith("bc:cancel:"))
    answered = await chat.press(staff, cancel)
    assert "was already delivered: there was nothing left to cancel" in answered[-1].text
    stopped = await chat.press(staff, cancel.replace("cancel", "stop"))
    assert "cancelled" not in stopped[-1].text
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        assert broadcast.status == BroadcastStatus.done
    listing = await chat.send(staff, "/broadcasts")
    assert "done: 6 sent" in listing[-1].text and not [c for c in codes(listing[-1]) if c.startswith("bc:cancel:")]


async def test_an_audience_says_or_within_a_kind_and_one_line_per_kind(chat: ChatDriver) -> None:
    """Regression: "Focal points, العربية and 中文" read as focal points reading both languages."""
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    for segment in ("role:focal_point", "lang:ar", "lang:zh"):
        await chat.press(staff, f"f:audience:c:{segment}")
    echoed = await chat.press(staff, "f:audience:done")
    # the Arabic name is isolated, and its line marked left to right (it would otherwise open right to left)
    assert "• Focal points\n\u200e• \u2068العربية\u2069 or 中文" in echoed[-1].text


async def test_a_broadcast_whose_last_messages_are_being_sent_is_not_called_delivered(chat: ChatDriver,
                                                                                      database: Database) -> None:
    """A tester: ✖️ on a running broadcast whose messages the delivery worker had taken (a batch at once) said it
    "was already delivered: there was nothing left to cancel", and they all went out after."""
    staff, _ = await _in_french(chat)
    await chat.press(staff, "f:$sum:submit")
    listing = await chat.send(staff, "/broadcasts")
    cancel = next(c for c in codes(listing[-1]) if c.startswith("bc:cancel:"))
    async with database.uow() as uow:  # taken by the delivery worker, being sent
        await uow.session.execute(update(Outbox).where(col(Outbox.broadcast_id).is_not(None)).values(status="sending"))
        await uow.commit()
    answered = await chat.press(staff, cancel)
    assert answered[-1].text == ("The last 6 messages of broadcast #1 are being sent now: they can no longer be "
                                 "stopped."), answered[-1].text
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Broadcast))).scalar_one().status == BroadcastStatus.sending


async def test_the_figures_of_broadcasts_read_right_for_one_in_spanish(chat: ChatDriver, renderer: Renderer) -> None:
    """A tester: "finalizada: 1 enviados, 0 fallidos, 0 no localizables de 1"."""
    said = renderer.label(text(N_("{status}: {sent} sent, {failed} failed, {unreachable} unreachable of {total}"),
                               status="finalizada", sent=Number(1), failed=Number(0), unreachable=Number(1),
                               total=Number(2)), "es")
    assert said == "finalizada: de 2, enviados: 1; fallidos: 0; no localizables: 1"
