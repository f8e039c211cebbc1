"""A reply to the copy of a question someone else asked, by one who may ask BDT themselves: Otto had the copy as
staff, then joined Ana's organisation as a focal point (or became a coordinator). Before, he was told "not allowed"
and what he wrote (text, file) was lost; now it is offered to him as a question of his own, one tap to send, saying
the question he replied on is someone else's. One who may not ask at all is still refused; on both backends."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import GrantRole, RevokeRole, grant_role, revoke_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.repositories.questions import Questions
from models.tables import AuditLog, Contact, Outbox, QuestionThread
from models.values import Role

BEA, OTTO, ANA = 9801, 9802, 9803
NOTE = "was asked by someone else: this goes to BDT as a new question of yours."


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff Bea and Otto; Ana, a focal point of the Ministry of ICT, asks a question that Bea answers."""
    driver = await ChatDriver.with_staff(database, deps, renderer, BEA)
    await grant_role(GrantRole(OTTO, Role.staff), database.uow(), utcnow())
    await driver.send(driver.person(OTTO, "Otto"), "/help")
    await driver.with_focal_points(("en",), first_id=ANA)
    await driver.send(driver.person(ANA, "Ana"), "/ask How do I change my pledge?")
    bea = driver.person(BEA, "Bea")
    await driver.press(bea, f"qa:ans:{await only_thread(database)}")
    await driver.send(bea, "Use /mypledges.")
    assert any("is sent" in m.text for m in await driver.press(bea, "f:message:send"))
    for telegram_id in (BEA, OTTO, ANA):
        await driver.collect(telegram_id)
    return driver


async def only_thread(database: Database) -> int:
    """The id of the first thread."""
    async with database.uow() as uow:
        return int((await uow.session.execute(select(QuestionThread.id).order_by(col(QuestionThread.id))))
                   .scalars().first() or 0)


async def contact(database: Database, telegram_id: int) -> Contact:
    """The contact of a Telegram user."""
    async with database.uow() as uow:
        return (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == telegram_id))).scalar_one()


async def otto_copy(database: Database, thread_id: int) -> int:
    """Telegram's id of the copy of Ana's question Otto was sent as staff."""
    otto = await contact(database, OTTO)
    async with database.uow() as uow:
        first = (await Questions(uow.session).messages(thread_id))[0]
        row = (await uow.session.execute(select(Outbox).where(col(Outbox.key) == f"hd:{first.id}:{otto.id}")))\
            .scalar_one()
        assert row.telegram_message_id is not None
        return int(row.telegram_message_id)


async def becomes(database: Database, role: Role | None, colleague_of: int | None = None) -> None:
    """Otto leaves the staff: a focal point of the organisation of `colleague_of`, a coordinator, or no one."""
    if role is None:
        await revoke_role(RevokeRole(OTTO), database.uow())
        return
    await grant_role(GrantRole(OTTO, role), database.uow(), utcnow())
    if colleague_of is not None:
        entity_id = (await contact(database, colleague_of)).entity_id
        async with database.uow() as uow:
            otto = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == OTTO))).scalar_one()
            otto.entity_id = entity_id
            await uow.commit()


async def threads(database: Database) -> list[tuple[int | None, list[str]]]:
    """Each thread's asker and its messages' texts, in id order."""
    async with database.uow() as uow:
        found = (await uow.session.execute(select(QuestionThread).order_by(col(QuestionThread.id)))).scalars().all()
        return [(t.asker_id, [m.text for m in await Questions(uow.session).messages(t.id or 0)]) for t in found]


@pytest.mark.parametrize("role", [Role.focal_point, Role.coordinator])
async def test_a_reply_to_a_colleagues_question_is_offered_as_ones_own(chat: ChatDriver, role: Role) -> None:
    thread_id = await only_thread(chat.database)
    await becomes(chat.database, role, colleague_of=ANA if role == Role.focal_point else None)
    otto = chat.person(OTTO, "Otto")
    offered = await chat.send(otto, "Can we change the amount too?",
                              reply_to=await otto_copy(chat.database, thread_id))
    said = "\n".join(m.text for m in offered)
    assert "not allowed" not in said, said
    assert f"Question Q-{thread_id} {NOTE}" in said, said
    assert "Can we change the amount too?" in offered[-1].text and "f:message:send" in codes(offered[-1]), said
    sent = await chat.press(otto, "f:message:send")
    assert any("Your question Q-" in m.text and "is sent" in m.text for m in sent), [m.text for m in sent]
    otto_id = (await contact(chat.database, OTTO)).id
    assert await threads(chat.database) == [
        ((await contact(chat.database, ANA)).id, ["How do I change my pledge?", "Use /mypledges."]),
        (otto_id, ["Can we change the amount too?"])], "Ana's question untouched; Otto's is his own"
    assert not [m for m in await chat.collect(ANA)], "Ana hears nothing of it"
    assert any("Can we change the amount too?" in m.text for m in await chat.collect(BEA)), "staff get it"


async def test_a_file_replied_to_a_colleagues_question_is_kept_too(chat: ChatDriver) -> None:
    thread_id = await only_thread(chat.database)
    await becomes(chat.database, Role.focal_point, colleague_of=ANA)
    otto = chat.person(OTTO, "Otto")
    offered = await chat.send_file(otto, "document", "FILE-1", "budget.pdf", caption="Our budget",
                                   reply_to=await otto_copy(chat.database, thread_id))
    said = "\n".join(m.text for m in offered)
    assert f"Question Q-{thread_id} {NOTE}" in said and "not allowed" not in said, said
    await chat.press(otto, "f:message:send")
    async with chat.database.uow() as uow:
        mine = (await Questions(uow.session).messages(thread_id + 1))
    assert [(m.text, [f["file_id"] for f in m.files]) for m in mine] == [("Our budget", ["FILE-1"])]


async def test_one_who_may_not_ask_replying_to_an_old_copy_is_still_refused(chat: ChatDriver) -> None:
    thread_id = await only_thread(chat.database)
    await becomes(chat.database, None)
    refused = await chat.send(chat.person(OTTO, "Otto"), "One more thing",
                              reply_to=await otto_copy(chat.database, thread_id))
    assert len(refused) == 1 and refused[0].text.startswith("Sorry, you are not allowed to do that.")
    otto_id = (await contact(chat.database, OTTO)).id
    async with chat.database.uow() as uow:
        denied = (await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "denied",
                                                                   col(AuditLog.actor_id) == otto_id))).scalars().all()
    assert [(a.target_id, a.details.get("attempted")) for a in denied] == [(thread_id, "question.reply")]
    assert len(await threads(chat.database)) == 1
