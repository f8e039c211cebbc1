"""Regressions of the reporting journey's findings (b_reports.md #3, #11, #2, #12, #13): which period is due and
when, the defaults a report offers, closing a pledge, and what coordinators and staff are told."""

from __future__ import annotations

from datetime import date

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_reports import STAFF, STEPS, Counter, completed_report, first_report, member, validated_pledge

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Pledge, ProgressReport
from models.values import PledgeStatus, Role


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def stored_report(database: Database, pledge_id: int, period: str, percent: int, steps: str) -> None:
    """A current report as the focal point sent it earlier (straight into the table)."""
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        uow.session.add(ProgressReport(pledge_id=pledge_id, period=period, status="in_progress",
                                       percent_complete=percent, beneficiaries_reached=320_000, steps_taken=steps,
                                       created_at=utcnow(), updated_at=utcnow()))
        await uow.commit()


async def test_an_earlier_period_is_not_offered_a_later_periods_figures(chat: ChatDriver, database: Database) -> None:
    """#11: with 2025 reported and 2024 not, the 2024 report offered 2025's figures as "same as last time"."""
    await member(chat, 21)
    pledge_id = await validated_pledge(chat, 21, start="2024-01-01")
    await stored_report(database, pledge_id, "2025", 40, "Figures of 2025: 820 schools connected so far.")
    opened = await chat.send(chat.person(21), "/report")
    assert "2024" in opened[-1].text, opened[-1].text
    assert not any(code.endswith((":same", ":sameall")) for code in codes(opened[-1])), opened[-1].buttons
    cancelled = await chat.press(chat.person(21), "f:status:cancel")  # nothing answered: closed at once
    assert "Cancelled. Nothing was kept." in cancelled[0].text, cancelled[0].text
    await first_report(Counter(chat, 21))  # 2024, typed in full
    later = await chat.send(chat.person(21), "/report")
    year = utcnow().year
    assert str(year) in later[-1].text and "Same as last time: In progress" in str(later[-1].buttons)
    same = await chat.press(chat.person(21), "f:status:sameall")
    assert "f:evidence:skip" in codes(same[-1])
    summary = await chat.press(chat.person(21), "f:evidence:skip")
    assert "820 schools" in summary[-1].text, "the latest earlier period is 2025, not the 2024 sent last"
    details = await chat.press(chat.person(21), f"mp:open:{pledge_id}")
    history = details[-1].text[details[-1].text.index("Progress reports"):]
    assert history.index("2025") < history.index("2024"), "listed by period, the latest first"


async def test_after_the_end_date_nothing_later_is_due(chat: ChatDriver, database: Database) -> None:
    """#3: a pledge that ended, every period reported: /report offered the period after its end, /mypledges a due
    date that no reminder would follow."""
    await member(chat, 22)
    pledge_id = await validated_pledge(chat, 22, start="2024-01-01")
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        pledge.end_date = date(2025, 6, 30)
        await uow.commit()
    await stored_report(database, pledge_id, "2024", 40, STEPS)
    await stored_report(database, pledge_id, "2025", 90, STEPS)
    listing = await chat.send(chat.person(22), "/mypledges")
    assert "no more reports due: the last period, 2025, is reported" in listing[0].text, listing[0].text
    assert "next report due" not in listing[0].text
    asked = await chat.send(chat.person(22), "/report")
    assert "already reported" in asked[-1].text and "for 2025" in asked[-1].text, asked[-1].text


async def test_a_period_reported_early_is_not_shown_as_next_due(chat: ChatDriver, database: Database) -> None:
    """#3: with the current period reported, /mypledges gave that period's due date as the next one."""
    await member(chat, 23)
    year = utcnow().year
    await validated_pledge(chat, 23, start=f"{year}-01-01")
    await first_report(Counter(chat, 23))
    listing = await chat.send(chat.person(23), "/mypledges")
    assert f"next report due Jan 30, {year + 2}" in listing[0].text, listing[0].text


