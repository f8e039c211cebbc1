"""Regressions of review s24-2 #1, #2 and #4: what a focal point typed for a report BDT asked about was lost when a
colleague's work on the same report came in between. ✏️ on BDT's new question replaced a replacement copy (the
person's changes gone without a word), and a report in progress of another period too; "✏️ Add to the report" after
a colleague answered said why and dropped the message; a message added to a copy opened on an earlier version put
that version's "Steps taken" back over the colleague's, and a replacement copy of the very report was called
"another report in progress"."""

from __future__ import annotations

from typing import Any

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_colleague_replacements import AWAS_CHALLENGES, ask_again, karims_stale_replacement, reports_of
from test_colleague_reports import AWA, KARIM, KARIMS_STEPS, asked, colleagues
from test_form_switches import drafts_of, said
from test_reports import STAFF

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.repositories.drafts import Drafts
from models.tables import Contact, QuestionThread
from models.values import ReviewStatus

MESSAGE = "The two others open in March."
AWAS_STEPS = "Five hospitals connected; three in service since December, the two others wait for generators."
KARIMS_CHALLENGES = "The generators are late."


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def offer_left_open(database: Database, telegram_id: int, report_id: int, message: str = MESSAGE) -> None:
    """The offer of a message typed for the report, the person's latest form (its ✏️ Add button the one pressed)."""
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == telegram_id)))\
            .scalar_one()
        assert contact.id is not None
        state: dict[str, Any] = {"step": "message", "answers": {
            "$mode": "report", "$thread": 0, "$report": report_id,
            "$start": {"text": message, "files": [], "refused": 0}}}
        await Drafts(uow.session).open(contact.id, "question", "message", state, utcnow())
        await uow.commit()


async def test_edit_on_bdts_new_question_keeps_a_replacement_copy(chat: ChatDriver, database: Database) -> None:
    """#1: Karim's copy had become "a report that replaces it" after Awa answered; BDT asked again and ✏️ opened a
    fresh edit of Awa's version, Karim's "Steps taken" gone without a word."""
    await colleagues(chat)
    report_id = await karims_stale_replacement(chat, database)
    await ask_again(chat, report_id, "And the two others?")
    karim = chat.person(KARIM)
    reopened = await chat.press(karim, f"rp:edit:{report_id}")
    assert "Your changes were not sent, but they are kept" in said(reopened), said(reopened)
    assert "And the two others?" in reopened[-1].text and "(Steps taken)" in reopened[-1].text, reopened[-1].text
    assert KARIMS_STEPS in reopened[-1].text and AWAS_CHALLENGES in reopened[-1].text, reopened[-1].text
    await chat.press(karim, "f:$sum:submit")
    [report] = await reports_of(database)
    assert (report.version, report.review_status) == (3, ReviewStatus.submitted), "an edit answering it"
    assert (report.steps_taken, report.challenges) == (KARIMS_STEPS, AWAS_CHALLENGES)


async def test_edit_does_not_replace_a_report_in_progress_of_another_period(chat: ChatDriver,
                                                                             database: Database) -> None:
    """#1: Karim's report for 2025, half done, was replaced without a word by the edit of the 2024 report."""
    pledge_id = await colleagues(chat)
    report_id = await asked(chat, database)
    karim = chat.person(KARIM)
    await chat.collect(KARIM)
    opened = await chat.press(karim, f"rp:open:{pledge_id}")
    assert "for 2025" in said(opened), said(opened)
    await chat.press(karim, "f:status:c:in_progress")
    kept = await chat.press(karim, f"rp:edit:{report_id}")
    assert "Your report in progress on P2C-" in kept[-1].text and "for 2025 is kept" in kept[-1].text, said(kept)
    assert "rp:resume" in codes(kept[-1]), kept[-1].text
    draft = (await drafts_of(database, KARIM))["report"]
    assert (draft.state["answers"]["$period"], draft.state["answers"]["status"]) == ("2025", "in_progress")
    back = await chat.press(karim, "rp:resume")
    assert "for 2025" in said(back), said(back)


