"""A report replaced by its focal point, as staff meet it (exploratory finding b#4): Acknowledge on the old card was
answered "already decided by Awa Diop", the focal point who sent it; now staff read that it was replaced and when,
and get the current report to decide on; the new report's notice says what it replaces, and the old card closes."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_reports import STAFF, Counter, first_report, member, validated_pledge

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import ProgressReport
from models.values import ReviewStatus


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def replace_report(who: Counter, pledge_id: int) -> None:
    """Send /report again for the same period, confirm the replacement, and answer every question anew."""
    asked = await who.send("/report")
    assert f"rp:repl:{pledge_id}" in codes(asked[-1]), asked[-1].text
    opened = await who.press(f"rp:repl:{pledge_id}")
    assert "f:status:c:in_progress" in codes(opened[-1]), opened[-1].text
    await who.press("f:status:c:in_progress")
    for typed in ("60", "200", "5000"):
        await who.send(typed)
    await who.press("f:women_share:c:50")
    await who.send("We connected 200 schools in Kolda, Sédhiou and Tambacounda and trained 500 teachers.")
    await who.press("f:challenges:skip")
    await who.press("f:partnership_needs:skip")
    summary = await who.press("f:evidence:skip")
    assert "f:$sum:submit" in codes(summary[-1]), summary[-1].text
    await who.press("f:$sum:submit")


async def test_acknowledging_a_replaced_report_says_it_was_replaced_and_shows_the_new_one(
        chat: ChatDriver, database: Database) -> None:
    await member(chat, 31)
    pledge_id = await validated_pledge(chat, 31, start=f"{utcnow().year}-01-01")
    await first_report(Counter(chat, 31))
    await chat.collect(STAFF)
    await replace_report(Counter(chat, 31), pledge_id)
    async with database.uow() as uow:
        old, new = (await uow.session.execute(select(ProgressReport).order_by(col(ProgressReport.id)))).scalars().all()
    received = await chat.collect(STAFF)
    edited = dict(zip((m.text for m in received), chat.edited, strict=True))
    notice = next(m for m in received if f"rs:ack:{new.id}:1" in codes(m))
    assert "It replaces the report for the same period sent on " in notice.text
    closed = next(m for m in received if "Replaced on " in m.text)
    assert edited[closed.text]
    # the old card's decision buttons are gone (a review: this looked for the code in the card's text)
    assert not any(code.startswith((f"rs:ack:{old.id}", f"rs:ask:{old.id}")) for code in codes(closed)), codes(closed)

    staff = chat.person(STAFF, "Bea")
    answers = await chat.press(staff, f"rs:ack:{old.id}")  # a button pressed before the card was closed
    assert "was replaced by a newer report, sent on " in answers[0].text
    assert "already decided" not in answers[0].text and "Awa Diop" not in answers[0].text
    assert f"rs:ack:{new.id}:1" in codes(answers[1]) and "It replaces the report" in answers[1].text
    asked = await chat.press(staff, f"rs:ask:{old.id}")
    assert "was replaced by a newer report" in asked[0].text
    async with database.uow() as uow:
        reports = (await uow.session.execute(select(ProgressReport).order_by(col(ProgressReport.id)))).scalars().all()
    assert [r.review_status for r in reports] == [ReviewStatus.submitted, ReviewStatus.submitted]

    await chat.press(staff, f"rs:ack:{new.id}")  # the current one is decided as usual, and its closed card still
    again = await chat.press(staff, f"rs:ack:{old.id}")  # says what it replaced
    assert "was replaced by a newer report" in again[0].text and len(again) == 1
    twice = await chat.press(staff, f"rs:ack:{new.id}")
    assert "already decided by Bea" in twice[0].text  # a staff decision, never the focal point's submission


async def test_cancelling_a_replacement_says_the_report_sent_before_stays(chat: ChatDriver, database: Database) -> None:
    await member(chat, 32)
    pledge_id = await validated_pledge(chat, 32, start=f"{utcnow().year}-01-01")
    await first_report(Counter(chat, 32))
    who = Counter(chat, 32)
    await who.send("/report")
    await who.press(f"rp:repl:{pledge_id}")
    await who.press("f:status:c:in_progress")
    await who.send("/cancel")
    cancelled = " ".join(m.text for m in await who.press("f:$cancel:yes"))
    assert "the report sent before for this period stays as it was" in cancelled, cancelled
    async with database.uow() as uow:
        (report,) = (await uow.session.execute(select(ProgressReport))).scalars().all()
    assert report.is_current
