"""Staff's /questions puts the questions waiting for BDT first and counts them apart from the answered ones the
person never closed (j_channel #1); a thread's history lays out its colons for the reader's script and calls the
asker's own messages theirs (j_channel #11)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from chat_driver import ChatDriver, button, codes

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.helpdesk.listing import LISTED
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Entity, QuestionMessage, QuestionThread
from models.values import EntityStatus, Role, ThreadStatus

STAFF, AWA = 9521, 9522


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def asked(database: Database, statuses: list[ThreadStatus], language: str = "en") -> list[int]:
    """Threads Awa (a focal point) asked an hour apart, oldest first, each with her question; their ids."""
    now = utcnow()
    async with database.uow() as uow:
        entity = Entity(name="Ministère du Numérique", name_key="ministere du numerique", sector="government",
                        country_iso3="SEN", status=EntityStatus.validated)
        uow.session.add(entity)
        await uow.session.flush()
        awa = Contact(telegram_id=AWA, chat_id=AWA, first_name="Awa", full_name="Awa Diop", language=language,
                      role=Role.focal_point, entity_id=entity.id, consent_at=now)
        uow.session.add(awa)
        await uow.session.flush()
        ids = []
        for n, status in enumerate(statuses):
            at = now - timedelta(hours=len(statuses) - n)
            thread = QuestionThread(asker_id=awa.id, entity_id=entity.id, status=status, created_at=at,
                                    waiting_since=at)
            uow.session.add(thread)
            await uow.session.flush()
            assert thread.id is not None
            uow.session.add(QuestionMessage(thread_id=thread.id, author_id=awa.id, from_staff=False,
                                            text=f"Question {n + 1} sur le rapport ?", created_at=at))
            ids.append(thread.id)
        await uow.commit()
    return ids


async def set_status(database: Database, thread_id: int, status: ThreadStatus) -> None:
    async with database.uow() as uow:
        thread = await uow.session.get(QuestionThread, thread_id)
        assert thread is not None
        thread.status = status
        await uow.commit()


def refs(text: str) -> list[int]:
    """The threads a message names (Q-<id>), in the order it names them."""
    return [int(found) for found in re.findall(r"Q-(\d+)", text)]


async def test_a_question_waiting_for_bdt_is_not_pushed_off_the_first_page_by_answered_ones(
        chat: ChatDriver, database: Database) -> None:
    """j_8: 22 answered questions Awa never closed, then one that waits for BDT: it comes first, with its button."""
    ids = await asked(database, [ThreadStatus.answered] * (LISTED + 2) + [ThreadStatus.open])
    page = (await chat.send(chat.person(STAFF, "Bea"), "/questions"))[0]
    assert refs(page.text)[:2] == [ids[-1], ids[0]], "the one waiting for BDT, then the answered ones oldest first"
    assert "23 questions are not closed." in page.text
    assert "1 waits for BDT." in page.text and "22 were answered and wait for the person." in page.text
    assert codes(page)[0] == f"qa:open:{ids[-1]}"
    assert button(page, "Next 3 questions").startswith(f"qa:after:ans:{ids[LISTED - 2]}:")
    rest = (await chat.press(chat.person(STAFF, "Bea"), button(page, "Next 3 questions")))[0]
    assert refs(rest.text) == ids[LISTED - 1:-1] and "numbers 21 to 23" in rest.text


async def test_with_nothing_waiting_for_bdt_the_heading_says_so(chat: ChatDriver, database: Database) -> None:
    await asked(database, [ThreadStatus.answered, ThreadStatus.answered])
    page = (await chat.send(chat.person(STAFF, "Bea"), "/questions"))[0]
    assert "2 questions are not closed." in page.text and "None waits for BDT." in page.text


async def test_the_next_page_continues_where_the_waiting_ones_left_off_even_if_the_last_was_answered_meanwhile(
        chat: ChatDriver, database: Database) -> None:
    """The first page ends on a question waiting for BDT; it is answered before "Next": the next page still lists
    the questions waiting for BDT after it, then every answered one (none is skipped)."""
    statuses = [ThreadStatus.answered, ThreadStatus.answered] + [ThreadStatus.open] * (LISTED + 3)
    ids = await asked(database, statuses)
    bea = chat.person(STAFF, "Bea")
    page = (await chat.send(bea, "/questions"))[0]
    assert refs(page.text) == ids[2:LISTED + 2] and "23 wait for BDT." in page.text
    following = button(page, "Next 5 questions")
    assert following.startswith(f"qa:after:{ids[LISTED + 1]}:")
    await set_status(database, ids[LISTED + 1], ThreadStatus.answered)
    rest = (await chat.press(bea, following))[0]
    assert refs(rest.text) == [*ids[LISTED + 2:], ids[0], ids[1], ids[LISTED + 1]]


async def test_the_history_calls_the_askers_own_messages_hers(chat: ChatDriver, database: Database) -> None:
    [thread_id] = await asked(database, [ThreadStatus.answered])
    await add_answer_and_reply(database, thread_id)
    history = (await chat.press(chat.person(AWA, "Awa"), f"qa:open:{thread_id}"))[0].text
    assert [line.split(" · ")[0] for line in history.splitlines() if line.startswith("<b>— ")] == \
        ["<b>— Your question", "<b>— BDT", "<b>— Your reply"]
    staff = (await chat.press(chat.person(STAFF, "Bea"), f"qa:open:{thread_id}"))[0].text
    assert [line.split(" · ")[0] for line in staff.splitlines() if line.startswith("<b>— ")] == \
        ["<b>— Question", "<b>— BDT", "<b>— Reply"]


async def test_the_history_puts_a_space_before_the_colon_in_french(chat: ChatDriver,
                                                                   database: Database) -> None:
    [thread_id] = await asked(database, [ThreadStatus.answered], language="fr")
    await add_answer_and_reply(database, thread_id)
    history = (await chat.press(chat.person(AWA, "Awa", "fr"), f"qa:open:{thread_id}"))[0].text
    headings = [line for line in history.splitlines() if line.startswith("<b>— ")]
    assert len(headings) == 3 and all(line.endswith("</b>\u202f: ") for line in headings), headings


async def add_answer_and_reply(database: Database, thread_id: int) -> None:
    """BDT's answer to the thread and the asker's reply to it."""
    now = utcnow()
    async with database.uow() as uow:
        thread = await uow.session.get(QuestionThread, thread_id)
        assert thread is not None
        uow.session.add(QuestionMessage(thread_id=thread_id, author_id=None, from_staff=True,
                                        text="Indiquez le nombre d'écoles.", created_at=now - timedelta(minutes=30)))
        uow.session.add(QuestionMessage(thread_id=thread_id, author_id=thread.asker_id, from_staff=False,
                                        text="Merci, et pour les enseignants ?", created_at=now))
        await uow.commit()
