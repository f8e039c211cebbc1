"""The reporting journey through the services, on SQLite and PostgreSQL: report, repeat, review, edit, refuse."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select

from bot.i18n import Rendered, Renderer
from handlers import drafts
from handlers.admin import CreateInvite, RevokeRole, invite, revoke_role
from handlers.conversation import Deps
from handlers.inputs import Incoming
from handlers.people import NOT_ALLOWED
from handlers.report_reminders import plan_report_reminders
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.reporting import cadence_change
from models.tables import AuditLog, Contact, Outbox, Pledge, ProgressReport
from models.values import PledgeStatus, ReportStatus, ReviewStatus, Role

pytestmark = pytest.mark.usefixtures("autumn_2026")  # pledges from 2024 to 2029, asked by quarter and by year

STAFF = 9100
STEPS = "We connected 120 schools in Kolda and Tambacounda and trained 300 teachers."


class Counter:
    """Counts what a person does: every message typed or sent and every button pressed."""

    def __init__(self, chat: ChatDriver, telegram_id: int, language: str = "en") -> None:
        self.chat, self.person, self.count = chat, chat.person(telegram_id, language_code=language), 0

    async def send(self, value: str) -> list[Rendered]:
        """Type a message."""
        self.count += 1
        return await self.chat.send(self.person, value)

    async def press(self, value: str) -> list[Rendered]:
        """Press a button (its code must be on the last message received)."""
        self.count += 1
        return await self.chat.press(self.person, value)

    async def file(self, kind: str, file_id: str, name: str | None = None) -> list[Rendered]:
        """Send a photo or a document."""
        self.count += 1
        return await self.chat.send_file(self.person, kind, file_id, name)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def member(chat: ChatDriver, telegram_id: int, entity: str = "Ministry of ICT",
                 role: Role = Role.focal_point, language: str = "en") -> None:
    """A person who joined an (already validated) organisation by invitation."""
    token, _, _ = await invite(CreateInvite(entity, role, country_iso3="SEN"), chat.database.uow(), utcnow())
    person = chat.person(telegram_id, language_code=language)
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, "Awa Diop")


async def validated_pledge(chat: ChatDriver, telegram_id: int, *, start: str = "2024-01-01",
                           financial: bool = False, validate: bool = True) -> int:
    """A pledge registered by the focal point (started in 2024: two ended periods) and validated by staff (unless
    not `validate`: left waiting for its validation)."""
    person = chat.person(telegram_id)
    inputs: list[tuple[str, str]] = [
        ("text", "Connect 500 rural schools"),
        ("text", "We will connect 500 rural schools to broadband and train their teachers."),
        ("press", "f:focus_area:c:access"), ("press", "f:pillars:c:infrastructure"), ("press", "f:pillars:done"),
        ("press", f"f:pledge_type:c:{'financial' if financial else 'programmatic'}"),
        *([("text", "2.5 million")] if financial else [("press", "f:value_usd:skip")]),
        ("text", "Senegal"), ("press", "f:countries:done"),
        ("press", "f:beneficiary_groups:c:schools"), ("press", "f:beneficiary_groups:done"),
        ("text", "500"), ("press", "f:target_unit:c:schools"), ("text", "31/12/2028"), ("text", start),
        ("text", "2029-06-30"), ("press", "f:sdgs:skip"), ("press", "f:wsis_action_lines:skip"),
        ("press", "f:$sum:submit"),
    ]
    await chat.send(person, "/pledge")
    for kind, value in inputs:
        answers = await chat.press(person, value) if kind == "press" else await chat.send(person, value)
        assert answers, value
    async with chat.database.uow() as uow:
        pledge_id = (await uow.session.execute(select(Pledge.id).order_by(col(Pledge.id).desc()))).scalars().first()
    assert pledge_id is not None
    if not validate:
        return pledge_id
    await chat.press(chat.person(STAFF), f"pv:ok:{pledge_id}")
    await chat.collect(telegram_id)
    await chat.collect(STAFF)
    return pledge_id


async def first_report(who: Counter) -> list[Rendered]:
    """A first report by someone making no mistakes: every field but one optional, and a photo; submitted."""
    await fill_first_report(who)
    return await who.press("f:$sum:submit")


async def fill_first_report(who: Counter, opened: list[Rendered] | None = None) -> list[Rendered]:
    """`first_report` up to its summary, not yet submitted (from /report, or from the form `opened` otherwise)."""
    opened = opened or await who.send("/report")
    assert "f:status:c:in_progress" in codes(opened[-1]), opened[-1].text
    await who.press("f:status:c:in_progress")
    await who.send("40")
    await who.send("120")
    await who.send("3000")
    await who.press("f:women_share:c:50")
    await who.send(STEPS)
    await who.send("Power cuts delayed the works in two regions.")
    await who.press("f:partnership_needs:skip")
    await who.file("photo", "AgACAgQAAxkBAAIBQ2photo", None)
    summary = await who.press("f:evidence:done")
    assert "f:$sum:submit" in codes(summary[-1]), summary[-1].text
    return summary


async def completed_report(chat: ChatDriver, telegram_id: int, percent: int) -> list[Rendered]:
    """A report saying the (non-financial) pledge is completed at `percent` and the whole pledge complete, answered
    through to its submission; the bot's answers to the submission."""
    person = chat.person(telegram_id)
    await chat.send(person, "/report")
    await chat.press(person, "f:status:c:completed")
    await chat.press(person, f"f:percent_complete:c:{percent}")
    await chat.press(person, "f:pledge_complete:c:yes")
    for value in ("500", "40000", "48", STEPS):
        await chat.send(person, value)
    for step in ("challenges", "partnership_needs", "evidence"):
        await chat.press(person, f"f:{step}:skip")
    return await chat.press(person, "f:$sum:submit")


