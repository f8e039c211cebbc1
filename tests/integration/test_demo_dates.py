"""The demo's three showcase pledges, dated from the day it is loaded (QA: fixed 2023-2024 dates showed reports owed
for years on the first screen): Awa's reported on, Lucía's one report overdue, Wei's first report not due yet."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from bot.demo import load_demo
from models.database import Database
from models.reporting import is_overdue, latest_due_periods, next_report, owed_periods
from models.tables import Pledge, ProgressReport


@pytest.mark.parametrize("loaded", [datetime(2027, 1, 15, 10, tzinfo=UTC), datetime(2027, 6, 1, 10, tzinfo=UTC),
                                    datetime(2027, 12, 31, 10, tzinfo=UTC)])
async def test_one_showcase_pledge_is_overdue_whatever_the_day(database: Database, loaded: datetime) -> None:
    await load_demo(database.uow(), loaded)
    today = loaded.date()
    async with database.uow() as uow:
        pledges = {p.ref: p for p in (await uow.session.execute(select(Pledge).where(
            col(Pledge.ref).in_(["P2C-2025-00001", "P2C-2025-00002", "P2C-2025-00003"])))).scalars()}
        reported = {ref: [r.period for r in (await uow.session.execute(select(ProgressReport).where(
            ProgressReport.pledge_id == pledge.id))).scalars()] for ref, pledge in pledges.items()}
    awa, lucia, wei = (pledges[f"P2C-2025-0000{n}"] for n in (1, 2, 3))
    assert not is_overdue(awa, reported[awa.ref], today) and reported[awa.ref]
    assert is_overdue(lucia, reported[lucia.ref], today)
    assert len(owed_periods(lucia, reported[lucia.ref], latest_due_periods(today))) == 1
    upcoming = next_report(wei, reported[wei.ref], today)
    assert upcoming is not None and not upcoming.overdue and upcoming.due is not None and upcoming.due > today


async def test_the_demo_portfolio_holds_together(database: Database) -> None:
    """A tester: pledges waiting for validation had reports waiting for acknowledgement, pledges begun in August had a
    report for the year before, and every reference said 2024 of pledges submitted in 2025 and 2026. Loaded twice,
    it adds nothing."""
    loaded = datetime(2026, 12, 5, 10, tzinfo=UTC)
    await load_demo(database.uow(), loaded)
    await load_demo(database.uow(), loaded)
    async with database.uow() as uow:
        pledges = list((await uow.session.execute(select(Pledge))).scalars())
        reports = list((await uow.session.execute(select(ProgressReport))).scalars())
    assert len({p.ref for p in pledges}) == len(pledges) > 60
    by_id = {p.id: p for p in pledges}
    for pledge in pledges:
        if pledge.ref not in ("P2C-2025-00001", "P2C-2025-00002", "P2C-2025-00003"):
            assert pledge.submitted_at is not None and pledge.ref == f"P2C-{pledge.submitted_at.year}-{pledge.id:05d}"
    assert reports
    for report in reports:
        pledge = by_id[report.pledge_id]
        assert pledge.status in ("validated", "completed"), (pledge.ref, pledge.status)
        assert pledge.start_date is not None and pledge.start_date.year <= int(report.period[:4]), pledge.ref
