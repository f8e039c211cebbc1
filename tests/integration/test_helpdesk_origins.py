"""Regressions of j_channel.md #7, #8 and #9: staff are told what a new question follows (the broadcast the person
replied to, the closed question they replied on, which goes to that question's former owner first) and who a
coordinator is (their scope, not "Recent pledges: none yet")."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_helpdesk import ANA, BEA, CARL, OTTO, copy_id, focal_point, threads
from test_helpdesk_takeover import contact_id

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.forms.formatting import format_date
from models.clock import utcnow
from models.database import Database
from models.repositories.subscriptions import Scopes
from models.scope import Scope, ScopeKind
from models.tables import Broadcast, Contact, Outbox
from models.values import Role, ThreadStatus

STAFF, FOCAL_FR = 9100, 101
LAYLA = 9350


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Two staff members (Bea, Carl) and two focal points (Ana, Otto) of two entities, as in test_helpdesk."""
    driver = ChatDriver(database, deps, renderer)
    for telegram_id, name in ((BEA, "Bea"), (CARL, "Carl")):
        await grant_role(GrantRole(telegram_id, Role.staff), database.uow(), utcnow())
        await driver.send(driver.person(telegram_id, name), "/help")
    await focal_point(database, ANA, "Ana García", "es", "Ministerio TIC")
    await focal_point(database, OTTO, "Otto", "en", "Otto Telecom")
    return driver


async def ask(chat: ChatDriver) -> int:
    """Otto, who reads the bot in English, asks a question; its thread's id."""
    await chat.send(chat.person(OTTO, "Otto"), "/ask How do I report on a pledge that ended early?")
    return (await threads(chat.database))[-1].id or 0


async def test_a_question_replying_to_a_broadcast_says_which_broadcast(database: Database, deps: Deps,
                                                                      renderer: Renderer) -> None:
    """#7: Awa's reply to a broadcast became a question whose staff copy did not name the broadcast, although the bot
    knew which message she replied to."""
    driver = await (await ChatDriver.with_staff(database, deps, renderer, STAFF)).with_focal_points(("en", "fr"))
    staff = driver.person(STAFF, "Bea")
    await driver.send(staff, "/broadcast")
    for code in ("f:audience:c:everyone", "f:audience:done", "f:attachment:skip", "f:language:c:en"):
        await driver.press(staff, code)
    await driver.send(staff, "Webinar on 15 January: reply to this message with your questions.")
    for code in ("f:translations:done", "f:when:c:now", "f:$sum:submit"):
        await driver.press(staff, code)
    await driver.collect(FOCAL_FR)
    async with database.uow() as uow:
        broadcast = (await uow.session.execute(select(Broadcast))).scalar_one()
        contact_id = (await uow.session.execute(select(Contact.id).where(col(Contact.telegram_id) == FOCAL_FR)))\
            .scalar_one()
        message_id = (await uow.session.execute(select(Outbox.telegram_message_id).where(
            col(Outbox.key) == f"bc:{broadcast.id}:{contact_id}"))).scalar_one()
    awa = driver.person(FOCAL_FR, "Awa", "fr")
    offered = await driver.send(awa, "Est-ce que le webinaire sera traduit ?", reply_to=message_id)
    assert "f:message:send" in codes(offered[-1]), offered[-1].text
    await driver.collect(STAFF)
    await driver.press(awa, "f:message:send")
    [copy] = await driver.collect(STAFF)
    sent_on = format_date((broadcast.started_at or broadcast.created_at).date(), "en")
    assert f"In reply to broadcast #{broadcast.id} ({sent_on})." in copy.text, copy.text
    assert "Est-ce que le webinaire sera traduit ?" in copy.text


async def test_an_ordinary_question_names_no_broadcast(chat: ChatDriver, database: Database) -> None:
    """#7, the other side: a question replying to no broadcast says nothing of one."""
    await chat.send(chat.person(OTTO, "Otto"), "How do I add a second pledge?")
    await chat.press(chat.person(OTTO, "Otto"), "f:message:send")
    [copy] = await chat.collect(BEA)
    assert "How do I add a second pledge?" in copy.text and "broadcast" not in copy.text, copy.text


async def answered_and_closed(chat: ChatDriver, database: Database) -> int:
    """Otto's question, answered by Bea, who closed it; everyone's chat read: its id."""
    thread_id = await ask(chat)
    bea = chat.person(BEA, "Bea")
    await chat.send(bea, "Answer.", reply_to=await copy_id(database, thread_id, BEA))
    await chat.press(bea, f"qa:close:{thread_id}")
    await chat.collect(BEA), await chat.collect(CARL), await chat.collect(OTTO)
    return thread_id


async def test_a_reply_on_a_closed_question_is_one_prompt_and_follows_it_to_its_former_owner(
        chat: ChatDriver, database: Database) -> None:
    """#8: replying on a closed question gave two prompts in a row ("closed. Send this as a new question?", then "Send
    this … as a question?"), and the new question reached every staff member with no word of the closed one."""
    thread_id = await answered_and_closed(chat, database)
    otto = chat.person(OTTO, "Otto")
    offered = await chat.send(otto, "One more thing", reply_to=await copy_id(database, thread_id, OTTO))
    assert len(offered) == 1, [m.text for m in offered]
    shown = offered[0].text
    assert f"Question Q-{thread_id} is closed. Send this to the P2C team at BDT as a new question?" in shown, shown
    assert shown.count("Send this") == 1 and "f:message:send" in codes(offered[0]), shown
    await chat.press(otto, "f:message:send")
    assert [t.status for t in await threads(database)] == [ThreadStatus.closed, ThreadStatus.open]
    [copy] = await chat.collect(BEA)
    assert f"Follows question Q-{thread_id}, which is closed." in copy.text and "One more thing" in copy.text, \
        copy.text
    assert await chat.collect(CARL) == [], "Bea, who answered the closed question, hears of the new one first"
    # and it is hers, as a reply's thread would be: no Take that nobody else was shown, not "not taken" in /questions
    new = (await threads(database))[-1]
    assert new.owner_id == await contact_id(database, BEA) and not any(code.startswith("qa:take:")
                                                                       for code in codes(copy))


