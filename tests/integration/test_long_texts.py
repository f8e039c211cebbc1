"""Regressions of issue 11 item 2: answers the forms accept made messages Telegram refuses, and people were stuck.

Each test checks every message the journey wrote to the outbox as rendered before the renderer's last-resort
cut, so that it is the journey that keeps within Telegram's limits, in the reader's language.
"""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_reports import STAFF, member, validated_pledge

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.language import negotiate
from handlers.lengths import CAPTION_LIMIT, TEXT_LIMIT, visible_length
from handlers.messages import reply_from_json
from models.database import Database
from models.tables import Contact, Outbox, Pledge, ProgressReport

WORDS = "Connectivité pour les écoles rurales & <villages> 🚀 "
LONG = (WORDS * 100)[:4000].strip()


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def assert_every_message_fits(database: Database, renderer: Renderer) -> int:
    """Every outbox row, rendered in its reader's language without the last-resort cut, fits; how many."""
    async with database.uow() as uow:
        query = select(Outbox, Contact).join(Contact, col(Contact.id) == col(Outbox.contact_id))
        rows = (await uow.session.execute(query)).all()
    checked = 0
    for row, contact in rows:
        if "reply" not in row.payload:
            continue
        message = reply_from_json(row.payload["reply"])
        locale = negotiate(contact.language, contact.telegram_language, "en")
        body = renderer.body(message, locale)
        limit = CAPTION_LIMIT if message.attachment is not None else TEXT_LIMIT
        assert visible_length(body) <= limit, (row.key, visible_length(body))
        checked += 1
    return checked


async def fill_long_pledge(chat: ChatDriver, telegram_id: int) -> list[str]:
    person = chat.person(telegram_id)
    inputs = [("text", "Connect 500 rural schools"), ("text", LONG), ("press", "f:focus_area:c:access"),
              ("press", "f:pillars:c:infrastructure"), ("press", "f:pillars:done"),
              ("press", "f:pledge_type:c:programmatic"), ("press", "f:value_usd:skip"), ("text", "Senegal"),
              ("press", "f:countries:done"), ("press", "f:beneficiary_groups:c:schools"),
              ("press", "f:beneficiary_groups:done"), ("text", "500"), ("press", "f:target_unit:c:schools"),
              ("text", "31/12/2028"), ("text", "2026-01-01"), ("text", "2029-06-30"), ("press", "f:sdgs:skip")]
    await chat.send(person, "/pledge")
    for kind, value in inputs:
        assert await (chat.press(person, value) if kind == "press" else chat.send(person, value)), value
    summary = await chat.press(person, "f:wsis_action_lines:skip")
    return codes(summary[-1])


async def test_a_pledge_with_a_4000_character_description_stays_usable(chat: ChatDriver, database: Database,
                                                                        renderer: Renderer) -> None:
    await member(chat, 1, language="fr")
    buttons = await fill_long_pledge(chat, 1)
    assert "f:$sum:full:description" in buttons and "f:$sum:submit" in buttons
    person = chat.person(1)
    await chat.send(person, "/pledge")  # continue or start over
    again = await chat.press(person, "pl:resume")  # was: no answer at all, the summary being refused
    assert again and "f:$sum:submit" in codes(again[-1])
    whole = await chat.press(person, "f:$sum:full:description")
    assert len(whole) == 3 and "f:$sum:submit" in codes(whole[-1])  # two parts, then the summary again
    assert "".join(m.text for m in whole[:2]).count("🚀") == LONG.count("🚀")
    await chat.press(person, "f:$sum:submit")
    notice = next(m for m in await chat.collect(STAFF) if "pv:ok:" in str(m.buttons))
    async with database.uow() as uow:
        pledge = (await uow.session.execute(select(Pledge))).scalar_one()
    assert f"ft:pd:{pledge.id}" in codes(notice)
    read = await chat.press(chat.person(STAFF), f"ft:pd:{pledge.id}")
    assert len(read) == 2 and all(visible_length(m.text) <= TEXT_LIMIT for m in read)
    # BDT asks for changes with a long comment: the details hold the description, the comment and their buttons
    await chat.press(chat.person(STAFF), f"pv:chg:{pledge.id}")
    await chat.send(chat.person(STAFF), ("Merci de préciser le nombre d'enseignants formés. " * 40)[:1500])
    details = await chat.press(person, f"mp:open:{pledge.id}")
    assert {f"ft:pd:{pledge.id}", f"ft:pc:{pledge.id}"} <= set(codes(details[-1]))
    stranger = await chat.press(chat.person(77), f"ft:pd:{pledge.id}")
    assert "not allowed" in stranger[-1].text
    assert await assert_every_message_fits(database, renderer) > 20


