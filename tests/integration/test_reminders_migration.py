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
from models.tables import Contact, Entity, Outbox, Pledge, PledgeReminder
from models.values import EntityStatus, PledgeStatus, Role, Sector


async def with_pledges(database: Database, validated: date | None, ledgers: dict[int, tuple[str, str, date]]) -> None:
    """An organisation of Senegal with a focal point (fr) and annual pledges, started on 1 January 2025, validated on
    `validated` (None: no date stored), each with its ledger row (period, kinds, next look), written as the schema of
    the time has them."""
    now = utcnow()
    async with database.uow() as uow:
        await uow.session.execute(insert(Entity).values(
            id=1, name="Ministère du Numérique", name_key="ministere du numerique", sector=Sector.government,
            country_iso3="SEN", status=EntityStatus.validated, created_at=now))
        for pledge_id in ledgers:
            await uow.session.execute(insert(Pledge).values(
                id=pledge_id, ref=f"P2C-2026-{pledge_id:05d}", entity_id=1, title="Connect schools",
                description="Connect rural schools.", focus_area="access", pillars=["infrastructure"],
                pledge_type="programmatic", countries=["SEN"], beneficiary_groups=[], sdgs=[],
                wsis_action_lines=[], itu_regions=["AFR"], start_date=date(2025, 1, 1),
                validated_at=datetime.combine(validated, datetime.min.time(), tzinfo=UTC) if validated else None,
                status=PledgeStatus.validated, reporting_cadence="annual", created_at=now, updated_at=now))
        await uow.session.execute(insert(Contact).values(
            telegram_id=7001, chat_id=7001, first_name="Awa", language="fr", role=Role.focal_point, entity_id=1,
            blocked=False, created_at=now))
        for pledge_id, (period, kinds, next_on) in ledgers.items():
            await uow.session.execute(insert(PledgeReminder).values(
                pledge_id=pledge_id, period=period, kinds=kinds, next_on=next_on, updated_at=now))
        await uow.commit()


async def test_pledges_never_to_be_looked_at_again_are_looked_at_on_the_next_plan(empty_database: Database) -> None:
    await upgrade(empty_database, "0015")
    await with_pledges(empty_database, None, {
        1: ("2025", "before,due,week1,week2", NEVER), 2: ("2026", "before", date(2027, 1, 30))})
    await upgrade(empty_database, "0016")
    async with empty_database.uow() as uow:
        rows = (await uow.session.execute(select(PledgeReminder.pledge_id, PledgeReminder.kinds, PledgeReminder.next_on)
                                          .order_by(col(PledgeReminder.pledge_id)))).all()
    assert [tuple(row) for row in rows] == [(1, "before,due,week1,week2", date(2000, 1, 1)),
                                            (2, "before", date(2027, 1, 30))]
    await upgrade(empty_database)
    # 2026 falls due while 2025 is owed: the pledge stuck on 2025 is reminded of it (the other had its "before")
    assert await plan_report_reminders(empty_database.uow(), datetime(2027, 1, 18, 10, tzinfo=UTC)) == 1
    async with empty_database.uow() as uow:
        stuck = await uow.session.get(PledgeReminder, 1)
    assert stuck is not None and (stuck.period, stuck.kinds) == ("2026", "before")



async def test_a_pledge_recorded_before_the_notices_is_announced_on_the_day_it_goes_inactive(
        empty_database: Database) -> None:
    """0021: a ledger row written before the inactive notices kept a next look months ahead (here 30 June 2027):
    the pledge, validated on 10 January 2025 and never reported on, goes inactive on 10 January 2027, and no plan
    looked at it before June, past the two weeks within which its focal points are told. Every validated pledge is
    looked at on the first plan after the upgrade."""
    await upgrade(empty_database, "0020")
    await with_pledges(empty_database, date(2025, 1, 10), {1: ("2026", "before", date(2027, 6, 30))})
    await upgrade(empty_database)
    sent = await plan_report_reminders(empty_database.uow(), datetime(2027, 1, 12, 10, tzinfo=UTC))
    async with empty_database.uow() as uow:
        told = (await uow.session.execute(select(Outbox).where(col(Outbox.contact_id).is_not(None)))).scalars().all()
        ledger = await uow.session.get(PledgeReminder, 1)
    assert ledger is not None and "inactive:2027-01-10" in ledger.kinds, ledger
    assert [row.key.split(":")[0] for row in told] == ["inactive"], [row.key for row in told]
    assert sent == 1
