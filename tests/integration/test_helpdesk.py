"""Questions to BDT (issue 15): asking, staff copies, take (compare-and-set), answers by reply-to and by button, the
thread both ways, closing, /questions, who may see what (forged buttons, replies to someone else's message),
the audit trail, and a person's data (records_of, forget_author)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chat_driver import ChatDriver, button, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, GrantRole, RevokeRole, grant_role, invite, revoke_role
from handlers.conversation import Deps
from handlers.helpdesk.reminders import remind_waiting_questions, working_time
from handlers.helpdesk.threads import MAX_WAITING
from handlers.inputs import Incoming
from handlers.messages import reply_from_json
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.repositories.questions import Questions
from models.tables import AuditLog, Contact, Entity, Outbox, Pledge, QuestionMessage, QuestionThread
from models.values import EntityStatus, PledgeStatus, Role, ThreadStatus

BEA, CARL, ANA, OTTO = 9301, 9302, 9303, 9304
_updates = itertools.count(700_000)


async def focal_point(database: Database, telegram_id: int, name: str, language: str, entity_name: str) -> None:
    """A focal point of a validated entity in Spain with one validated pledge."""
    async with database.uow() as uow:
        entity = Entity(name=entity_name, name_key=entity_name.lower(), sector="government", country_iso3="ESP",
                        status=EntityStatus.validated)
        uow.session.add(entity)
        await uow.session.flush()
        assert entity.id is not None
        uow.session.add(Contact(telegram_id=telegram_id, chat_id=telegram_id, first_name=name, full_name=name,
                                language=language, role=Role.focal_point, entity_id=entity.id, consent_at=utcnow()))
        uow.session.add(Pledge(ref=f"P2C-2026-{telegram_id:05d}", entity_id=entity.id, title="Escuelas conectadas",
                               description="Conectar 500 escuelas rurales.", focus_area="access",
                               pledge_type="programmatic", status=PledgeStatus.validated))
        await uow.commit()


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Two staff members (Bea, Carl) and two focal points (Ana in Spanish, Otto in English) of two entities."""
    driver = ChatDriver(database, deps, renderer)
    for telegram_id, name in ((BEA, "Bea"), (CARL, "Carl")):
        await grant_role(GrantRole(telegram_id, Role.staff), database.uow(), utcnow())
        await driver.send(driver.person(telegram_id, name), "/help")
    await focal_point(database, ANA, "Ana García", "es", "Ministerio TIC")
    await focal_point(database, OTTO, "Otto", "en", "Otto Telecom")
    return driver


async def copy_id(database: Database, thread_id: int, telegram_id: int, nth: int = 0) -> int:
    """Telegram's id of the `nth` copy of a message of the thread sent to this person."""
    async with database.uow() as uow:
        contact_id = (await uow.session.execute(select(Contact.id).where(col(Contact.telegram_id) == telegram_id)))\
            .scalar_one()
        message_ids = [m.id for m in await Questions(uow.session).messages(thread_id)]
        keys = [f"hd:{m}:{contact_id}" for m in message_ids]
        rows = (await uow.session.execute(select(Outbox.key, Outbox.telegram_message_id)
                                          .where(col(Outbox.key).in_(keys)).order_by(col(Outbox.id)))).all()
        assert rows, f"no copy of thread {thread_id} for {telegram_id}"
        message_id = rows[nth][1]
        assert message_id is not None
        return int(message_id)


async def threads(database: Database) -> list[QuestionThread]:
    """Every thread, in id order."""
    async with database.uow() as uow:
        return list((await uow.session.execute(select(QuestionThread).order_by(col(QuestionThread.id)))).scalars())


async def messages(database: Database, thread_id: int) -> list[QuestionMessage]:
    """A thread's messages."""
    async with database.uow() as uow:
        return await Questions(uow.session).messages(thread_id)


async def actions(database: Database) -> list[tuple[Any, ...]]:
    """The audit rows of questions and refusals: (action, target id, details)."""
    async with database.uow() as uow:
        wanted = col(AuditLog.action).startswith("question.") | (col(AuditLog.action) == "denied")
        rows = await uow.session.execute(select(AuditLog.action, AuditLog.target_id, AuditLog.details).where(wanted)
                                         .order_by(col(AuditLog.id)))
        return [tuple(row) for row in rows]


