"""A BDT officer's Resolution 88 figures (tester t1): one definition of "new entities" in every scope, a scope's
region lines limited to its own regions, multi-country pledges counted and said, reports in force in text and sheet
alike."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import select

from models.clock import utcnow
from models.database import Database
from models.reporting import latest_due_periods
from models.repositories.digests import DigestFigures, Figures
from models.scope import EVERYTHING, Scope, ScopeKind
from models.tables import Entity, Pledge, ProgressReport
from models.values import PledgeStatus

AFRICA = Scope(ScopeKind.region, ("africa",))
BRAZIL_PERU = Scope(ScopeKind.countries, ("BRA", "PER"))


async def _seed(database: Database) -> dict[str, int]:
    """New this week: a donor with a USD 10M pledge in Ghana, Kenya and Brazil (two reports for 2026, the first
    replaced), a ministry whose only pledge awaits validation, and an ITU office with no pledge (a coordinator's);
    older: a Peruvian operator with a pledge in Peru."""
    now = utcnow()
    old = now - timedelta(days=400)
    async with database.uow() as uow:
        s = uow.session
        donor, ministry, office, andina = (
            Entity(name=name, name_key=name.lower(), sector=sector, country_iso3=country, status="validated",
                   created_at=created)
            for name, sector, country, created in (("Global Connect", "donor_agency", "USA", now),
                                                   ("ATIC", "government", "MLI", now),
                                                   ("ITU Regional Office", "un_agency", "ETH", now),
                                                   ("Red Andina", "private_sector", "PER", old)))
        s.add_all([donor, ministry, office, andina])
        await s.flush()

        def pledge(n: int, entity: int, countries: list[str], regions: list[str], status: PledgeStatus,
                   value: str) -> Pledge:
            return Pledge(ref=f"P2C-2026-{n:05d}", entity_id=entity, title=f"Pledge {n}", description="d" * 30,
                          focus_area="access", pillars=["infrastructure"], pledge_type="financial",
                          value_usd=Decimal(value), countries=countries, itu_regions=regions, status=status,
                          start_date=old.date(), submitted_at=old, created_at=old, updated_at=old,
                          validated_at=old if status is PledgeStatus.validated else None)

        pledges = [pledge(1, donor.id or 0, ["GHA", "KEN", "BRA"], ["africa", "americas"], PledgeStatus.validated,
                          "10000000"),
                   pledge(2, ministry.id or 0, ["MLI"], ["africa"], PledgeStatus.submitted, "2500000"),
                   pledge(3, andina.id or 0, ["PER"], ["americas"], PledgeStatus.validated, "3000000")]
        s.add_all(pledges)
        await s.flush()
        first = ProgressReport(pledge_id=pledges[0].id or 0, period="2026", status="in_progress",
                               percent_complete=50, steps_taken="s" * 30, created_at=now - timedelta(days=2))
        s.add(first)
        await s.flush()
        second = ProgressReport(pledge_id=pledges[0].id or 0, period="2026", status="in_progress",
                                percent_complete=60, steps_taken="s" * 30, created_at=now - timedelta(days=1))
        first.is_current = False
        s.add(second)
        await s.flush()
        first.replaced_by = second.id
        await uow.commit()
        return {"donor": donor.id or 0, "office": office.id or 0}


async def test_new_entities_are_pledging_organisations_in_every_scope(database: Database) -> None:
    """The everything digest counted every entity created (coordinators' ITU offices with no pledge, 12 for 4
    pledging ones); scoped digests counted organisations with any pledge, awaiting validation too. Now both count
    organisations with a published pledge, as "from N entities"."""
    await _seed(database)
    now = utcnow()
    async with database.uow() as uow:
        figures = DigestFigures(uow.session)
        everything = await figures.figures(EVERYTHING, now - timedelta(days=7), latest_due_periods(now.date()))
        africa = await figures.figures(AFRICA, now - timedelta(days=7), latest_due_periods(now.date()))
    assert everything.changes["entities"] == 1 and everything.entities == 2  # the donor; Red Andina is older
    assert africa.changes["entities"] == 1 and africa.entities == 1  # not ATIC, whose pledge awaits validation


async def test_a_scope_lists_its_own_regions_and_counts_the_pledges_shared_with_others(database: Database) -> None:
    """Africa's digest read "Americas: 1 pledge, USD 10,000,000", and Brazil's and Peru's "Africa: ..."."""
    await _seed(database)
    now = utcnow()
    async with database.uow() as uow:
        figures = DigestFigures(uow.session)
        everything = await figures.figures(EVERYTHING, now, latest_due_periods(now.date()))
        africa = await figures.figures(AFRICA, now, latest_due_periods(now.date()))
        andes = await figures.figures(BRAZIL_PERU, now, latest_due_periods(now.date()))
    regions = {share.key: (share.pledges, share.value_usd) for share in everything.breakdowns["region"]}
    assert regions == {"americas": (2, Decimal(13000000)), "africa": (1, Decimal(10000000))}
    assert [share.key for share in africa.breakdowns["region"]] == ["africa"]
    assert [(share.key, share.pledges) for share in andes.breakdowns["region"]] == [("americas", 2)]
    # the region lines add up to more than the total: one pledge is in several countries, and each digest says so
    assert (everything.shared, africa.shared, andes.shared) == (1, 1, 1)
    assert everything.value_usd == Decimal(13000000)


async def test_reports_received_are_those_in_force_as_the_reports_sheet_lists(database: Database) -> None:
    """A report and its replacement, both this week: one report in force, in the text's count and the sheet."""
    await _seed(database)
    async with database.uow() as uow:
        figures = DigestFigures(uow.session)
        week = (await figures.changes_since(Figures(), EVERYTHING, utcnow() - timedelta(days=7))).changes
        rows = [row async for chunk in figures.report_rows(EVERYTHING) for row in chunk]
        received = (await uow.session.execute(select(ProgressReport))).scalars().all()
    assert len(received) == 2 and week["reports"] == len(rows) == 1
    assert rows[0][4] == 60  # the replacement's

