"""A reply to a question's history as /questions shows it (🔎 Q-n, with Take / Answer / Close) works as a reply to
the question's copy does (tester t2, F6): staff answer it, or, the question being a colleague's, are offered to take
it over with what they typed kept; the person who asked continues their question. Before, staff were told "That
message is not a question I can answer from this chat. Nothing was sent." and the answer typed was lost (the card
was an ordinary reply, not traced to the thread); on both backends."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select
from test_helpdesk import ANA, BEA, CARL, ask, focal_point, messages, threads

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import Contact
from models.values import Role, ThreadStatus

REFUSED = "not a question I can answer"


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Two staff members (Bea, Carl) and Ana, a focal point reading the bot in Spanish."""
    driver = ChatDriver(database, deps, renderer)
    for telegram_id, name in ((BEA, "Bea"), (CARL, "Carl")):
        await grant_role(GrantRole(telegram_id, Role.staff), database.uow(), utcnow())
        await driver.send(driver.person(telegram_id, name), "/help")
    await focal_point(database, ANA, "Ana García", "es", "Ministerio TIC")
    return driver


async def history_card(chat: ChatDriver, telegram_id: int, name: str, thread_id: int) -> int:
    """The person opens the question from /questions (🔎 Q-n): Telegram's id of the history card shown."""
    person = chat.person(telegram_id, name, "es" if telegram_id == ANA else "en")
    await chat.send(person, "/questions")
    shown = await chat.press(person, f"qa:open:{thread_id}")
    assert f"Q-{thread_id}" in shown[-1].text and shown[-1].buttons, shown[-1].text
    return chat.sent_ids[-1]


async def contact_id(database: Database, telegram_id: int) -> int:
    async with database.uow() as uow:
        return int((await uow.session.execute(select(Contact.id).where(col(Contact.telegram_id) == telegram_id)))
                   .scalar_one())


async def test_a_reply_to_the_history_card_answers_the_question(chat: ChatDriver, database: Database) -> None:
    thread_id = await ask(chat)
    await chat.collect(ANA)
    bea = chat.person(BEA, "Bea")
    card = await history_card(chat, BEA, "Bea", thread_id)
    said = await chat.send(bea, "Choose the financial type.", reply_to=card)
    assert not any(REFUSED in m.text for m in said), [m.text for m in said]
    assert any(f"Your answer to Q-{thread_id} is sent." in m.text for m in said), [m.text for m in said]
    assert [m.text for m in await messages(database, thread_id)][-1] == "Choose the financial type."
    [thread] = await threads(database)
    assert thread.status == ThreadStatus.answered and thread.owner_id == await contact_id(database, BEA)
    assert any("Choose the financial type." in m.text for m in await chat.collect(ANA))


async def test_a_reply_to_the_card_of_a_colleagues_question_keeps_the_answer(chat: ChatDriver,
                                                                           database: Database) -> None:
    thread_id = await ask(chat)
    await chat.press(chat.person(BEA, "Bea"), f"qa:take:{thread_id}")
    carl = chat.person(CARL, "Carl")
    card = await history_card(chat, CARL, "Carl", thread_id)
    said = await chat.send(carl, "Choose the financial type.", reply_to=card)
    shown = "\n".join(m.text for m in said)
    assert REFUSED not in shown, shown
    assert f"Question Q-{thread_id} was taken by Bea" in shown, shown
    assert "Choose the financial type." in said[-1].text, "the answer typed is kept, to send once taken over"
    assert len(await messages(database, thread_id)) == 1, "nothing sent while it is Bea's"


async def test_the_asker_replying_to_their_history_card_continues_the_question(chat: ChatDriver,
                                                                               database: Database) -> None:
    thread_id = await ask(chat)
    await chat.press(chat.person(BEA, "Bea"), f"qa:ans:{thread_id}")
    await chat.send(chat.person(BEA, "Bea"), "Use the financial type.")
    await chat.press(chat.person(BEA, "Bea"), "f:message:send")
    await chat.collect(ANA)
    card = await history_card(chat, ANA, "Ana", thread_id)
    await chat.send(chat.person(ANA, "Ana", "es"), "¿Y el monto mínimo?", reply_to=card)
    [thread] = await threads(database)
    assert [m.text for m in await messages(database, thread_id)][-1] == "¿Y el monto mínimo?"
    assert thread.status == ThreadStatus.open, "the reply waits for BDT again"
