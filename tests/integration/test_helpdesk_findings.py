"""Regressions of the testers' findings on questions to BDT (f_robust.md #4, #7; g_staff.md #8): a text over the
limit says how to send it and is flagged above Send, staff are told the language the person reads the bot in (not
"Asked in", which the text may not be), and a focal point's typed answer to a clarification on a report is offered
for that report instead of as a general question that comes back after the report's edit."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.helpdesk.compose import MAX_TEXT
from models.clock import utcnow
from models.database import Database
from models.repositories.questions import Questions
from models.tables import Contact, Entity, Pledge, ProgressReport, QuestionThread
from models.values import EntityStatus, PledgeStatus, ReviewStatus, Role

STAFF, AWA = 9400, 9401
_numbers = itertools.count(1)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member (Bea, whose app is in English)."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def organisation(database: Database, language: str = "en") -> tuple[int, int]:
    """Awa, focal point (reading the bot in `language`) of an organisation with one validated pledge and its report
    for 2025; returns the pledge's and the report's ids."""
    number = next(_numbers)
    async with database.uow() as uow:
        entity = Entity(name=f"Ministère {number}", name_key=f"ministere {number}", sector="government",
                        country_iso3="SEN", status=EntityStatus.validated)
        uow.session.add(entity)
        await uow.session.flush()
        uow.session.add(Contact(telegram_id=AWA, chat_id=AWA, first_name="Awa", full_name="Awa Diop",
                                language=language, telegram_language=language, entity_id=entity.id,
                                role=Role.focal_point, consent_at=utcnow()))
        pledge = Pledge(ref=f"P2C-2026-{number:05d}", entity_id=entity.id or 0, title="Connecter les écoles",
                        description="Connecter 500 écoles rurales au haut débit.", focus_area="access",
                        pledge_type="programmatic", status=PledgeStatus.validated, start_date=date(2024, 1, 1),
                        end_date=date(2029, 6, 30))
        uow.session.add(pledge)
        await uow.session.flush()
        report = ProgressReport(pledge_id=pledge.id or 0, period="2025", status="in_progress",
                                steps_taken="Nous avons connecté 120 écoles à Kolda.")
        uow.session.add(report)
        await uow.commit()
        assert pledge.id is not None and report.id is not None
        return pledge.id, report.id


async def thread_texts(database: Database) -> list[list[str]]:
    """The texts of every thread's messages, thread by thread."""
    async with database.uow() as uow:
        threads = (await uow.session.execute(select(QuestionThread).order_by(col(QuestionThread.id)))).scalars()
        return [[m.text for m in await Questions(uow.session).messages(t.id or 0)] for t in threads]


async def ask_clarification(chat: ChatDriver, report_id: int) -> None:
    """Bea asks a clarification on the report; Awa gets it with ✏️ Edit the report."""
    await chat.press(chat.person(STAFF, "Bea"), f"rs:ask:{report_id}")
    await chat.send(chat.person(STAFF, "Bea"), "How many schools are connected in Kolda?")
    [notice] = await chat.collect(AWA)
    assert codes(notice) == [f"rp:edit:{report_id}"], notice


async def test_a_text_over_the_limit_says_how_to_send_it_and_is_flagged_above_send(chat: ChatDriver,
                                                                                   database: Database) -> None:
    """f #4: the first part of a long paste was refused with "Too long" only, later parts were accepted, and Send
    sent staff the tail without a word that the beginning was missing."""
    await organisation(database)
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, "/ask")
    refused = await chat.send(awa, "Question about funding. " * 170)
    shown = refused[-1].text
    assert "as a document" in shown and "still in this chat" in shown, shown
    added = await chat.send(awa, "Second part: how is the percentage computed?")
    assert "f:message:send" in codes(added[-1])
    assert "1 text you sent was too long: it is not in this message." in added[-1].text, added[-1].text
    await chat.press(awa, "f:message:send")
    assert await thread_texts(database) == [["Second part: how is the percentage computed?"]]
    assert len("Question about funding. " * 170) > MAX_TEXT


async def test_staff_are_told_the_language_the_person_reads_the_bot_in(chat: ChatDriver, database: Database) -> None:
    """f #7: staff read "Asked in Arabic" for a question written in Russian by someone who had switched the bot to
    Arabic: the language named is the bot's, said as such, and the current one when the thread is opened later."""
    await organisation(database, "ru")
    awa = chat.person(AWA, "Awa", "ru")
    await chat.send(awa, "/ask")
    await chat.send(awa, "Вопрос о финансировании отчётов.")
    await chat.press(awa, "lang:ar")
    await chat.press(awa, "f:message:send")
    [copy] = await chat.collect(STAFF)
    assert "Reads the bot in Arabic." in copy.text and "Asked in" not in copy.text, copy.text
    await chat.press(awa, "lang:fr")
    [history] = await chat.press(chat.person(STAFF, "Bea"), codes(copy)[0].replace("take", "open"))
    assert "Reads the bot in French." in history.text and "Asked in" not in history.text, history.text