async def ask(chat: ChatDriver, text: str = "¿Cómo registro una promesa financiera?") -> int:
    """Ana asks through /ask with a photo; the new thread's id."""
    ana = chat.person(ANA, "Ana", "es")
    prompt = await chat.send(ana, "/ask")
    assert "P2C" in prompt[-1].text and codes(prompt[-1]) == ["f:message:cancel"]
    await chat.send(ana, text)
    shown = await chat.send_file(ana, "photo", "PHOTO-1", caption="Adjunto la captura.")
    assert "f:message:send" in codes(shown[-1])
    done = await chat.press(ana, "f:message:send")
    assert len(done) == 1 and "Su pregunta Q-" in done[0].text and "equipo P2C" in done[0].text
    return (await threads(chat.database))[-1].id or 0


async def test_a_question_with_a_photo_reaches_every_staff_member_with_who_asked(chat: ChatDriver,
                                                                               database: Database) -> None:
    thread_id = await ask(chat)
    [thread] = await threads(database)
    assert (thread.status, thread.language, thread.owner_id) == (ThreadStatus.open, "es", None)
    [message] = await messages(database, thread_id)
    assert message.text == "¿Cómo registro una promesa financiera?\n\nAdjunto la captura."
    assert message.files == [{"kind": "photo", "file_id": "PHOTO-1", "name": None}]
    for staff in (BEA, CARL):
        copy, photo = await chat.collect(staff)
        assert f"Q-{thread_id}" in copy.text and "Ana García" in copy.text and "Ministerio TIC" in copy.text
        assert "Spain" in copy.text and "Reads the bot in Spanish" in copy.text and "Escuelas conectadas" in copy.text
        assert "¿Cómo registro una promesa financiera?" in copy.text
        assert codes(copy) == [f"qa:take:{thread_id}", f"qa:ans:{thread_id}", f"qa:close:{thread_id}"]
        assert photo.attachment == ("photo", "PHOTO-1")
    assert [a[0] for a in await actions(database)] == ["question.asked"]


async def test_free_text_is_offered_as_a_question_with_one_tap(chat: ChatDriver, database: Database) -> None:
    otto = chat.person(OTTO, "Otto")
    offered = await chat.send(otto, "Where do I find the P2C reporting guidelines?")
    assert "Send this to the P2C team" in offered[0].text and "reporting guidelines" in offered[0].text
    await chat.press(otto, button(offered[0], "Send"))
    [thread] = await threads(database)
    assert [m.text for m in await messages(database, thread.id or 0)] == ["Where do I find the P2C reporting "
                                                                         "guidelines?"]
    assert len(await chat.collect(BEA)) == 1


async def test_staff_typing_free_text_are_not_offered_to_ask(chat: ChatDriver, database: Database) -> None:
    answers = await chat.send(chat.person(BEA, "Bea"), "the figures for Kenya look odd")  # not a greeting
    assert "I did not understand that" in answers[0].text
    assert await threads(database) == []


async def test_a_reply_to_a_colleagues_question_is_kept_for_the_take_over(chat: ChatDriver,
                                                                         database: Database) -> None:
    """A tester's answer, typed as a reply to her copy of a question a colleague had, was thrown away: it now waits
    in her composer, sent once she takes the question over."""
    thread_id = await ask(chat)
    await chat.collect(BEA), await chat.collect(CARL)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(bea, f"qa:take:{thread_id}")
    held = await chat.send(carl, "Ana, see also the FAQ.", reply_to=await copy_id(database, thread_id, CARL))
    assert "taken by Bea" in held[0].text and "Ana, see also the FAQ." in held[-1].text, [m.text for m in held]
    assert await chat.collect(ANA) == []
    over = next(code for message in held for code in codes(message) if code.startswith("qa:over:"))
    await chat.press(carl, over)
    assert "is sent" in (await chat.press(carl, "f:message:send"))[-1].text
    [answer] = await chat.collect(ANA)
    assert "Ana, see also the FAQ." in answer.text