async def test_first_and_repeat_reports_in_few_interactions(chat: ChatDriver, database: Database) -> None:
    await member(chat, 1)
    pledge_id = await validated_pledge(chat, 1)
    who = Counter(chat, 1)
    await fill_first_report(who)
    who.count += 1
    done = await chat.press(who.person, "f:$sum:submit", on=chat.sent_ids[-1])  # as Telegram says which message
    assert "sent to BDT" in done[-1].text and "2024" in done[-1].text
    assert who.count <= 12, who.count
    # a tester: the summary kept its buttons once sent, and a second ✅ within seconds met an empty acknowledgement
    assert chat.edited[0] and done[0].text.startswith("Your answers:") and not done[0].buttons
    assert "<b>Progress</b>: 40%" in done[0].text, done[0].text
    first = who.count
    async with database.uow() as uow:
        report = (await uow.session.execute(select(ProgressReport))).scalar_one()
        assert (report.pledge_id, report.period, report.status, report.percent_complete) == (
            pledge_id, "2024", "in_progress", 40)
        assert (report.target_achieved, report.beneficiaries_reached, report.women_share_percent) == (
            Decimal(120), 3000, 50)
        assert report.evidence == [{"kind": "photo", "file_id": "AgACAgQAAxkBAAIBQ2photo", "name": None}]
        assert report.value_disbursed_usd is None and report.partnership_needs is None
        assert (await uow.session.execute(select(AuditLog).where(AuditLog.action == "report.submitted"))).first()
    staff_card = next(m for m in await chat.collect(STAFF) if "progress report was sent" in m.text)
    assert f"rs:ack:{report.id}:1" in codes(staff_card) and "40%" in staff_card.text and "of 500" in staff_card.text

    repeat = Counter(chat, 1)
    opened = await repeat.send("/report")
    assert "2025" in opened[-1].text and "Same as last time: In progress" in str(opened[-1].buttons)
    assert "f:status:sameall" in codes(opened[-1])
    evidence = await repeat.press("f:status:sameall")
    assert "f:evidence:skip" in codes(evidence[-1]), evidence[-1].text
    summary = await repeat.press("f:evidence:skip")
    assert "f:$sum:submit" in codes(summary[-1])
    await repeat.press("f:$sum:edit:percent_complete")
    await repeat.press("f:percent_complete:c:75")
    await repeat.press("f:$sum:submit")
    assert repeat.count <= 6, repeat.count
    async with database.uow() as uow:
        reports = (await uow.session.execute(select(ProgressReport).order_by(col(ProgressReport.id)))).scalars().all()
    assert [(r.period, r.percent_complete, r.steps_taken == STEPS) for r in reports] == [
        ("2024", 40, True), ("2025", 75, True)]
    listing = await chat.send(chat.person(1), "/mypledges")
    assert "last report: 2025, in progress, 75%" in listing[0].text, listing[0].text
    print(f"interactions: first report {first}, repeat report {repeat.count}")


async def test_staff_ask_for_clarification_then_acknowledge(chat: ChatDriver, database: Database) -> None:
    await member(chat, 2)
    await validated_pledge(chat, 2)
    await first_report(Counter(chat, 2))
    async with database.uow() as uow:
        report_id = (await uow.session.execute(select(ProgressReport.id))).scalar_one()
    await chat.collect(STAFF)
    staff = chat.person(STAFF)
    question = await chat.press(staff, f"rs:ask:{report_id}")
    assert "clarify" in question[-1].text
    await chat.send(staff, "Which regions exactly had power cuts?")
    news = await chat.collect(2)
    ask = next(m for m in news if "clarification" in m.text)
    assert "Which regions exactly" in ask.text and f"rp:edit:{report_id}" in codes(ask)
    summary = await chat.press(chat.person(2), f"rp:edit:{report_id}")
    assert "f:$sum:submit" in codes(summary[-1])
    await chat.press(chat.person(2), "f:$sum:edit:challenges")
    await chat.send(chat.person(2), "Power cuts in Kolda and Sédhiou delayed the works.")
    await chat.press(chat.person(2), "f:$sum:submit")
    edited = next(m for m in await chat.collect(STAFF) if "edited" in m.text)
    assert "Sédhiou" in edited.text
    # l_trust #7: every staff member reads it, so it names BDT's question rather than "your question"
    assert "after BDT's question:" in edited.text and "Which regions exactly had power cuts?" in edited.text
    await chat.press(staff, f"rs:ack:{report_id}:2")  # the edit's
    assert any("acknowledged" in m.text for m in await chat.collect(2))
    again = await chat.press(staff, f"rs:ack:{report_id}:2")
    assert "already decided" in again[-1].text
    async with database.uow() as uow:
        report = await uow.session.get(ProgressReport, report_id)
        assert report is not None and report.review_status == ReviewStatus.acknowledged and report.version == 2
        actions = (await uow.session.execute(select(AuditLog.action).where(
            col(AuditLog.action).startswith("report.")).order_by(col(AuditLog.id)))).scalars().all()
    assert actions == ["report.submitted", "report.clarification_requested", "report.resubmitted",
                       "report.acknowledged"]
    refused = await chat.press(chat.person(2), f"rp:edit:{report_id}")
    assert "can no longer be edited" in refused[-1].text


