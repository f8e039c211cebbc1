"""A BDT officer's Resolution 88 figures (tester t1): one definition of "new entities" in every scope, a scope's
region lines limited to its own regions, multi-country pledges counted and said, reports in force in text and sheet
alike, and a scheduled digest superseded by a later one dropped rather than sent months late."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from chat_driver import ChatDriver
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.digests.jobs import send_due_digests
from models.clock import utcnow
from models.database import Database
from models.reporting import latest_due_periods
from models.repositories.digests import DigestFigures, Figures
from models.scope import EVERYTHING, Scope, ScopeKind
from models.tables import Entity, Outbox, Pledge, ProgressReport
from models.values import PledgeStatus, Role

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


async def _held_digest(database: Database, deps: Deps, renderer: Renderer) -> datetime:
    """A staff member's weekly digest (the default: Monday 09:00 UTC) written on a coming Monday at 20:00, after
    their working hours: held for the next morning. That Monday evening."""
    await _seed(database)
    chat = ChatDriver(database, deps, renderer)
    await grant_role(GrantRole(9100, Role.staff), database.uow(), utcnow())
    await chat.send(chat.person(9100, "Bea"), "/help")
    now = utcnow()
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=20, minute=0, second=0, microsecond=0)
    assert await send_due_digests(database.uow, monday, deps.translate) == 1
    return monday


async def test_a_held_digest_superseded_by_a_later_one_is_dropped(database: Database, deps: Deps,
                                                                  renderer: Renderer) -> None:
    """Tester t1 #8: a digest queued for the reader's working hours and still unsent when the next one fell due
    (an outage, a clock moved on) went out first, with figures months old. Now the later one replaces it."""
    monday = await _held_digest(database, deps, renderer)
    later = monday + timedelta(weeks=12)
    assert await send_due_digests(database.uow, later, deps.translate) == 1
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox.key, Outbox.not_before)
                                          .where(col(Outbox.key).like("dg:%")))).all()
    periods = {key.rsplit(":", 1)[0] for key, _ in rows}
    assert len(periods) == 1 and len(rows) == 3, rows
    assert all(not_before.replace(tzinfo=None) > later.replace(tzinfo=None) for _, not_before in rows)


async def test_a_digest_already_sending_is_not_dropped(database: Database, deps: Deps, renderer: Renderer) -> None:
    """Only digests still waiting whole are dropped: one whose text was taken for sending goes, its chart and sheet
    after it (they were dropped, and the text's "all in the spreadsheet" came with no spreadsheet)."""
    monday = await _held_digest(database, deps, renderer)
    async with database.uow() as uow:
        text = (await uow.session.execute(select(Outbox).where(col(Outbox.key).like("dg:%:t")))).scalar_one()
        text.status = "sending"
        await uow.commit()
    assert await send_due_digests(database.uow, monday + timedelta(weeks=1), deps.translate) == 1
    async with database.uow() as uow:
        keys = (await uow.session.execute(select(Outbox.key).where(col(Outbox.key).like("dg:%")))).scalars().all()
    assert len(keys) == 6 and sum(key.endswith(":t") for key in keys) == 2, keys
    assert {key.rsplit(":", 1)[1] for key in keys if key.startswith(text.key[:-1])} == {"t", "c", "x"}
