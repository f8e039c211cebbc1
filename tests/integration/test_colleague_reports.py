"""Regressions of e_loop.md #2 and #3 and of two findings on drafts: two focal points of one organisation answering
BDT's question on the same report (the second edit was refused as "can no longer be edited", what was typed lost,
the colleague never told), who sent a report, a pledge closed by a colleague, the report in progress unnamed, and
✏️ Edit of a returned pledge silently replacing a new pledge half-done."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_form_switches import drafts_of, said
from test_pledges import fill_pledge
from test_reports import STAFF, Counter, completed_report, first_report, member, validated_pledge

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Pledge, ProgressReport
from models.values import ReviewStatus, Role

pytestmark = pytest.mark.usefixtures("autumn_2026")  # references P2C-2026-…, the year of submission

AWA, KARIM = 61, 62
KARIMS_STEPS = "Five hospitals are connected, three of them working since December."


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def join(chat: ChatDriver, telegram_id: int, name: str) -> None:
    """A focal point of the Ministry of ICT (Senegal), joined by invitation under `name`."""
    token, _, _ = await invite(CreateInvite("Ministry of ICT", Role.focal_point, country_iso3="SEN"),
                               chat.database.uow(), utcnow())
    person = chat.person(telegram_id)
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, name)
    await chat.collect(telegram_id)


async def colleagues(chat: ChatDriver) -> int:
    """Awa and Karim, focal points of one organisation; Awa registered a pledge that staff validated."""
    await join(chat, AWA, "Awa Diop")
    await join(chat, KARIM, "Karim Ba")
    await chat.collect(AWA)
    return await validated_pledge(chat, AWA)


async def asked(chat: ChatDriver, database: Database) -> int:
    """Awa's report for 2024, on which staff ask a question (both colleagues get it); the report's id."""
    await first_report(Counter(chat, AWA))
    async with database.uow() as uow:
        report_id = (await uow.session.execute(select(ProgressReport.id))).scalar_one()
    await chat.collect(STAFF)
    await chat.press(chat.person(STAFF), f"rs:ask:{report_id}")
    await chat.send(chat.person(STAFF), "How many of these schools are really online?")
    assert report_id is not None
    return report_id


async def test_a_colleagues_edit_sent_second_keeps_what_was_typed_and_says_why(chat: ChatDriver,
                                                                                database: Database) -> None:
    """§2: Karim answered first; Awa's edit was refused with only "This report can no longer be edited.", her answer
    lost, and nobody had told her Karim answered."""
    pledge_id = await colleagues(chat)
    report_id = await asked(chat, database)
    awa, karim = chat.person(AWA), chat.person(KARIM)
    to_awa, to_karim = await chat.collect(AWA), await chat.collect(KARIM)
    assert "clarification on your report" in said(to_awa), said(to_awa)
    assert "clarification on the report on" in said(to_karim) and "sent by Awa Diop" in said(to_karim)
    await chat.press(awa, f"rp:edit:{report_id}")
    opened = await chat.press(karim, f"rp:edit:{report_id}")
    assert "sent by Awa Diop" in opened[-1].text and "Here is your report" not in opened[-1].text, opened[-1].text
    await chat.press(karim, "f:$sum:edit:steps_taken")
    await chat.send(karim, KARIMS_STEPS)
    await chat.press(karim, "f:$sum:submit")
    told = said(await chat.collect(AWA))
    assert "Karim Ba answered BDT's question" in told and "Your own edit of it is still open" in told, told
    await chat.press(awa, "f:$sum:edit:challenges")
    await chat.send(awa, "Late delivery of the equipment.")
    refused = await chat.press(awa, "f:$sum:submit")
    text = said(refused)
    assert "can no longer be edited" not in text, text
    assert "Karim Ba already answered BDT's question" in text and "BDT has it now" in text, text
    assert "your changes (Challenges)" in refused[-1].text and "f:$sum:submit" in codes(refused[-1]), text
    assert KARIMS_STEPS in refused[-1].text and "Late delivery of the equipment." in refused[-1].text
    assert "report" in await drafts_of(database, AWA), "what Awa typed is kept"
    await chat.press(awa, "f:$sum:submit")
    async with database.uow() as uow:
        reports = (await uow.session.execute(select(ProgressReport).where(ProgressReport.pledge_id == pledge_id)
                                             .order_by(col(ProgressReport.id)))).scalars().all()
    assert [(r.version, r.is_current) for r in reports] == [(2, False), (1, True)]
    assert reports[1].steps_taken == KARIMS_STEPS and reports[1].challenges == "Late delivery of the equipment."


async def test_a_stale_edit_never_overwrites_a_colleagues_answer_when_bdt_asks_again(chat: ChatDriver,
                                                                                     database: Database) -> None:
    """An edit opened before a colleague's answer and BDT's second question was stored over the colleague's version,
    undoing their change without a word."""
    await colleagues(chat)
    report_id = await asked(chat, database)
    awa, karim, staff = chat.person(AWA), chat.person(KARIM), chat.person(STAFF)
    await chat.press(awa, f"rp:edit:{report_id}")
    await chat.press(karim, f"rp:edit:{report_id}")
    await chat.press(karim, "f:$sum:edit:steps_taken")
    await chat.send(karim, KARIMS_STEPS)
    await chat.press(karim, "f:$sum:submit")
    await chat.collect(STAFF)
    await chat.press(staff, f"rs:ask:{report_id}:2")  # on Karim's edit
    await chat.send(staff, "And since when exactly?")
    await chat.press(awa, "f:$sum:edit:challenges")
    await chat.send(awa, "Late delivery of the equipment.")
    reopened = await chat.press(awa, "f:$sum:submit")
    assert "Karim Ba already answered" in said(reopened) and "BDT has since asked again" in said(reopened)
    assert "And since when exactly?" in reopened[-1].text and "(Challenges)" in reopened[-1].text, said(reopened)
    assert KARIMS_STEPS in reopened[-1].text, "the colleague's answer is kept"
    async with database.uow() as uow:
        report = await uow.session.get(ProgressReport, report_id)
        assert report is not None and report.steps_taken == KARIMS_STEPS and report.challenges != \
            "Late delivery of the equipment.", "nothing stored before Awa sees the report as it is now"
    await chat.press(awa, "f:$sum:submit")
    async with database.uow() as uow:
        report = await uow.session.get(ProgressReport, report_id)
        assert report is not None and report.version == 3
        assert (report.steps_taken, report.challenges) == (KARIMS_STEPS, "Late delivery of the equipment.")


async def test_a_colleague_sees_who_sent_a_report(chat: ChatDriver, database: Database) -> None:
    """§3: the pledge card listed "• 2024 · In progress · 40% · sent … · awaiting BDT" without the sender."""
    pledge_id = await colleagues(chat)
    await first_report(Counter(chat, AWA))
    karims = await chat.press(chat.person(KARIM), f"mp:open:{pledge_id}")
    line = next(row for row in karims[-1].text.splitlines() if row.startswith("• 2024"))
    assert "by Awa Diop" in line, line
    awas = await chat.press(chat.person(AWA), f"mp:open:{pledge_id}")
    line = next(row for row in awas[-1].text.splitlines() if row.startswith("• 2024"))
    assert " by " not in line, "her own report does not name her"


async def test_colleagues_are_told_when_a_report_closes_the_pledge(chat: ChatDriver, database: Database) -> None:
    """§3: only the focal point who reported the pledge complete was told it was closed."""
    await colleagues(chat)
    await completed_report(chat, AWA, 100)
    told = said(await chat.collect(KARIM))
    assert "Awa Diop marked" in told and "completed" in told and "No more reports" in told, told


async def test_colleagues_are_told_when_the_pledge_is_confirmed_complete(chat: ChatDriver,
                                                                        database: Database) -> None:
    """§3: the same with the 🏁 confirmation of a pledge reported complete below 100 %."""
    await colleagues(chat)
    done = await completed_report(chat, AWA, 75)
    confirm = next(code for code in codes(done[-1]) if code.startswith("rp:done:"))
    await chat.collect(KARIM)
    await chat.press(chat.person(AWA), confirm)
    told = said(await chat.collect(KARIM))
    assert "Awa Diop marked" in told and "75%" in told, told


async def test_continue_or_start_over_names_the_report_in_progress(chat: ChatDriver, database: Database) -> None:
    """"You have a report in progress. Continue where you left off, or start over?" named no pledge, no period."""
    await colleagues(chat)
    async with database.uow() as uow:
        ref = (await uow.session.execute(select(Pledge.ref))).scalar_one()
    person = chat.person(AWA)
    await chat.send(person, "/report")
    await chat.press(person, "f:status:c:in_progress")
    await chat.send(person, "/help")
    offer = await chat.send(person, "/report")
    assert f"in progress on {ref}" in offer[-1].text and "for 2024" in offer[-1].text, offer[-1].text
    assert codes(offer[-1])[0] == "rp:resume"


async def test_editing_a_returned_pledge_asks_before_replacing_a_new_pledge(chat: ChatDriver,
                                                                           database: Database) -> None:
    """✏️ Edit on a pledge returned for changes, with a new pledge half-done, replaced that draft without a word."""
    await join(chat, AWA, "Awa Diop")
    await fill_pledge(chat, AWA)
    async with database.uow() as uow:
        pledge_id = (await uow.session.execute(select(Pledge.id))).scalar_one()
    await chat.press(chat.person(STAFF), f"pv:chg:{pledge_id}")
    await chat.send(chat.person(STAFF), "Please give the number of teachers trained as well.")
    person = chat.person(AWA)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 300 rural clinics")
    asked_first = await chat.press(person, f"mp:edit:{pledge_id}")
    assert "new pledge in progress" in asked_first[-1].text, said(asked_first)
    assert codes(asked_first[-1]) == ["pl:resume", codes(asked_first[-1])[1]]
    kept = await drafts_of(database, AWA)
    assert kept["pledge"].state["answers"]["title"] == "Connect 300 rural clinics", "nothing replaced yet"
    back = await chat.press(person, "pl:resume")
    assert "Question 2" in back[-1].text, back[-1].text
    stale = codes(asked_first[-1])[1]  # shown before the draft was touched again: asks again
    again = await chat.press(person, stale)
    assert "new pledge in progress" in again[-1].text, said(again)
    editing = await chat.press(person, codes(again[-1])[1])
    assert "f:$sum:submit" in codes(editing[-1]), said(editing)
    assert (await drafts_of(database, AWA))["pledge"].state["answers"]["$pledge_id"] == pledge_id
    await chat.press(person, "f:$sum:edit:title")
    await chat.send(person, "Connect 500 rural schools and train their teachers")
    resumed = await chat.press(person, f"mp:edit:{pledge_id}")  # its own edit: taken up, not begun afresh
    assert "Connect 500 rural schools and train their teachers" in resumed[-1].text, said(resumed)



async def test_cancelling_the_edit_of_a_report_asked_about_says_the_report_stays(chat: ChatDriver,
                                                                                 database: Database) -> None:
    """A tester read "Nothing was kept" as the report gone, and BDT's question as answered: the edit is dropped, the
    report stays as sent and still waits for the clarification."""
    await colleagues(chat)
    report_id = await asked(chat, database)
    awa = chat.person(AWA)
    await chat.press(awa, f"rp:edit:{report_id}")
    await chat.press(awa, "f:$sum:edit:steps_taken")
    await chat.send(awa, "/cancel")
    cancelled = said(await chat.press(awa, "f:$cancel:yes"))
    assert "your changes were not saved, and the report stays as you sent it" in cancelled, cancelled
    assert "still awaits your clarification" in cancelled and "Nothing was kept" not in cancelled
    async with database.uow() as uow:
        report = await uow.session.get(ProgressReport, report_id)
    assert report is not None and report.review_status == ReviewStatus.clarification_requested and report.is_current


async def test_an_edit_cancelled_after_bdt_acknowledged_the_report_does_not_say_bdt_waits(
        chat: ChatDriver, database: Database) -> None:
    """BDT acknowledged the report while Awa was editing it: her cancel does not say BDT still waits."""
    await colleagues(chat)
    report_id = await asked(chat, database)
    awa = chat.person(AWA)
    await chat.press(awa, f"rp:edit:{report_id}")
    await chat.press(chat.person(STAFF), f"rs:ack:{report_id}")
    await chat.send(awa, "/cancel")
    cancelled = said(await chat.press(awa, "f:$cancel:yes"))
    assert "your changes were not saved" in cancelled and "no longer waits for your clarification" in cancelled
    assert "still awaits" not in cancelled, cancelled


async def test_staff_read_what_an_edit_answering_their_question_changed(chat: ChatDriver, database: Database) -> None:
    """A tester's staff member had to compare 20 % → 24 % and the amounts by eye: a pledge's resubmission lists its
    changes, a report edited after BDT's question now does too, in a message after the report."""
    await colleagues(chat)
    report_id = await asked(chat, database)
    async with database.uow() as uow:
        report = await uow.session.get(ProgressReport, report_id)
    assert report is not None
    old_percent = report.percent_complete
    awa = chat.person(AWA)
    await chat.collect(AWA)
    await chat.press(awa, f"rp:edit:{report_id}")
    await chat.press(awa, "f:$sum:edit:percent_complete")
    await chat.send(awa, str(old_percent + 4))
    await chat.press(awa, "f:$sum:edit:steps_taken")
    await chat.send(awa, KARIMS_STEPS)
    await chat.press(awa, "f:$sum:submit")
    received = said(await chat.collect(STAFF))
    assert "Changed since BDT's question:" in received, received
    assert f"{old_percent}% → {old_percent + 4}%" in received
    assert "Five hospitals are connected" in received.split("Changed since BDT's question:")[1]
    async with database.uow() as uow:
        row = (await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "report.resubmitted")
                                         )).scalar_one()
    assert set(row.details["before"]) == {"percent_complete", "steps_taken"}