async def test_a_follow_up_of_a_question_nobody_took_reaches_every_staff_member(chat: ChatDriver,
                                                                               database: Database) -> None:
    """#8: Otto closed his question, nobody having taken it, while his reply on it was being written: Send offers it
    once as a new question, which follows the closed one and goes to every staff member (it had no owner)."""
    thread_id = await ask(chat)
    otto = chat.person(OTTO, "Otto")
    await chat.press(otto, f"qa:re:{thread_id}")
    await chat.send(otto, "Still a doubt")
    await chat.press(otto, f"qa:close:{thread_id}")
    await chat.collect(BEA), await chat.collect(CARL)
    offered = await chat.press(otto, "f:message:send")
    assert len(offered) == 1 and offered[0].text.count("Send this") == 1, [m.text for m in offered]
    assert f"Question Q-{thread_id} is closed." in offered[0].text, offered[0].text
    await chat.press(otto, "f:message:send")
    for staff_id in (BEA, CARL):
        [copy] = await chat.collect(staff_id)
        assert f"Follows question Q-{thread_id}, which is closed." in copy.text, copy.text



async def test_reply_on_a_closed_question_opens_a_new_question_that_follows_it(chat: ChatDriver,
                                                                               database: Database) -> None:
    """A tester: a question closed after two weeks says to reply to BDT's answer if more is needed, but its ↩️ Reply
    answered "Question Q-1 is closed. To ask something new, send /ask", when a Telegram reply to it worked."""
    thread_id = await ask(chat)
    otto = chat.person(OTTO, "Otto")
    await chat.press(otto, f"qa:close:{thread_id}")
    await chat.collect(BEA), await chat.collect(CARL)
    opened = await chat.press(otto, f"qa:re:{thread_id}")
    assert f"Question Q-{thread_id} is closed." in opened[-1].text and "Write your question" in opened[-1].text, \
        opened[-1].text
    added = [*await chat.send(otto, "One more thing about it"), *await chat.send(otto, "/ask")]
    assert not any("is closed" in m.text for m in added), "said once, not each time it is asked again (tester)"
    await chat.press(otto, "f:message:send")
    for staff_id in (BEA, CARL):
        [copy] = await chat.collect(staff_id)
        assert f"Follows question Q-{thread_id}, which is closed." in copy.text and "One more thing" in copy.text

@pytest.mark.parametrize(("scope", "said"), [
    (Scope(ScopeKind.region, ("arab_states",)), "<b>Coordinator</b>: ITU region: Arab States"),
    (None, "<b>Coordinator</b>: All pledges"),
])
async def test_a_coordinators_question_shows_their_scope_not_pledges(chat: ChatDriver, database: Database,
                                                                     scope: Scope | None, said: str) -> None:
    """#9: Layla, coordinator for the Arab States, reached staff as a focal point would, with "Recent pledges: none
    yet"."""
    await grant_role(GrantRole(LAYLA, Role.coordinator), database.uow(), utcnow())
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == LAYLA))).scalar_one()
        contact.consent_at, contact.full_name, contact.language = utcnow(), "Layla Haddad", "ar"
        uow.session.add(contact)
        if scope is not None:
            await Scopes(uow.session).set(contact.id or 0, scope, None, utcnow())
        await uow.commit()
    await chat.send(chat.person(LAYLA, "Layla", "ar"), "/ask ما هو الموعد النهائي لتقديم التقارير؟")
    [copy] = await chat.collect(BEA)
    assert said in copy.text and "Recent pledges" not in copy.text, copy.text
    assert "Layla Haddad" in copy.text and "ما هو الموعد النهائي" in copy.text


async def test_a_reply_on_a_closed_question_in_the_middle_of_a_form_can_be_sent(
        chat: ChatDriver, database: Database) -> None:
    """A tester: in the middle of /pledge, a reply on a closed question offered 📨 Send, then "Now, back to the current
    question:" with the pledge's question; Send then said the button belonged to a question not open. The offer
    stays the question to answer; once sent, the pledge's question comes back."""
    thread_id = await answered_and_closed(chat, database)
    otto = chat.person(OTTO, "Otto")
    await chat.send(otto, "/pledge")
    await chat.send(otto, "Connect 300 schools in the north")
    offered = await chat.send(otto, "One more thing", reply_to=await copy_id(database, thread_id, OTTO))
    assert "f:message:send" in codes(offered[-1]) and "back to the current question" not in offered[-1].text, \
        [m.text for m in offered]
    sent = await chat.press(otto, "f:message:send")
    assert any("is sent to the P2C team" in m.text for m in sent), [m.text for m in sent]
    assert "Describe" in sent[-1].text or "description" in sent[-1].text.lower(), sent[-1].text  # the pledge's next
    assert [t.status for t in await threads(database)] == [ThreadStatus.closed, ThreadStatus.open]