async def test_a_second_report_for_a_period_replaces_the_first_after_confirmation(
        chat: ChatDriver, database: Database) -> None:
    await member(chat, 3)
    pledge_id = await validated_pledge(chat, 3, start=f"{utcnow().year}-01-01")
    await first_report(Counter(chat, 3))
    asked = await chat.send(chat.person(3), "/report")
    assert "already reported" in asked[-1].text and f"rp:repl:{pledge_id}" in codes(asked[-1])
    opened = await chat.press(chat.person(3), f"rp:repl:{pledge_id}")
    assert "f:status:sameall" in codes(opened[-1])
    summary = await chat.press(chat.person(3), "f:status:sameall")
    assert "f:$sum:submit" in codes(summary[-1]), "all as the report it replaces, its photo too: nothing left to ask"
    await chat.press(chat.person(3), "f:$sum:submit")
    async with database.uow() as uow:
        reports = (await uow.session.execute(select(ProgressReport).order_by(col(ProgressReport.id)))).scalars().all()
    assert [(r.is_current, r.replaced_by) for r in reports] == [(False, reports[1].id), (True, None)]
    assert reports[1].evidence == reports[0].evidence != [], "the evidence of the period kept"
    details = await chat.press(chat.person(3), f"mp:open:{pledge_id}")
    assert "replaced" in details[-1].text and f"rp:ev:{reports[0].id}" in codes(details[-1])
    resent = await chat.press(chat.person(3), f"rp:ev:{reports[0].id}")
    assert resent[0].attachment == ("photo", "AgACAgQAAxkBAAIBQ2photo")


async def test_the_report_of_an_ended_period_is_replaced_from_the_pledges_details(chat: ChatDriver,
                                                                                   database: Database) -> None:
    """Noticed: once /report and 📝 opened the next period, a mistake in the report of the period before could not be
    put right: the details offer to replace the latest report, asked and confirmed as a replacement is."""
    await member(chat, 3)
    await member(chat, 4, entity="Digital Oman Initiative")
    pledge_id = await validated_pledge(chat, 3)  # started in 2024: /report opens 2024's, then 2025's
    await first_report(Counter(chat, 3))
    async with database.uow() as uow:
        first = (await uow.session.execute(select(ProgressReport))).scalar_one()
    assert first.period == "2024"
    details = await chat.press(chat.person(3), f"mp:open:{pledge_id}")
    assert f"rp:fix:{first.id}" in codes(details[-1]) and "✏️ Replace the report for 2024" in str(details[-1].buttons)
    for forged in (f"rp:fix:{first.id}", f"rp:fixok:{first.id}"):  # another organisation's focal point
        refused = await chat.press(chat.person(4), forged)
        assert refused[-1].text.startswith(NOT_ALLOWED) and not codes(refused[-1]), refused[-1].text
    asked = await chat.press(chat.person(3), f"rp:fix:{first.id}")
    assert "already reported" in asked[-1].text and "for 2024" in asked[-1].text, asked[-1].text
    assert f"rp:fixok:{first.id}" in codes(asked[-1]) and f"rp:repl:{pledge_id}" not in codes(asked[-1])
    opened = await chat.press(chat.person(3), f"rp:fixok:{first.id}")
    assert "for 2024" in opened[0].text and "f:status:sameall" in codes(opened[-1]), opened[0].text
    await chat.press(chat.person(3), "f:status:sameall")
    await chat.press(chat.person(3), "f:$sum:submit")
    async with database.uow() as uow:
        reports = (await uow.session.execute(select(ProgressReport).order_by(col(ProgressReport.id)))).scalars().all()
    assert [(r.period, r.is_current, r.replaced_by) for r in reports] == [("2024", False, reports[1].id),
                                                                          ("2024", True, None)]
    again = await chat.press(chat.person(3), f"rp:fixok:{first.id}")  # the old Yes: asked about the report now
    assert "already reported" in again[-1].text and f"rp:fixok:{reports[1].id}" in codes(again[-1])
    nxt = await chat.send(chat.person(3), "/report")
    assert "for 2025" in nxt[0].text, "the period due is still 2025's"