async def test_the_whole_thread_both_ways(chat: ChatDriver, database: Database) -> None:
    """Bea takes, Carl cannot; Bea answers by reply-to; Ana answers back by reply-to; Bea closes; /questions."""
    thread_id = await ask(chat)
    await chat.collect(BEA), await chat.collect(CARL)
    bea, carl, ana = chat.person(BEA, "Bea"), chat.person(CARL, "Carl"), chat.person(ANA, "Ana", "es")
    assert "is yours" in (await chat.press(bea, f"qa:take:{thread_id}"))[0].text
    assert "taken by Bea" in (await chat.press(carl, f"qa:take:{thread_id}"))[0].text
    refused = await chat.send(carl, "I answer too", reply_to=await copy_id(database, thread_id, CARL))
    assert "taken by Bea" in refused[0].text and "Nothing of yours was sent" in refused[0].text
    assert await chat.collect(ANA) == []

    sent = await chat.send(bea, "Use the financial pledge type and give the amount in USD.",
                           reply_to=await copy_id(database, thread_id, BEA))
    assert "is sent" in sent[0].text
    [answer] = await chat.collect(ANA)
    assert "Use the financial pledge type" in answer.text and "La BDT respondió a su pregunta" in answer.text
    assert codes(answer) == [f"qa:re:{thread_id}", f"qa:close:{thread_id}"]
    assert (await threads(database))[0].status == ThreadStatus.answered

    await chat.send(ana, "Gracias. ¿Y si el monto es en euros?", reply_to=await copy_id(database, thread_id, ANA))
    [follow_up] = await chat.collect(BEA)
    assert "replied on question" in follow_up.text and "euros" in follow_up.text
    assert await chat.collect(CARL) == [], "a taken thread's follow-up goes to its owner only"
    assert (await threads(database))[0].status == ThreadStatus.open
    # the owner reads "taken by you" in /questions, as in their reminder; a colleague reads who took it
    mine = (await chat.send(bea, "/questions"))[0]
    theirs = (await chat.send(chat.person(CARL, "Carl"), "/questions"))[0]
    assert "taken by you" in mine.text and "taken by you" not in theirs.text and "taken by Bea" in theirs.text

    closing = await chat.press(bea, f"qa:close:{thread_id}")
    assert "is closed" in closing[0].text
    assert len(await chat.collect(ANA)) == 1
    listing = await chat.send(bea, "/questions")
    assert "No question is waiting" in listing[0].text and "Recently closed" in listing[0].text
    assert f"Q-{thread_id}" in listing[0].text and "closed" in listing[0].text
    texts = [(m.from_staff, m.text) for m in await messages(database, thread_id)]
    assert texts == [(False, "¿Cómo registro una promesa financiera?\n\nAdjunto la captura."),
                     (True, "Use the financial pledge type and give the amount in USD."),
                     (False, "Gracias. ¿Y si el monto es en euros?")]
    assert [a[0] for a in await actions(database)] == ["question.asked", "question.taken", "question.answered",
                                                       "question.replied", "question.closed"]


async def test_answer_button_takes_the_thread_and_composes_the_answer(chat: ChatDriver, database: Database) -> None:
    thread_id = await ask(chat)
    carl = chat.person(CARL, "Carl")
    prompt = await chat.press(carl, f"qa:ans:{thread_id}")
    assert f"answer to question Q-{thread_id}" in prompt[-1].text
    await chat.send(carl, "See the guide attached.")
    await chat.send_file(carl, "document", "DOC-1", "guide.pdf")
    await chat.press(carl, "f:message:send")
    answer, document = await chat.collect(ANA)
    assert "See the guide attached." in answer.text and document.attachment == ("document", "DOC-1")
    [thread] = await threads(database)
    assert thread.owner_id is not None and thread.status == ThreadStatus.answered


async def test_two_staff_taking_at_once_exactly_one_wins(chat: ChatDriver, database: Database, deps: Deps) -> None:
    """Two instances (two Database objects on one URL) press Take at the same moment, several rounds."""
    second = Database(database.url)
    try:
        await second.open_pool()
        for _ in range(4):
            thread_id = await ask(chat)
            await asyncio.gather(
                handle(Incoming(next(_updates), chat.person(BEA, "Bea"), utcnow(), code=f"qa:take:{thread_id}"),
                       database.uow(), deps),
                handle(Incoming(next(_updates), chat.person(CARL, "Carl"), utcnow(), code=f"qa:take:{thread_id}"),
                       second.uow(), deps))
            said = [m.text for m in await chat.collect(BEA) + await chat.collect(CARL) if "Q-" in m.text
                    and "New question" not in m.text and "File" not in m.text]
            assert sum("is yours" in s for s in said) == 1 and sum("taken by" in s for s in said) == 1, said
            takes = [a for a in await actions(database) if a[0] == "question.taken" and a[1] == thread_id]
            assert len(takes) == 1
    finally:
        await second.dispose()