async def test_long_report_texts_fit_the_summary_and_the_staff_notice(chat: ChatDriver, database: Database,
                                                                       renderer: Renderer) -> None:
    await member(chat, 2, language="ru")
    await validated_pledge(chat, 2)
    person = chat.person(2)
    await chat.send(person, "/report")
    await chat.press(person, "f:status:c:in_progress")
    for answer in ("40", "120", "3000"):
        await chat.send(person, answer)
    await chat.press(person, "f:women_share:c:50")
    for _ in range(3):
        await chat.send(person, LONG)
    for n in range(10):
        await chat.send(person, "https://example.org/" + "evidence/" * 50 + str(n))
    summary = await chat.press(person, "f:evidence:done")
    assert {"f:$sum:full:steps_taken", "f:$sum:full:challenges", "f:$sum:full:partnership_needs"} <= \
        set(codes(summary[-1]))
    await chat.press(person, "f:$sum:submit")
    async with database.uow() as uow:
        report = (await uow.session.execute(select(ProgressReport))).scalar_one()
    notice = next(m for m in await chat.collect(STAFF) if "rs:ack:" in str(m.buttons))
    assert {f"ft:rs:{report.id}", f"ft:rc:{report.id}", f"ft:rn:{report.id}"} <= set(codes(notice))
    assert await assert_every_message_fits(database, renderer) > 20


async def compose(chat: ChatDriver, message: str, *, photo: bool = False) -> list[str]:
    staff = chat.person(STAFF)
    await chat.send(staff, "/broadcast")
    await chat.press(staff, "f:audience:c:everyone")
    await chat.press(staff, "f:audience:done")
    if photo:
        await chat.send_file(staff, "photo", "PHOTO-FILE-ID")
    else:
        await chat.press(staff, "f:attachment:skip")
    await chat.press(staff, "f:language:c:en")
    echoed = await chat.send(staff, message)
    assert "Translations" in echoed[-1].text or "translations" in echoed[-1].text, echoed[-1].text
    await chat.press(staff, "f:translations:done")
    return codes((await chat.press(staff, "f:when:c:now"))[-1])


async def test_a_3990_character_broadcast_is_echoed_and_summed_up_within_the_limit(
        chat: ChatDriver, database: Database, renderer: Renderer) -> None:
    message = "<b>WTDC</b> " + "x" * 3978
    buttons = await compose(chat, message)
    assert "f:$sum:full:text" in buttons
    whole = await chat.press(chat.person(STAFF), "f:$sum:full:text")
    assert whole[0].text == message
    assert await assert_every_message_fits(database, renderer) >= 8


async def test_a_photo_added_to_a_1500_character_broadcast_offers_a_way_out(
        chat: ChatDriver, database: Database, renderer: Renderer) -> None:
    await member(chat, 3)
    await compose(chat, "y" * 1500)
    staff = chat.person(STAFF)
    await chat.press(staff, "f:$sum:edit:attachment")
    offered = await chat.send_file(staff, "photo", "PHOTO-FILE-ID")  # was: accepted, and every recipient failed
    assert "900 characters" in offered[-1].text and "1,500" in offered[-1].text
    assert {"f:attachment:c:shorten", "f:attachment:c:separate"} <= set(codes(offered[-1]))
    shortened = await chat.press(staff, "f:attachment:c:shorten")
    assert "900" in shortened[-1].text  # the message is asked again, with the caption's limit said
    await chat.send(staff, "z" * 850)
    await chat.press(staff, "f:translations:done")
    # the other way out: the file separately, just before the message
    await chat.press(staff, "f:$sum:edit:text")
    await chat.send(staff, "w" * 850)
    await chat.press(staff, "f:$sum:edit:attachment")
    await chat.send_file(staff, "photo", "PHOTO-2")
    summary = await chat.press(staff, "f:attachment:c:shorten")
    assert "f:$sum:submit" in codes(summary[-1])  # 850 characters fit a caption: nothing to ask again


async def test_a_photo_sent_separately_goes_just_before_the_message(
        chat: ChatDriver, database: Database, renderer: Renderer) -> None:
    await member(chat, 4)
    await compose(chat, "v" * 1500)
    staff = chat.person(STAFF)
    await chat.press(staff, "f:$sum:edit:attachment")
    await chat.send_file(staff, "photo", "PHOTO-FILE-ID")
    summary = await chat.press(staff, "f:attachment:c:separate")
    assert "f:$sum:submit" in codes(summary[-1])
    await chat.press(staff, "f:$sum:submit")
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == 4))).scalar_one()
        rows = (await uow.session.execute(select(Outbox).where(Outbox.chat_id == contact.chat_id,
                                                               col(Outbox.key).like("bc%"))
                                          .order_by(col(Outbox.id)))).scalars().all()
    assert [row.key.split(":")[0] for row in rows] == ["bcf", "bc"]
    assert reply_from_json(rows[0].payload["reply"]).attachment == ("photo", "PHOTO-FILE-ID")