async def test_replacing_an_ended_periods_report_keeps_the_report_in_progress_until_asked(
        chat: ChatDriver, database: Database) -> None:
    """The review: with 2025's report in progress, ✏️ Replace of 2024's offered Start over, which deleted 2025's
    answers and opened 2025 again, not 2024's replacement; and an older "Yes, replace it" of 2025 overwrote a 2024
    replacement in progress without a word."""
    await member(chat, 3)
    pledge_id = await validated_pledge(chat, 3)
    person = chat.person(3)
    await first_report(Counter(chat, 3))  # 2024's
    async with database.uow() as uow:
        first = (await uow.session.execute(select(ProgressReport))).scalar_one()
    opened = await chat.send(person, "/report")
    assert "for 2025" in opened[0].text
    await chat.press(person, "f:status:sameall")  # 2025's in progress, answered
    asked = await chat.press(person, f"rp:fix:{first.id}")
    assert "in progress on" in asked[-1].text and "for 2025" in asked[-1].text, asked[-1].text
    restart = next(c for c in codes(asked[-1]) if c.startswith("rp:refix:"))
    assert restart.endswith(f":{first.id}"), restart
    replaced = await chat.press(person, restart)
    assert "already reported" in replaced[-1].text and "for 2024" in replaced[-1].text, replaced[-1].text
    assert f"rp:fixok:{first.id}" in codes(replaced[-1])
    async with database.uow() as uow:
        contact_id = (await uow.session.execute(select(Contact.id).where(Contact.telegram_id == 3))).scalar_one()
        assert await drafts.find_draft(uow.session, contact_id, "report") is None, "2025's answers deleted, as asked"
    await chat.press(person, f"rp:fixok:{first.id}")
    await chat.press(person, "f:status:sameall")  # 2024's replacement in progress, answered
    kept = await chat.press(person, f"rp:repl:{pledge_id}")  # an older "Yes, replace it" of the period due
    assert "in progress on" in kept[-1].text and "for 2024" in kept[-1].text, kept[-1].text


async def test_report_with_a_reference_opens_that_pledge_or_says_it_is_not_theirs(chat: ChatDriver,
                                                                                    database: Database) -> None:
    """Tester: `/report P2C-…` with another organisation's reference showed the person's own list without a word."""
    await member(chat, 3)
    await member(chat, 4, entity="Digital Oman Initiative")
    own_id = await validated_pledge(chat, 3)
    other_id = await validated_pledge(chat, 4)
    async with database.uow() as uow:
        own_ref, other_ref = [str((await uow.session.get(Pledge, pledge_id)).ref)  # type: ignore[union-attr]
                              for pledge_id in (own_id, other_id)]
    refused = await chat.send(chat.person(3), f"/report {other_ref}")
    assert f"{other_ref} is not a pledge of your organisation" in refused[0].text
    # then the person's own to choose from, none opened (a tester's one pledge due was opened at once)
    assert len(refused) == 2 and f"rp:open:{own_id}" in codes(refused[1]), [r.text[:80] for r in refused]
    assert not any(code.startswith("f:") for code in codes(refused[1]))
    numbered = await chat.send(chat.person(3), f"/report #{other_id}")
    assert not any(other_ref in reply.text for reply in numbered), "a number alone tells nothing of another's pledge"
    opened = await chat.send(chat.person(3), f"/report {own_ref.lower()}")
    assert f"Progress report on {own_ref}" in opened[-1].text and "f:status:c:in_progress" in codes(opened[-1])
    begun = await chat.send(chat.person(3), f"/report {other_ref}")  # with a report begun: that one, to go on with
    assert len(begun) == 2 and "You have a report in progress" in begun[1].text and "rp:resume" in codes(begun[1])


@pytest.mark.parametrize("percent", ["60", "100"])
async def test_completed_then_not_complete_is_in_progress(chat: ChatDriver, database: Database, percent: str) -> None:
    """"Completed", then No to "Is the whole pledge complete?": the report read "Completed" on a pledge that goes on.
    The No makes the status "In progress", and says so."""
    await member(chat, 9)
    pledge_id = await validated_pledge(chat, 9)
    person = chat.person(9)
    await chat.send(person, "/report")
    await chat.press(person, "f:status:c:completed")
    asked = await chat.press(person, f"f:percent_complete:c:{percent}") if percent == "100" else \
        await chat.send(person, percent)
    assert "f:pledge_complete:c:no" in codes(asked[-1]), asked[-1].text
    answered = await chat.press(person, "f:pledge_complete:c:no")
    assert "No: the pledge goes on, so its status is now “In progress”." in answered[-1].text, answered[-1].text
    for value in ("500", "40000", "48", STEPS):
        await chat.send(person, value)
    await chat.press(person, "f:challenges:skip")
    await chat.press(person, "f:partnership_needs:skip")
    summary = await chat.press(person, "f:evidence:skip")
    assert "<b>Status</b>: In progress" in summary[-1].text, summary[-1].text
    await chat.press(person, "f:$sum:edit:status")  # "Completed" again from the summary: the No no longer holds
    again = await chat.press(person, "f:status:c:completed")
    assert "f:pledge_complete:c:no" in codes(again[-1]), again[-1].text
    await chat.press(person, "f:pledge_complete:c:no")
    await chat.press(person, "f:$sum:submit")
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        report = (await uow.session.execute(select(ProgressReport))).scalar_one()
    assert pledge is not None and pledge.status == PledgeStatus.validated
    assert (report.status, report.percent_complete) == (ReportStatus.in_progress, int(percent))


