"""The report form as a table: (step, input, locale) -> (next step, effects), with its hidden pledge facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given as examples
from hypothesis import strategies as st

from bot.i18n import Renderer
from handlers.broadcasts.composer import BROADCAST_FORM
from handlers.forms.base import FormContext, FormState
from handlers.forms.engine import DEFAULTS, SUMMARY, FormInput, Status, advance, prompt, start
from handlers.pledges.form import PLEDGE_FORM
from handlers.reports.form import FINANCIAL, PERIOD, PLEDGE_ID, REPORT_FORM, TARGET, UNIT, VALUE
from handlers.reports.rules import answers_of_report, apply_report, check_report, defaults_of, due_of
from handlers.reports.service import all_completed
from models.reminding import reminder_due
from models.reporting import next_report_due, reportable_period
from models.tables import Pledge, ProgressReport
from models.values import ReportingCadence

TODAY = date(2026, 12, 1)
FACTS: dict[str, Any] = {PLEDGE_ID: 7, PERIOD: "2025", UNIT: "schools", TARGET: 500, VALUE: "2500000",
                         FINANCIAL: False}
STEPS = "We connected 120 schools in Kolda and trained 300 teachers."


def context(renderer: Renderer, locale: str) -> FormContext:
    """What a step sees, with the real catalogs for typed labels."""
    return FormContext(locale, TODAY, lambda label: renderer.label(label, locale, markup=False))


def state(step: str, **answers: Any) -> FormState:
    """A session at `step` with the pledge's facts and these answers."""
    return FormState(step=step, answers={**FACTS, **answers})


# (step, earlier answers, input, locale) -> (next step, stored answer of the step or None if refused, text shown)
TABLE: list[tuple[str, dict[str, Any], FormInput, str, str, Any, str]] = [
    ("status", {}, FormInput(code="f:status:c:in_progress"), "en", "percent_complete", "in_progress", "0 to 100"),
    ("status", {}, FormInput(code="f:status:c:not_started"), "fr", "steps_taken", "not_started", "Question 2 sur 5"),
    ("status", {}, FormInput(code="f:status:c:bogus"), "en", "status", None, "not one of this question's options"),
    ("status", {}, FormInput(text="En cours"), "fr", "percent_complete", "in_progress", "pourcentage"),
    ("status", {}, FormInput(text="قيد التنفيذ"), "ar", "percent_complete", "in_progress", "100"),
    ("percent_complete", {"status": "in_progress"}, FormInput(text="40 %"), "fr", "target_achieved", 40, "500"),
    ("percent_complete", {"status": "in_progress"}, FormInput(text="٤٠٪"), "ar", "target_achieved", 40, "500"),
    ("percent_complete", {"status": "in_progress"}, FormInput(text="140"), "en", "percent_complete", None,
     "whole number from 0 to 100"),
    # a decimal is in range but not whole: the refusal says both rules
    ("percent_complete", {"status": "in_progress"}, FormInput(text="33.3 %"), "en", "percent_complete", None,
     "whole number from 0 to 100"),
    # not a number at all: the refusal says what a percentage is, not "1,500,000 or 2.5 million"
    ("percent_complete", {"status": "in_progress"}, FormInput(text="2,5 millones"), "es", "percent_complete", None,
     "número entero de 0 a 100"),
    ("women_share", {"beneficiaries_reached": 3000}, FormInput(text="half"), "en", "women_share", None,
     "whole number from 0 to 100"),
    ("percent_complete", {"status": "in_progress"}, FormInput(code="f:percent_complete:c:100"), "en",
     "pledge_complete", 100, "whole pledge"),
    ("percent_complete", {"status": "in_progress"}, FormInput(code="f:percent_complete:c:33"), "en",
     "percent_complete", None, "not one of this question's options"),
    ("target_achieved", {"status": "in_progress"}, FormInput(text="120"), "ru", "beneficiaries_reached", 120, ""),
    ("target_achieved", {"status": "in_progress"}, FormInput(code="f:target_achieved:skip"), "en",
     "beneficiaries_reached", None, "people"),
    ("beneficiaries_reached", {"status": "in_progress"}, FormInput(text="3 000"), "fr", "women_share", 3000, ""),
    ("beneficiaries_reached", {"status": "in_progress"}, FormInput(code="f:beneficiaries_reached:skip"), "en",
     "steps_taken", None, "up to 4,000"),
    ("women_share", {"beneficiaries_reached": 3000}, FormInput(text="52"), "es", "steps_taken", 52, ""),
    ("steps_taken", {}, FormInput(text="Too short"), "ru", "steps_taken", None, "20 символов"),
    ("steps_taken", {}, FormInput(text=STEPS), "zh", "challenges", STEPS, ""),
    ("evidence", {}, FormInput(text="see https://example.org/report.pdf, please"), "en", "evidence", None,
     "Received: 1 item"),
    ("evidence", {}, FormInput(text="nothing here"), "en", "evidence", None, "https://"),
    ("evidence", {}, FormInput(file=("document", "BQACAgQ"), file_name="report.pdf"), "ar", "evidence", None,
     "report.pdf"),
]


