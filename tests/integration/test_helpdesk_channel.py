"""The two-way channel as staff live it (exploratory report j_channel #3, #4, #5): an answer to a person who blocked
the bot, the daily reminder of waiting questions as it reads when it goes out, and questions closed by /forget."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Entity, QuestionThread
from models.values import EntityStatus, Role

BEA, CARL, ANA, OTTO = 9501, 9502, 9503, 9504


def utc(*args: int) -> datetime:
    """An aware UTC moment."""
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
async def chat(sqlite_database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Two staff members (Bea, Carl) and two focal points (Ana, Otto) of one validated entity."""
    driver = ChatDriver(sqlite_database, deps, renderer)
    for telegram_id, name in ((BEA, "Bea"), (CARL, "Carl")):
        await grant_role(GrantRole(telegram_id, Role.staff), sqlite_database.uow(), utcnow())
        await driver.send(driver.person(telegram_id, name), "/help")
    async with sqlite_database.uow() as uow:
        entity = Entity(name="Ministerio TIC", name_key="ministerio tic", sector="government", country_iso3="ESP",
                        status=EntityStatus.validated)
        uow.session.add(entity)
        await uow.session.flush()
        for telegram_id, name in ((ANA, "Ana García"), (OTTO, "Otto")):
            uow.session.add(Contact(telegram_id=telegram_id, chat_id=telegram_id, first_name=name, full_name=name,
                                    language="en", role=Role.focal_point, entity_id=entity.id, consent_at=utcnow()))
        await uow.commit()
    return driver


async def ask(chat: ChatDriver, telegram_id: int, text: str = "How do I change my pledge?") -> int:
    """The person asks with /ask; the new thread's id."""
    await chat.send(chat.person(telegram_id, "X"), f"/ask {text}")
    async with chat.database.uow() as uow:
        return int((await uow.session.execute(select(QuestionThread.id).order_by(col(QuestionThread.id).desc())))
                   .scalars().first() or 0)


async def contact_id(database: Database, telegram_id: int) -> int:
    """The contact id of a Telegram user."""
    async with database.uow() as uow:
        return int((await uow.session.execute(select(Contact.id).where(col(Contact.telegram_id) == telegram_id)))
                   .scalar_one())


async def block(database: Database, telegram_id: int) -> None:
    """The person blocks the bot, as delivery finds out (Contacts.mark_blocked)."""
    async with database.uow() as uow:
        found = await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == telegram_id))
        contact = found.scalar_one()
        contact.blocked = True
        await uow.commit()


async def answer(chat: ChatDriver, thread_id: int, text: str) -> list[str]:
    """Bea answers with ✍️ Answer and Send; what she is told after Send."""
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"qa:ans:{thread_id}")
    await chat.send(bea, text)
    return [m.text for m in await chat.press(bea, "f:message:send")]


# --- #5: /forget closes the person's questions: staff are told why ---

async def test_forget_tells_the_owner_why_the_question_closed_and_the_composer_says_it(chat: ChatDriver) -> None:
    """Before: nothing until Send, then a bare "Question Q-1 is closed. Nothing of yours was sent."."""
    thread_id = await ask(chat, ANA)
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"qa:ans:{thread_id}")
    await chat.send(bea, "Use /mypledges.")
    ana = chat.person(ANA, "Ana")
    await chat.send(ana, "/forget")
    await chat.press(ana, "me:forget:yes")
    reason = f"Question Q-{thread_id} was closed: the person who asked it asked to be forgotten."
    assert any(reason in m.text for m in await chat.collect(BEA))
    assert not any(reason in m.text for m in await chat.collect(CARL)), "the owner only"
    sent = [m.text for m in await chat.press(bea, "f:message:send")]
    assert sent == [f"Question Q-{thread_id} is closed, and the person who asked it asked to be forgotten: nothing "
                    "can be sent to them. Nothing of yours was sent."], sent


async def test_forget_on_a_question_nobody_took_tells_every_staff_member(chat: ChatDriver) -> None:
    """Nobody took it: every staff member had its copy, and each is told why it closed."""
    thread_id = await ask(chat, OTTO)
    otto = chat.person(OTTO, "Otto")
    await chat.send(otto, "/forget")
    await chat.press(otto, "me:forget:yes")
    reason = f"Question Q-{thread_id} was closed: the person who asked it asked to be forgotten."
    for staff in (BEA, CARL):
        assert any(reason in m.text for m in await chat.collect(staff)), staff
