"""/settings: time zone guessed then chosen (city, ambiguous city, offset), optional reminders, forged codes;
and the draft reminder waiting for working hours in the person's zone."""

from __future__ import annotations

from datetime import timedelta

from chat_driver import ChatDriver, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from handlers.reminders import remind_stale_drafts
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Outbox
from models.values import Role
from models.working_hours import is_allowed


async def focal(chat: ChatDriver, telegram_id: int, country: str = "SEN", language: str = "en") -> None:
    token, _, _ = await invite(CreateInvite(f"Org {telegram_id}", Role.focal_point, country_iso3=country),
                               chat.database.uow(), utcnow())
    person = chat.person(telegram_id, language_code=language)
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, "Awa Diop")


async def contact(database: Database, telegram_id: int) -> Contact:
    async with database.uow() as uow:
        return (await uow.session.execute(select(Contact).where(Contact.telegram_id == telegram_id))).scalar_one()


async def test_time_zone_guessed_then_chosen(database: Database, deps: Deps, renderer: Renderer) -> None:
    chat = ChatDriver(database, deps, renderer)
    await focal(chat, 301, "CHL")
    person = chat.person(301)
    shown = await chat.send(person, "/settings")
    assert "Santiago" in shown[0].text and "guessed from your organisation's country" in shown[0].text
    assert codes(shown[0]) == ["st:tz", "st:lang", "st:rem:off", "st:consent:off"]
    asked = await chat.press(person, "st:tz")
    assert "UTC offset" in asked[-1].text
    wrong = await chat.send(person, "Atlantis-under-the-sea")
    assert "could not find that place" in wrong[-1].text
    done = await chat.send(person, "UTC+5:30")
    assert "Kolkata" in done[-1].text or "Calcutta" in done[-1].text or "كالكتا" in done[-1].text
    assert (await contact(database, 301)).timezone == "Asia/Kolkata"
    shown = await chat.send(person, "/settings")
    assert "chosen by you" in shown[0].text


async def test_ambiguous_place_offers_choices_and_refuses_others(database: Database, deps: Deps,
                                                                 renderer: Renderer) -> None:
    chat = ChatDriver(database, deps, renderer)
    await focal(chat, 302, "FRA", "fr")
    person = chat.person(302, language_code="fr")
    await chat.press(person, "st:tz")
    choices = await chat.send(person, "États-Unis")
    offered = [c for c in codes(choices[-1]) if c.startswith("f:zone:c:")]
    assert "f:zone:c:America/New_York" in offered and len(offered) >= 2
    forged = await chat.press(person, "f:zone:c:Europe/Paris")
    assert "question" in forged[-1].text
    done = await chat.press(person, "f:zone:c:America/New_York")
    assert "New York" in done[-1].text
    assert (await contact(database, 302)).timezone == "America/New_York"


async def test_optional_reminders_switch_and_forged_codes(database: Database, deps: Deps, renderer: Renderer) -> None:
    chat = ChatDriver(database, deps, renderer)
    await focal(chat, 303)
    person = chat.person(303)
    off = await chat.press(person, "st:rem:off")
    assert "off" in off[0].text and "st:rem:on" in codes(off[0])
    assert (await contact(database, 303)).optional_reminders is False
    for forged in ("st:rem:maybe", "st:tz:1", "st:", "st:rem:on "):
        assert "no longer valid" in (await chat.press(person, forged))[-1].text
    menu = await chat.press(person, "st:lang")
    assert "lang:fr" in codes(menu[-1])
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    assert await remind_stale_drafts(database.uow(), utcnow() + timedelta(days=4)) == 0  # optional: turned off


async def test_the_draft_reminder_waits_for_working_hours(database: Database, deps: Deps, renderer: Renderer) -> None:
    chat = ChatDriver(database, deps, renderer)
    await focal(chat, 304, "NZL")
    person = chat.person(304)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    later = utcnow() + timedelta(days=3, hours=1)
    assert await remind_stale_drafts(database.uow(), later) == 1
    async with database.uow() as uow:
        row = (await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith("draft-reminder:"))
                                         )).scalar_one()
    assert row.not_before >= later and is_allowed(row.not_before, "Pacific/Auckland")
    assert row.not_before - later < timedelta(days=4)