@pytest.mark.parametrize(("step", "earlier", "given", "locale", "following", "stored", "shown"), TABLE)
def test_each_step(renderer: Renderer, step: str, earlier: dict[str, Any], given: FormInput, locale: str,
                   following: str, stored: Any, shown: str) -> None:
    outcome = advance(REPORT_FORM, state(step, **earlier), given, context(renderer, locale))
    assert outcome.state.step == following
    assert outcome.state.answers.get(step) == stored
    text = "\n".join(renderer.reply(reply, locale).text for reply in outcome.replies)
    assert shown in text, text


@pytest.mark.parametrize("typed", ["50000000000000", "5000000000000", "10000000001", "-5"])
def test_a_number_out_of_range_is_refused_with_the_steps_own_range(renderer: Renderer, typed: str) -> None:
    """People reached is at most 10^10: a number over the parser's limit (10^13) was refused "up to
    10,000,000,000,000", then a smaller one still too large "between 0 and 10,000,000,000"."""
    outcome = advance(REPORT_FORM, state("beneficiaries_reached", status="in_progress"), FormInput(text=typed),
                      context(renderer, "en"))
    assert outcome.state.step == "beneficiaries_reached" and "beneficiaries_reached" not in outcome.state.answers
    text = renderer.reply(outcome.replies[0], "en").text
    assert text.startswith("Please type a number between 0 and 10,000,000,000."), text


def test_the_target_question_names_the_unit_and_the_target(renderer: Renderer) -> None:
    outcome = advance(REPORT_FORM, state("percent_complete", status="in_progress"), FormInput(text="40"),
                      context(renderer, "fr"))
    assert "la cible est de 500 (écoles)" in renderer.reply(outcome.replies[0], "fr").text


def test_evidence_collects_files_and_links_then_done(renderer: Renderer) -> None:
    ctx = context(renderer, "en")
    current = state("evidence")
    for given in (FormInput(file=("photo", "AgAC1")), FormInput(file=("document", "BQAC2"), file_name="a.pdf"),
                  FormInput(text="https://example.org/x")):
        current = advance(REPORT_FORM, current, given, ctx).state
    done = advance(REPORT_FORM, current, FormInput(code="f:evidence:done"), ctx)
    assert done.state.step == SUMMARY
    assert done.state.answers["evidence"] == [{"kind": "photo", "file_id": "AgAC1", "name": None},
                                              {"kind": "document", "file_id": "BQAC2", "name": "a.pdf"},
                                              {"kind": "link", "url": "https://example.org/x"}]


def test_the_words_written_with_links_are_kept_as_their_caption(renderer: Renderer) -> None:
    """A tester: "Photos of the opening: https://…" kept the link and dropped the words without a word; a file's
    caption was kept. A link's words are its caption, listed with it; a message of links alone gives none."""
    ctx = context(renderer, "en")
    current = advance(REPORT_FORM, state("evidence"), FormInput(
        text="Photos of the opening:\nhttps://example.org/album and the press, https://example.org/news."), ctx)
    current = advance(REPORT_FORM, current.state, FormInput(text="https://example.org/plan, https://example.org/map"),
                      ctx)
    words = "Photos of the opening: and the press,"
    assert current.state.scratch["items"] == [
        {"kind": "link", "url": "https://example.org/album", "caption": words},
        {"kind": "link", "url": "https://example.org/news", "caption": words},
        {"kind": "link", "url": "https://example.org/plan"}, {"kind": "link", "url": "https://example.org/map"}]
    done = advance(REPORT_FORM, current.state, FormInput(code="f:evidence:done"), ctx)
    assert f"https://example.org/album — {words}" in renderer.reply(done.replies[0], "en").text