@pytest.mark.parametrize("verb", ["open", "close", "re", "take", "ans"])
async def test_a_forged_button_on_someone_elses_thread_is_refused_and_audited(chat: ChatDriver, database: Database,
                                                                           verb: str) -> None:
    thread_id = await ask(chat)
    answers = await chat.press(chat.person(OTTO, "Otto"), f"qa:{verb}:{thread_id}")
    assert "not allowed" in answers[0].text and "¿Cómo" not in answers[0].text
    assert (await actions(database))[-1][:2] == ("denied", thread_id)
    [thread] = await threads(database)
    assert (thread.status, thread.owner_id) == (ThreadStatus.open, None)
    assert len(await messages(database, thread_id)) == 1


@pytest.mark.parametrize("verb", ["take", "ans"])
async def test_the_asker_cannot_take_or_answer_their_own_question(chat: ChatDriver, database: Database,
                                                                  verb: str) -> None:
    thread_id = await ask(chat)
    answers = await chat.press(chat.person(ANA, "Ana", "es"), f"qa:{verb}:{thread_id}")
    assert (await actions(database))[-1][:2] == ("denied", thread_id), answers
    assert (await threads(database))[0].owner_id is None


@pytest.mark.parametrize("data", ["qa:take:0", "qa:take:x", "qa:ans:12345678901234", "qa:drop:1", "qa:open:"])
async def test_malformed_question_buttons_are_refused(chat: ChatDriver, database: Database, data: str) -> None:
    answers = await chat.press(chat.person(BEA, "Bea"), data)
    assert "no longer valid" in answers[0].text


async def test_a_reply_to_someone_elses_copy_does_not_reach_their_thread(chat: ChatDriver, database: Database) -> None:
    """Telegram message ids are per chat: Otto replying with the id of Ana's copy, or Carl with Bea's, finds nothing."""
    thread_id = await ask(chat)
    await chat.send(chat.person(BEA, "Bea"), "Answer one.", reply_to=await copy_id(database, thread_id, BEA))
    otto = await chat.send(chat.person(OTTO, "Otto"), "Let me in", reply_to=await copy_id(database, thread_id, ANA))
    assert "Send this to the P2C team" in otto[0].text, "an ordinary message: offered as Otto's own question"
    await chat.collect(CARL)
    carl = await chat.send(chat.person(CARL, "Carl"), "Me too", reply_to=await copy_id(database, thread_id, BEA))
    assert "Nothing was sent" in carl[0].text
    assert [m.text for m in await messages(database, thread_id)][1:] == ["Answer one."]


async def test_a_person_sees_only_their_own_questions(chat: ChatDriver, database: Database) -> None:
    thread_id = await ask(chat)
    own = await chat.send(chat.person(ANA, "Ana", "es"), "/questions")
    assert f"Q-{thread_id}" in own[0].text and codes(own[0]) == [f"qa:open:{thread_id}"]
    other = await chat.send(chat.person(OTTO, "Otto"), "/questions")
    assert f"Q-{thread_id}" not in other[0].text and "not asked" in other[0].text
    await chat.collect(CARL)
    staff = await chat.send(chat.person(CARL, "Carl"), "/questions")
    assert f"Q-{thread_id}" in staff[0].text and "1 question is not closed" in staff[0].text
    assert "not taken" in staff[0].text and "Ana García" in staff[0].text
    history = await chat.press(chat.person(ANA, "Ana", "es"), f"qa:open:{thread_id}")
    assert "¿Cómo registro" in history[0].text and codes(history[0]) == [f"qa:re:{thread_id}",
                                                                        f"qa:close:{thread_id}"]


