"""Regressions of review s24 #1 and #3: a colleague's copy of a report, built on the report as it was, went ahead as
it was once the report changed again. A replacement opened after a colleague's answer (or with "Yes, replace it")
replaced the report after BDT asked again (the question never answered) or after the colleague answered that question
too (their answer dropped from the current report); ✏️ on the second question brought back an edit of the first,
without the colleague's answer."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_colleague_reports import AWA, KARIM, KARIMS_STEPS, asked, colleagues, join
from test_form_switches import said
from test_reports import STAFF, Counter, first_report, validated_pledge

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.database import Database
from models.tables import ProgressReport
from models.values import ReviewStatus

pytestmark = pytest.mark.usefixtures("autumn_2026")  # a pledge from 2026, replaced reports of 2026

AWAS_CHALLENGES = "Late delivery of the equipment."
AWAS_SECOND = "Two of them wait for their generators."


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def reports_of(database: Database) -> list[ProgressReport]:
    """Every report, oldest first."""
    async with database.uow() as uow:
        return list((await uow.session.execute(select(ProgressReport).order_by(col(ProgressReport.id))))
                    .scalars().all())


async def karims_stale_replacement(chat: ChatDriver, database: Database) -> int:
    """Karim edits the report BDT asked about; Awa answers first; Karim's Submit then opens the report as it is now
    with his change, to send "as a report that replaces it" (not sent yet). The report's id."""
    report_id = await asked(chat, database)
    awa, karim = chat.person(AWA), chat.person(KARIM)
    await chat.press(karim, f"rp:edit:{report_id}")
    await chat.press(karim, "f:$sum:edit:steps_taken")
    await chat.send(karim, KARIMS_STEPS)
    await chat.press(awa, f"rp:edit:{report_id}")
    await chat.press(awa, "f:$sum:edit:challenges")
    await chat.send(awa, AWAS_CHALLENGES)
    await chat.press(awa, "f:$sum:submit")
    copy = await chat.press(karim, "f:$sum:submit")
    assert "replaces it" in copy[-1].text and "f:$sum:submit" in codes(copy[-1]), said(copy)
    for person in (AWA, KARIM, STAFF):
        await chat.collect(person)
    return report_id


async def ask_again(chat: ChatDriver, report_id: int, question: str) -> None:
    """Staff ask a question on the report (again), on its current version."""
    async with chat.database.uow() as uow:
        report = await uow.session.get(ProgressReport, report_id)
        assert report is not None
    await chat.press(chat.person(STAFF), f"rs:ask:{report_id}:{report.version}")
    await chat.send(chat.person(STAFF), question)
    for person in (AWA, KARIM, STAFF):
        await chat.collect(person)


async def test_a_stale_replacement_becomes_an_edit_answering_bdts_second_question(chat: ChatDriver,
                                                                                 database: Database) -> None:
    """#1: colleague answers → BDT asks again → the replacement opened before was submitted: a new report replaced
    the one BDT asked about, the second question never answered."""
    await colleagues(chat)
    report_id = await karims_stale_replacement(chat, database)
    await ask_again(chat, report_id, "And the two others?")
    karim = chat.person(KARIM)
    reopened = await chat.press(karim, "f:$sum:submit")
    assert [r.id for r in await reports_of(database)] == [report_id], "nothing replaced: " + said(reopened)
    assert "BDT asked a question about the report" in said(reopened), said(reopened)
    assert "And the two others?" in reopened[-1].text and "(Steps taken)" in reopened[-1].text, said(reopened)
    assert "replaces it" not in reopened[-1].text and AWAS_CHALLENGES in reopened[-1].text, reopened[-1].text
    await chat.press(karim, "f:$sum:submit")
    [report] = await reports_of(database)
    assert (report.version, report.review_status) == (3, ReviewStatus.submitted), "sent as an edit answering it"
    assert (report.steps_taken, report.challenges) == (KARIMS_STEPS, AWAS_CHALLENGES)


async def test_a_stale_replacement_keeps_a_colleagues_answer_to_the_second_question(chat: ChatDriver,
                                                                                   database: Database) -> None:
    """#1: the colleague answered the second question too before the stale Submit: the replacement, built on the
    report before that answer, became the current report and the answer was gone."""
    await colleagues(chat)
    report_id = await karims_stale_replacement(chat, database)
    await ask_again(chat, report_id, "And the two others?")
    awa, karim = chat.person(AWA), chat.person(KARIM)
    await chat.press(awa, f"rp:edit:{report_id}")
    await chat.press(awa, "f:$sum:edit:challenges")
    await chat.send(awa, AWAS_SECOND)
    await chat.press(awa, "f:$sum:submit")
    rebuilt = await chat.press(karim, "f:$sum:submit")
    assert [r.id for r in await reports_of(database)] == [report_id], "nothing replaced: " + said(rebuilt)
    assert "Awa Diop already answered" in said(rebuilt) and "BDT has it now" in said(rebuilt), said(rebuilt)
    assert AWAS_SECOND in rebuilt[-1].text and KARIMS_STEPS in rebuilt[-1].text, rebuilt[-1].text
    await chat.press(karim, "f:$sum:submit")
    old, new = await reports_of(database)
    assert (old.is_current, new.is_current) == (False, True)
    assert (new.steps_taken, new.challenges) == (KARIMS_STEPS, AWAS_SECOND), "both colleagues' answers are kept"