async def test_a_colleagues_report_in_progress_is_discarded_when_the_pledge_is_completed(
        chat: ChatDriver, database: Database) -> None:
    """A tester (of a withdrawal, the same for a completion): Karim's report in progress on a pledge Awa reported
    complete went on to its Submit, which refused it."""
    await colleagues(chat)
    karim = chat.person(KARIM)
    await chat.send(karim, "/report")
    await chat.press(karim, "f:status:c:in_progress")
    await completed_report(chat, AWA, 100)
    told = said(await chat.collect(KARIM))
    assert "Awa Diop marked" in told and told.endswith(
        "Your report on P2C-2026-00001 in progress was discarded: reports on it are no longer taken."), told
    assert "report" not in await drafts_of(database, KARIM)


async def test_the_pressers_own_report_in_progress_is_said_discarded_when_they_confirm_completion(
        chat: ChatDriver, database: Database) -> None:
    """A review: Awa, her report at 75 % asking whether the pledge is complete, began the next report, then pressed
    🏁; her report in progress was discarded without a word, and her next answer taken for a question to BDT."""
    await colleagues(chat)
    done = await completed_report(chat, AWA, 75)
    confirm = next(code for code in codes(done[-1]) if code.startswith("rp:done:"))
    awa = chat.person(AWA)
    await chat.send(awa, "/report")
    assert "report" in await drafts_of(database, AWA)
    pressed = await chat.press(awa, confirm)
    assert said(pressed).endswith(
        "Your report on P2C-2026-00001 in progress was discarded: reports on it are no longer taken."), said(pressed)
    assert "report" not in await drafts_of(database, AWA)