async def test_one_who_left_keeps_their_own_questions_in_the_list(chat: ChatDriver, database: Database) -> None:
    """l_trust #3: after leaving the organisation, the asker's buttons on their thread still worked but /questions
    said "not allowed"; a person who never asked anything is still refused."""
    thread_id = await ask(chat)
    async with database.uow() as uow:  # as /leave leaves them: no role, no organisation
        ana = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == ANA))).scalar_one()
        ana.role, ana.entity_id = None, None
        await uow.commit()
    own = await chat.send(chat.person(ANA, "Ana", "es"), "/questions")
    assert f"Q-{thread_id}" in own[0].text and codes(own[0]) == [f"qa:open:{thread_id}"]
    stranger = await chat.send(chat.person(9399, "Zoe"), "/questions")
    assert f"Q-{thread_id}" not in stranger[-1].text and "not allowed" in stranger[-1].text


async def test_an_open_question_is_listed_before_newer_closed_ones(chat: ChatDriver, database: Database) -> None:
    """A tester's 17 questions: /questions listed the ten newest and nothing else, an older one still open included."""
    first = await ask(chat)
    ana = chat.person(ANA, "Ana", "es")
    for n in range(11):  # each closed before the next (ten waiting at once is the most: MAX_WAITING)
        await chat.send(ana, f"/ask Pregunta número {n + 2} sobre los informes")
        thread_id = (await threads(database))[-1].id
        await chat.press(ana, f"qa:close:{thread_id}")
    own = (await chat.send(ana, "/questions"))[0]
    assert [line for line in own.text.splitlines() if line][1].startswith(f"Q-{first} · "), own.text  # the oldest
    assert own.text.count("Q-") == 10 and "no aparecen" in own.text, own.text


async def test_a_reply_on_a_closed_question_is_offered_as_a_new_one(chat: ChatDriver, database: Database) -> None:
    thread_id = await ask(chat)
    await chat.send(chat.person(BEA, "Bea"), "Answer.", reply_to=await copy_id(database, thread_id, BEA))
    await chat.press(chat.person(BEA, "Bea"), f"qa:close:{thread_id}")
    ana = chat.person(ANA, "Ana", "es")
    reopened = await chat.send(ana, "Una cosa más", reply_to=await copy_id(database, thread_id, ANA))
    assert "Una cosa más" in reopened[-1].text and "f:message:send" in codes(reopened[-1])
    await chat.press(ana, "f:message:send")
    assert [t.status for t in await threads(database)] == [ThreadStatus.closed, ThreadStatus.open]


async def answered(chat: ChatDriver, database: Database) -> int:
    """Ana's question, answered by Bea, every chat read since: the thread's id."""
    thread_id = await ask(chat)
    await chat.send(chat.person(BEA, "Bea"), "Answer.", reply_to=await copy_id(database, thread_id, BEA))
    for telegram_id in (BEA, CARL, ANA):
        await chat.collect(telegram_id)
    return thread_id


@pytest.mark.parametrize("words", ["👍", "🙏🏽", "¡Muchas gracias!"])
async def test_thanks_replied_to_an_answer_keeps_the_question_answered(chat: ChatDriver, database: Database,
                                                                       words: str) -> None:
    """A tester: "👍" replied to BDT's answer reopened the question as waiting for BDT, and staff were sent it."""
    thread_id = await answered(chat, database)
    ana = chat.person(ANA, "Ana", "es")
    said = await chat.send(ana, words, reply_to=await copy_id(database, thread_id, ANA))
    assert len(said) == 1 and f"Q-{thread_id}" in said[0].text and "ciérrela" in said[0].text, said
    assert codes(said[0]) == [f"qa:re:{thread_id}", f"qa:close:{thread_id}"]
    assert await chat.collect(BEA) == [] and await chat.collect(CARL) == []
    [thread] = await threads(database)
    assert thread.status == ThreadStatus.answered
    assert [m.text for m in await messages(database, thread_id)][-1] == words  # kept in the thread's history
    more = await chat.send(ana, "¿Y en euros?", reply_to=await copy_id(database, thread_id, ANA))
    assert "se ha enviado" in more[0].text  # words still reach BDT
    assert (await threads(database))[0].status == ThreadStatus.open


