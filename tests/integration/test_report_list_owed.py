"""/report's list of several pledges says, of a pledge behind on several periods, how many reports it owes and up to
which period, as its reminders say it (and /mypledges counts them). Before, the list named only the earliest period
owed: a pledge owing three reports read like one owing one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from chat_driver import ChatDriver
from sqlmodel import select

from bot.i18n import Renderer
from handlers.conversation import Deps
from models.clock import TEST_CLOCK_ENV, move_test_clock_to
from models.database import Database
from models.tables import Contact, Pledge, ProgressReport
from models.values import PledgeStatus

ENGLISH, RUSSIAN, FRENCH, ARABIC = 400, 401, 402, 403
TODAY = datetime(2027, 2, 16, 10, tzinfo=UTC)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> ChatDriver:
    """Focal points (en, ru, fr, ar) of an organisation with three validated pledges, on 16 February 2027: an annual
    one owing 2025 and 2026, a quarterly one owing the last three quarters of 2026, and one owing 2026's fourth."""
    driver = await ChatDriver(database, deps, renderer).with_focal_points(("en", "ru", "fr", "ar"), ENGLISH)
    clock = tmp_path / "clock"
    move_test_clock_to(str(clock), TODAY)
    monkeypatch.setenv(TEST_CLOCK_ENV, str(clock))
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == ENGLISH))).scalar_one()
        pledges = []
        for n, (start, cadence) in enumerate(((date(2025, 1, 1), "annual"), (date(2026, 4, 1), "quarterly"),
                                              (date(2026, 1, 1), "quarterly")), start=1):
            pledge = Pledge(ref=f"P2C-2025-{n:05d}", entity_id=contact.entity_id, title=f"Pledge number {n}",
                            description="Schools.", focus_area="access", pillars=["infrastructure"],
                            pledge_type="programmatic", countries=["SEN"], start_date=start,
                            end_date=date(2030, 12, 31), status=PledgeStatus.validated,
                            validated_at=datetime(2026, 12, 1, tzinfo=UTC), reporting_cadence=cadence)
            uow.session.add(pledge)
            pledges.append(pledge)
        await uow.flush()
        for period in ("2026-Q1", "2026-Q2", "2026-Q3"):
            uow.session.add(ProgressReport(pledge_id=pledges[2].id, period=period, status="in_progress",
                                           steps_taken="Twenty schools connected so far.",
                                           created_at=datetime(2026, 12, 2, tzinfo=UTC)))
        await uow.commit()
    return driver


async def test_the_list_says_how_many_reports_a_pledge_owes_and_up_to_which_period(chat: ChatDriver) -> None:
    (english,) = await chat.send(chat.person(ENGLISH), "/report")
    lines = [line for line in english.text.splitlines() if line]
    assert lines[0] == "Which pledge do you report on?", english.text
    assert lines[1:7] == [
        "P2C-2025-00001 — Pledge number 1",
        "⚠️ report for 2025 overdue since Jan 30, 2026, and 1 more report after it, up to 2026: overdue since "
        "Jan 30, 2027",
        "P2C-2025-00002 — Pledge number 2",
        "⚠️ report for April–June 2026 overdue since Jul 30, 2026, and 2 more reports after it, up to October–December "
        "2026: overdue since Jan 30, 2027",
        "P2C-2025-00003 — Pledge number 3",
        "⚠️ report for October–December 2026 overdue since Jan 30, 2027"], english.text
    (russian,) = await chat.send(chat.person(RUSSIAN, language_code="ru"), "/report")
    assert "а за ним ещё 1 отчёт, вплоть до отчёта за" in russian.text, russian.text
    assert "а за ним ещё 2 отчёта, вплоть до отчёта за" in russian.text, russian.text
    (french,) = await chat.send(chat.person(FRENCH, language_code="fr"), "/report")
    assert "et 2 rapports de plus après celui-ci, jusqu’au rapport" in french.text, french.text
    (arabic,) = await chat.send(chat.person(ARABIC, language_code="ar"), "/report")
    assert "تقرير آخر" in arabic.text and "تقريران آخران" in arabic.text, arabic.text
