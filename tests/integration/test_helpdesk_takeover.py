"""Regressions of m_staff.md #2: pressing ✍️ Answer took a question for good. Cancelling that answer now gives it
back; a colleague can take over a question another staff member took (once they confirm; the owner is told), as
the thread was shown (compare-and-set); the reminder of questions waiting over two working days goes to every staff
member, naming who took each."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_helpdesk import (
    ANA,
    BEA,
    CARL,
    actions,
    ask,
    copy_id,
    focal_point,
    messages,
    reminders,
    threads,
    utc,
    waiting_since,
)

from bot.i18n import Renderer
from handlers.admin import GrantRole, RevokeRole, grant_role, revoke_role
from handlers.conversation import Deps
from handlers.helpdesk.reminders import remind_waiting_questions
from handlers.inputs import Incoming
from handlers.messages import reply_from_json
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Outbox
from models.values import Role, ThreadStatus

_updates = itertools.count(760_000)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Two staff members (Bea, Carl) and Ana, a focal point reading the bot in Spanish."""
    driver = ChatDriver(database, deps, renderer)
    for telegram_id, name in ((BEA, "Bea"), (CARL, "Carl")):
        await grant_role(GrantRole(telegram_id, Role.staff), database.uow(), utcnow())
        await driver.send(driver.person(telegram_id, name), "/help")
    await focal_point(database, ANA, "Ana García", "es", "Ministerio TIC")
    return driver


async def contact_id(database: Database, telegram_id: int) -> int:
    async with database.uow() as uow:
        return int((await uow.session.execute(select(Contact.id).where(col(Contact.telegram_id) == telegram_id)))
                   .scalar_one())


async def test_cancelling_an_answer_that_took_the_question_gives_it_back(chat: ChatDriver, database: Database) -> None:
    """Bea pressed ✍️ Answer and cancelled: "Question Q-1 was taken by Bea Keller" for Carl, for ever."""
    thread_id = await ask(chat)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(bea, f"qa:ans:{thread_id}")
    assert (await threads(database))[0].owner_id == await contact_id(database, BEA)
    cancelled = await chat.send(bea, "/cancel")  # nothing written yet: cancelled at once
    assert "Cancelled" in cancelled[0].text and f"Question Q-{thread_id} is nobody's again" in cancelled[-1].text
    assert (await threads(database))[0].owner_id is None
    assert "is yours" in (await chat.press(carl, f"qa:take:{thread_id}"))[-1].text
    assert [a[0] for a in await actions(database)][-3:] == ["question.taken", "question.released", "question.taken"]


async def test_cancelling_an_answer_to_a_question_already_yours_keeps_it(chat: ChatDriver, database: Database) -> None:
    """One taken with 🙋 Take (or answered before) stays its owner's when an answer is cancelled."""
    taken, answered = await ask(chat), await ask(chat)
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"qa:take:{taken}")
    await chat.send(bea, "First answer.", reply_to=await copy_id(database, answered, BEA))
    await chat.send(chat.person(ANA, "Ana", "es"), "¿Y después?", reply_to=await copy_id(database, answered, ANA))
    for thread_id in (taken, answered):
        await chat.press(bea, f"qa:ans:{thread_id}")
        said = await chat.press(bea, "f:message:cancel")
        if "f:$cancel:yes" in codes(said[-1]):
            said = await chat.press(bea, "f:$cancel:yes")
        assert "nobody's" not in "\n".join(m.text for m in said)
    bea_id = await contact_id(database, BEA)
    assert [t.owner_id for t in await threads(database)] == [bea_id, bea_id]