async def test_a_typed_answer_to_a_clarification_goes_into_the_report(chat: ChatDriver, database: Database) -> None:
    """g #8: Awa typed her answer to BDT's question on her report: it was offered as a general question, and that
    question came back by itself once she had edited the report."""
    pledge_id, report_id = await organisation(database)
    await ask_clarification(chat, report_id)
    awa = chat.person(AWA, "Awa")
    offered = await chat.send(awa, "310 schools in Kolda.")
    shown = offered[-1].text
    assert "P2C-2026-" in shown and "How many schools are connected in Kolda?" in shown, shown
    assert codes(offered[-1])[:2] == ["f:message:report", "f:message:send"], codes(offered[-1])
    opened = await chat.press(awa, "f:message:report")
    said = "\n".join(m.text for m in opened)
    assert "“310 schools in Kolda.”" in said and "f:$sum:submit" in codes(opened[-1]), said
    await chat.press(awa, "f:$sum:edit:steps_taken")
    await chat.send(awa, "We connected 820 schools, 310 of them in Kolda.")
    sent = await chat.press(awa, "f:$sum:submit")
    assert not any("f:message:send" in codes(m) or "left open" in m.text for m in sent), [m.text for m in sent]
    assert await thread_texts(database) == []
    async with database.uow() as uow:
        report = (await uow.session.execute(select(ProgressReport).where(
            col(ProgressReport.pledge_id) == pledge_id, col(ProgressReport.is_current).is_(True)))).scalar_one()
        assert (report.steps_taken, report.review_status) == ("We connected 820 schools, 310 of them in Kolda.",
                                                              ReviewStatus.submitted)


async def test_the_report_edited_from_the_notice_takes_the_offer_with_it(chat: ChatDriver, database: Database) -> None:
    """g #8, the other way in: Awa typed her answer, then pressed ✏️ Edit on BDT's notice rather than the offer's
    button; once the report was sent, the offer came back by itself as a question "left open" (and then, the offer
    was dropped with its message)."""
    pledge_id, report_id = await organisation(database)
    await ask_clarification(chat, report_id)
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, "310 schools in Kolda.")
    opened = await chat.press(awa, f"rp:edit:{report_id}")
    said = "\n".join(m.text for m in opened)
    assert "left open" not in said.lower() and "310 schools in Kolda." in said, said
    sent = await chat.press(awa, "f:$sum:submit")
    assert "sent to BDT" in "\n".join(m.text for m in sent)
    assert not any("f:message:send" in codes(m) or "left open" in m.text.lower() for m in sent), [m.text for m in sent]
    later = await chat.send(awa, "/help")
    assert not any("f:message:send" in codes(m) for m in later)
    assert await thread_texts(database) == []
    async with database.uow() as uow:
        report = (await uow.session.execute(select(ProgressReport).where(
            col(ProgressReport.pledge_id) == pledge_id, col(ProgressReport.is_current).is_(True)))).scalar_one()
    assert report.steps_taken.endswith("310 schools in Kolda."), report.steps_taken


async def test_a_typed_answer_to_a_clarification_may_go_to_bdt_naming_the_report(chat: ChatDriver,
                                                                                 database: Database) -> None:
    """g #8: the other way: sent to BDT, staff read which report it is about."""
    _, report_id = await organisation(database)
    await ask_clarification(chat, report_id)
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, "310 schools in Kolda.")
    done = await chat.press(awa, "f:message:send")
    assert "Q-" in done[-1].text
    [copy] = await chat.collect(STAFF)
    assert "About the report on P2C-2026-" in copy.text and "310 schools in Kolda." in copy.text, copy.text
    assert await thread_texts(database) == [["310 schools in Kolda."]]


async def test_free_text_without_a_clarification_is_still_offered_as_a_question(chat: ChatDriver,
                                                                               database: Database) -> None:
    """g #8: only a report waiting for its clarification changes the offer (not one waiting for staff)."""
    await organisation(database)
    offered = await chat.send(chat.person(AWA, "Awa"), "Where are the reporting guidelines?")
    assert "as a question" in offered[-1].text and codes(offered[-1])[0] == "f:message:send", offered[-1].text
