"""Review s24, item 3: after a report for an earlier period, the thank-you said nothing of the later period owed,
overdue already (its reminder no longer follows the next day)."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver
from test_form_switches import said
from test_reports import STAFF, Counter, first_report, member, validated_pledge

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def test_a_report_for_an_earlier_period_says_the_later_one_is_overdue(chat: ChatDriver) -> None:
    year = utcnow().year
    await member(chat, 71)
    await validated_pledge(chat, 71, start=f"{year - 3}-01-01")
    thanks = said(await first_report(Counter(chat, 71)))
    assert "report on" in thanks and f"for {year - 3} is sent" in thanks, thanks
    assert f"Your report for {year - 2} has been overdue since Jan 30, {year - 1} too: send /report." in thanks, thanks


async def test_a_report_leaving_nothing_owed_says_nothing_more(chat: ChatDriver) -> None:
    await member(chat, 72)
    await validated_pledge(chat, 72, start=f"{utcnow().year}-01-01")
    thanks = said(await first_report(Counter(chat, 72)))
    assert "is sent to BDT" in thanks and "Your report for" not in thanks, thanks