@pytest.mark.parametrize("symbols", ["?", "👎"])
async def test_symbols_replied_to_an_answer_ask_for_words(chat: ChatDriver, database: Database, symbols: str) -> None:
    """A review: "?" or "👎" replied to BDT's answer was taken as thanks ("Glad to help!"): it asks for words, and
    the question stays answered, nothing added to it."""
    thread_id = await answered(chat, database)
    ana = chat.person(ANA, "Ana", "es")
    said = await chat.send(ana, symbols, reply_to=await copy_id(database, thread_id, ANA))
    assert len(said) == 1 and f"Q-{thread_id}" in said[0].text and "Glad" not in said[0].text, said
    assert "con mucho gusto" not in said[0].text.lower(), said[0].text
    assert await chat.collect(BEA) == [] and await chat.collect(CARL) == []
    assert (await threads(database))[0].status == ThreadStatus.answered
    assert [m.text for m in await messages(database, thread_id)][-1] == "Answer."


async def test_a_person_with_ten_questions_waiting_adds_to_them_rather_than_flooding_staff(
        chat: ChatDriver, database: Database) -> None:
    """Security review: registering needs no validation, and twenty /ask sent twenty notices to every staff member."""
    ana = chat.person(ANA, "Ana", "es")
    for n in range(MAX_WAITING):
        said = await chat.send(ana, f"/ask Pregunta número {n} sobre los informes")
        assert "Su pregunta Q-" in said[-1].text
    await chat.collect(BEA)
    refused = await chat.send(ana, "/ask Una pregunta más")
    assert len(refused) == 1 and "10" in refused[0].text and "Q-" not in refused[0].text
    # a tester: text typed then was offered as a question, composed, and refused only at Send; /ask alone opened the
    # composer. Both are told at once
    for typed in ("Una pregunta más fuera de formulario.", "/ask"):
        told = await chat.send(ana, typed)
        assert len(told) == 1 and "Tiene 10 preguntas esperando" in told[0].text and not codes(told[0]), told
    assert await chat.collect(BEA) == [] and len(await threads(database)) == MAX_WAITING
    await chat.send(chat.person(BEA, "Bea"), "Respuesta.", reply_to=await copy_id(database, 1, BEA))
    again = await chat.send(ana, "/ask Una pregunta más")  # one of them answered: nine wait
    assert "Su pregunta Q-" in again[-1].text


async def test_records_of_and_forget_author(chat: ChatDriver, database: Database) -> None:
    """What /mydata and /forget (issue 15's other half) use: a person's threads, and erasing their authorship."""
    thread_id = await ask(chat)
    await chat.send(chat.person(BEA, "Bea"), "Answer kept.", reply_to=await copy_id(database, thread_id, BEA))
    async with database.uow() as uow:
        ana_id = (await uow.session.execute(select(Contact.id).where(col(Contact.telegram_id) == ANA))).scalar_one()
        bea_id = (await uow.session.execute(select(Contact.id).where(col(Contact.telegram_id) == BEA))).scalar_one()
        [record] = await Questions(uow.session).records_of(ana_id)
        assert record.thread.id == thread_id and [m.text for m in record.messages][1] == "Answer kept."
        [answered] = await Questions(uow.session).records_of(bea_id)
        assert answered.thread.id == thread_id and [m.text for m in answered.messages] == ["Answer kept."]
        assert answered.thread.asker_id is None and answered.thread.entity_id is None
        assert await Questions(uow.session).forget_author(ana_id, utcnow()) == 1
        await uow.commit()
    [thread] = await threads(database)
    assert (thread.asker_id, thread.status) == (None, ThreadStatus.closed)
    texts = [(m.author_id, m.text, m.files) for m in await messages(database, thread_id)]
    assert texts[0] == (None, "", []) and texts[1][1:] == ("", [])  # BDT's answer to a forgotten person named them
    async with database.uow() as uow:
        payloads = (await uow.session.execute(select(Outbox.payload).where(
            col(Outbox.key).startswith(f"hd:{(await Questions(uow.session).messages(thread_id))[0].id}:")))).scalars()
        assert all(p == {"forgotten": True} for p in payloads)
        assert await Questions(uow.session).records_of(ana_id) == []




# --- reminders: questions waiting for staff more than two working days, once a day, in working hours ---

def utc(*args: int) -> datetime:
    """An aware UTC moment."""
    return datetime(*args, tzinfo=UTC)


