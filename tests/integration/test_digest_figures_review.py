"""A second look at the Council figures (review of t1's fixes): a shortcut reaches the groups of its countries in
the digest, the sheet and the pledge's card alike; the Summary sheet agrees with the digest's text in every scope;
the card reads the country groups of its day."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.digests.service import export_xlsx
from models.clock import utcnow
from models.database import Database
from models.reporting import latest_due_periods
from models.repositories.digests import DigestFigures, Figures
from models.scope import EVERYTHING, Scope, ScopeKind
from models.tables import Country, Entity, Pledge
from models.values import PledgeStatus

DAY = date(2026, 12, 7)
SUBMITTED = datetime(2026, 6, 1, tzinfo=UTC)


async def _pledges(database: Database, places: list[tuple[list[str], list[str], str | None]], area: str = "access",
                   pillar: str = "infrastructure") -> list[int]:
    """Validated pledges of one organisation, each (countries, ITU regions, value: None for a non-financial pledge,
    of `area` and `pillar`)."""
    async with database.uow() as uow:
        entity = Entity(name="Global Connect", name_key="global connect", sector="donor_agency", country_iso3="USA",
                        status="validated")
        uow.session.add(entity)
        await uow.session.flush()
        made = [Pledge(ref=f"P2C-2026-{n:05d}", entity_id=entity.id or 0, title=f"Pledge {n}", description="d" * 30,
                       focus_area=area if value is None else "access",
                       pillars=[pillar if value is None else "infrastructure"],
                       pledge_type="programmatic" if value is None else "financial",
                       value_usd=None if value is None else Decimal(value), countries=countries, itu_regions=regions,
                       status=PledgeStatus.validated, start_date=SUBMITTED.date(), submitted_at=SUBMITTED,
                       validated_at=SUBMITTED, created_at=SUBMITTED, updated_at=SUBMITTED)
                for n, (countries, regions, value) in enumerate(places, start=1)]
        uow.session.add_all(made)
        await uow.commit()
        return [pledge.id or 0 for pledge in made]


async def _figures(database: Database, scope: Scope = EVERYTHING) -> Figures:
    async with database.uow() as uow:
        return await DigestFigures(uow.session, DAY).figures(scope, SUBMITTED, latest_due_periods(DAY), today=DAY)


SHORTCUTS = (["LDC"], ["LLDC"], ["SIDS"], ["GLOBAL"], ["ITU:cis"], ["ITU:europe"], ["NPL"], ["MLI"])


async def test_a_shortcut_reaches_the_groups_of_its_countries_in_the_digest_and_the_sheet(database: Database) -> None:
    """"All LLDCs" is Mali, Niger, Afghanistan... LDCs too: the pledge's card said "Reaches: LDCs, LLDCs", a Mali
    digest counted it, but the digest's "LDCs" line and the sheet's LDCs column left it out (a shortcut reached its
    own group only); "all SIDS" (Haiti, Kiribati...) likewise."""
    from handlers.pledges.rules import derive_reach

    await _pledges(database, [(countries, [], "1000") for countries in SHORTCUTS])
    async with database.uow() as uow:
        reaches = [await derive_reach(uow.session, countries, DAY) for countries in SHORTCUTS]
        rows = [row async for chunk in DigestFigures(uow.session, DAY).pledge_rows(EVERYTHING, latest_due_periods(DAY))
                for row in chunk]
    expected = {group: sum(getattr(reach, group) for reach in reaches) for group in ("ldc", "lldc", "sids")}
    assert reaches[1].ldc and reaches[2].ldc  # "all LLDCs", "all SIDS": LDCs among them
    shares = {share.key: share.pledges for share in (await _figures(database)).breakdowns["targeting"]}
    assert shares == expected
    assert [tuple(bool(flag) for flag in row[11:14]) for row in rows] == [
        (reach.ldc, reach.lldc, reach.sids) for reach in reaches]


async def test_the_card_reads_the_groups_of_its_day(database: Database, deps: Deps, renderer: Renderer) -> None:
    """/find and /mypledges said "Reaches: LDCs, LLDCs" of a pledge in Nepal submitted in June 2026 (the flags
    written then), where the digest and the sheet of the same day count it under LLDCs alone: Nepal left the LDCs
    on 24 Nov 2026."""
    from chat_driver import ChatDriver
    from test_reports import STAFF, member, validated_pledge

    chat = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    await member(chat, 8)
    pledge_id = await validated_pledge(chat, 8)
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        pledge.countries, pledge.targets_ldc, pledge.targets_lldc, pledge.targets_sids = ["NPL"], True, True, False
        ref = pledge.ref
        await uow.commit()
    shown = await chat.send(chat.person(STAFF), f"/find {ref}")
    assert utcnow().date() >= date(2026, 11, 24)
    assert shown[0].text.endswith("<b>Reaches</b>: LLDCs"), shown[0].text


AFRICA = Scope(ScopeKind.region, ("africa",))
GHANA_PERU = Scope(ScopeKind.countries, ("GHA", "PER", "SEN"))


@pytest.mark.parametrize("scope", [EVERYTHING, AFRICA, GHANA_PERU], ids=["everything", "africa", "ghana-peru"])
async def test_the_summary_sheet_agrees_with_the_digest_in_every_scope(database: Database, renderer: Renderer,
                                                                       scope: Scope) -> None:
    """The Summary's total is the digest's and the sum of the sheet's counted pledges; its region and country lines
    are the scope's own, as the digest's "By ITU region" (Africa's summary read "Americas: 1, USD 10,000,000" of a
    pledge in Ghana and Brazil) and "in N countries"."""
    await _pledges(database, [(["GHA", "BRA"], ["africa", "americas"], "10000000.10"),
                              (["PER"], ["americas"], "3000000.20"), (["LDC"], ["africa", "asia_pacific"], "0.05"),
                              (["ITU:europe"], ["europe"], "7")])
    figures = await _figures(database, scope)
    async with database.uow() as uow:
        content = await export_xlsx(uow.session, scope, "en", lambda label, locale: renderer.label(
            label, locale, markup=False), DAY)
    book = openpyxl.load_workbook(io.BytesIO(content))
    pledges, _, summary = (list(sheet.iter_rows(min_row=2, values_only=True)) for sheet in book.worksheets)
    counted = [row for row in pledges if row[5] is True]
    (total, *lines) = [row for row in summary if row[3] is not None]
    assert total[3] == figures.pledges == len(counted) > 0
    assert total[4] == pytest.approx(float(figures.value_usd)) == pytest.approx(sum(row[9] for row in counted))
    regions = {row[2]: (row[3], row[4]) for row in lines if row[0] == "ITU region"}
    digest = {share.key: (share.pledges, pytest.approx(float(share.value_usd)))
              for share in figures.breakdowns["region"]}
    assert regions == digest
    countries = {row[2] for row in lines if row[0] == "Country"}
    if scope is GHANA_PERU:
        assert countries == {"GHA", "PER"}  # not Brazil; "all LDCs" is no country (its regions count it)
    if scope is AFRICA:
        assert countries == {"GHA"}


async def test_the_ldc_migration_goes_down_and_up_again_on_a_database_in_use(empty_database: Database) -> None:
    """0020 on a database with organisations and pledges in its countries: down to 0019 (the column gone, every
    country and what points at them kept), then up again (the graduations dated anew)."""
    from models.migrate import downgrade, upgrade

    await upgrade(empty_database)
    await _pledges(empty_database, [(["NPL"], ["asia_pacific"], "5")])
    await downgrade(empty_database, "0019")
    async with empty_database.engine.connect() as connection:
        columns = await connection.run_sync(lambda sync: [column["name"] for column in
                                                          sa.inspect(sync).get_columns("country")])
        counts = (await connection.execute(sa.text(
            "SELECT (SELECT count(*) FROM country), (SELECT count(*) FROM pledge), "
            "(SELECT count(*) FROM country WHERE ldc AND iso3 = 'NPL')"))).one()
    assert "ldc_until" not in columns and tuple(counts) == (248, 1, 1)
    await upgrade(empty_database)
    async with empty_database.uow() as uow:
        nepal = await uow.session.get(Country, "NPL")
    assert nepal is not None and nepal.ldc and nepal.ldc_until == date(2026, 11, 24)
