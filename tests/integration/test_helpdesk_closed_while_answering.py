"""Regressions of answers and messages lost around a closed question: the owner's answer was thrown away when the
person closed the question while it was written; a colleague's answer held for a take-over stayed open (and came back
after every command) once the question was closed; the owner's copy of a follow-up offered 🙋 Take; and a reply to a
copy on a closed question replaced a message the person was writing."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from test_helpdesk import ANA, BEA, CARL, actions, ask, copy_id, focal_point, messages, threads

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.values import Role, ThreadStatus


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Two staff members (Bea, Carl) and Ana, a focal point reading the bot in Spanish."""
    driver = ChatDriver(database, deps, renderer)
    for telegram_id, name in ((BEA, "Bea"), (CARL, "Carl")):
        await grant_role(GrantRole(telegram_id, Role.staff), database.uow(), utcnow())
        await driver.send(driver.person(telegram_id, name), "/help")
    await focal_point(database, ANA, "Ana García", "es", "Ministerio TIC")
    return driver


async def answered_and_replied(chat: ChatDriver, database: Database) -> int:
    """Ana asks; Carl answers (the thread is his); Ana replies to the answer. The thread's id."""
    thread_id = await ask(chat)
    carl, ana = chat.person(CARL, "Carl"), chat.person(ANA, "Ana", "es")
    await chat.send(carl, "Use the financial pledge type.", reply_to=await copy_id(database, thread_id, CARL))
    await chat.collect(ANA)
    await chat.send(ana, "¿Y en ruso?", reply_to=await copy_id(database, thread_id, ANA))
    await chat.collect(CARL)
    await chat.collect(BEA)
    return thread_id


async def test_the_owners_answer_to_a_question_its_asker_closed_meanwhile_can_still_be_sent(
        chat: ChatDriver, database: Database) -> None:
    """Carl typed his answer; Ana closed the question; Carl pressed Send and was told nothing was sent, his text gone.
    Now it comes back with 📨 Send it anyway, which delivers it: the question stays closed (Ana closed it), and her
    reply to that late answer is offered as a new question following it."""
    thread_id = await answered_and_replied(chat, database)
    carl, ana = chat.person(CARL, "Carl"), chat.person(ANA, "Ana", "es")
    await chat.press(carl, f"qa:ans:{thread_id}")
    await chat.send(carl, "Sí: https://itu.int/ru")
    await chat.press(ana, f"qa:close:{thread_id}")
    await chat.collect(CARL)

    again = await chat.press(carl, "f:message:send")
    assert "Sí: https://itu.int/ru" in again[-1].text and codes(again[-1])[0] == "f:message:anyway", again[-1].text
    assert "Send it anyway" in again[-1].text and len(await messages(database, thread_id)) == 3
    sent = await chat.press(carl, "f:message:anyway")
    assert f"Your answer to Q-{thread_id} is sent" in sent[-1].text, sent[-1].text
    [copy] = await chat.collect(ANA)
    assert "Sí: https://itu.int/ru" in copy.text and codes(copy) == [], copy.text
    [thread] = await threads(database)
    assert thread.status == ThreadStatus.closed and (await messages(database, thread_id))[-1].text == \
        "Sí: https://itu.int/ru"
    assert ("question.answered", thread_id, {"message": 4, "files": 0, "after_close": True}) in \
        await actions(database)

    offered = await chat.send(ana, "Gracias, otra cosa.", reply_to=await copy_id(database, thread_id, ANA, 1))
    assert f"Q-{thread_id}" in offered[-1].text and "f:message:send" in codes(offered[-1]), offered[-1].text


async def test_an_old_send_on_a_question_closed_meanwhile_asks_first(chat: ChatDriver, database: Database) -> None:
    """The 📨 Send shown before Ana closed the question does not deliver: the composer says it is closed."""
    thread_id = await answered_and_replied(chat, database)
    carl, ana = chat.person(CARL, "Carl"), chat.person(ANA, "Ana", "es")
    await chat.press(carl, f"qa:ans:{thread_id}")
    await chat.send(carl, "Sí: https://itu.int/ru")
    await chat.press(ana, f"qa:close:{thread_id}")
    await chat.collect(CARL)
    shown = await chat.send(carl, "/pending")
    assert codes(shown[-1]) == ["f:message:anyway", "f:message:cancel"], shown[-1].text
    again = await chat.press(carl, "f:message:send")
    assert f"Question Q-{thread_id} is closed." in again[-1].text and "Sí: https://itu.int/ru" in again[-1].text
    assert len(await messages(database, thread_id)) == 3 and await chat.collect(ANA) == []


