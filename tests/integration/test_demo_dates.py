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
