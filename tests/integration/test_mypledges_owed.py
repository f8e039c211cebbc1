"""/mypledges and a pledge's details: how many reports a pledge owes after the oldest, and that reminders stopped for
a pledge silent for 24 months (t1 F3); on both backends."""

from __future__ import annotations

from datetime import date, timedelta

from chat_driver import ChatDriver
from test_report_reminders import FOCAL, add_pledge, add_report, chat, entity_of

from bot.i18n import Renderer
from handlers.paging import Page
from handlers.pledges.listing import list_reply
from models.clock import utcnow
from models.database import Database
from models.tables import Pledge
from models.values import PledgeStatus

__all__ = ["chat"]  # the fixture: a focal point of a Senegalese ministry, writing in French


def _line_of(text: str, ref: str) -> str:
    return next(block for block in text.split("\n\n") if ref in block)


async def test_mypledges_counts_the_reports_owed_and_says_when_reminders_stopped(chat: ChatDriver,
                                                                                 database: Database) -> None:
    """t1 F3: /mypledges showed only the oldest period owed ("⚠️ OVERDUE: the report for 2025 was due 30 Jan 2026")
    while that week's reminders counted several; and a pledge silent for 24 months, which reminders no longer
    reach, looked like any overdue pledge."""
    now = utcnow()
    entity = await entity_of(database)
    behind = await add_pledge(database, entity, 30, start=date(now.year - 3, 1, 1), validated=now - timedelta(days=10))
    await add_report(database, behind, str(now.year - 1), now - timedelta(days=1))  # owes the two years before
    silent = await add_pledge(database, entity, 31, start=date(now.year - 4, 1, 1), validated=now - timedelta(days=800))
    awa = chat.person(FOCAL, "Awa", "fr")
    (listing,) = await chat.send(awa, "/mypledges")
    owing = _line_of(listing.text, "P2C-2026-00030")
    assert f"le rapport ({now.year - 3}) était attendu le" in owing and "et 1 rapport de plus après celui-ci" in owing
    assert "rappel" not in owing, owing
    stopped = _line_of(listing.text, "P2C-2026-00031")
    assert "EN RETARD" in stopped and "rappels suspendus jusqu’au prochain rapport" in stopped, stopped
    (details,) = await chat.press(awa, f"mp:open:{silent}")
    assert "plus aucun rappel" in details.text and "/report" in details.text, details.text
    (details,) = await chat.press(awa, f"mp:open:{behind}")
    assert "et 1 rapport de plus après celui-ci" in details.text and "plus aucun rappel" not in details.text


def test_the_count_of_reports_owed_follows_the_reminders_in_every_language(renderer: Renderer) -> None:
    """The count is the reminders' (models.reminding: periods not reported up to the latest whose first reminder
    came), in each language's plural forms."""
    pledge = Pledge(id=1, ref="P2C-2026-00001", entity_id=1, title="Schools", description="d" * 20,
                    focus_area="access", pledge_type="policy", status=PledgeStatus.validated,
                    start_date=date(2020, 1, 1), end_date=date(2030, 12, 31), reporting_cadence="annual")
    reply = list_reply([pledge], {1: {"2021", "2023"}}, {}, date(2026, 12, 3), Page(1, 0, 1), reporter=True)
    shown = {language: renderer.reply(reply, language).text for language in ("ar", "en", "es", "fr", "ru", "zh")}
    # 2020 owed first; 2022, 2024 and 2025 after it (2026's first reminder comes on 16 Jan 2027)
    assert "the report for 2020 was due Jan 30, 2021, and 3 more reports after it" in shown["en"], shown["en"]
    assert "et 3 rapports de plus après celui-ci" in shown["fr"]
    assert "и ещё 3 отчёта после него" in shown["ru"], shown["ru"]
    arabic = shown["ar"].replace("\u2068", "").replace("\u2069", "")  # numbers in isolates
    assert "3 informes más" in shown["es"] and "3份" in shown["zh"] and "ويليه 3 تقارير أخرى" in arabic, shown