def test_defaults_offer_last_answers_and_all_at_once(renderer: Renderer) -> None:
    previous = ProgressReport(pledge_id=7, period="2024", status="in_progress", percent_complete=40,
                              beneficiaries_reached=3000, women_share_percent=50, steps_taken=STEPS,
                              evidence=[{"kind": "photo", "file_id": "x"}])
    ctx = context(renderer, "fr")
    opened = start(REPORT_FORM, ctx, {**FACTS, DEFAULTS: defaults_of(previous)})
    first = renderer.reply(opened.replies[0], "fr")
    labels = [label for row in first.buttons for label, _ in row]
    assert "↩️ Comme la dernière fois\u00a0: En cours" in labels and "f:status:sameall" in [c for r in first.buttons
                                                                                        for _, c in r]
    same = advance(REPORT_FORM, opened.state, FormInput(code="f:status:same"), ctx)
    assert same.state.answers["status"] == "in_progress" and same.state.step == "percent_complete"
    labels = [label for row in renderer.reply(same.replies[0], "fr").buttons for label, _ in row]
    assert "↩️ Comme la dernière fois\u00a0: 40\u202f%" in labels
    everything = advance(REPORT_FORM, opened.state, FormInput(code="f:status:sameall"), ctx)
    assert everything.state.step == "evidence"  # new each time: asked, skippable
    assert everything.state.answers["percent_complete"] == 40 and everything.state.answers["challenges"] is None
    summary = advance(REPORT_FORM, everything.state, FormInput(code="f:evidence:skip"), ctx)
    assert summary.state.step == SUMMARY
    assert advance(REPORT_FORM, summary.state, FormInput(code="f:$sum:submit"), ctx).status is Status.done


def test_a_replacement_offers_the_evidence_of_the_report_it_replaces(renderer: Renderer) -> None:
    """Tester: a report replaced "all as last time" was sent without the five pieces of evidence of the report it
    replaced, which the evidence question, asked empty, did not offer."""
    evidence = [{"kind": "document", "file_id": "BQAC1", "name": "itogi.pdf"}, {"kind": "link", "url": "https://x.uz"}]
    replaced = ProgressReport(pledge_id=7, period="2024", status="in_progress", percent_complete=40,
                              steps_taken=STEPS, evidence=evidence)
    ctx = context(renderer, "ru")
    opened = start(REPORT_FORM, ctx, {**FACTS, DEFAULTS: defaults_of(replaced, replaced=True)})
    everything = advance(REPORT_FORM, opened.state, FormInput(code="f:status:sameall"), ctx)
    assert everything.state.step == SUMMARY and everything.state.answers["evidence"] == evidence
    asked = replace(opened.state, step="evidence", answers={**opened.state.answers, "status": "in_progress"})
    shown = renderer.reply(prompt(REPORT_FORM, asked, ctx), "ru")
    (label,) = [label for row in shown.buttons for label, data in row if data == "f:evidence:same"]
    assert "itogi.pdf" in label, "what is offered is named"
    same = advance(REPORT_FORM, asked, FormInput(code="f:evidence:same"), ctx)
    assert same.state.answers["evidence"] == evidence


def test_a_stale_same_button_is_refused(renderer: Renderer) -> None:
    outcome = advance(REPORT_FORM, state("status"), FormInput(code="f:status:same"), context(renderer, "en"))
    assert outcome.state.step == "status" and "status" not in outcome.state.answers


def test_financial_pledges_are_asked_what_was_disbursed(renderer: Renderer) -> None:
    ctx = context(renderer, "en")
    financial = FormState(step="percent_complete", answers={**FACTS, FINANCIAL: True, "status": "in_progress"})
    outcome = advance(REPORT_FORM, financial, FormInput(text="40"), ctx)
    assert outcome.state.step == "value_disbursed"
    assert "of the $2,500,000 pledged" in renderer.reply(outcome.replies[0], "en").text


