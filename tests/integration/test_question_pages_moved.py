"""/questions for staff while threads move between the two parts of the queue (code review s25 #6): a thread the
person replies to while staff page through the queue waits for BDT again and sorts before the page they are on, so
no later page lists it. Before, nothing said so (Bea on page 2 of the answered threads, Awa replied on a thread of
page 3: it was on no page Bea saw until she pressed ⏮); now the next page says how many began waiting for BDT further
up, and ⏮ lists them first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chat_driver import ChatDriver, button, codes
from test_question_queue import STAFF, asked, refs

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.helpdesk.listing import LISTED
from models.clock import utcnow
from models.database import Database
from models.repositories.questions import Questions
from models.tables import QuestionThread
from models.values import ThreadStatus

OPEN, ANSWERED = ThreadStatus.open, ThreadStatus.answered
ONE_PASSED = "Since the previous page, 1 question earlier in the queue began waiting for BDT"


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def replied(database: Database, thread_id: int) -> None:
    """The person replies to BDT's answer: the thread waits for BDT again, from now (as threads.py sets it)."""
    async with database.uow() as uow:
        thread = await uow.session.get(QuestionThread, thread_id)
        assert thread is not None
        thread.status, thread.waiting_since = OPEN, utcnow()
        await uow.commit()


async def test_a_thread_replied_to_while_staff_page_through_the_answered_ones_is_not_lost(
        chat: ChatDriver, database: Database) -> None:
    ids = await asked(database, [OPEN] + [ANSWERED] * (2 * LISTED + 5))
    bea = chat.person(STAFF, "Bea")
    first = (await chat.send(bea, "/questions"))[0]
    second = (await chat.press(bea, button(first, "Next 20 questions")))[0]
    assert refs(second.text) == ids[LISTED:2 * LISTED] and "Since the previous page" not in second.text
    await replied(database, ids[2 * LISTED + 3])  # Awa replies on a thread of page 3
    third = (await chat.press(bea, button(second, "Next 6 questions")))[0]
    assert refs(third.text) == [*ids[2 * LISTED:2 * LISTED + 3], *ids[2 * LISTED + 4:]]
    assert f"{ONE_PASSED} (asked, or replied to by the person): ⏮ Back to the oldest lists it." in third.text
    assert "2 wait for BDT." in third.text and codes(third)[-1] == "qa:list"
    again = (await chat.press(bea, "qa:list"))[0]
    assert refs(again.text)[:2] == [ids[0], ids[2 * LISTED + 3]], "⏮ lists it among those waiting for BDT"
    assert "Since the previous page" not in again.text


async def test_a_thread_replied_to_while_staff_page_through_those_waiting_is_counted(
        chat: ChatDriver, database: Database) -> None:
    """The answered thread is older than the last one listed as waiting for BDT: it sorts before it now."""
    ids = await asked(database, [ANSWERED, ANSWERED] + [OPEN] * (LISTED + 3))
    bea = chat.person(STAFF, "Bea")
    first = (await chat.send(bea, "/questions"))[0]
    await replied(database, ids[0])
    rest = (await chat.press(bea, button(first, "Next 5 questions")))[0]
    assert refs(rest.text) == [*ids[LISTED + 2:], ids[1]]
    assert ONE_PASSED in rest.text


async def test_a_thread_that_still_comes_later_is_listed_and_not_counted(chat: ChatDriver,
                                                                         database: Database) -> None:
    """Waiting for BDT again but younger than the last one listed: the next page lists it, and says nothing more."""
    ids = await asked(database, [OPEN] * (LISTED + 1) + [ANSWERED, ANSWERED])
    bea = chat.person(STAFF, "Bea")
    first = (await chat.send(bea, "/questions"))[0]
    await replied(database, ids[-1])
    rest = (await chat.press(bea, button(first, "Next 3 questions")))[0]
    assert refs(rest.text) == [ids[LISTED], ids[-1], ids[-2]] and "Since the previous page" not in rest.text


async def test_past_the_last_page_the_threads_that_began_waiting_are_counted_too(chat: ChatDriver,
                                                                                 database: Database) -> None:
    ids = await asked(database, [OPEN] + [ANSWERED] * LISTED)
    bea = chat.person(STAFF, "Bea")
    following = button((await chat.send(bea, "/questions"))[0], "Next 1 question")
    await replied(database, ids[-1])  # the one the next page would have listed
    [answer] = await chat.press(bea, following)
    assert refs(answer.text) == [] and ONE_PASSED in answer.text and "No more questions" in answer.text
    assert codes(answer) == ["qa:list"]


async def test_a_page_button_sent_before_it_carried_its_moment_still_pages(chat: ChatDriver,
                                                                          database: Database) -> None:
    ids = await asked(database, [OPEN] + [ANSWERED] * (LISTED + 2))
    await replied(database, ids[-1])
    rest = (await chat.press(chat.person(STAFF, "Bea"), f"qa:after:ans:{ids[LISTED - 1]}"))[0]
    assert refs(rest.text) == ids[LISTED:-1] and "Since the previous page" not in rest.text


async def test_the_count_is_of_threads_waiting_for_bdt_since_the_moment_and_before_the_position(
        database: Database) -> None:
    """Questions.began_waiting_before, on each backend: those waiting for BDT since `since` that sort before the
    thread (among the answered ones: every one waiting; among those waiting: the older ones)."""
    ids = await asked(database, [OPEN, ANSWERED, OPEN, ANSWERED, OPEN])
    since = utcnow()
    await replied(database, ids[1])
    await replied(database, ids[3])
    async with database.uow() as uow:
        questions = Questions(uow.session)
        assert await questions.began_waiting_before(ids[3], since, answered=True) == 2
        assert await questions.began_waiting_before(ids[2], since) == 1, "ids[3] is younger: a later page lists it"
        assert await questions.began_waiting_before(ids[2], since - timedelta(days=1)) == 3, "and ids[0], ids[2]"
        assert await questions.began_waiting_before(ids[3], utcnow() + timedelta(hours=1), answered=True) == 0
        assert await questions.began_waiting_before(2**31 - 1, since, answered=True) == 0, "no such thread: page 1"
