"""Migration 0016: pledges whose reminders had stopped for good (next look "never") are looked at again."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert
from sqlmodel import col, select

from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.reporting import NEVER
from models.tables import Entity, Pledge, PledgeReminder
from models.values import EntityStatus, PledgeStatus, Sector


async def test_pledges_never_to_be_looked_at_again_are_looked_at_on_the_next_plan(empty_database: Database) -> None:
    await upgrade(empty_database, "0015")
    now = utcnow()
    async with empty_database.uow() as uow:
        await uow.session.execute(insert(Entity).values(
            id=1, name="Ministère du Numérique", name_key="ministere du numerique", sector=Sector.government,
            country_iso3="SEN", status=EntityStatus.validated, created_at=now))
        for pledge_id in (1, 2):
            await uow.session.execute(insert(Pledge).values(
                id=pledge_id, ref=f"P2C-2026-{pledge_id:05d}", entity_id=1, title="Connect schools",
                description="Connect rural schools.", focus_area="access", pillars=["infrastructure"],
                pledge_type="programmatic", countries=["SEN"], beneficiary_groups=[], sdgs=[],
                wsis_action_lines=[], itu_regions=["AFR"], start_date=date(2025, 1, 1),
                status=PledgeStatus.validated, reporting_cadence="annual", created_at=now, updated_at=now))
        await uow.session.execute(insert(PledgeReminder).values(
            pledge_id=1, period="2025", kinds="before,due,week1,week2", next_on=NEVER, updated_at=now))
        await uow.session.execute(insert(PledgeReminder).values(
            pledge_id=2, period="2026", kinds="before", next_on=date(2027, 1, 30), updated_at=now))
        await uow.commit()
    await upgrade(empty_database)
    async with empty_database.uow() as uow:
        rows = (await uow.session.execute(select(PledgeReminder.pledge_id, PledgeReminder.kinds, PledgeReminder.next_on)
                                          .order_by(col(PledgeReminder.pledge_id)))).all()
    assert [tuple(row) for row in rows] == [(1, "before,due,week1,week2", date(2000, 1, 1)),
                                            (2, "before", date(2027, 1, 30))]