@pytest.mark.parametrize(("cadence", "start_day", "reported", "expected"), [
    (ReportingCadence.annual, date(2024, 3, 1), set(), "2024"),
    (ReportingCadence.annual, date(2024, 3, 1), {"2024"}, "2025"),
    (ReportingCadence.annual, date(2024, 3, 1), {"2024", "2025"}, "2026"),
    (ReportingCadence.semi_annual, date(2026, 1, 1), set(), "2026-H1"),
    (ReportingCadence.semi_annual, date(2026, 1, 1), {"2026-H1"}, "2026-H2"),
    (ReportingCadence.quarterly, date(2026, 5, 1), {"2026-Q2"}, "2026-Q3"),
    (ReportingCadence.quarterly, date(2027, 5, 1), set(), "2027-Q2"),  # not started yet: its first period
])
def test_the_period_is_the_earliest_ended_unreported_one(cadence: str, start_day: date, reported: set[str],
                                                         expected: str) -> None:
    pledge = Pledge(entity_id=1, title="t", description="d", focus_area="access", pledge_type="policy",
                    start_date=start_day, reporting_cadence=cadence)
    assert due_of(pledge, reported, TODAY).period == expected


MONTHS = {ReportingCadence.annual: 12, ReportingCadence.semi_annual: 6, ReportingCadence.quarterly: 3}
KIND_DAYS = (("before", -14), ("due", 0), ("week1", 7), ("week2", 14))


def walked_periods(start: date, cadence: str, until: date) -> list[tuple[str, date, date]]:
    """The pledge's periods by brute force, month by month: (name, first day, last day) from the one holding
    `start` to the one holding `until` (at least the first)."""
    months = MONTHS[ReportingCadence(cadence)]
    first_month = (start.month - 1) // months * months + 1
    year, month, periods = start.year, first_month, []
    while True:
        following = date(year + (month + months > 12), (month + months - 1) % 12 + 1, 1)
        part = (month - 1) // months + 1
        name = str(year) if months == 12 else f"{year}-{'H' if months == 6 else 'Q'}{part}"
        periods.append((name, date(year, month, 1), following - timedelta(days=1)))
        if following > until:
            return periods
        year, month = following.year, following.month


def expected_next(start: date, end: date, cadence: str, reported: set[str], today: date
                  ) -> tuple[str, date | None, bool, bool]:
    """(period, due, overdue, covered) as the reporting rule says it in words, walked period by period: the earliest
    unreported period up to today's (or the last one, once the pledge ended), else that last one; due 30 days after
    the end of that period, or, when it is reported, of the pledge's first later period not reported."""
    upto = walked_periods(start, cadence, min(today, end))
    period = next((p for p in upto if p[0] not in reported), upto[-1])
    if period[0] not in reported:
        due = period[2] + timedelta(days=30)
        return period[0], due, due < today, False
    later = [p for p in walked_periods(start, cadence, end) if p[1] > period[2] and p[0] not in reported]
    return period[0], later[0][2] + timedelta(days=30) if later else None, False, True


NEAR = st.tuples(st.integers(0, 20), st.integers(-16, 16))
"""A day near a period's end or due date (the n-th period, days off): where off-by-one errors live."""


@examples(start=st.dates(date(2018, 1, 1), date(2027, 12, 31)),
          length=st.one_of(st.integers(0, 3000), st.tuples(st.integers(0, 20), st.integers(-1, 1))),
          cadence=st.sampled_from(list(ReportingCadence)),
          today=st.one_of(st.dates(date(2018, 1, 1), date(2030, 12, 31)), NEAR),
          reported_first=st.integers(0, 21), picks=st.lists(st.integers(0, 20), max_size=10))
