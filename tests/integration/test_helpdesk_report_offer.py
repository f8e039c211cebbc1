"""Regressions of the review of the report offer (s24 review #4, #6): "✏️ Add to the report" quoted the message once
and opened the report's summary, so Submit sent the report without it; and the offer said "your report" of a report a
colleague sent."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.helpdesk.report_answers import with_message
from models.clock import utcnow
from models.database import Database
from models.repositories.drafts import Drafts
from models.tables import Contact, Entity, Pledge, ProgressReport, QuestionThread
from models.values import EntityStatus, PledgeStatus, ReviewStatus, Role

STAFF, AWA, KARIM = 9500, 9501, 9502
STEPS = "Nous avons connecté 120 écoles à Kolda."
_numbers = itertools.count(1)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member (Bea, whose app is in English)."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def organisation(database: Database, steps: str = STEPS) -> int:
    """Awa and Karim, focal points of an organisation with one validated pledge and Karim's report for 2025 (its
    steps taken: `steps`); returns the report's id."""
    number = next(_numbers)
    async with database.uow() as uow:
        entity = Entity(name=f"Ministère {number}", name_key=f"ministere {number}", sector="government",
                        country_iso3="SEN", status=EntityStatus.validated)
        uow.session.add(entity)
        await uow.session.flush()
        awa, karim = (Contact(telegram_id=telegram_id, chat_id=telegram_id, first_name=name.split()[0], full_name=name,
                              language="en", telegram_language="en", entity_id=entity.id, role=Role.focal_point,
                              consent_at=utcnow()) for telegram_id, name in ((AWA, "Awa Diop"), (KARIM, "Karim Ba")))
        uow.session.add_all([awa, karim])
        pledge = Pledge(ref=f"P2C-2026-{number:05d}", entity_id=entity.id or 0, title="Connecter les écoles",
                        description="Connecter 500 écoles rurales au haut débit.", focus_area="access",
                        pledge_type="programmatic", status=PledgeStatus.validated, start_date=date(2024, 1, 1),
                        end_date=date(2029, 6, 30))
        uow.session.add(pledge)
        await uow.session.flush()
        report = ProgressReport(pledge_id=pledge.id or 0, period="2025", status="in_progress", steps_taken=steps,
                                submitted_by=karim.id)
        uow.session.add(report)
        await uow.commit()
        assert report.id is not None
        return report.id


async def ask_clarification(chat: ChatDriver, report_id: int) -> None:
    """Bea asks a clarification on the report; both focal points get it."""
    await chat.press(chat.person(STAFF, "Bea"), f"rs:ask:{report_id}")
    await chat.send(chat.person(STAFF, "Bea"), "How many schools are connected in Kolda?")
    await chat.collect(AWA)
    await chat.collect(KARIM)


async def stored(database: Database, report_id: int) -> ProgressReport:
    """The report as stored now."""
    async with database.uow() as uow:
        report = await uow.session.get(ProgressReport, report_id)
        assert report is not None
        return report


async def threads(database: Database) -> int:
    """How many questions were sent to BDT."""
    async with database.uow() as uow:
        return len(list((await uow.session.execute(select(QuestionThread))).scalars()))


async def test_add_to_the_report_puts_the_message_in_it_and_submit_sends_it(chat: ChatDriver,
                                                                           database: Database) -> None:
    """#4: Awa pressed ✏️ Add to the report, then ✅ Submit trusting the label: her message was in neither the report
    nor a message to BDT."""
    report_id = await organisation(database)
    await ask_clarification(chat, report_id)
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, "310 of them work every day.")
    opened = await chat.press(awa, "f:message:report")
    said = "\n".join(m.text for m in opened)
    assert "added at the end of “Steps taken”: “310 of them work every day.”" in said, said
    assert f"{STEPS}\n\n310 of them work every day." in opened[-1].text, opened[-1].text  # shown before it is sent
    assert "f:$sum:submit" in codes(opened[-1]) and "f:$sum:edit:steps_taken" in codes(opened[-1])
    assert (await stored(database, report_id)).steps_taken == STEPS  # nothing sent before Submit
    await chat.press(awa, "f:$sum:submit")
    report = await stored(database, report_id)
    assert (report.steps_taken, report.review_status) == (f"{STEPS}\n\n310 of them work every day.",
                                                         ReviewStatus.submitted)
    changes, notice = await chat.collect(STAFF)  # what changed first: the notice's buttons on the last message
    assert "310 of them work every day." in notice.text, notice.text
    assert f"rs:ack:{report_id}:2" in codes(notice) and not codes(changes)
    assert "Changed since BDT's question:" in changes.text and "Steps taken" in changes.text, changes.text
    assert await threads(database) == 0


async def test_the_added_message_can_be_changed_before_it_is_sent(chat: ChatDriver, database: Database) -> None:
    """#4: the message goes into the edit as an answer the person may still change (✏️ Steps taken)."""
    report_id = await organisation(database)
    await ask_clarification(chat, report_id)
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, "310 of them work every day.")
    opened = await chat.press(awa, "f:message:report")
    assert "310 of them work every day." in opened[-1].text, opened[-1].text
    await chat.press(awa, "f:$sum:edit:steps_taken")
    await chat.send(awa, "We connected 820 schools, 310 of them in Kolda.")
    await chat.press(awa, "f:$sum:submit")
    assert (await stored(database, report_id)).steps_taken == "We connected 820 schools, 310 of them in Kolda."