async def waiting_since(database: Database, thread_id: int, since: datetime) -> None:
    """Make the thread wait for staff since `since`."""
    async with database.uow() as uow:
        thread = await uow.session.get(QuestionThread, thread_id)
        assert thread is not None
        thread.waiting_since = since
        await uow.commit()


async def reminders(database: Database) -> list[tuple[str, Any, datetime]]:
    """The question reminders in the outbox: (key, recipient's telegram id, not before)."""
    async with database.uow() as uow:
        rows = await uow.session.execute(
            select(Outbox.key, Contact.telegram_id, Outbox.not_before).join(Contact, col(Contact.id) == col(
                Outbox.contact_id)).where(col(Outbox.key).startswith("hd-remind:")).order_by(col(Outbox.id)))
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_question_waiting_over_two_working_days_reminds_staff_once_a_day(chat: ChatDriver,
                                                                                database: Database) -> None:
    thread_id = await ask(chat)
    await waiting_since(database, thread_id, utc(2026, 11, 27, 10))  # a Friday
    # from Friday 10:00: 14 h on Friday, 24 h on Monday, then Tuesday's hours (the weekend does not count)
    assert await remind_waiting_questions(database.uow(), utc(2026, 12, 1, 9)) == 0  # 14 + 24 + 9 = 47 h
    assert await remind_waiting_questions(database.uow(), utc(2026, 12, 1, 11)) == 2  # 49 h: Bea and Carl
    assert await remind_waiting_questions(database.uow(), utc(2026, 12, 1, 16)) == 0, "once a day"
    assert await remind_waiting_questions(database.uow(), utc(2026, 12, 2, 8)) == 0, "not before their hours"
    assert await remind_waiting_questions(database.uow(), utc(2026, 12, 2, 9)) == 2, "and again the next day"
    rows = await reminders(database)
    assert [(key.rsplit(":", 1)[1], who) for key, who, _ in rows] == [
        ("2026-12-01", BEA), ("2026-12-01", CARL), ("2026-12-02", BEA), ("2026-12-02", CARL)]
    # quiet hours: the second day's reminder is written (and sent) at 09:00 in the staff's zone (UTC), not at 08:00
    assert rows[2][2].replace(tzinfo=UTC) == utc(2026, 12, 2, 9)
    async with database.uow() as uow:
        payload = (await uow.session.execute(select(Outbox.payload).where(col(Outbox.key) == rows[0][0]))).scalar()
    rendered = chat.renderer.reply(reply_from_json(payload["reply"]), "en")
    assert f"Q-{thread_id}" in rendered.text and "/questions" in rendered.text and "1 question has waited" in \
        rendered.text
    # who asked, as staff see people elsewhere (a staff tester read question numbers alone)
    assert f"Q-{thread_id} · from Ana García (id {ANA}) · waiting for " in rendered.text, rendered.text


async def test_a_taken_question_reminds_every_staff_member_and_answered_ones_nobody(
        chat: ChatDriver, database: Database) -> None:
    """A question its owner left unanswered two working days is one a colleague can take over (m_staff #2)."""
    taken, answered = await ask(chat), await ask(chat)
    await chat.press(chat.person(BEA, "Bea"), f"qa:take:{taken}")
    await chat.send(chat.person(CARL, "Carl"), "Done.", reply_to=await copy_id(database, answered, CARL))
    for thread_id in (taken, answered):
        await waiting_since(database, thread_id, utc(2026, 11, 23, 9))
    assert await remind_waiting_questions(database.uow(), utc(2026, 12, 1, 11)) == 2
    assert sorted(who for _, who, _ in await reminders(database)) == [BEA, CARL]


@pytest.mark.parametrize(("start", "end", "hours"), [
    (utc(2026, 11, 27, 10), utc(2026, 11, 30, 10), 24),  # Friday 10:00 to Monday 10:00: the weekend does not count
    (utc(2026, 11, 28, 10), utc(2026, 11, 29, 22), 0),  # Saturday to Sunday
    (utc(2026, 11, 23, 9), utc(2026, 11, 25, 9), 48),  # Monday to Wednesday
    (utc(2026, 11, 23, 9), utc(2026, 11, 23, 9), 0),
])
def test_working_time_counts_weekdays_only(start: datetime, end: datetime, hours: int) -> None:
    assert working_time(start, end, "UTC") == timedelta(hours=hours)


