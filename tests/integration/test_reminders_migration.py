"""Migration 0016: pledges whose reminders had stopped for good (next look "never") are looked at again, and the next
plan reminds them of the period falling due."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert
from sqlmodel import col, select

from handlers.report_reminders import plan_report_reminders
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.reminding import NEVER
from models.tables import Contact, Entity, Pledge, PledgeReminder
from models.values import EntityStatus, PledgeStatus, Role, Sector


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
        await uow.session.execute(insert(Contact).values(
            telegram_id=7001, chat_id=7001, first_name="Awa", language="fr", role=Role.focal_point, entity_id=1,
            blocked=False, created_at=now))
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
    # 2026 falls due while 2025 is owed: the pledge stuck on 2025 is reminded of it (the other had its "before")
    assert await plan_report_reminders(empty_database.uow(), datetime(2027, 1, 18, 10, tzinfo=UTC)) == 1
    async with empty_database.uow() as uow:
        stuck = await uow.session.get(PledgeReminder, 1)
    assert stuck is not None and (stuck.period, stuck.kinds) == ("2026", "before")