async def test_closing_a_pledge_below_100_percent_is_confirmed_and_staff_are_told(
        chat: ChatDriver, database: Database) -> None:
    """#2: "completed" at 75 % closed the pledge at once, and staff were not told it was closed."""
    await member(chat, 24)
    pledge_id = await validated_pledge(chat, 24)
    person = chat.person(24)
    done = await completed_report(chat, 24, 75)
    assert "sent to BDT" in done[-1].text and "its progress is 75%" in done[-1].text, done[-1].text
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        report = (await uow.session.execute(select(ProgressReport))).scalar_one()
    assert pledge is not None and pledge.status == PledgeStatus.validated, "not closed before it is confirmed"
    assert codes(done[-1]) == [f"rp:done:{report.id}", f"mp:open:{pledge_id}"]
    card = next(m for m in await chat.collect(STAFF) if "progress report was sent" in m.text)
    assert "marked" not in card.text
    stranger = 25
    await member(chat, stranger, "Entity B")
    refused = await chat.press(chat.person(stranger), f"rp:done:{report.id}")
    assert "not allowed" in refused[0].text
    closed = await chat.press(person, f"rp:done:{report.id}")
    assert "now marked completed" in closed[-1].text
    told = [m.text for m in await chat.collect(STAFF)]
    assert any("was marked completed by its focal point Awa Diop" in t and "75%" in t for t in told), told
    again = await chat.press(person, f"rp:done:{report.id}")
    assert "already marked completed" in again[-1].text
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        rows = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "pledge.completed"))).scalars()
        audited = [row.details for row in rows]
    assert pledge is not None and pledge.status == PledgeStatus.completed
    assert [(d["period"], d["percent"]) for d in audited] == [("2024", 75)]
    nothing_left = await chat.send(person, "/report")  # it said the organisation had no validated pledge yet
    assert "Every pledge of your organisation is completed" in nothing_left[-1].text, nothing_left[-1].text


async def test_staff_learn_that_a_report_closed_its_pledge(chat: ChatDriver, database: Database) -> None:
    """#2: at 100 % the pledge closes at once; the staff card of the report says so."""
    await member(chat, 26)
    await validated_pledge(chat, 26)
    done = await completed_report(chat, 26, 100)
    assert "now marked completed" in done[-1].text and not codes(done[-1])
    card = next(m for m in await chat.collect(STAFF) if "progress report was sent" in m.text)
    assert "Its focal point marked" in card.text and "completed" in card.text, card.text


async def test_a_coordinators_report_points_where_reports_are_read(chat: ChatDriver, database: Database) -> None:
    """#12: /report sent a coordinator to /mypledges, which lists nothing for them."""
    await member(chat, 27, role=Role.coordinator)
    answer = await chat.send(chat.person(27), "/report")
    assert "/digest" in answer[0].text and "/export" in answer[0].text and "/mypledges" not in answer[0].text


async def test_the_reopened_report_shows_bdts_question(chat: ChatDriver, database: Database) -> None:
    """#13: editing after a question showed neither the question nor which pledge and period it was about."""
    await member(chat, 28)
    pledge_id = await validated_pledge(chat, 28)
    await first_report(Counter(chat, 28))
    async with database.uow() as uow:
        report_id = (await uow.session.execute(select(ProgressReport.id))).scalar_one()
        ref = (await uow.session.execute(select(Pledge.ref).where(col(Pledge.id) == pledge_id))).scalar_one()
    await chat.press(chat.person(STAFF), f"rs:ask:{report_id}")
    await chat.send(chat.person(STAFF), "Which regions exactly had power cuts?")
    await chat.collect(28)
    summary = await chat.press(chat.person(28), f"rp:edit:{report_id}")
    assert "Which regions exactly had power cuts?" in summary[-1].text, summary[-1].text
    assert f"{ref} for 2024" in summary[-1].text and "f:$sum:submit" in codes(summary[-1])


async def test_the_closing_button_does_nothing_once_the_report_no_longer_says_complete(
        chat: ChatDriver, database: Database) -> None:
    """f_robust #1: the 🏁 button of a "completed at 75 %" report still closed the pledge for good after the focal
    point had corrected the report to "in progress" (and a forged one closed a pledge reported delayed at 25 %)."""
    await member(chat, 27)
    pledge_id = await validated_pledge(chat, 27)
    person = chat.person(27)
    done = await completed_report(chat, 27, 75)
    async with database.uow() as uow:
        report = (await uow.session.execute(select(ProgressReport))).scalar_one()
    assert f"rp:done:{report.id}" in codes(done[-1])
    await chat.press(chat.person(STAFF), f"rs:ask:{report.id}")
    await chat.send(chat.person(STAFF), "Is it really complete? Please give the real status.")
    await chat.press(person, f"rp:edit:{report.id}")
    await chat.press(person, "f:$sum:edit:status")
    await chat.press(person, "f:status:c:in_progress")
    resent = await chat.press(person, "f:$sum:submit")
    assert "sent to BDT" in resent[-1].text, resent[-1].text
    old = await chat.press(person, f"rp:done:{report.id}")
    assert "does not say the work is complete" in old[-1].text and "In progress" in old[-1].text, old[-1].text
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        closed = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "pledge.completed"))).all()
    assert pledge is not None and pledge.status == PledgeStatus.validated and not closed
    assert not any("marked completed" in m.text for m in await chat.collect(STAFF))