def test_report_mypledges_and_reminders_follow_the_rule_walked_period_by_period(
        start: date, length: int | tuple[int, int], cadence: str, today: date | tuple[int, int],
        reported_first: int, picks: list[int]) -> None:
    """b_reports #3: /report and /mypledges (due_of) and the reminders (next_report_due, reminder_due) say the
    period and due date that a walk of the pledge's periods finds, and never a period after the pledge's end."""
    periods = walked_periods(start, cadence, date(start.year + 21, 1, 1))[:21]
    if isinstance(length, tuple):  # ending on a period's last day, or a day off
        length = max(0, (periods[length[0]][2] - start).days + length[1])
    if isinstance(today, tuple):  # on a due date or a reminder's day, or a day off
        today = periods[today[0]][2] + timedelta(days=30 + today[1])
    end = start + timedelta(days=length)
    pledge = Pledge(entity_id=1, title="t", description="d", focus_area="access", pledge_type="policy",
                    start_date=start, end_date=end, reporting_cadence=cadence, status="validated")
    reported = {periods[i][0] for i in [*range(reported_first), *picks]}  # the first ones in order, and a few more
    period, due, overdue, covered = expected_next(start, end, cadence, reported, today)
    found = due_of(pledge, reported, today)
    assert (found.period, found.due, found.overdue, found.covered) == (period, due, overdue, covered)
    assert next_report_due(pledge, reported, today) == due
    running, running_due = period, due  # reminders run for the latest unreported period whose first day has come
    if not covered and due is not None:
        begun = next(first_day for name, first_day, _ in walked_periods(start, cadence, end) if name == period)
        for name, first_day, last_day in walked_periods(start, cadence, end):  # one cadence: reported = covered
            if first_day > begun and name not in reported and last_day + timedelta(days=30 - 14) <= today:
                running, running_due = name, last_day + timedelta(days=30)
    kind = None if covered or running_due is None else next(
        (k for k, days in reversed(KIND_DAYS) if running_due + timedelta(days=days) <= today), None)
    reminder = reminder_due(pledge, reported, today)
    assert ((reminder.period, reminder.due, reminder.kind) if reminder else None) == \
        ((running, running_due, kind) if kind else None)
    assert reportable_period(pledge, reported, today) == period


@pytest.mark.parametrize(("start", "end", "cadence", "reported", "today", "expected"), [
    # 2025 not reported: overdue since 30 January 2026
    (date(2025, 3, 1), date(2027, 12, 31), "annual", set(), date(2026, 12, 1), ("2025", date(2026, 1, 30), True,
                                                                                 False)),
    # the current half reported early: due is the next half's
    (date(2026, 1, 1), date(2027, 12, 31), "semi_annual", {"2026-H1", "2026-H2"}, date(2026, 12, 1),
     ("2026-H2", date(2027, 7, 30), False, True)),
    # ended mid-2025, every period reported: nothing more is due
    (date(2024, 1, 1), date(2025, 6, 30), "annual", {"2024", "2025"}, date(2026, 12, 1), ("2025", None, False, True)),
    # not started yet: its first quarter
    (date(2027, 5, 1), date(2028, 5, 1), "quarterly", set(), date(2026, 12, 1), ("2027-Q2", date(2027, 7, 30), False,
                                                                                 False)),
])
def test_the_walk_itself_says_what_the_rule_says(start: date, end: date, cadence: str, reported: set[str],
                                                 today: date, expected: tuple[str, date | None, bool, bool]) -> None:
    """The brute-force walk above, checked by hand on examples of each case."""
    assert expected_next(start, end, cadence, reported, today) == expected


def test_answers_round_trip_through_a_report() -> None:
    answers = {"status": "completed", "percent_complete": 100, "pledge_complete": "no", "value_disbursed": "1500",
               "target_achieved": 500, "beneficiaries_reached": 10, "women_share": 60, "steps_taken": STEPS,
               "challenges": None, "partnership_needs": "Funding", "evidence": None, FINANCIAL: True}
    report = ProgressReport(pledge_id=1, period="2025", status="", steps_taken="")
    apply_report(report, answers)
    again = answers_of_report(report)
    assert {k: again[k] for k in again} == {k: v for k, v in answers.items() if k != FINANCIAL}
    assert check_report(FormState("x", {"women_share": 5}), TODAY) is not None
    assert check_report(FormState("x", {"status": "completed"}), TODAY) is not None


@pytest.mark.parametrize(("statuses", "done"), [
    ({"completed"}, True), ({"completed", "withdrawn", "rejected"}, True), (set(), False), ({"rejected"}, False),
    # a pledge waiting for BDT or returned for changes may yet be reported on: "every pledge is completed" was said
    ({"completed", "submitted"}, False), ({"completed", "changes_requested"}, False), ({"completed", "draft"}, False)])
def test_an_organisation_is_done_with_reports_only_when_no_pledge_may_come(statuses: set[str], done: bool) -> None:
    assert all_completed(statuses) is done


