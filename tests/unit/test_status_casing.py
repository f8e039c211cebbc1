"""Tester t1, finding 12: /find and /mypledges showed the pledge status in lower case as a card's value ("Status:
validated", "утверждено") beside values with a capital, and the report status with a capital in the middle of the
sentence "last report: …" ("последний отчёт: 2025 год, Выполняется, 40 %"). Each now has the case of its place, in
every language: a capital alone, a small letter in a sentence (scripts without case as they are)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.i18n import Renderer
from handlers.messages import CAPITAL, SMALL, Reply, Text, reply_from_json, reply_to_json
from handlers.paging import Page
from handlers.pledges.listing import details_reply, list_reply
from models.tables import Pledge, ProgressReport


def _pledge() -> Pledge:
    return Pledge(id=1, ref="P2C-2026-00003", entity_id=1, title="Connect KGZ", description="Connect schools.",
                  focus_area="access", pledge_type="financial", value_usd=Decimal(1200000), countries=["KGZ"],
                  status="validated", start_date=date(2025, 1, 1), end_date=date(2027, 12, 31))


def _report() -> ProgressReport:
    return ProgressReport(id=5, pledge_id=1, period="2025", status="in_progress", percent_complete=40,
                          steps_taken="s" * 30, created_at=datetime(2026, 1, 10, tzinfo=UTC))


@pytest.mark.parametrize(("locale", "status"), [
    ("en", "Validated"), ("ru", "Утверждено"), ("fr", "Validé"), ("es", "Validado"), ("ar", "معتمد"),
    ("zh", "已核准")])
def test_the_card_shows_the_pledge_status_as_a_value(renderer: Renderer, locale: str, status: str) -> None:
    card = renderer.reply(details_reply(_pledge(), None, [], manages=True), locale, ).text
    assert f"{status}\n" in card or f"{status}<" in card, card
    listed = renderer.reply(list_reply([_pledge()], {}, {1: _report()}, date(2026, 12, 4), Page(1, 0, 1),
                                       reporter=True), locale).text
    assert f"\n{status} · " in listed, listed


@pytest.mark.parametrize(("locale", "sentence"), [
    ("en", "last report: 2025, in progress, 40%"),
    ("ru", "последний отчёт: 2025 год, выполняется, 40\u00a0%"),
    ("fr", "dernier rapport\u00a0: 2025, en cours, 40\u202f%"),
    ("es", "último informe: 2025, en curso, 40\u00a0%"),
    ("zh", "最近一次报告：2025年，进行中，40％")])
def test_the_last_report_sentence_names_its_status_in_small_letters(renderer: Renderer, locale: str,
                                                                     sentence: str) -> None:
    listed = renderer.reply(list_reply([_pledge()], {}, {1: _report()}, date(2026, 12, 4), Page(1, 0, 1),
                                       reporter=True), locale).text
    assert sentence in listed, listed


def test_the_initial_is_kept_in_the_outbox(renderer: Renderer) -> None:
    for initial, shown in ((CAPITAL, "Validated"), (SMALL, "in progress")):
        reply = Reply((Text("validated" if initial == CAPITAL else "In progress", initial=initial),))
        assert renderer.reply(reply_from_json(reply_to_json(reply)), "en").text == shown