async def test_files_added_to_the_report_go_with_its_evidence(chat: ChatDriver, database: Database) -> None:
    """#4: a photo offered for the report goes with its evidence, not nowhere."""
    report_id = await organisation(database)
    await ask_clarification(chat, report_id)
    awa = chat.person(AWA, "Awa")
    await chat.send_file(awa, "photo", "PHOTO-KOLDA", caption="The school in Kolda.")
    opened = await chat.press(awa, "f:message:report")
    assert "1 file is added to the evidence." in "\n".join(m.text for m in opened)
    await chat.press(awa, "f:$sum:submit")
    report = await stored(database, report_id)
    assert report.steps_taken == f"{STEPS}\n\nThe school in Kolda."
    assert [item["file_id"] for item in report.evidence or []] == ["PHOTO-KOLDA"], report.evidence


async def test_a_message_that_does_not_fit_is_offered_again(chat: ChatDriver, database: Database) -> None:
    """#4: steps taken of 3,990 characters cannot take the message: it is offered again to send to BDT, not lost."""
    report_id = await organisation(database, "Écoles connectées. " * 210)
    await ask_clarification(chat, report_id)
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, "310 of them work every day.")
    again = await chat.press(awa, "f:message:report")
    assert "does not fit in the report: “Steps taken” holds at most 4,000 characters" in again[-1].text, \
        again[-1].text
    assert "310 of them work every day." in again[-1].text and "f:message:send" in codes(again[-1])
    await chat.press(awa, "f:message:send")
    [copy] = await chat.collect(STAFF)
    assert "310 of them work every day." in copy.text and "About the report on P2C-2026-" in copy.text, copy.text


async def test_an_answer_sent_to_bdt_lets_staff_acknowledge_the_report(chat: ChatDriver, database: Database) -> None:
    """A tester's focal point answered BDT's question with 📨 Send to BDT: the report stayed "clarification asked"
    for good, its notice having lost Acknowledge when staff asked. The question's copy now carries it."""
    report_id = await organisation(database)
    await ask_clarification(chat, report_id)
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, "The amount fell because a grant was returned.")
    sent = await chat.press(awa, "f:message:send")
    assert "Your answer is sent to the P2C team at BDT, as message Q-" in sent[-1].text, sent[-1].text  # not a question
    [copy] = await chat.collect(STAFF)
    assert f"rs:ack:{report_id}:1" in codes(copy), codes(copy)
    done = await chat.press(chat.person(STAFF), f"rs:ack:{report_id}")
    assert "acknowledged" in done[-1].text, done[-1].text
    assert (await stored(database, report_id)).review_status == ReviewStatus.acknowledged


async def test_a_report_in_progress_is_not_replaced_by_the_edit(chat: ChatDriver, database: Database) -> None:
    """#4: another report in progress kept its draft: the message is offered again instead of opening the edit
    over it."""
    report_id = await organisation(database)
    await ask_clarification(chat, report_id)
    awa = chat.person(AWA, "Awa")
    await chat.send(awa, "310 of them work every day.")
    async with database.uow() as uow:  # a report draft of another pledge, left behind the offer
        contact = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == AWA))).scalar_one()
        assert contact.id is not None
        await Drafts(uow.session).open(contact.id, "report", "status", {"step": "status", "answers": {
            "$pledge_id": 0, "$period": "2025"}}, utcnow())
        draft = await Drafts(uow.session).find(contact.id, "question")
        assert draft is not None
        draft.updated_at = utcnow()  # the offer is still the latest: its button is the one pressed
        await uow.commit()
    again = await chat.press(awa, "f:message:report")
    assert "another report in progress, which is kept" in again[-1].text and "f:message:send" in codes(again[-1]), \
        again[-1].text
    async with database.uow() as uow:
        kept = await Drafts(uow.session).find(contact.id, "report")
        assert kept is not None and kept.state["answers"]["$period"] == "2025"


async def test_the_offer_names_the_colleague_who_sent_the_report(chat: ChatDriver, database: Database) -> None:
    """#6: Awa read "BDT asked about your report" of the report Karim sent."""
    report_id = await organisation(database)
    await ask_clarification(chat, report_id)
    offered = await chat.send(chat.person(AWA, "Awa"), "310 of them work every day.")
    assert "BDT asked about the report on P2C-2026-" in offered[-1].text, offered[-1].text
    assert "sent by Karim Ba: “How many schools are connected in Kolda?”" in offered[-1].text, offered[-1].text
    assert "your report" not in offered[-1].text
    own = await chat.send(chat.person(KARIM, "Karim"), "310 of them work every day.")
    assert "BDT asked about your report on P2C-2026-" in own[-1].text and "sent by" not in own[-1].text, own[-1].text


def test_a_message_joins_the_steps_after_a_blank_line_and_its_files_count_once() -> None:
    """#4: what the message changes in the report's answers."""
    answers = {"steps_taken": STEPS, "evidence": [{"kind": "photo", "file_id": "A", "name": None}]}
    content = {"text": "310 work.", "files": [{"kind": "photo", "file_id": "A", "name": None},
                                              {"kind": "document", "file_id": "B", "name": "list.pdf"}]}
    assert with_message(answers, content) == {
        "steps_taken": f"{STEPS}\n\n310 work.",
        "evidence": [{"kind": "photo", "file_id": "A", "name": None},
                     {"kind": "document", "file_id": "B", "name": "list.pdf"}]}
    assert with_message(answers, {"text": "", "files": []}) == {}