async def test_too_long_a_text_is_refused_whole_never_cut(chat: ChatDriver, database: Database) -> None:
    """/ask, free text and a reply-to over 3,000 characters: the person is told; nothing is stored cut short."""
    ana, long = chat.person(ANA, "Ana", "es"), "Una pregunta larga. " * 200
    asked = await chat.send(ana, f"/ask {long}")
    assert "3000" in asked[0].text and "f:message:send" not in codes(asked[-1])
    cancelled = await chat.press(ana, "f:message:cancel")  # nothing kept of the refused text: cancelled at once
    assert "Operación cancelada" in cancelled[0].text, cancelled[0].text
    typed = await chat.send(ana, long)
    assert "3000" in typed[0].text and "f:message:send" not in codes(typed[-1])
    await chat.press(ana, "f:message:cancel")
    assert await threads(database) == []
    thread_id = await ask(chat)
    await chat.collect(BEA)
    replied = await chat.send(chat.person(BEA, "Bea"), "Too long. " * 400, reply_to=await copy_id(database, thread_id,
                                                                                                  BEA))
    assert "3,000" in replied[0].text and len(await messages(database, thread_id)) == 1


async def test_a_thread_whose_owner_lost_the_staff_role_can_be_taken_over(chat: ChatDriver, database: Database) -> None:
    thread_id = await ask(chat)
    await chat.press(chat.person(BEA, "Bea"), f"qa:take:{thread_id}")
    await revoke_role(RevokeRole(BEA), database.uow())
    assert "is yours" in (await chat.press(chat.person(CARL, "Carl"), f"qa:take:{thread_id}"))[-1].text
    async with database.uow() as uow:
        carl = (await uow.session.execute(select(Contact.id).where(col(Contact.telegram_id) == CARL))).scalar_one()
    assert (await threads(database))[0].owner_id == carl
    takes = [a for a in await actions(database) if a[0] == "question.taken"]
    assert len(takes) == 2 and "from_former_staff" in takes[1][2]


async def test_ask_with_text_joins_an_offer_left_unanswered(chat: ChatDriver, database: Database) -> None:
    """A tester's greeting was offered as a question and left; "/ask TEXT" then resumed the offer and dropped TEXT:
    pressing 📨 would have sent BDT the greeting alone. The text now joins the message begun, shown with its Send."""
    otto = chat.person(OTTO, "Otto", "en")
    offered = await chat.send(otto, "Hello, I have a question")
    assert "f:message:send" in codes(offered[-1])
    shown = await chat.send(otto, "/ask When is the next report due?")
    assert "You started this earlier" in shown[0].text
    assert "Hello, I have a question" in shown[-1].text and "When is the next report due?" in shown[-1].text
    assert "f:message:send" in codes(shown[-1]) and await threads(database) == []
    await chat.press(otto, "f:message:send")
    [thread] = await threads(database)
    [message] = await messages(database, thread.id or 0)
    assert message.text == "Hello, I have a question\n\nWhen is the next report due?"


@pytest.mark.parametrize("answer", ["https://t.me/p2c_test_bot?start={token}",
                                    "Send them this link: https://t.me/p2c_test_bot?start={token}"])
async def test_a_staff_answer_with_an_invitation_link_reaches_the_asker(chat: ChatDriver, database: Database,
                                                                        answer: str) -> None:
    """A review: Bea's reply to a question's copy, a link for the asker's colleague, was taken for Bea's own joining
    ("you keep yours (BDT staff)"), and the answer was lost."""
    thread_id = await ask(chat, "¿Cómo se une mi colega a Ministerio TIC?")
    token, _, _ = await invite(CreateInvite("Ministerio TIC", Role.focal_point), database.uow(), utcnow())
    said = answer.format(token=token)
    told = await chat.send(chat.person(BEA, "Bea"), said, reply_to=await copy_id(database, thread_id, BEA))
    assert not any("invitation" in m.text.lower() for m in told), [m.text[:80] for m in told]
    assert any(said in m.text for m in await chat.collect(ANA))
    assert [m.text for m in await messages(database, thread_id)][-1] == said