def test_a_file_sent_at_the_summary_is_added_to_the_evidence(renderer: Renderer) -> None:
    """A tester sent the photo BDT asked for as the report to change opened on its summary: it was dropped with
    "use the buttons below"."""
    ctx = context(renderer, "es")
    answers = {**FACTS, "status": "not_started", "steps_taken": STEPS, "challenges": None, "partnership_needs": None,
               "evidence": [{"kind": "link", "url": "https://example.org/a"}]}
    taken = advance(REPORT_FORM, FormState(step=SUMMARY, answers=answers), FormInput(file=("photo", "AgPHOTO1")), ctx)
    assert taken.state.step == "evidence" and taken.state.reviewed == answers
    shown = renderer.reply(taken.replies[-1], "es")
    assert "Recibidos: 2 elementos" in shown.text
    assert "f:evidence:done" in [code for row in shown.buttons for _, code in row]
    summary = advance(REPORT_FORM, taken.state, FormInput(code="f:evidence:done"), ctx)
    assert summary.state.step == SUMMARY
    assert summary.state.answers["evidence"] == [{"kind": "link", "url": "https://example.org/a"},
                                                 {"kind": "photo", "file_id": "AgPHOTO1", "name": None}]


def test_a_file_sent_at_a_summary_with_no_question_for_files_is_refused_there(renderer: Renderer) -> None:
    outcome = advance(PLEDGE_FORM, FormState(step=SUMMARY, answers={"title": "Schools"}),
                      FormInput(file=("photo", "AgPHOTO1")), context(renderer, "en"))
    assert outcome.state.step == SUMMARY
    assert "Use the buttons below" in renderer.reply(outcome.replies[-1], "en").text


def test_a_file_sent_at_the_broadcast_summary_does_not_replace_its_attachment(renderer: Renderer) -> None:
    """A reviewer: a photo sent at a broadcast's summary silently replaced its attachment (agenda.pdf); one file is
    replaced only with its own ✏️."""
    answers = {"audience": ["role:focal_point"], "attachment": {"kind": "document", "file_id": "DOC1",
                                                                "name": "agenda.pdf"},
               "language": "en", "text": "Hello all", "translations": None, "fallback": "en", "when": "now"}
    outcome = advance(BROADCAST_FORM, FormState(step=SUMMARY, answers=answers), FormInput(file=("photo", "PHOTO9")),
                      context(renderer, "en"))
    assert outcome.state.step == SUMMARY and outcome.state.answers["attachment"]["file_id"] == "DOC1"


@pytest.mark.parametrize(("typed", "locale"), [("Annulé", "fr"), ("أُلغي", "ar")])
def test_a_status_typed_is_that_status_even_when_it_reads_as_cancel(renderer: Renderer, typed: str,
                                                                   locale: str) -> None:
    """A reviewer: "Annulé" (the status Cancelled) typed at the status question asked to discard the report."""
    outcome = advance(REPORT_FORM, state("status"), FormInput(text=typed), context(renderer, locale))
    assert outcome.state.answers["status"] == "cancelled" and outcome.state.step == "percent_complete"
    cancel = advance(REPORT_FORM, state("status"), FormInput(text="annuler"), context(renderer, "fr"))
    assert cancel.status is Status.cancelled  # the word for the Cancel button still is (nothing answered: at once)


@pytest.mark.parametrize(("locale", "line"), [("en", "Target reached</b>: 120 of 500 (schools)"),
                                              ("ar", "(مدارس)")])
def test_the_summary_shows_the_target_reached_with_its_target(renderer: Renderer, locale: str, line: str) -> None:
    """A tester: the Arabic summary said "ما تحقق من الهدف: 175" with no unit, where staff read "175 of 500
    (schools)"."""
    answers = {**FACTS, "status": "in_progress", "percent_complete": 40, "target_achieved": 120,
               "beneficiaries_reached": None, "steps_taken": STEPS, "challenges": None, "partnership_needs": None,
               "evidence": None}
    outcome = advance(REPORT_FORM, FormState(step="evidence", answers=answers), FormInput(code="f:evidence:skip"),
                      context(renderer, locale))
    assert outcome.state.step == SUMMARY
    summary = renderer.reply(outcome.replies[-1], locale).text
    assert line in summary and "500" in summary, summary