async def test_a_complete_pledge_is_marked_completed(chat: ChatDriver, database: Database) -> None:
    await member(chat, 4)
    pledge_id = await validated_pledge(chat, 4, financial=True)
    person = chat.person(4)
    await chat.send(person, "/report")
    await chat.press(person, "f:status:c:completed")
    asked = await chat.press(person, "f:percent_complete:c:100")
    assert "f:pledge_complete:c:yes" in codes(asked[-1])
    disbursed = await chat.press(person, "f:pledge_complete:c:yes")
    assert "of the $2,500,000 pledged" in disbursed[-1].text
    for value in ("2 million", "500", "40000", "48", STEPS):
        await chat.send(person, value)
    await chat.press(person, "f:challenges:skip")
    await chat.press(person, "f:partnership_needs:skip")
    await chat.press(person, "f:evidence:skip")
    done = await chat.press(person, "f:$sum:submit")
    assert "marked completed" in done[-1].text
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        report = (await uow.session.execute(select(ProgressReport))).scalar_one()
    assert pledge is not None and pledge.status == PledgeStatus.completed
    assert report.value_disbursed_usd == Decimal("2000000") and report.percent_complete == 100
    closed = await chat.press(person, f"rp:open:{pledge_id}")
    assert "is completed, so no more progress reports are asked for it" in closed[-1].text, closed[-1].text
    async with database.uow() as uow:  # a tester's old Report button of a pledge withdrawn since said only "not open"
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        pledge.status = PledgeStatus.withdrawn
        await uow.commit()
    withdrawn = await chat.press(person, f"rp:open:{pledge_id}")
    assert "was withdrawn, so it takes no more progress reports" in withdrawn[-1].text, withdrawn[-1].text


async def test_roles_and_forged_codes_are_refused(chat: ChatDriver, database: Database) -> None:
    await member(chat, 5, "Entity A")
    pledge_id = await validated_pledge(chat, 5)
    await member(chat, 6, "Entity B")
    await member(chat, 7, "Entity A", Role.coordinator)
    for code in (f"rp:open:{pledge_id}", f"rp:repl:{pledge_id}", f"rs:ack:{pledge_id}", f"pc:q:{pledge_id}"):
        answers = await chat.press(chat.person(6), code)
        assert "not allowed" in answers[0].text, code
    for code in ("rp:open:١٢", "rp:open:" + "9" * 13, "rp:zap:1", "rp:open:1:2", "rp:open:01", "rs:ack:-1"):
        answers = await chat.press(chat.person(6), code)
        assert "no longer valid" in answers[0].text, code
    coordinator = await chat.send(chat.person(7), "/report")
    assert "focal point" in coordinator[0].text
    refused = await chat.press(chat.person(7), f"rp:open:{pledge_id}")
    assert "focal point" in refused[0].text
    async with database.uow() as uow:
        denied = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "denied"))).scalars().all()
        assert len(denied) == 12  # four foreign ids, six malformed codes, and the coordinator twice
        assert not (await uow.session.execute(select(ProgressReport))).first()


async def test_a_focal_point_whose_role_is_revoked_mid_report_goes_no_further(chat: ChatDriver,
                                                                               database: Database) -> None:
    """Security review: a report opened before the operator revoked the role went on, question after question,
    showing the organisation's last report as "Same as last time"; only the submission was refused."""
    await member(chat, 5, "Entity A")
    await validated_pledge(chat, 5)
    opened = await chat.send(chat.person(5), "/report")
    assert any("f:status:" in code for code in codes(opened[-1]))
    await revoke_role(RevokeRole(5), database.uow())
    refused = await chat.press(chat.person(5), "f:status:c:in_progress")
    assert len(refused) == 1 and "not allowed" in refused[0].text and not refused[0].buttons
    async with database.uow() as uow:
        contact_id = (await uow.session.execute(select(Contact.id).where(col(Contact.telegram_id) == 5))).scalar_one()
        assert await drafts.latest_draft(uow.session, contact_id) is None


