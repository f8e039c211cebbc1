"""A pledge's reports listed the latest first on both backends, also after its reporting cadence changed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models.database import Database
from models.repositories.reports import Reports
from models.tables import Entity, Pledge, ProgressReport
from models.values import EntityStatus, PledgeStatus

SENT = [("2025", datetime(2026, 1, 20, tzinfo=UTC)), ("2026-Q1", datetime(2026, 4, 20, tzinfo=UTC)),
        ("2026-Q2", datetime(2026, 7, 20, tzinfo=UTC)), ("2026-H2", datetime(2027, 1, 20, tzinfo=UTC)),
        ("2026", datetime(2027, 2, 3, tzinfo=UTC))]
"""Reported quarterly, then half-yearly (2026-H2), then a report for the whole of 2026 as the year ended."""


async def reported_pledge(database: Database) -> int:
    async with database.uow() as uow:
        entity = Entity(name="Ministry of ICT", name_key="ministry of ict", sector="government",
                        status=EntityStatus.validated)
        uow.session.add(entity)
        await uow.flush()
        assert entity.id is not None
        pledge = Pledge(ref="P2C-2026-00001", entity_id=entity.id, title="Connect 500 rural schools",
                        description="We will connect 500 rural schools.", focus_area="access", pledge_type="policy",
                        start_date=date(2025, 1, 1), status=PledgeStatus.validated, reporting_cadence="semi_annual")
        uow.session.add(pledge)
        await uow.flush()
        assert pledge.id is not None
        for period, sent in SENT:
            uow.session.add(ProgressReport(pledge_id=pledge.id, period=period, status="in_progress",
                                           steps_taken="Twenty schools connected so far.", created_at=sent,
                                           updated_at=sent))
        await uow.commit()
        return pledge.id


async def test_the_history_is_ordered_by_the_periods_ends_not_their_names(database: Database) -> None:
    """Sorted by the period's name, "2026-Q2" came before "2026-H2" and "2026" last of 2026: with the five latest
    shown, the real latest report could drop out of the history."""
    pledge_id = await reported_pledge(database)
    async with database.uow() as uow:
        reports = Reports(uow.session)
        history = [r.period for r in await reports.history(pledge_id)]
        assert history == ["2026", "2026-H2", "2026-Q2", "2026-Q1", "2025"], history
        assert [r.period for r in await reports.history(pledge_id, 2)] == ["2026", "2026-H2"]
        latest = await reports.latest_of([pledge_id])
        assert latest[pledge_id].period == "2026", "the latest reported period, by its end"