async def test_a_colleague_takes_over_a_taken_question_once_they_confirm_and_the_owner_is_told(
        chat: ChatDriver, database: Database) -> None:
    """Carl got "taken by Bea" on Take and Answer, after 3 and 7 days, with no way to take the question over."""
    thread_id = await ask(chat)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(bea, f"qa:ans:{thread_id}")  # Bea is writing
    await chat.collect(CARL)
    for verb in ("take", "ans"):
        [offer] = await chat.press(carl, f"qa:{verb}:{thread_id}")
        assert f"Question Q-{thread_id} was taken by Bea" in offer.text, offer.text
        assert "Nothing of yours was sent" not in offer.text  # a tester: "nothing sent" of what I never wrote?
        assert "Bea has an answer to it in progress" in offer.text and "take it over" in offer.text, offer.text
        assert codes(offer) == [f"qa:over:{thread_id}:2"]
    assert (await threads(database))[0].owner_id == await contact_id(database, BEA)
    assert "is yours" in (await chat.press(carl, f"qa:over:{thread_id}:2"))[-1].text
    assert (await threads(database))[0].owner_id == await contact_id(database, CARL)
    [told] = await chat.collect(BEA)
    assert f"Carl took over question Q-{thread_id} from you" in told.text, told.text
    assert [a[0] for a in await actions(database)][-1] == "question.taken"

    # Bea's answer, written meanwhile, is not lost: it comes back in her composer, with the button to take it back
    await chat.send(bea, "Use the financial type.")
    back = await chat.press(bea, "f:message:send")
    assert "taken by Carl" in back[0].text and codes(back[0]) == [f"qa:over:{thread_id}:3"], back[0].text
    # held for the take-over (tester t2, F10): its only button takes the question back, a Send could only fail
    assert "Use the financial type." in back[-1].text and "f:message:send" not in codes(back[-1])
    assert f"qa:over:{thread_id}:3" in codes(back[-1])
    assert len(await messages(database, thread_id)) == 1
    await chat.press(bea, f"qa:over:{thread_id}:3")
    assert "is sent" in (await chat.press(bea, "f:message:send"))[-1].text
    [told] = await chat.collect(CARL)
    assert f"Bea took over question Q-{thread_id} from you" in told.text, told.text
    assert "Use the financial type." in (await chat.collect(ANA))[-1].text


async def test_a_take_over_shown_before_the_question_changed_is_offered_again(chat: ChatDriver,
                                                                             database: Database) -> None:
    """Carl's button, shown before Bea answered, does not take the question: he is told how it is now."""
    thread_id = await ask(chat)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(bea, f"qa:take:{thread_id}")
    await chat.collect(CARL)
    [offer] = await chat.press(carl, f"qa:take:{thread_id}")
    await chat.send(bea, "Done.", reply_to=await copy_id(database, thread_id, BEA))
    [again] = await chat.press(carl, codes(offer)[0])
    assert "It was answered" in again.text and codes(again) == [f"qa:over:{thread_id}:3"], again.text
    assert (await threads(database))[0].owner_id == await contact_id(database, BEA)


async def test_two_colleagues_taking_over_at_once_exactly_one_wins(chat: ChatDriver, database: Database,
                                                                  deps: Deps) -> None:
    await grant_role(GrantRole(9309, Role.staff), database.uow(), utcnow())
    await chat.send(chat.person(9309, "Dora"), "/help")
    second = Database(database.url)
    try:
        await second.open_pool()
        thread_id = await ask(chat)
        await chat.press(chat.person(BEA, "Bea"), f"qa:take:{thread_id}")
        code = f"qa:over:{thread_id}:2"
        await asyncio.gather(
            handle(Incoming(next(_updates), chat.person(CARL, "Carl"), utcnow(), code=code), database.uow(), deps),
            handle(Incoming(next(_updates), chat.person(9309, "Dora"), utcnow(), code=code), second.uow(), deps))
        said = [m.text for m in await chat.collect(CARL) + await chat.collect(9309) if f"Q-{thread_id}" in m.text
                and "New question" not in m.text and "File" not in m.text]
        assert sum("is yours" in s for s in said) == 1 and sum("was taken by" in s for s in said) == 1, said
        assert len([a for a in await actions(database) if a[0] == "question.taken"]) == 2
    finally:
        await second.dispose()


async def test_the_waiting_reminder_goes_to_every_staff_member_naming_who_took_it(chat: ChatDriver,
                                                                                 database: Database) -> None:
    """The reminder of a question Bea took and left went to Bea only, for a week."""
    thread_id = await ask(chat)
    await chat.press(chat.person(BEA, "Bea"), f"qa:ans:{thread_id}")
    await waiting_since(database, thread_id, utc(2026, 11, 23, 9))
    assert await remind_waiting_questions(database.uow(), utc(2026, 12, 1, 11)) == 2
    rows = await reminders(database)
    assert sorted(who for _, who, _ in rows) == [BEA, CARL]
    async with database.uow() as uow:
        payloads = {who: (await uow.session.execute(select(Outbox.payload).where(col(Outbox.key) == key))).scalar()
                    for key, who, _ in rows}
    to_carl = chat.renderer.reply(reply_from_json(payloads[CARL]["reply"]), "en").text
    to_bea = chat.renderer.reply(reply_from_json(payloads[BEA]["reply"]), "en").text
    assert f"Q-{thread_id}" in to_carl and "taken by Bea" in to_carl and "take it over" in to_carl, to_carl
    assert "taken by you" in to_bea and "take it over" not in to_bea, to_bea
    assert (await threads(database))[0].status == ThreadStatus.open