async def test_staff_set_the_cadence_from_the_period_in_progress(chat: ChatDriver, database: Database) -> None:
    """Made quarterly years after its start, a pledge is not asked for the quarters of the years already over
    (they all were overdue at once): those stay years, the quarters come after (models.reporting.cadence_change)."""
    await member(chat, 8)
    pledge_id = await validated_pledge(chat, 8)
    done = await chat.press(chat.person(STAFF), f"pc:q:{pledge_id}")
    assert "now reports every quarter, starting with" in done[-1].text, done[-1].text
    assert "still reported once a year" in done[-1].text
    told = await chat.collect(8)
    assert "BDT has set how often you report on" in told[-1].text and "every quarter, starting with" in told[-1].text
    assert "Until then, you report once a year. /mypledges" in told[-1].text
    opened = await chat.send(chat.person(8), "/report")
    assert "for 2024." in opened[0].text, opened[0].text
    async with database.uow() as uow:
        row = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "pledge.cadence"))).scalar_one()
        pledge = await uow.session.get(Pledge, pledge_id)
    assert row.details["before"] == "annual" and row.details["after"] == "quarterly"
    assert pledge is not None and pledge.previous_cadence == "annual" and pledge.cadence_since is not None
    assert row.details["since"] == pledge.cadence_since.isoformat() and pledge.cadence_since.month == 1
    again = await chat.press(chat.person(STAFF), f"pc:a:{pledge_id}")  # back before it took effect: undone
    assert "now reports once a year." in again[-1].text, again[-1].text
    assert "how often you report on" in (await chat.collect(8))[-1].text
    same = await chat.press(chat.person(STAFF), f"pc:a:{pledge_id}")  # no change: nobody is told again
    assert "already reports once a year: nothing was changed." in same[-1].text and not await chat.collect(8)
    async with database.uow() as uow:
        ref = (await uow.session.get(Pledge, pledge_id) or Pledge()).ref
    card = await chat.send(chat.person(STAFF), f"/find {ref}")
    assert "once a year" in card[0].text, "the card says the cadence it has"


async def test_a_report_in_clarification_can_be_acknowledged_as_it_is(chat: ChatDriver, database: Database) -> None:
    """Regression (m_staff #1): the focal point may answer BDT's question in a message rather than by editing the
    report; the report then stayed "in clarification" for good, and Acknowledge said it was "already decided"."""
    await member(chat, 2)
    await validated_pledge(chat, 2)
    await first_report(Counter(chat, 2))
    async with database.uow() as uow:
        report_id = (await uow.session.execute(select(ProgressReport.id))).scalar_one()
    staff = chat.person(STAFF)
    await chat.press(staff, f"rs:ask:{report_id}")
    await chat.send(staff, "Which regions exactly had power cuts?")
    await chat.collect(2)
    again = await chat.press(staff, f"rs:ask:{report_id}")
    assert "already asked for a clarification" in again[-1].text and "acknowledge the report" in again[-1].text
    await chat.press(staff, f"rs:ack:{report_id}")
    assert any("acknowledged" in m.text for m in await chat.collect(2))
    async with database.uow() as uow:
        report = await uow.session.get(ProgressReport, report_id)
    assert report is not None and report.review_status == ReviewStatus.acknowledged


async def test_a_cadence_set_during_review_is_told_with_the_validation(chat: ChatDriver, database: Database) -> None:
    """Regression (m_staff #3): set while the pledge waited for validation, the cadence was to be told "with the
    validation", which never mentioned it."""
    await member(chat, 8)
    pledge_id = await validated_pledge(chat, 8, validate=False)
    await chat.collect(8)
    await chat.press(chat.person(STAFF), f"pc:q:{pledge_id}")
    assert not await chat.collect(8)  # nothing yet: it may still be rejected
    await chat.press(chat.person(STAFF), f"pv:ok:{pledge_id}")
    told = "\n".join(m.text for m in await chat.collect(8))
    assert "has been validated by BDT" in told and "BDT has set how often you report on" in told, told
    assert "every quarter" in told


async def test_the_validation_says_when_the_first_report_is_due_with_a_button_to_report(chat: ChatDriver,
                                                                                        database: Database) -> None:
    """Regression: a pledge started in 2024 and validated now had two reports overdue, and its validation said
    nothing of reporting; the focal point learned of it from the first reminder."""
    await member(chat, 9)
    pledge_id = await validated_pledge(chat, 9, start="2024-01-01", validate=False)
    await chat.collect(9)
    await chat.press(chat.person(STAFF), f"pv:ok:{pledge_id}")
    told = [m for m in await chat.collect(9) if "has been validated by BDT" in m.text]
    assert len(told) == 1 and "<b>Progress reports</b>: ⚠️ OVERDUE: the report for 2024 was due" in told[0].text, told
    assert codes(told[0]) == [f"rp:open:{pledge_id}"]
    opened = await chat.press(chat.person(9), f"rp:open:{pledge_id}")
    assert "2024" in opened[-1].text, opened[-1].text


async def test_a_cadence_beginning_after_the_pledges_end_is_refused(chat: ChatDriver, database: Database) -> None:
    """Regression (k_loop #3): a pledge ending before the new cadence could begin was "now reporting every quarter,
    starting with the first quarter" after its end, and its focal point was told of a schedule that never comes."""
    await member(chat, 8)
    pledge_id = await validated_pledge(chat, 8)
    today = utcnow().date()
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        since = cadence_change(pledge, "quarterly", today).since
        assert since is not None
        pledge.end_date = since - timedelta(days=1)  # its last day just before the quarters would begin
        await uow.commit()
    refused = await chat.press(chat.person(STAFF), f"pc:q:{pledge_id}")
    tense = "ended" if since - timedelta(days=1) < today else "ends"
    assert f"{tense} on" in refused[-1].text and "keeps reporting once a year" in refused[-1].text, refused[-1].text
    assert "nothing was changed" in refused[-1].text
    assert not await chat.collect(8)
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        audited = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "pledge.cadence"))).first()
    assert pledge is not None and pledge.reporting_cadence == "annual" and audited is None


