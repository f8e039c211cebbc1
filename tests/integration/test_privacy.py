"""Privacy at the door (issue 11, item 15): consent before anything personal, nothing kept of a cancelled
onboarding, and of a stranger only what answering needs."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlalchemy import insert
from sqlmodel import SQLModel, col, select

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.inputs import Person
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.tables import Contact, Outbox

ORG, NAME = "Zephyrine Quokka Networks", "Quentin Xylander"
TELEGRAM_NAMES = ("Tiberius", "Quaxley", "tquax_77")


@pytest.fixture
def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver on each backend."""
    return ChatDriver(database, deps, renderer)


def stranger(telegram_id: int, language: str = "fr") -> Person:
    """Someone with all three Telegram names set."""
    return Person(telegram_id, telegram_id, TELEGRAM_NAMES[0], TELEGRAM_NAMES[1], TELEGRAM_NAMES[2], language)


async def tables_holding(database: Database, *needles: str) -> set[str]:
    """The tables in which any row holds one of `needles` anywhere in its columns."""
    found = set()
    async with database.uow() as uow:
        for table in SQLModel.metadata.sorted_tables:
            for row in await uow.session.execute(select(table)):
                if any(needle.casefold() in repr(tuple(row)).casefold() for needle in needles):
                    found.add(table.name)
    return found


async def test_consent_is_the_first_question_of_registration_and_of_joining(chat: ChatDriver) -> None:
    answers = await chat.send(chat.person(1), "/start")
    assert "May ITU store your name" in answers[-1].text and "f:consent:c:yes" in codes(answers[-1])


@pytest.mark.parametrize("where", ["summary", "name"])
async def test_a_cancelled_onboarding_leaves_no_name_or_organisation(chat: ChatDriver, database: Database,
                                                                    where: str) -> None:
    person = stranger(2, "en")
    await chat.send(person, "/start")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, ORG)
    await chat.press(person, "f:sector:c:academia")
    await chat.send(person, "Kenya")
    if where == "summary":
        summary = await chat.send(person, NAME)
        assert NAME in summary[-1].text and ORG in summary[-1].text  # shown back: so it was in an outbox row
    await chat.send(person, "/cancel")
    answers = await chat.press(person, "f:$cancel:yes")
    assert "Nothing was kept" in answers[-1].text
    assert await tables_holding(database, ORG, NAME, *TELEGRAM_NAMES) == set()
    async with database.uow() as uow:  # the rows themselves stay (idempotency, edits), without their text
        rows = (await uow.session.execute(select(Outbox))).scalars().all()
        assert rows and all(row.status in ("sent", "cancelled") for row in rows)


async def test_a_stranger_who_says_hello_is_kept_without_names(chat: ChatDriver, database: Database) -> None:
    person = stranger(3, "es")
    answers = await chat.send(person, "hola")
    assert "/help" in answers[0].text
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == 3))).scalar_one()
        assert (contact.first_name, contact.last_name, contact.username, contact.full_name) == ("", None, None, None)
        # what answering needs: where to send, and in which language
        assert (contact.chat_id, contact.telegram_language) == (3, "es")
    await chat.send(person, "/start")  # the greeting does not repeat a name either
    assert await tables_holding(database, *TELEGRAM_NAMES) == set()


async def test_telegram_names_are_kept_once_the_person_registered(chat: ChatDriver, database: Database) -> None:
    person = stranger(4, "en")
    await chat.send(person, "/start")
    await chat.press(person, "f:consent:c:yes")
    for value in (ORG, "f:sector:c:academia", "Kenya", NAME, "f:$sum:submit"):
        await (chat.press(person, value) if value.startswith("f:") else chat.send(person, value))
    await chat.send(person, "/help")
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == 4))).scalar_one()
        assert (contact.full_name, contact.first_name, contact.username) == (NAME, "Tiberius", "tquax_77")


async def test_the_migration_forgets_the_names_of_strangers_only(empty_database: Database) -> None:
    await upgrade(empty_database, "0006")
    async with empty_database.uow() as uow:
        for telegram_id, role, consent in ((5, None, None), (6, "staff", None), (7, None, utcnow())):
            await uow.session.execute(insert(Contact).values(
                telegram_id=telegram_id, chat_id=telegram_id, first_name="Tiberius", last_name="Quaxley",
                username="tquax_77", role=role, consent_at=consent, blocked=False, created_at=utcnow()))
        await uow.commit()
    await upgrade(empty_database)
    async with empty_database.uow() as uow:
        rows = (await uow.session.execute(select(Contact.telegram_id, Contact.first_name, Contact.username)
                                          .order_by(col(Contact.telegram_id)))).all()
    assert [tuple(row) for row in rows] == [(5, "", None), (6, "Tiberius", "tquax_77"), (7, "Tiberius", "tquax_77")]