async def test_an_answer_ends_with_its_writers_staff_role(chat: ChatDriver, database: Database) -> None:
    """A tester: Carl, writing an answer to a question Bea has, lost his staff role; every refusal after it was
    followed by his composer ("Now, back to the questions you left open: Write your answer to question Q-1"), and
    what he typed went on into it. His next message ends it, said once; nothing of it is asked again."""
    thread_id = await ask(chat)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(bea, f"qa:take:{thread_id}")
    await chat.press(carl, f"qa:ans:{thread_id}")
    await chat.send(carl, "In USD, please.")
    await revoke_role(RevokeRole(CARL), database.uow(), utcnow())
    await chat.collect(CARL)
    refused = await chat.send(carl, "More text for the answer")
    assert len(refused) == 1 and "not allowed" in refused[0].text and "withdrawn" in refused[0].text
    forged = await chat.press(carl, f"qa:over:{thread_id}:1")
    assert all("Write your answer" not in m.text for m in forged), [m.text for m in forged]
    helped = await chat.send(carl, "/help")
    assert all("Write your answer" not in m.text for m in helped)
    async with database.uow() as uow:
        texts = [row.payload for row in (await uow.session.execute(select(Outbox))).scalars()]
    assert not any("More text for the answer" in str(payload) for payload in texts)  # never reached Ana


async def test_a_file_sent_apart_while_a_question_is_open_names_it(chat: ChatDriver, database: Database) -> None:
    """A tester: just after replying on Q-1, a screenshot sent as a message of its own was offered as a new question,
    with no word of Q-1, where it was meant to go. The offer names the question still open and how to add to it."""
    thread_id = await ask(chat)
    ana = chat.person(ANA, "Ana", "es")
    offered = await chat.send_file(ana, "photo", "PHOTO-2")
    assert f"Su pregunta Q-{thread_id} sigue abierta" in offered[-1].text and "f:message:send" in codes(offered[-1])
    await chat.send(ana, "/cancel")
    await chat.press(ana, "f:$cancel:yes")
    await chat.press(chat.person(BEA, "Bea"), f"qa:close:{thread_id}")  # once it is closed, nothing is said of it
    assert (await threads(database))[0].status == ThreadStatus.closed
    offered = await chat.send_file(ana, "photo", "PHOTO-3")
    assert "f:message:send" in codes(offered[-1]) and "sigue abierta" not in offered[-1].text


async def test_a_staff_answer_closes_with_a_new_role_and_gives_its_question_back(chat: ChatDriver,
                                                                                 database: Database) -> None:
    """A review: Carl, made coordinator while writing an answer that took a question, met "not allowed" at his next
    message, which was lost, and the question stayed his. The grant closes the composer and says so; a revoke gives
    the question back at his next message, without telling him he may take it."""
    first, second = await ask(chat), await ask(chat)
    carl = chat.person(CARL, "Carl")
    await chat.press(carl, f"qa:ans:{first}")  # nobody had it: opening the answer took it
    assert (await threads(database))[0].owner_id == await contact_id(database, CARL)
    await grant_role(GrantRole(CARL, Role.coordinator), database.uow(), utcnow())
    told = await chat.collect(CARL)
    assert any("Question to BDT" in m.text and "closed" in m.text for m in told), [m.text for m in told]
    answered = await chat.send(carl, "/help")
    assert all("not allowed" not in m.text and "Write your answer" not in m.text for m in answered)
    await grant_role(GrantRole(CARL, Role.staff), database.uow(), utcnow())
    await chat.press(carl, f"qa:ans:{second}")
    await revoke_role(RevokeRole(CARL), database.uow(), utcnow())
    await chat.collect(CARL)
    refused = await chat.send(carl, "Some more words")
    assert "not allowed" in refused[0].text and not any("nobody's again" in m.text for m in refused)
    assert {t.id: t.owner_id for t in await threads(database)}[second] is None