async def test_made_annual_in_its_year_a_quarterly_pledge_starts_the_year_at_once(chat: ChatDriver,
                                                                                  database: Database) -> None:
    """Quarterly made annual: the year in progress is the first in the new cadence (its quarters are its parts), so
    the focal point is not told of an "until then" already past; but the quarters before it are still owed, and a
    tester's focal points, told only "once a year", thought them no longer needed: they are told as staff are."""
    await member(chat, 9)
    pledge_id = await validated_pledge(chat, 9)
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        pledge.reporting_cadence = "quarterly"
        await uow.commit()
    done = await chat.press(chat.person(STAFF), f"pc:a:{pledge_id}")
    assert "now reports once a year, starting with" in done[-1].text and "still reported every quarter" in done[-1].text
    assert "OVERDUE: the report for January–March" in done[-1].text, done[-1].text
    told = (await chat.collect(9))[-1].text
    assert "BDT has set how often you report on" in told and "once a year, starting with" in told, told
    assert "the periods before it are still reported every quarter" in told and "Until then" not in told
    assert "OVERDUE: the report for January–March" in told
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
    assert pledge is not None and pledge.cadence_since is not None and pledge.cadence_since.month == 1
    assert pledge.previous_cadence == "quarterly" and pledge.cadence_since <= utcnow().date()


async def test_a_report_in_progress_is_resumed_or_started_over(chat: ChatDriver, database: Database) -> None:
    await member(chat, 10)
    pledge_id = await validated_pledge(chat, 10)
    person = chat.person(10)
    await chat.send(person, "/report")
    await chat.press(person, "f:status:c:delayed")
    await chat.send(person, "/mypledges")  # another command in the middle: the draft stays
    await chat.press(person, "f:percent_complete:cancel")
    await chat.press(person, "f:$cancel:no")
    await chat.send(person, "/help")
    offer = await chat.send(person, "/report")  # a second /report: continue or start over
    assert codes(offer[-1])[0] == "rp:resume" and codes(offer[-1])[1].startswith("rp:restart:")
    shown_restart = codes(offer[-1])[1]
    asked = await chat.press(person, "rp:resume")
    assert "percent" in asked[-1].text, asked[-1].text
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == 10))).scalar_one()
        assert contact.id is not None
        draft = await drafts.find_draft(uow.session, contact.id, "report")
        assert draft is not None and draft.state["answers"]["status"] == "delayed"
    await chat.send(person, "/pledge")  # a newer draft of another form, then cancelled
    await chat.press(person, "f:title:cancel")
    await chat.press(person, "f:$cancel:yes")
    await chat.send(person, "/report")
    resumed = await chat.press(person, "rp:resume")
    assert "f:percent_complete:c:50" in codes(resumed[-1])
    again = await chat.press(person, f"rp:open:{pledge_id}")  # the Report button of /mypledges resumes it too
    assert "f:percent_complete:c:50" in codes(again[-1])
    # the Start over shown before the answers given since (or a bare one of an older version) asks first
    for stale in (shown_restart, "rp:restart"):
        asked_first = await chat.press(person, stale)
        assert "earlier message" in asked_first[-1].text and codes(asked_first[-1])[0] == "rp:resume"
    async with database.uow() as uow:
        kept = await drafts.find_draft(uow.session, contact.id, "report")
        assert kept is not None and kept.state["answers"]["status"] == "delayed", "nothing deleted without asking"
    fresh = await chat.press(person, codes(asked_first[-1])[1])  # the Start over of the question just asked
    assert "f:status:c:in_progress" in codes(fresh[-1]) and "Question 1" in fresh[-1].text


async def test_a_reminder_queued_while_the_report_was_written_is_withdrawn_when_it_is_sent(
        chat: ChatDriver, database: Database) -> None:
    await member(chat, 1)
    pledge_id = await validated_pledge(chat, 1)
    who = Counter(chat, 1)
    await fill_first_report(who)
    assert await plan_report_reminders(database.uow(), utcnow()) == 1, "a reminder is queued meanwhile"
    await who.press("f:$sum:submit")  # the report arrives before the reminder leaves
    async with database.uow() as uow:
        queued = (await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith("rm:")))).scalars().all()
    left = [row for row in queued if pledge_id in [item[0] for item in row.payload["reminder"]["items"]]]
    assert left == [], "the reminder that asked for this report did not go out"


