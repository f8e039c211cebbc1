"""What a digest's reader copies into a Council report: the chart's bars say what the text says, a pledge counted
whole in several places is said to be, and reports received are those in force (tester t1's findings 1, 3, 6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.i18n import Renderer
from handlers.digests.chart import render_chart
from handlers.digests.content import digest_reply
from handlers.messages import Label
from models.repositories.digests import Figures, Share
from models.scope import EVERYTHING

LOCALES = ["ar", "en", "es", "fr", "ru", "zh"]


def test_the_chart_names_the_latest_round_not_reported_rather_than_overdue(renderer: Renderer) -> None:
    """2029: "0 of 3 pledges due reported", "5 pledges with a report overdue"; the chart drew "Overdue 3"."""
    drawn: list[str] = []

    def translate(label: Label) -> str:
        text = renderer.label(label, "en", markup=False)
        drawn.append(text)
        return text

    figures = Figures(pledges=6, due=3, reported=0, overdue_total=5,
                      breakdowns={"focus_area": [Share("access", 6, Decimal(16950000))]})
    render_chart(figures, "en", translate, "Partner2Connect")
    assert "Overdue" not in drawn
    assert "Due, not reported" in drawn and "3" in drawn


def _text(renderer: Renderer, figures: Figures, locale: str) -> str:
    return renderer.reply(digest_reply(figures, EVERYTHING, date(2026, 12, 4), None), locale).text


@pytest.mark.parametrize(("locale", "one", "two"), [
    ("en", "1 pledge is in several countries", "2 pledges are in several countries"),
    ("fr", "1 engagement porte sur plusieurs pays", "2 engagements portent sur plusieurs pays"),
    ("ru", "1 обязательство охватывает несколько стран", "2 обязательства охватывают несколько стран"),
    ("es", "1 compromiso abarca varios países", "2 compromisos abarcan varios países"),
    ("zh", "1 项承诺涉及多个国家", "2 项承诺涉及多个国家"),
    ("ar", "تعهد واحد يشمل عدة بلدان", "تعهدان يشملان عدة بلدان"),
])
def test_a_pledge_in_several_countries_is_said_to_count_whole_in_each(renderer: Renderer, locale: str, one: str,
                                                                      two: str) -> None:
    """The region lines of the everything digest added up to USD 26,950,000 against USD 16,950,000 pledged, with
    no word of why."""
    regions = {"region": [Share("africa", 1, Decimal(10000000)), Share("americas", 1, Decimal(10000000))]}
    assert one in _text(renderer, Figures(pledges=1, shared=1, breakdowns=regions), locale)
    assert two in _text(renderer, Figures(pledges=2, shared=2, breakdowns=regions), locale)
    assert "several" not in _text(renderer, Figures(pledges=1, breakdowns=regions), "en")


@pytest.mark.parametrize(("locale", "words"), [
    ("en", "2 progress reports received and in force"), ("fr", "2 rapports d’avancement reçus et en vigueur"),
    ("es", "2 informes de avance recibidos y vigentes"), ("ru", "получено 2 действующих отчёта о ходе выполнения"),
    ("zh", "收到 2 份现行进展报告"), ("ar", "وصل تقريران مرحليان ساريا المفعول"),
])
def test_reports_received_say_they_are_those_in_force(renderer: Renderer, locale: str, words: str) -> None:
    """Five reports sent, one replaced: "4 progress reports received", read as an undercount of submissions."""
    text = _text(renderer, Figures(pledges=1, changes={"reports": 2}), locale)
    assert words in text, text
