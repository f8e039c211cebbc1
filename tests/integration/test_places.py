"""A person's place in an organisation, from the exploratory tests: one organisation whatever apostrophe its name
is typed with, a join request remembered, nobody invited into a rejected organisation, and invitations that point
to the person who sent them."""

from __future__ import annotations

import re

import pytest
from chat_driver import ChatDriver
from sqlalchemy import insert
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.onboarding import name_key
from models.database import Database
from models.migrate import downgrade, upgrade
from models.repositories.base import table_of
from models.repositories.entities import Entities
from models.tables import Contact, Entity

STAFF, AWA, FATOU, BOB = 9500, 9501, 9502, 9503
LINK = re.compile(r"https://t\.me/p2c_test_bot\?start=([A-Za-z0-9_-]+)")
ECONOMY = "Ministère de l'Économie numérique du Sénégal"


@pytest.fixture
async def chat(sqlite_database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await ChatDriver.with_staff(sqlite_database, deps, renderer, STAFF)


async def register(chat: ChatDriver, telegram_id: int, organisation: str, name: str) -> list[str]:
    """Someone registers an organisation with /start; what the bot said at the end."""
    person = chat.person(telegram_id, name.split()[0])
    await chat.send(person, "/start")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, organisation)
    await chat.press(person, "f:sector:c:government")
    await chat.send(person, "Senegal")
    await chat.send(person, name)
    return [m.text for m in await chat.press(person, "f:$sum:submit")]


async def entities(database: Database) -> list[Entity]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Entity).order_by(col(Entity.id)))).scalars())


async def contact(database: Database, telegram_id: int) -> Contact:
    async with database.uow() as uow:
        return (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == telegram_id))).scalar_one()


@pytest.mark.parametrize("typed", ["ministère de l’économie numérique du Sénégal",  # iOS and macOS type ’
                                   "MINISTÈRE DE LʼÉCONOMIE NUMÉRIQUE DU SÉNÉGAL", "Ministère de l‘Économie numérique "
                                   "du Sénégal"])
async def test_an_organisation_typed_with_another_apostrophe_is_not_registered_twice(chat: ChatDriver,
                                                                                     typed: str) -> None:
    await register(chat, AWA, ECONOMY, "Awa Diop")
    said = await register(chat, FATOU, typed, "Fatou Sow")
    assert "is already registered" in said[-1] and ECONOMY in said[-1]
    assert [e.name for e in await entities(chat.database)] == [ECONOMY]


async def test_the_upgrade_folds_the_stored_name_keys(empty_database: Database) -> None:
    await upgrade(empty_database, "0012")
    rows = [(1, "Agence de l’Informatique", "agence de l’informatique"),
            (2, "Guinée–Bissau Télécom", "guinée–bissau télécom"),
            (3, "ONG d'Appui", "ong d'appui"), (4, "ONG d’Appui", "ong d’appui"),  # registered twice already
            (5, "Sonatel", "sonatel")]
    async with empty_database.uow() as uow:
        for entity_id, name, key in rows:
            await uow.session.execute(insert(table_of(Entity)).values(id=entity_id, name=name, name_key=key,
                                                                      sector="government", status="validated"))
        await uow.commit()
    await upgrade(empty_database)
    keys = {e.id: e.name_key for e in await entities(empty_database)}
    assert keys == {1: "agence de l'informatique", 2: "guinée-bissau télécom", 3: "ong d'appui", 4: "ong d’appui",
                    5: "sonatel"}
    async with empty_database.uow() as uow:
        found = await Entities(uow.session).by_name_key(name_key("AGENCE DE L'INFORMATIQUE"))
        assert found is not None and found.id == 1
    await downgrade(empty_database, "0012")
    assert {e.id: e.name_key for e in await entities(empty_database)} == {i: key for i, _, key in rows}