async def test_a_report_on_the_period_in_progress_says_it_is_not_due_yet(chat: ChatDriver, database: Database) -> None:
    """A tester's colleague sent /report in January, the year before reported: the year just begun opened, with no
    word that it was due a year later."""
    await member(chat, 21)
    year = utcnow().year
    await validated_pledge(chat, 21, start=f"{year}-01-01")
    opened = await chat.send(chat.person(21), "/report")
    said = f"This report is for {year}, which is still in progress: it is due on Jan 30, {year + 1}."
    assert said in opened[-1].text and "f:status:c:in_progress" in codes(opened[-1]), opened[-1].text
    following = await chat.press(chat.person(21), "f:status:c:in_progress")
    assert "still in progress" not in following[-1].text  # said once, not with every question
    await member(chat, 22, entity="Ministry of Roads")
    await validated_pledge(chat, 22)  # started in 2024: 2024's report is owed
    owed = await chat.send(chat.person(22), "/report")
    assert "2024" in owed[-1].text and "still in progress" not in owed[-1].text
    await member(chat, 23, entity="Ministry of Ports")
    await validated_pledge(chat, 23, start=f"{year + 1}-06-01")  # not started: its year is not "in progress"
    ahead = await chat.send(chat.person(23), "/report")
    assert "f:status:c:in_progress" in codes(ahead[-1]) and "still in progress" not in ahead[-1].text
    # a second tester filed such a report with no word that the pledge had not started
    assert f"starts on Jun 1, {year + 1}: this report is for {year + 1}, due on Jan 30, {year + 2}." in ahead[-1].text


async def test_an_edit_for_bdt_locks_only_its_organisations_reminders(chat: ChatDriver, database: Database,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Storing a report brings up to date the reminders not sent yet of its organisation's people, locked until it
    commits. An edit answering BDT's question read and locked those of every organisation that had reported since the
    report was first sent (its creation time was taken for "just reported"): delivery and planning then skipped
    them, a reminder of another organisation waiting for one person's edit."""
    if database.is_sqlite:
        pytest.skip("SQLite runs one unit of work at a time: nothing else can find a row locked")
    import handlers.reports.service as service

    await member(chat, 2)
    await validated_pledge(chat, 2)
    await first_report(Counter(chat, 2))
    await member(chat, 3, entity="Sonatel")
    await validated_pledge(chat, 3)
    await first_report(Counter(chat, 3))  # reported after the first one: it owes 2025 still
    async with database.uow() as uow:
        report_id = (await uow.session.execute(select(ProgressReport.id).order_by(col(ProgressReport.id)))
                     ).scalars().first()
    staff = chat.person(STAFF)
    await chat.collect(STAFF)
    await chat.press(staff, f"rs:ask:{report_id}")
    await chat.send(staff, "Which regions exactly had power cuts?")
    await chat.collect(2)
    await chat.press(chat.person(2), f"rp:edit:{report_id}")
    assert await plan_report_reminders(database.uow(), utcnow()) >= 1  # (the chat driver sends all it finds)
    async with database.uow() as uow:
        other = (await uow.session.execute(select(Outbox.id).join(Contact, col(Contact.id) == Outbox.contact_id)
                                           .where(Contact.telegram_id == 3, col(Outbox.key).startswith("rm:"),
                                                  Outbox.status == "pending"))).scalar_one()
    free: list[list[int]] = []
    notify = service.notify_staff_of_report

    async def look_then_notify(*args: Any, **kwargs: Any) -> None:  # inside the edit's transaction, after withdrawing
        async with database.uow() as uow:
            free.append(list((await uow.session.execute(select(Outbox.id).where(Outbox.id == other)
                                                        .with_for_update(skip_locked=True))).scalars()))
        await notify(*args, **kwargs)

    monkeypatch.setattr(service, "notify_staff_of_report", look_then_notify)
    done = await chat.press(chat.person(2), "f:$sum:submit")
    assert "sent to BDT" in done[-1].text, done[-1].text
    assert free == [[other]], "the other organisation's reminder was locked by this edit"


async def test_a_forwarded_answer_is_said_to_be_read_not_taken(chat: ChatDriver, database: Database) -> None:
    """A tester forwarded "Hemos llegado a 350 000 personas" at the percent question: "tomo su texto como su
    respuesta" (I take it), then "Escriba solo el número". The note says the text is read as the answer: refused,
    the question stays; accepted, the next one comes."""
    await member(chat, 9, language="es")
    await validated_pledge(chat, 9)
    person = chat.person(9, language_code="es")
    await chat.send(person, "/report")
    await chat.press(person, "f:status:c:in_progress")

    async def forwarded(words: str) -> list[Rendered]:
        incoming = Incoming(990_100 + len(words), person, utcnow(), text=words, forwarded="user")
        await handle(incoming, database.uow(), chat.deps)
        return await chat.collect(person.chat_id)

    refused = await forwarded("Hemos llegado a 350 000 personas en total")
    assert refused[0].text == "Ha reenviado este mensaje: su texto se lee como su respuesta a la pregunta."
    assert "porcentaje" in refused[-1].text and "Escriba un número entero" in refused[-1].text
    taken = await forwarded("40")
    assert taken[0].text.startswith("Ha reenviado") and "✓ 40" in taken[-1].text, taken[-1].text