async def test_yes_replace_it_does_not_skip_a_question_bdt_asked_meanwhile(chat: ChatDriver,
                                                                           database: Database) -> None:
    """#1, the "Yes, replace it" flow: a replacement opened before BDT's question replaced the report asked about."""
    await join(chat, AWA, "Awa Diop")
    await join(chat, KARIM, "Karim Ba")
    pledge_id = await validated_pledge(chat, AWA, start="2026-01-01")
    await first_report(Counter(chat, AWA))
    [report] = await reports_of(database)
    karim = chat.person(KARIM)
    await chat.press(karim, f"rp:repl:{pledge_id}")
    await chat.press(karim, "f:status:sameall")
    await chat.press(karim, "f:evidence:skip")
    await chat.press(karim, "f:$sum:edit:steps_taken")
    await chat.send(karim, KARIMS_STEPS)
    assert report.id is not None
    await ask_again(chat, report.id, "How many of these schools are really online?")
    reopened = await chat.press(karim, "f:$sum:submit")
    assert [r.id for r in await reports_of(database)] == [report.id], "nothing replaced: " + said(reopened)
    assert "BDT asked a question about the report" in said(reopened), said(reopened)
    assert "really online?" in reopened[-1].text and "again" not in reopened[-1].text, reopened[-1].text
    assert KARIMS_STEPS in reopened[-1].text and "replaces it" not in reopened[-1].text
    await chat.press(karim, "f:$sum:submit")
    [edited] = await reports_of(database)
    assert (edited.version, edited.steps_taken, edited.review_status) == (2, KARIMS_STEPS, ReviewStatus.submitted)


async def test_reopening_an_edit_after_bdt_asked_again_shows_the_report_as_it_is_now(chat: ChatDriver,
                                                                                   database: Database) -> None:
    """#3: Karim's edit opened on the first question, then Awa answered and BDT asked again: ✏️ said "Welcome
    back!" under the first question, with the report as it was before Awa's answer."""
    await colleagues(chat)
    report_id = await asked(chat, database)
    awa, karim = chat.person(AWA), chat.person(KARIM)
    await chat.press(karim, f"rp:edit:{report_id}")
    await chat.press(karim, "f:$sum:edit:steps_taken")
    await chat.send(karim, KARIMS_STEPS)
    await chat.press(awa, f"rp:edit:{report_id}")
    await chat.press(awa, "f:$sum:edit:challenges")
    await chat.send(awa, AWAS_CHALLENGES)
    await chat.press(awa, "f:$sum:submit")
    await ask_again(chat, report_id, "And the two others?")
    reopened = await chat.press(karim, f"rp:edit:{report_id}")
    text = said(reopened)
    assert "Welcome back" not in text and "schools are really online" not in text, text
    assert "Awa Diop already answered" in text and "And the two others?" in reopened[-1].text, text
    assert AWAS_CHALLENGES in reopened[-1].text and KARIMS_STEPS in reopened[-1].text, reopened[-1].text
    await chat.press(karim, "f:$sum:submit")
    [report] = await reports_of(database)
    assert (report.version, report.steps_taken, report.challenges) == (3, KARIMS_STEPS, AWAS_CHALLENGES)


async def test_reopening_an_unchanged_stale_edit_opens_the_report_as_it_is_now(chat: ChatDriver,
                                                                              database: Database) -> None:
    """#3 without changes: the stale copy holds nothing of Karim's, so the edit opens afresh on the second question."""
    await colleagues(chat)
    report_id = await asked(chat, database)
    awa, karim = chat.person(AWA), chat.person(KARIM)
    await chat.press(karim, f"rp:edit:{report_id}")
    await chat.press(awa, f"rp:edit:{report_id}")
    await chat.press(awa, "f:$sum:edit:challenges")
    await chat.send(awa, AWAS_CHALLENGES)
    await chat.press(awa, "f:$sum:submit")
    await ask_again(chat, report_id, "And the two others?")
    reopened = await chat.press(karim, f"rp:edit:{report_id}")
    assert "Welcome back" not in said(reopened) and "And the two others?" in reopened[-1].text, said(reopened)
    assert AWAS_CHALLENGES in reopened[-1].text, reopened[-1].text


async def test_report_on_a_period_bdt_asked_about_opens_the_edit_that_answers_it(chat: ChatDriver,
                                                                                 database: Database) -> None:
    """/report (or an old "Yes, replace it") on a period whose report BDT asked about offered a replacement: the
    person never saw the question, and BDT's question stayed open. Now it opens the report's edit, headed by the
    question, and its Submit answers BDT on the same report."""
    await join(chat, AWA, "Awa Diop")
    pledge_id = await validated_pledge(chat, AWA, start="2026-01-01")
    await first_report(Counter(chat, AWA))
    [report] = await reports_of(database)
    assert report.id is not None
    await ask_again(chat, report.id, "How many of these schools are really online?")
    awa = chat.person(AWA)
    opened = await chat.send(awa, "/report")
    assert "really online?" in said(opened) and "already reported" not in said(opened), said(opened)
    assert "f:$sum:submit" in codes(opened[-1]), said(opened)
    await chat.press(awa, "f:$sum:edit:steps_taken")
    await chat.send(awa, KARIMS_STEPS)
    again = await chat.press(awa, f"rp:repl:{pledge_id}")  # the button of an offer made before BDT asked
    assert KARIMS_STEPS in said(again) and "f:$sum:submit" in codes(again[-1]), said(again)
    await chat.press(awa, "f:$sum:submit")
    [edited] = await reports_of(database)
    assert (edited.id, edited.version, edited.steps_taken, edited.review_status) == (
        report.id, 2, KARIMS_STEPS, ReviewStatus.submitted)
