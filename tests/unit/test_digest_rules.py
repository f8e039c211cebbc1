"""Digest rules without a database: scopes parsed strictly, when digests fall due, the message's length."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from bot.i18n import Renderer
from handlers.digests.chart import has_chart, render_chart
from handlers.digests.content import digest_reply, goal_share, percent, shorten
from handlers.digests.labels import FOCUS_AREAS, REGIONS, TARGETING
from handlers.digests.schedule import following, latest_due, next_due, superseded
from handlers.messages import N_, Text
from handlers.vocabulary import PLEDGE_TYPE_LABELS, SECTOR_LABELS
from models.reporting import (
    covering_periods,
    due_date,
    is_covered,
    latest_due_periods,
    next_period,
    quarters_of,
)
from models.repositories.digests import BREAKDOWNS, Figures, Overdue, Share
from models.scope import EVERYTHING, Scope, ScopeError, ScopeKind, parse_scope


@pytest.mark.parametrize(("text", "scope"), [
    ("everything", EVERYTHING), ("region cis", Scope(ScopeKind.region, ("cis",))),
    ("countries bol, sen", Scope(ScopeKind.countries, ("BOL", "SEN"))),
    ("sector academia", Scope(ScopeKind.sector, ("academia",))), ("entity 12", Scope(ScopeKind.entity, ("12",))),
])
def test_scopes_parse(text: str, scope: Scope) -> None:
    assert parse_scope(text) == scope


@pytest.mark.parametrize("text", ["", "region atlantis", "entity 012", "entity ١٢", "countries SE", "sector king",
                                  "countries S%N", "region cis europe", "everything else"])
def test_anything_else_is_not_a_scope(text: str) -> None:
    with pytest.raises(ScopeError):
        parse_scope(text)


def test_countries_are_checked_against_the_table_when_given() -> None:
    with pytest.raises(ScopeError):
        parse_scope("countries XYZ", frozenset({"SEN"}))


def test_weekly_digest_falls_on_the_chosen_day_and_hour_in_the_readers_zone() -> None:
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)  # a Wednesday
    due = next_due("weekly", 1, 10, now, "Asia/Almaty")  # Tuesday 10:00 in Almaty (UTC+5)
    assert due is not None and due.period == "2026-W49" and due.at == datetime(2026, 12, 1, 5, tzinfo=UTC)
    assert next_due("off", 0, 9, now, "UTC") is None


@pytest.mark.parametrize(("cadence", "weekday", "hour", "now", "zone", "period", "at"), [
    # tester: Friday 17:00's digest, the bot down (or the clock moved) from Friday 16:00 to Monday: still owed
    ("weekly", 4, 17, datetime(2026, 12, 14, 10, 9, tzinfo=UTC), "Africa/Dakar", "2026-W50",
     datetime(2026, 12, 11, 17, tzinfo=UTC)),
    # Sunday 09:00 in Cairo is the first working day of Egypt's week but the last of the ISO week
    ("weekly", 6, 9, datetime(2026, 12, 14, 10, tzinfo=UTC), "Africa/Cairo", "2026-W50",
     datetime(2026, 12, 13, 7, tzinfo=UTC)),
    # this week's moment passed: it is the one
    ("weekly", 0, 9, datetime(2026, 12, 14, 10, tzinfo=UTC), "UTC", "2026-W51", datetime(2026, 12, 14, 9, tzinfo=UTC)),
    # a monthly one before the month's first working day (Friday 1 January 2027 at 08:00): December's
    ("monthly", 0, 9, datetime(2027, 1, 1, 8, tzinfo=UTC), "UTC", "2026-12", datetime(2026, 12, 1, 9, tzinfo=UTC)),
])
def test_the_latest_digest_due_may_be_the_period_before(cadence: str, weekday: int, hour: int, now: datetime,
                                                        zone: str, period: str, at: datetime) -> None:
    due = latest_due(cadence, weekday, hour, now, zone)
    assert due is not None and (due.period, due.at) == (period, at)
    assert latest_due("off", 0, 9, now, zone) is None


@pytest.mark.parametrize(("cadence", "weekday", "hour", "now", "release", "expected"), [
    # Monday's, due on Saturday, could go on Monday at 09:00 only, when the next Monday's falls due
    ("weekly", 0, 9, datetime(2026, 12, 12, 10, tzinfo=UTC), datetime(2026, 12, 14, 9, tzinfo=UTC), True),
    # the same set for 10:00 (review): it would go at 09:00, an hour before the next one
    ("weekly", 0, 10, datetime(2026, 12, 12, 10, tzinfo=UTC), datetime(2026, 12, 14, 9, tzinfo=UTC), True),
    # Friday's at 17:00, written at 18:30, goes on Monday, before the next Friday's
    ("weekly", 4, 17, datetime(2026, 12, 11, 18, 30, tzinfo=UTC), datetime(2026, 12, 14, 9, tzinfo=UTC), False),
    # December's, written on its last evening, could go on Friday 1 January at 09:00, when January's falls due
    ("monthly", 0, 9, datetime(2026, 12, 31, 18, 30, tzinfo=UTC), datetime(2027, 1, 1, 9, tzinfo=UTC), True),
    ("monthly", 0, 9, datetime(2026, 12, 30, 18, 30, tzinfo=UTC), datetime(2026, 12, 31, 9, tzinfo=UTC), False),
])
def test_a_digest_that_could_go_only_with_the_next_one_is_superseded(cadence: str, weekday: int, hour: int,
                                                                     now: datetime, release: datetime,
                                                                     expected: bool) -> None:
    due = next_due(cadence, weekday, hour, now, "UTC")
    assert due is not None and superseded(cadence, weekday, hour, due, release, "UTC") is expected


def test_monthly_digest_falls_on_the_first_working_day() -> None:
    due = next_due("monthly", 0, 9, datetime(2026, 8, 20, tzinfo=UTC), "Europe/Paris")
    assert due is not None and due.period == "2026-08" and due.at == datetime(2026, 8, 3, 7, tzinfo=UTC)  # Monday


def test_monthly_digest_falls_on_the_first_working_day_where_the_reader_is() -> None:
    # 1 August 2027 is a Sunday: Jordan's first working day of the month, Paris's is Monday the 2nd
    amman = next_due("monthly", 0, 9, datetime(2027, 8, 20, tzinfo=UTC), "Asia/Amman")
    paris = next_due("monthly", 0, 9, datetime(2027, 8, 20, tzinfo=UTC), "Europe/Paris")
    assert amman is not None and amman.at == datetime(2027, 8, 1, 6, 0, tzinfo=UTC)
    assert paris is not None and paris.at == datetime(2027, 8, 2, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("today", [date(2026, 1, 15), date(2026, 1, 30), date(2026, 1, 31), date(2026, 12, 1),
                                   date(2027, 7, 30), date(2027, 7, 31)])
def test_the_digests_due_periods_are_the_latest_overdue_by_the_reminders_rules(today: date) -> None:
    for cadence, period in latest_due_periods(today).items():
        assert due_date(period) < today <= due_date(next_period(period, cadence))


def test_latest_due_periods_thirty_days_after_the_end() -> None:
    assert latest_due_periods(date(2026, 1, 15)) == {"annual": "2024", "semi_annual": "2025-H1",
                                                     "quarterly": "2025-Q3"}
    assert latest_due_periods(date(2026, 12, 1))["quarterly"] == "2026-Q3"


@pytest.mark.parametrize("period", ["2026", "2026-H1", "2026-H2", "2026-Q1", "2026-Q4"])
def test_covering_and_parts_say_what_is_covered_says(period: str) -> None:
    """The digest counts a period reported in SQL from quarters_of and covering_periods: the same answer as
    is_covered for every combination of reports around, inside and beside it (halves and quarters overlapping)."""
    quarters = quarters_of(period)
    candidates = sorted({p for q in quarters for p in covering_periods(q)} | {"2025", "2027-Q1", "2025-H2"})
    for size in range(len(candidates) + 1):
        for reported in itertools.combinations(candidates, size):
            rule = all(any(p in covering_periods(q) for p in reported) for q in quarters)
            assert rule == is_covered(period, reported), reported


def test_percent_and_shorten() -> None:
    assert percent(1, 3).value == Decimal("33.3") and percent(5, 0).value == Decimal("0.0")
    assert shorten("x" * 100, 10) == "x" * 9 + "…" and shorten("short") == "short"


@pytest.mark.parametrize(("value", "share"), [
    ("2900000", "0.0029"),  # a tester's scope read "0 % of the goal"
    ("40000000", "0.04"), ("100000000", "0.1"), ("2500000000", "2.5"), ("0", "0.0"), ("123456", "0.00012")])
def test_a_small_share_of_the_goal_keeps_two_significant_digits(value: str, share: str) -> None:
    assert goal_share(Decimal(value)).value == Decimal(share)


GROUPS = {"focus_area": list(FOCUS_AREAS), "pledge_type": list(PLEDGE_TYPE_LABELS), "sector": list(SECTOR_LABELS),
          "targeting": list(TARGETING), "region": list(REGIONS)}


@pytest.mark.parametrize("locale", ["ar", "en", "es", "fr", "ru", "zh"])
def test_the_longest_digest_fits_one_telegram_message(renderer: Renderer, locale: str) -> None:
    long = "Ш" * 200
    figures = Figures(pledges=123456, entities=4321, countries=193, value_usd=Decimal("98765432109.99"),
                      changes={"submitted": 1001, "validated": 2, "completed": 3, "withdrawn": 4, "reports": 5,
                               "entities": 21},
                      breakdowns={name: [Share(code, n, Decimal(10**12)) for n, code in enumerate(GROUPS[name])]
                                  for name in BREAKDOWNS},
                      due=99999, reported=12345,
                      overdue=[Overdue(n, "P2C-2026-99999", long, long, "2025-H2", n, long) for n in range(10)],
                      overdue_total=87654, shared=87653)
    message = renderer.reply(digest_reply(figures, Scope(ScopeKind.countries, tuple(["ABC"] * 40)),
                                          date(2026, 12, 7), datetime(2026, 11, 30, 9, 5)), locale)
    assert len(message.text) < 3600, len(message.text)  # a margin for longer translations to come
    assert "87" in message.text and len(message.buttons) == 5
    assert "2025-H2" not in message.text  # the overdue period in words, as everywhere else


def test_an_overdue_period_is_named_in_words(renderer: Renderer) -> None:
    figures = Figures(pledges=1, entities=1, countries=1, value_usd=Decimal(0), changes={}, breakdowns={},
                      due=1, reported=0, overdue=[Overdue(1, "P2C-2026-00001", "Schools", "ACME", "2025-H2", 2, "Ana")],
                      overdue_total=1)
    text = renderer.reply(digest_reply(figures, Scope(ScopeKind.everything, ()), date(2026, 12, 7), None), "en").text
    assert "(period July–December 2025)" in text


def test_with_nothing_due_the_reporting_line_says_so_rather_than_zero_of_zero(renderer: Renderer) -> None:
    figures = Figures(pledges=3, entities=1, countries=1, value_usd=Decimal(0), changes={}, breakdowns={},
                      due=0, reported=0, overdue=[], overdue_total=0)
    text = renderer.reply(digest_reply(figures, Scope(ScopeKind.everything, ()), date(2026, 12, 7), None), "en").text
    assert "<b>Reporting on the latest periods due</b>: no pledge has a report due yet" in text, text
    assert "0 of 0" not in text and "(0%)" not in text



@pytest.mark.parametrize("language", ["ar", "en", "es", "fr", "ru", "zh"])
def test_a_group_of_pledges_without_a_value_reads_no_amount(renderer: Renderer, language: str) -> None:
    """A tester: "• Programmatic — 1 pledge, 0 $" read as if the pledge were worth nothing; only pledges that carry
    a value are summed (models.repositories.digests.Share.value_usd None)."""
    shares = [Share("financial", 1, Decimal(5000)), Share("programmatic", 1, None)]
    figures = Figures(pledges=2, entities=1, countries=1, value_usd=Decimal(5000), changes={},
                      breakdowns={"pledge_type": shares}, due=0, reported=0, overdue=[], overdue_total=0)
    text = renderer.reply(digest_reply(figures, Scope(ScopeKind.everything, ()), date(2026, 12, 7), None),
                          language).text
    without = renderer.label(Text(PLEDGE_TYPE_LABELS["programmatic"]), language, markup=False)
    line = next(line for line in text.splitlines() if without in line)
    assert not any(sign in line for sign in ("0", "٠", "$")), line


@pytest.mark.parametrize("language", ["ar", "en", "es", "fr", "ru", "zh"])
def test_a_headline_of_pledges_without_a_value_reads_no_amount(renderer: Renderer, language: str) -> None:
    """Review: a scope of programmatic and policy pledges alone led with "US$0 pledged: 0% of the goal", the zero the
    breakdowns no longer show."""
    figures = Figures(pledges=2, entities=1, countries=1, value_usd=Decimal(0), changes={},
                      breakdowns={"pledge_type": [Share("programmatic", 2, None)]}, due=0, reported=0, overdue=[],
                      overdue_total=0)
    text = renderer.reply(digest_reply(figures, Scope(ScopeKind.everything, ()), date(2026, 12, 7), None),
                          language).text
    headline = text.split("\n\n")[1]
    assert renderer.label(Text(N_("None of them has a value in USD")), language, markup=False) in headline, headline
    assert not any(sign in headline for sign in ("0", "٠", "$")), headline


def test_an_overdue_line_counts_later_periods_owed_without_an_ambiguous_it(renderer: Renderer) -> None:
    figures = Figures(pledges=1, entities=1, countries=1, value_usd=Decimal(0), changes={}, breakdowns={},
                      due=1, reported=0, overdue=[Overdue(1, "P2C-2026-00001", "Schools", "ACME", "2026", 3, "Ana",
                                                           first_period="2024", owed=3)],
                      overdue_total=1)
    text = renderer.reply(digest_reply(figures, Scope(ScopeKind.everything, ()), date(2026, 12, 7), None), "en").text
    assert "(period 2024, and 2 later periods still owed)" in text, text


def test_a_chart_is_drawn_only_with_something_to_show() -> None:
    """Tester: a scope of one programmatic pledge (no value) owing no report yet got a chart of two empty bars."""
    valueless = {"focus_area": [Share("access", 1, None)]}
    assert not has_chart(Figures(pledges=1, breakdowns=valueless))
    assert has_chart(Figures(pledges=1, breakdowns=valueless, due=1))
    assert has_chart(Figures(pledges=1, breakdowns={"focus_area": [Share("access", 1, Decimal(1000))]}))
    assert not has_chart(Figures())


@pytest.mark.parametrize(("due", "drawn"), [(0, False), (2, True)])
def test_the_reporting_panel_is_drawn_only_with_a_report_due(renderer: Renderer, due: int, drawn: bool) -> None:
    """Review: a value pledged and no report due drew "Reported 0" and "Due, not reported 0" under the values."""
    said: list[str] = []

    def translate(label: Any) -> str:
        said.append(getattr(label, "msgid", ""))
        return renderer.label(label, "en")

    figures = Figures(pledges=1, breakdowns={"focus_area": [Share("access", 1, Decimal(1000))]}, due=due, reported=1)
    assert render_chart(figures, "en", translate, "Digest").startswith(b"\x89PNG")
    assert ("Reported" in said) is drawn and "Pledged value by focus area (USD)" in said


@pytest.mark.parametrize(("cadence", "now", "zone", "period", "after"), [
    ("weekly", datetime(2026, 12, 29, 12, tzinfo=UTC), "Asia/Dubai", "2026-W53", "2027-W01"),
    ("monthly", datetime(2027, 1, 4, 12, tzinfo=UTC), "Asia/Amman", "2027-01", "2027-02"),
    ("monthly", datetime(2027, 2, 1, 12, tzinfo=UTC), "UTC", "2027-02", "2027-03"),  # 32 days on: 5 March
])
def test_the_digest_after_one_is_the_next_period_s(cadence: str, now: datetime, zone: str, period: str,
                                                   after: str) -> None:
    due = next_due(cadence, 1, 10, now, zone)
    assert due is not None and due.period == period
    nxt = following(cadence, 1, 10, due, zone)
    assert nxt is not None and nxt.period == after and nxt == next_due(cadence, 1, 10, nxt.at, zone)
