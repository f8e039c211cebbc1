"""How a report is shown: its period in words, a one-line summary, and the full card staff read."""

from __future__ import annotations

from handlers.lengths import shorten
from handlers.messages import (
    N_,
    NP_,
    SMALL,
    Button,
    Code,
    Concat,
    Day,
    Items,
    Label,
    Line,
    Money,
    Number,
    Text,
    plural,
    text,
)
from handlers.reports.form import REPORT_STATUS_LABELS, evidence_label, percent_label
from handlers.vocabulary import TARGET_UNITS, labeller
from models.reporting import NextReport
from models.tables import Pledge, ProgressReport
from models.values import ReviewStatus

SENDER_EXCERPT = 60
"""How much of a sender's name (up to 200 characters) a report's line shows: five lines fit in a pledge's details."""

REVIEW_LABELS: dict[str, str] = {
    ReviewStatus.submitted: N_("awaiting BDT"),
    ReviewStatus.acknowledged: N_("acknowledged by BDT"),
    ReviewStatus.clarification_requested: N_("clarification asked"),
}


def period_label(period: str) -> Label:
    """A reporting period in words: 2026 (2026年, 2026 год), January–June 2026 (premier semestre 2026), July–September
    2026 (третий квартал 2026 г.); said alone and inside sentences, so in a form that needs no article."""
    year, _, part = period.partition("-")
    # TRANSLATORS: halves and quarters stand alone (a button, "Period: …") and inside sentences ("the report on
    # {ref} for {period}"): a form that needs no article there. English and Spanish name the months
    # ("January–March 2026"), which reads right in both places.
    if part in ("H1", "H2"):
        return text(N_("first half of {year}") if part == "H1" else N_("second half of {year}"), year=Code(year))
    if part in ("Q1", "Q2", "Q3", "Q4"):
        names = {"Q1": N_("first quarter of {year}"), "Q2": N_("second quarter of {year}"),
                 "Q3": N_("third quarter of {year}"), "Q4": N_("fourth quarter of {year}")}
        return text(names[part], year=Code(year))
    # TRANSLATORS: a whole year as a reporting period, inside sentences such as "report for {period}"; English
    # says the bare year ("report for 2026"), other languages may need a word ("2026年", "2026 год").
    return text(N_("{year} (a whole year)"), year=Code(year))


MORE = NP_("{count} more report", "{count} more reports")
"""Reports owed after the earliest one owed (a reminder's line, /mypledges)."""
REMINDERS_STOPPED = N_("⏸ No progress report for 24 months, so no more reminders are sent for it: they resume with "
                       "its next report (/report).")
"""Said of a pledge inactive (models.reporting.inactive_cutoff) where its due dates are shown to its organisation."""
REMINDERS_STOPPED_SHORT = N_("⏸ no report for 24 months: reminders stopped until the next report")
"""The same in a list of pledges (/mypledges), whose every line must fit one message, each with a 📝 button."""


def next_due_label(due: NextReport, more: int = 0) -> Label:
    """When the next report is due, overdue said plainly with how many `more` are owed after it; or that none is
    (every period to the end is reported)."""
    if due.due is None:
        return text(N_("no more reports due: the last period, {period}, is reported"), period=period_label(due.period))
    if due.overdue and more > 0:
        return text(N_("⚠️ OVERDUE: the report for {period} was due {date}, and {more} after it"),
                    period=period_label(due.period), date=Day(due.due), more=plural(*MORE, more))
    if due.overdue:
        return text(N_("⚠️ OVERDUE: the report for {period} was due {date}"), period=period_label(due.period),
                    date=Day(due.due))
    return text(N_("next report due {date}"), date=Day(due.due))


def replace_button(report: ProgressReport) -> Button:
    """✏️ to replace `report` (a focal point's, a current one): asked and confirmed as any replacement
    (reports.service, rp:fix and rp:fixok), even when /report and 📝 open a later period."""
    return Button(text(N_("✏️ Replace the report for {period}"), period=period_label(report.period)),
                  f"rp:fix:{report.id}")


def report_status_label(status: str) -> Label:
    """The name of a report status, alone (a card's value, a button: "In progress")."""
    return labeller(REPORT_STATUS_LABELS)(status)


def report_status_word(status: str) -> Label:
    """The name of a report status in the middle of a sentence ("last report: 2025, in progress, 40%"): the catalog's
    word, made to stand alone, with a small letter."""
    return Text(REPORT_STATUS_LABELS[status], initial=SMALL) if status in REPORT_STATUS_LABELS else status


def report_line(report: ProgressReport, sender: Label | None = None) -> Label:
    """One line: period, status, percent, when it was sent (and by whom, a colleague of the reader: `sender`), and
    where it stands with BDT."""
    sent = text(N_("sent {date}"), date=Day(report.created_at.date())) if sender is None else \
        text(N_("sent {date} by {person}"), date=Day(report.created_at.date()),
             person=shorten(sender, SENDER_EXCERPT) if isinstance(sender, str) else sender)
    parts: list[Label] = [period_label(report.period), " · ", report_status_label(report.status), " · ",
                          percent_label(report.percent_complete), " · ", sent, " · ",
                          Text(REVIEW_LABELS.get(report.review_status, REVIEW_LABELS[ReviewStatus.submitted]))]
    if not report.is_current:
        parts += [" · ", Text(N_("replaced"))]
    if report.evidence:
        parts += [" · ", plural("{count} piece of evidence", "{count} pieces of evidence", len(report.evidence))]
    return Concat(tuple(parts))


def report_card(report: ProgressReport, pledge: Pledge) -> list[Label]:
    """Every answer of a report, one line each (what staff read)."""
    lines: list[Label] = [Line(Text(N_("Reference")), Code(pledge.ref or "—")), Line(Text(N_("Title")), pledge.title),
                          Line(Text(N_("Reporting period")), period_label(report.period)),
                          Line(Text(N_("Status")), report_status_label(report.status)),
                          Line(Text(N_("Progress")), percent_label(report.percent_complete))]
    if report.value_disbursed_usd is not None:
        lines.append(Line(Text(N_("Disbursed (USD)")), Money(report.value_disbursed_usd)))
    if report.target_achieved is not None:
        unit = labeller(TARGET_UNITS)(pledge.target_unit or "")
        target = Number(int(pledge.target_value)) if pledge.target_value is not None else "—"
        lines.append(Line(Text(N_("Target reached")), text(N_("{value} of {target} ({unit})"),
                                                               value=Number(int(report.target_achieved)),
                                                               target=target, unit=unit)))
    if report.beneficiaries_reached is not None:
        lines.append(Line(Text(N_("People reached")), Number(report.beneficiaries_reached)))
    if report.women_share_percent is not None:
        lines.append(Line(Text(N_("Share of women")), percent_label(report.women_share_percent)))
    # excerpts: the card must hold all three texts and the evidence; the 📖 buttons send them whole
    lines.append(Line(Text(N_("Steps taken")), shorten(report.steps_taken)))
    if report.challenges:
        lines.append(Line(Text(N_("Challenges")), shorten(report.challenges)))
    if report.partnership_needs:
        lines.append(Line(Text(N_("Partnership needs")), shorten(report.partnership_needs)))
    if report.evidence:
        lines.append(Line(Text(N_("Evidence")), Items(tuple(evidence_label(item) for item in report.evidence))))
    return lines
