"""Names typed with NUL, bidi controls or zero-width characters: stored clean, and duplicates still found."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver
from sqlmodel import select

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.database import Database
from models.tables import Contact, Entity


@pytest.fixture
def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver on each backend."""
    return ChatDriver(database, deps, renderer)


async def register(chat: ChatDriver, telegram_id: int, org: str, name: str) -> list[str]:
    person = chat.person(telegram_id)
    await chat.send(person, "/start")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, org)
    await chat.press(person, "f:sector:c:government")
    await chat.send(person, "Senegal")
    await chat.send(person, name)
    return [m.text for m in await chat.press(person, "f:$sum:submit")]


async def test_a_nul_in_an_organisation_name_is_dropped_not_an_error(chat: ChatDriver, database: Database) -> None:
    done = await register(chat, 1, "Ministry\x00 of ICT", "Awa\x00 Diop\u202e")
    assert "is registered" in done[0] and "Sorry" not in done[0]
    async with database.uow() as uow:
        entity = (await uow.session.execute(select(Entity))).scalar_one()
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == 1))).scalar_one()
    assert (entity.name, contact.full_name) == ("Ministry of ICT", "Awa Diop")


@pytest.mark.parametrize("lookalike", ["Mini\u200bstry of ICT", "\u202eMinistry of ICT", "Ｍｉｎｉｓｔｒｙ of ICT"])
async def test_invisible_characters_do_not_evade_the_duplicate_check(chat: ChatDriver, database: Database,
                                                                     lookalike: str) -> None:
    await register(chat, 1, "Ministry of ICT", "Awa Diop")
    again = await register(chat, 2, lookalike, "Moussa Ndiaye")
    assert "is already registered" in again[0]
    async with database.uow() as uow:
        assert len((await uow.session.execute(select(Entity))).all()) == 1
