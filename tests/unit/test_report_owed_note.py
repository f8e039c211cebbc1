"""What a report's thank-you adds of the next report owed (review s24, item 3): the reminders no longer remind of a
later period the day after a report of an earlier one, so the thank-you says it when it is overdue or due soon."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.messages import Day, Text
from handlers.reports.service import still_owed
from models.reporting import NextReport

TODAY = date(2027, 2, 16)
OVERDUE = "Your report for {period} has been overdue since {date} too: send /report."
DUE_NEXT = "Your report for {period} is due next, on {date}: send /report."


@pytest.mark.parametrize(("upcoming", "said"), [
    (NextReport("2026", date(2027, 1, 30), True), OVERDUE),
    (NextReport("2027-Q1", date(2027, 3, 2), False), DUE_NEXT),  # 14 days ahead
    (NextReport("2027-Q1", date(2027, 3, 3), False), None),  # 15 days ahead: its reminders will say it
    (NextReport("2026", date(2028, 1, 30), False, covered=True), None),  # the period just reported: nothing owed
    (NextReport("2026", None, False, covered=True), None),  # every period reported
    (None, None),  # no start date
])
def test_the_thank_you_names_the_next_report_only_when_overdue_or_due_soon(upcoming: NextReport | None,
                                                                          said: str | None) -> None:
    notes = still_owed(upcoming, TODAY)
    if said is None:
        assert notes == ()
        return
    assert upcoming is not None and upcoming.due is not None
    [note] = notes
    assert isinstance(note, Text) and note.msgid == said
    assert note.params["date"] == Day(upcoming.due)