async def test_start_over_from_another_pledges_report_button_opens_that_pledge(chat: ChatDriver) -> None:
    """Tester: with a report in progress on one pledge, 📝 on another offered "Continue or start over?"; Start over
    discarded the draft and showed the whole list again, the pledge pressed to be found and pressed once more. It
    opens that pledge's report; a forged pledge of another organisation in its code is refused."""
    await member(chat, 71)
    first = await validated_pledge(chat, 71)
    second = await validated_pledge(chat, 71)
    person = chat.person(71)
    await chat.press(person, f"rp:open:{first}")
    await chat.press(person, "f:status:c:in_progress")
    offer = await chat.press(person, f"rp:open:{second}")
    restart = codes(offer[-1])[1]
    assert restart.startswith("rp:restart:") and restart.endswith(f":{second}"), codes(offer[-1])
    opened = await chat.press(person, restart)
    async with chat.database.uow() as uow:
        refs = dict((await uow.session.execute(select(Pledge.id, Pledge.ref))).all())
    assert f"Progress report on {refs[second]}" in said(opened) and "f:status:cancel" in codes(opened[-1]), said(opened)
    await member(chat, 72, entity="Another Ministry")
    foreign = await chat.press(chat.person(72), f"rp:restart:1:1:{second}")
    assert "not allowed" in said(foreign) or "no longer valid" in said(foreign), said(foreign)


async def test_a_person_who_answered_is_told_so_in_the_second_person(chat: ChatDriver, database: Database) -> None:
    """Tester: Awa edited her report after BDT's question and sent it; her ✏️ pressed again said "Awa Diop a déjà
    répondu…", as if of someone else."""
    await colleagues(chat)
    report_id = await asked(chat, database)
    awa = chat.person(AWA)
    await chat.collect(AWA)
    await chat.press(awa, f"rp:edit:{report_id}")
    await chat.press(awa, "f:$sum:edit:challenges")
    await chat.send(awa, "Late delivery of the equipment.")
    await chat.press(awa, "f:$sum:submit")
    again = said(await chat.press(awa, f"rp:edit:{report_id}"))
    assert "You already answered BDT's question" in again and "you sent it again on" in again, again
    assert "Awa Diop already answered" not in again, again