async def test_add_to_the_report_after_a_colleague_answered_offers_the_message_again(chat: ChatDriver,
                                                                                     database: Database) -> None:
    """#2: Awa typed a message for the report; Karim answered BDT before she pressed ✏️ Add to the report: she was
    told he had, and her message was neither in the report nor sent to BDT."""
    await colleagues(chat)
    report_id = await asked(chat, database)
    awa, karim = chat.person(AWA), chat.person(KARIM)
    for person in (AWA, KARIM):
        await chat.collect(person)
    offered = await chat.send(awa, MESSAGE)
    assert "f:message:report" in codes(offered[-1]), offered[-1].text
    await chat.press(karim, f"rp:edit:{report_id}")
    await chat.press(karim, "f:$sum:edit:steps_taken")
    await chat.send(karim, KARIMS_STEPS)
    await chat.press(karim, "f:$sum:submit")
    await chat.collect(AWA)
    await chat.collect(STAFF)
    again = await chat.press(awa, "f:message:report")
    assert "Karim Ba already answered BDT's question" in said(again), said(again)
    assert MESSAGE in again[-1].text and "f:message:send" in codes(again[-1]), again[-1].text
    await chat.press(awa, "f:message:send")
    [copy] = await chat.collect(STAFF)
    assert MESSAGE in copy.text and "About the report on P2C-" in copy.text, copy.text
    async with database.uow() as uow:
        assert len(list((await uow.session.execute(select(QuestionThread))).scalars())) == 1


async def test_a_message_added_to_an_old_edit_keeps_the_colleagues_newer_steps(chat: ChatDriver,
                                                                               database: Database) -> None:
    """#4: Karim's edit was opened on the first question; Awa answered with new steps taken, BDT asked again, and
    Karim's message, added to his old copy, brought back the first version's steps over Awa's."""
    await colleagues(chat)
    report_id = await asked(chat, database)
    awa, karim = chat.person(AWA), chat.person(KARIM)
    await chat.press(karim, f"rp:edit:{report_id}")
    await chat.press(karim, "f:$sum:edit:challenges")
    await chat.send(karim, KARIMS_CHALLENGES)
    await chat.press(awa, f"rp:edit:{report_id}")
    await chat.press(awa, "f:$sum:edit:steps_taken")
    await chat.send(awa, AWAS_STEPS)
    await chat.press(awa, "f:$sum:submit")
    await ask_again(chat, report_id, "And the two others?")
    await offer_left_open(database, KARIM, report_id)
    opened = await chat.press(karim, "f:message:report")
    assert "another report in progress" not in said(opened), said(opened)
    assert f"{AWAS_STEPS}\n\n{MESSAGE}" in opened[-1].text and KARIMS_CHALLENGES in opened[-1].text, \
        opened[-1].text
    assert "And the two others?" in opened[-1].text, opened[-1].text
    await chat.press(karim, "f:$sum:submit")
    [report] = await reports_of(database)
    assert (report.version, report.steps_taken, report.challenges) == (3, f"{AWAS_STEPS}\n\n{MESSAGE}",
                                                                      KARIMS_CHALLENGES)


async def test_a_message_added_to_a_replacement_copy_goes_into_it(chat: ChatDriver, database: Database) -> None:
    """#4: Karim's replacement copy of the very report BDT asked about again was called "another report in
    progress", and the message did not go in."""
    await colleagues(chat)
    report_id = await karims_stale_replacement(chat, database)
    await ask_again(chat, report_id, "And the two others?")
    await offer_left_open(database, KARIM, report_id)
    opened = await chat.press(chat.person(KARIM), "f:message:report")
    assert "another report in progress" not in said(opened), said(opened)
    assert "Your changes were not sent, but they are kept" in said(opened), said(opened)
    assert f"{KARIMS_STEPS}\n\n{MESSAGE}" in opened[-1].text and AWAS_CHALLENGES in opened[-1].text, opened[-1].text
    await chat.press(chat.person(KARIM), "f:$sum:submit")
    [report] = await reports_of(database)
    assert (report.version, report.steps_taken, report.challenges) == (3, f"{KARIMS_STEPS}\n\n{MESSAGE}",
                                                                      AWAS_CHALLENGES)
