"""/broadcasts lists every broadcast scheduled or being sent with its ✏️ and ✖️, however many finished since.
Before, it listed the ten latest by number: a broadcast scheduled for next month, followed by ten announcements,
vanished from the list with its buttons, and nothing was left to edit or stop it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from chat_driver import ChatDriver, codes

from bot.i18n import Renderer
from handlers.broadcasts.journey import LIST_LIMIT, OPEN_PER_MESSAGE
from handlers.conversation import Deps
from handlers.lengths import TEXT_LIMIT, visible_length
from models.clock import utcnow
from models.database import Database
from models.repositories.base import table_of
from models.tables import Broadcast, Contact

STAFF = 9150


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


def scheduled(days: int) -> dict[str, Any]:
    now = utcnow()
    return {"audience": ["everyone"], "texts": {"en": "WTDC webinar"}, "fallback": "en", "status": "scheduled",
            "scheduled_at": now + timedelta(days=days), "created_at": now, "recipients": 0, "progress": {}}


def done() -> dict[str, Any]:
    now = utcnow()
    return {"audience": ["everyone"], "texts": {"en": "Announcement"}, "fallback": "en", "status": "done",
            "scheduled_at": None, "created_at": now, "started_at": now, "finished_at": now, "recipients": 1,
            "progress": {"sent": 1}}


async def stored(database: Database, rows: list[dict[str, Any]]) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(sa.insert(table_of(Broadcast)), rows)


async def test_a_scheduled_broadcast_stays_listed_after_newer_ones_finish(chat: ChatDriver,
                                                                          database: Database) -> None:
    await stored(database, [scheduled(30), *[done() for _ in range(LIST_LIMIT + 2)]])
    listing = await chat.send(chat.person(STAFF), "/broadcasts")
    assert len(listing) == 1
    assert {"bc:edit:1", "bc:cancel:1"} <= set(codes(listing[0]))
    assert listing[0].text.index("Scheduled or being sent:") < listing[0].text.index("Latest finished broadcasts:")
    assert listing[0].text.count("done: 1 sent") == LIST_LIMIT and "… and 2 more." in listing[0].text


async def test_every_scheduled_broadcast_is_listed_with_its_buttons(chat: ChatDriver, database: Database) -> None:
    many = 2 * OPEN_PER_MESSAGE + 3
    await stored(database, [scheduled(days) for days in range(many, 0, -1)])  # the last stored goes first
    listing = await chat.send(chat.person(STAFF), "/broadcasts")
    assert len(listing) == 3
    found = [code for message in listing for code in codes(message)]
    assert {f"bc:cancel:{n}" for n in range(1, many + 1)} <= set(found)
    assert {f"bc:edit:{n}" for n in range(1, many + 1)} <= set(found)
    assert codes(listing[0])[:2] == [f"bc:edit:{many}", f"bc:cancel:{many}"]  # the next to go first
    assert all(len(codes(message)) <= 2 * OPEN_PER_MESSAGE for message in listing)


async def test_those_unreachable_from_the_start_count_in_the_total(chat: ChatDriver, database: Database) -> None:
    """Regression (fix-channel): a broadcast to six people, one of whom had blocked the bot, was listed "5 sent,
    0 failed, 1 unreachable of 5": the total counted only the messages queued, the unreachable those left out too."""
    await stored(database, [{**done(), "recipients": 5, "progress": {"sent": 5, "unreachable_at_start": 1}}])
    listing = await chat.send(chat.person(STAFF), "/broadcasts")
    assert "done: 5 sent, 0 failed, 1 unreachable of 6" in listing[0].text


async def test_a_broadcast_not_finished_says_whose_it_is_and_how_it_begins(chat: ChatDriver,
                                                                          database: Database) -> None:
    """Tester (a staff day): a colleague cancelled Nadia's broadcast from "#1 · scheduled for …, to 3 people",
    without knowing whose or what it was. Each one scheduled or being sent says who wrote it and how it begins, in the
    reader's language when it has a text in it; ten of them, with long names and texts, still fit one message."""
    async with database.uow() as uow:
        bea = (await uow.session.execute(sa.select(Contact).where(Contact.telegram_id == STAFF))).scalar_one()
        bea.full_name = "Beatriz " + "Keller-" * 20
        await uow.commit()
    texts = {"en": "<b>WTDC webinar</b> on 15 January " + "with the regional offices " * 40,
             "ru": "Вебинар ВКРЭ 15 января " + "с региональными отделениями " * 40}
    await stored(database, [{**scheduled(days), "texts": texts, "created_by": bea.id} for days in range(1, 10)]
                 + [{**scheduled(30), "texts": {"en": "From the command line"}, "created_by": None}])
    for language, begins in (("en", "“WTDC webinar on 15 January with the"), ("ru", "«Вебинар ВКРЭ 15 января")):
        (listing,) = await chat.send(chat.person(STAFF, "Bea", language), "/broadcasts")
        assert listing.text.count("Beatriz Keller-") == 9 and begins in listing.text, listing.text
        assert "<b>" not in listing.text and visible_length(listing.text) <= TEXT_LIMIT
    (english,) = await chat.send(chat.person(STAFF, "Bea", "en"), "/broadcasts")
    assert "↳ from the command line: “From the command line”" in english.text, english.text