async def test_a_held_answer_ends_with_its_text_given_back_when_the_question_closes(
        chat: ChatDriver, database: Database) -> None:
    """Bea's answer held for taking over Carl's question stayed open after he closed it: it came back after every
    command, and its take-over then showed a Send that could not deliver. Now she is told, her text given back."""
    thread_id = await ask(chat)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(carl, f"qa:take:{thread_id}")
    await chat.collect(BEA)
    await chat.press(bea, f"qa:ans:{thread_id}")
    await chat.send(bea, "Mi borrador para Ana.")
    await chat.send(carl, "Use the financial pledge type.", reply_to=await copy_id(database, thread_id, CARL))
    await chat.press(carl, f"qa:close:{thread_id}")

    [told] = await chat.collect(BEA)
    assert f"Question Q-{thread_id} was closed, so your answer to it was not sent" in told.text, told.text
    assert "Mi borrador para Ana." in told.text and codes(told) == []
    later = await chat.send(bea, "/help")
    assert not any("back to the current question" in m.text or "Write your answer" in m.text for m in later)
    said = await chat.press(bea, f"qa:over:{thread_id}:4")
    assert not any("f:message:send" in codes(m) for m in said), [m.text for m in said]


async def test_the_owners_copy_of_a_follow_up_offers_no_take(chat: ChatDriver, database: Database) -> None:
    """Carl's copy of Ana's reply on his question had 🙋 Take, which only said it was his already."""
    thread_id = await ask(chat)
    carl, ana = chat.person(CARL, "Carl"), chat.person(ANA, "Ana", "es")
    await chat.send(carl, "Use the financial pledge type.", reply_to=await copy_id(database, thread_id, CARL))
    await chat.collect(BEA)
    await chat.send(ana, "¿Y en ruso?", reply_to=await copy_id(database, thread_id, ANA))
    [copy] = await chat.collect(CARL)
    assert codes(copy) == [f"qa:ans:{thread_id}", f"qa:close:{thread_id}"], codes(copy)
    assert await chat.collect(BEA) == []


async def test_a_reply_to_a_closed_questions_copy_keeps_the_question_being_written(
        chat: ChatDriver, database: Database) -> None:
    """Ana was writing a new question when she replied to BDT's answer on a closed question: the offer to send that
    reply as a new question replaced her unsent one. Now her question is kept and asked again."""
    thread_id = await ask(chat)
    carl, ana = chat.person(CARL, "Carl"), chat.person(ANA, "Ana", "es")
    await chat.send(carl, "Use the financial pledge type.", reply_to=await copy_id(database, thread_id, CARL))
    await chat.press(ana, f"qa:close:{thread_id}")
    await chat.send(ana, "/ask")
    await chat.send(ana, "Otra pregunta importante.")
    kept = await chat.send(ana, "Y otra cosa.", reply_to=await copy_id(database, thread_id, ANA))
    assert "Otra pregunta importante." in kept[-1].text and "f:message:send" in codes(kept[-1]), kept[-1].text
    assert "Y otra cosa." not in kept[-1].text
    await chat.press(ana, "f:message:send")
    assert (await messages(database, thread_id + 1))[0].text == "Otra pregunta importante."


async def test_reply_pressed_again_keeps_the_reply_being_written(chat: ChatDriver, database: Database) -> None:
    """↩️ Reply pressed again on the same question opened an empty composer: what Ana had written was lost."""
    thread_id = await ask(chat)
    carl, ana = chat.person(CARL, "Carl"), chat.person(ANA, "Ana", "es")
    await chat.send(carl, "Use the financial pledge type.", reply_to=await copy_id(database, thread_id, CARL))
    await chat.press(ana, f"qa:re:{thread_id}")
    await chat.send(ana, "Mi respuesta.")
    again = await chat.press(ana, f"qa:re:{thread_id}")
    assert "Mi respuesta." in again[-1].text and "f:message:send" in codes(again[-1]), again[-1].text


async def test_a_reply_to_a_closed_questions_copy_joins_the_owners_answer_being_written(
        chat: ChatDriver, database: Database) -> None:
    """Carl, writing his answer when Ana closed the question, replies to her copy with more: both are kept, to send
    anyway."""
    thread_id = await answered_and_replied(chat, database)
    carl, ana = chat.person(CARL, "Carl"), chat.person(ANA, "Ana", "es")
    await chat.press(carl, f"qa:ans:{thread_id}")
    await chat.send(carl, "First part.")
    await chat.press(ana, f"qa:close:{thread_id}")
    await chat.collect(CARL)
    joined = await chat.send(carl, "Second part.", reply_to=await copy_id(database, thread_id, CARL, 1))
    assert "First part.\n\nSecond part." in joined[-1].text, joined[-1].text
    assert codes(joined[-1])[0] == "f:message:anyway"
    await chat.press(carl, "f:message:anyway")
    assert (await messages(database, thread_id))[-1].text == "First part.\n\nSecond part."
