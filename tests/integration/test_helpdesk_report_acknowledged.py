"""A question answering BDT's clarification of a report (sent with 📨 Send to BDT) carries the report's ✅ Acknowledge;
once the report is acknowledged, from that copy or any other, every staff copy of the question loses the button and
says who acknowledged it, and a question holding nothing but that answer is closed: it neither waits in /questions
nor reminds anyone (tester t2, F3)."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_helpdesk_report_offer import AWA, STAFF, ask_clarification, organisation

from bot.i18n import Rendered, Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.messages import reply_from_json
from models.clock import utcnow
from models.database import Database
from models.tables import Outbox, ProgressReport, QuestionThread
from models.values import LANGUAGES, ReviewStatus, Role, ThreadStatus

CARL = 9504
ANSWER = "The amount fell because a grant was returned."


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Two staff members: Bea and Carl."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    await grant_role(GrantRole(CARL, Role.staff), database.uow(), utcnow())
    await driver.send(driver.person(CARL, "Carl"), "/help")
    return driver


async def answered_with_send(chat: ChatDriver, database: Database) -> tuple[int, dict[int, int]]:
    """Karim's report asked about, Awa's answer sent to BDT as a question; the report's id, and each staff member's
    copy of the question (the id Telegram knows it by), which carries the report's Acknowledge."""
    report_id = await organisation(database)
    await ask_clarification(chat, report_id)
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, ANSWER)
    await chat.press(awa, "f:message:send")
    await chat.collect(AWA)
    copies = {}
    for telegram_id in (STAFF, CARL):
        received = await chat.collect(telegram_id)
        index = next(i for i, m in enumerate(received) if f"rs:ack:{report_id}:1" in codes(m) and ANSWER in m.text)
        copies[telegram_id] = chat.sent_ids[index]
    return report_id, copies


async def closing_of(chat: ChatDriver, telegram_id: int, message_id: int, locale: str = "en") -> Rendered | None:
    """The last edit written for a message of this chat, rendered (None: it was never edited)."""
    async with chat.database.uow() as uow:
        key = (await uow.session.execute(select(Outbox.key).where(
            col(Outbox.chat_id) == telegram_id, col(Outbox.telegram_message_id) == message_id))).scalar_one()
        edits = [row for row in (await uow.session.execute(select(Outbox).order_by(col(Outbox.id)))).scalars()
                 if row.payload.get("edit_of") == key]
    return chat.renderer.reply(reply_from_json(edits[-1].payload["reply"]), locale) if edits else None


async def the_thread(database: Database) -> QuestionThread:
    async with database.uow() as uow:
        return (await uow.session.execute(select(QuestionThread))).scalar_one()


async def test_acknowledging_on_the_question_closes_it_and_every_copy_says_so(chat: ChatDriver,
                                                                             database: Database) -> None:
    report_id, copies = await answered_with_send(chat, database)
    done = await chat.press(chat.person(CARL, "Carl"), f"rs:ack:{report_id}", on=copies[CARL])
    thread = await the_thread(database)
    for telegram_id, message_id in copies.items():
        closed = await closing_of(chat, telegram_id, message_id)
        assert closed is not None, f"the question's copy of {telegram_id} keeps ✅ Acknowledge"
        assert "✅ The report was acknowledged by Carl on " in closed.text and ANSWER in closed.text
        assert f"Question Q-{thread.id} is closed." in closed.text and not codes(closed)
        for locale in LANGUAGES:
            translated = await closing_of(chat, telegram_id, message_id, locale)
            assert translated is not None and "Carl" in translated.text
    assert thread.status == ThreadStatus.closed  # nothing but the answer: the acknowledgement settles it
    assert f"Question Q-{thread.id} is closed." in done[-1].text, done[-1].text
    told = [m.text for m in await chat.collect(AWA)]
    assert any("BDT has acknowledged" in m for m in told) and any(f"closed your question Q-{thread.id}" in m
                                                                   for m in told), told
    listed = await chat.send(chat.person(STAFF, "Bea"), "/questions")
    assert "waiting for BDT" not in listed[0].text, listed[0].text


async def test_a_question_where_more_was_said_stays_open_and_loses_only_the_button(chat: ChatDriver,
                                                                                  database: Database) -> None:
    report_id, copies = await answered_with_send(chat, database)
    bea = chat.person(STAFF, "Bea")
    await chat.send(bea, "Thank you, we are looking into it.", reply_to=copies[STAFF])  # answered: waits for Awa
    await chat.press(bea, f"rs:ack:{report_id}")  # from the report's notice: the question said more than the answer
    thread = await the_thread(database)
    assert thread.status == ThreadStatus.answered
    closed = await closing_of(chat, CARL, copies[CARL])
    assert closed is not None and "✅ The report was acknowledged by Bea on " in closed.text
    assert not any(code.startswith("rs:ack:") for code in codes(closed)) and f"qa:ans:{thread.id}" in codes(closed)
    assert "is closed" not in closed.text


async def test_acknowledge_on_the_question_after_the_report_was_edited_shows_the_new_version(
        chat: ChatDriver, database: Database) -> None:
    """Tester (a staff day): Awa's answer went to BDT as a question, then she edited the report (450,000 people, not
    320,000) and sent it. Bea's ✅ Acknowledge on the question's copy acknowledged the new version, which she had
    never read. It applies to the version the copy showed: she is told it was edited, and shown it to decide."""
    report_id, copies = await answered_with_send(chat, database)
    awa = chat.person(AWA, "Awa")
    await chat.press(awa, f"rp:edit:{report_id}")
    await chat.press(awa, "f:$sum:edit:steps_taken")
    await chat.send(awa, "We connected 820 schools.")
    await chat.press(awa, "f:$sum:submit")
    await chat.collect(STAFF)
    pressed = await chat.press(chat.person(STAFF, "Bea"), f"rs:ack:{report_id}:1", on=copies[STAFF])
    assert "was edited since the version you saw: nothing of yours was applied or sent" in pressed[0].text, \
        pressed[0].text
    assert "We connected 820 schools." in pressed[-1].text and f"rs:ack:{report_id}:2" in codes(pressed[-1])
    async with database.uow() as uow:
        report = await uow.session.get(ProgressReport, report_id)
        assert report is not None and (report.version, report.review_status) == (2, ReviewStatus.submitted)
    assert not any("BDT has acknowledged" in m.text for m in await chat.collect(AWA))
    done = await chat.press(chat.person(STAFF, "Bea"), f"rs:ack:{report_id}:2")  # the version read now
    assert "acknowledged" in done[-1].text.lower(), done[-1].text
