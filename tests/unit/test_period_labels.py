"""Period labels whose year is made of other digits than 0-9 are no period: they cover nothing, as in the digest's SQL,
and stop neither the reminders' rule nor the ordering of reports."""

from __future__ import annotations

from datetime import date

import pytest
from test_reporting import P

from models.reporting import is_covered, is_period, latest_due_periods, next_report, owed_periods

OTHER_DIGITS = ("٢٠٢٥", "²⁰²⁵", "２０２５", "٢٠٢٥-H1")
"""Arabic-Indic, superscript and full-width digits: str.isdigit takes them, the SQL's period pattern does not."""


@pytest.mark.parametrize("label", OTHER_DIGITS)
def test_a_year_in_other_digits_is_no_period(label: str) -> None:
    assert not is_period(label)


@pytest.mark.parametrize("label", OTHER_DIGITS)
def test_a_year_in_other_digits_covers_nothing_and_stops_nothing(label: str) -> None:
    """Before, "٢٠٢٥" covered 2025 in Python (no SQL label matches it) and "²⁰²⁵" raised ValueError."""
    pledge = P(date(2024, 3, 1))
    today = date(2026, 12, 1)
    assert not is_covered("2025", [label])
    assert owed_periods(pledge, [label], latest_due_periods(today)) == ("2024", "2025")
    assert next_report(pledge, [label], today) == next_report(pledge, [], today)
