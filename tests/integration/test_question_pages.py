"""/questions for staff a page at a time: past the first LISTED threads not closed (those waiting for BDT first,
then the answered ones, oldest first in each), a button lists the next ones, read afresh on each press (a thread
closed meanwhile drops out, none is skipped); staff only; a bad page button crashes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from chat_driver import ChatDriver, button, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.helpdesk.listing import LISTED
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Contact, Entity, QuestionThread
from models.values import EntityStatus, Role, ThreadStatus

STAFF, ANA, STRANGER = 9421, 9422, 9423
WAITING = 2 * LISTED + 5


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def asked(database: Database) -> list[int]:
    """WAITING threads not closed that Ana (a focal point) asked (one in four waits for BDT, the others were
    answered), added newest first so that id order is not age order, and one closed yesterday; the ids of the
    threads not closed in the order of the queue: those waiting for BDT oldest first, then the answered ones."""
    now = utcnow()
    async with database.uow() as uow:
        entity = Entity(name="Ministerio TIC", name_key="ministerio tic", sector="government", country_iso3="ESP",
                        status=EntityStatus.validated)
        uow.session.add(entity)
        await uow.session.flush()
        ana = Contact(telegram_id=ANA, chat_id=ANA, first_name="Ana", full_name="Ana García", language="en",
                      role=Role.focal_point, entity_id=entity.id, consent_at=now)
        uow.session.add(ana)
        await uow.session.flush()
        threads = [QuestionThread(asker_id=ana.id, entity_id=entity.id, created_at=now - timedelta(hours=100 - n),
                                  status=ThreadStatus.answered if n % 4 else ThreadStatus.open)
                   for n in range(WAITING)]
        for thread in reversed(threads):
            uow.session.add(thread)
            await uow.session.flush()
        uow.session.add(QuestionThread(asker_id=ana.id, entity_id=entity.id, status=ThreadStatus.closed,
                                       created_at=now - timedelta(days=3), closed_at=now - timedelta(days=1)))
        ids = [int(t.id or 0) for t in sorted(threads, key=lambda t: (t.status != ThreadStatus.open, t.created_at))]
        await uow.commit()
    return ids


def refs(text: str) -> list[int]:
    """The threads a message names (Q-<id>), in the order it names them."""
    return [int(found) for found in re.findall(r"Q-(\d+)", text)]


async def close(database: Database, thread_id: int) -> None:
    async with database.uow() as uow:
        thread = await uow.session.get(QuestionThread, thread_id)
        assert thread is not None
        thread.status, thread.closed_at = ThreadStatus.closed, utcnow()
        await uow.commit()


async def test_staff_page_through_the_questions_waiting_for_bdt_first(chat: ChatDriver, database: Database) -> None:
    ids = await asked(database)
    bea = chat.person(STAFF, "Bea")
    first = (await chat.send(bea, "/questions"))[0]
    closed = refs(first.text)[-1]
    assert refs(first.text) == [*ids[:LISTED], closed] and "…and 25 more." in first.text
    assert "12 wait for BDT." in first.text and "33 were answered and wait for the person." in first.text
    assert button(first, "Next 20 questions").startswith(f"qa:after:ans:{ids[LISTED - 1]}:"), \
        "the last listed is answered"
    second = (await chat.press(bea, button(first, "Next 20 questions")))[0]
    assert refs(second.text) == ids[LISTED:2 * LISTED], "the next ones, without the recently closed"
    assert "45 questions are not closed" in second.text and "numbers 21 to 40" in second.text
    assert "…and 5 more." in second.text and "Recently closed" not in second.text
    assert codes(second)[:LISTED] == [f"qa:open:{i}" for i in ids[LISTED:2 * LISTED]]
    last = (await chat.press(bea, button(second, "Next 5 questions")))[0]
    assert refs(last.text) == ids[2 * LISTED:] and "numbers 41 to 45" in last.text and "more" not in last.text
    assert codes(last) == [*(f"qa:open:{i}" for i in ids[2 * LISTED:]), "qa:list"], "no next button on the last"
    back = (await chat.press(bea, button(last, "Back to the oldest")))[0]
    assert refs(back.text) == refs(first.text) and shown(codes(back)) == shown(codes(first))


async def test_a_last_page_of_one_names_its_one_number(chat: ChatDriver, database: Database) -> None:
    """A tester's Russian page read "numbers 21 to 21"."""
    ids = await asked(database)
    for thread_id in ids[-4:]:
        await close(database, thread_id)
    bea = chat.person(STAFF, "Bea")
    first = (await chat.send(bea, "/questions"))[0]
    second = (await chat.press(bea, button(first, "Next 20 questions")))[0]
    last = (await chat.press(bea, button(second, "Next 1 question")))[0]
    assert refs(last.text) == [ids[2 * LISTED]] and "This is number 41 in the queue" in last.text, last.text


def shown(buttons: list[str]) -> list[str]:
    """Button codes without the moment their page was shown (`qa:after:…:<seconds>`), which a second can change."""
    return [re.sub(r"^(qa:after:(?:ans:)?\d+):\d+$", r"\1", code) for code in buttons]


async def test_a_question_closed_between_pages_drops_out_and_none_is_skipped(chat: ChatDriver,
                                                                             database: Database) -> None:
    ids = await asked(database)
    bea = chat.person(STAFF, "Bea")
    following = button((await chat.send(bea, "/questions"))[0], "Next 20 questions")
    await close(database, ids[3])  # one of the first page
    await close(database, ids[LISTED + 1])  # one of the next page
    second = (await chat.press(bea, following))[0]
    assert refs(second.text) == [ids[LISTED], *ids[LISTED + 2:2 * LISTED + 1]]
    assert "43 questions are not closed" in second.text and "numbers 20 to 39" in second.text


async def test_past_the_last_question_nothing_more_is_listed(chat: ChatDriver, database: Database) -> None:
    ids = await asked(database)
    answer = (await chat.press(chat.person(STAFF, "Bea"), f"qa:after:ans:{ids[-1]}"))[0]
    assert "No more questions" in answer.text and codes(answer) == ["qa:list"]


async def test_question_page_buttons_are_for_staff_only(chat: ChatDriver, database: Database) -> None:
    await asked(database)
    following = button((await chat.send(chat.person(STAFF, "Bea"), "/questions"))[0], "Next 20 questions")
    for person in (chat.person(ANA, "Ana"), chat.person(STRANGER)):
        for code in (following, "qa:list"):
            answers = await chat.press(person, code)
            refused = len(answers) == 1 and answers[0].text.startswith("Sorry, you are not allowed to do that.")
            assert refused, (person, code)
    async with database.uow() as uow:
        denied = (await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "denied")
                                            .order_by(col(AuditLog.id)))).scalars().all()
    assert [row.details.get("attempted") for row in denied[-4:]] == ["question.list"] * 4


async def test_a_malformed_question_page_button_is_refused_as_no_longer_valid(chat: ChatDriver,
                                                                              database: Database) -> None:
    await asked(database)
    bea = chat.person(STAFF, "Bea")
    following = button((await chat.send(bea, "/questions"))[0], "Next 20 questions")
    for code in (following + "0" * 12, following.replace("after:", "after:0"), following + ":1", "qa:after:",
                 "qa:after:0", "qa:list:1", "qa:after:2147483648", "qa:after:۱"):
        answers = await chat.press(bea, code)
        assert [a.text for a in answers] == ["That button is no longer valid."], code
    unknown = (await chat.press(bea, "qa:after:2147483647"))[0]
    assert len(refs(unknown.text)) == LISTED and "Next 20 questions" in str(unknown.buttons)
