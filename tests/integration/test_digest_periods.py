"""The digest's SQL over period labels an import can leave malformed ("abcd", "2025x"), and over pledges begun long
ago, on both backends: malformed labels cover nothing and are the least recent, as in models.reporting and
Reports.latest_of; a pledge begun in 1990 owes what models.reporting.owed_periods says."""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from test_digest_reporting import EXCEL_DAY_ZERO, _report
from test_digests import _seed

from models.clock import utcnow
from models.database import Database
from models.reporting import (
    cadence_change,
    due_date,
    is_covered,
    latest_due_periods,
    latest_period_due,
    next_report,
    owed_periods,
)
from models.repositories.digests import DigestFigures
from models.repositories.pledges import Pledges
from models.repositories.reports import Reports
from models.scope import EVERYTHING
from models.tables import Entity, Pledge, ProgressReport

MALFORMED = ("abcd", "2025x", "20a5", "", "٢٠٢٥", "2025-H3", "99")
"""Labels that are no period (models.reporting.is_period): letters, a suffix, other digits than 0-9, too short."""


async def _sheet(database: Database, due: dict[str, str]) -> dict[str, tuple[object, ...]]:
    async with database.uow() as uow:
        return {row[0]: tuple(row) async for rows in DigestFigures(uow.session).pledge_rows(EVERYTHING, due)
                for row in rows}


async def test_malformed_labels_are_never_the_last_report(database: Database) -> None:
    """Before, PostgreSQL stopped the whole sheet on "abcd" (a cast of its year to a number), and both backends put
    "2025x" after "2024" (read as a year 2025 ending in month 0)."""
    ids = await _seed(database)
    now = utcnow()
    await _report(database, ids["p2"], "2024", 30, at=now - timedelta(days=40))
    for n, label in enumerate(MALFORMED):  # sent after the well-formed one
        await _report(database, ids["p2"], label, 50 + n, at=now - timedelta(days=10 - n))
    await _report(database, ids["p1"], "2025x", 70, at=now - timedelta(days=1))  # none well-formed: the last sent
    async with database.uow() as uow:
        for report in (await Reports(uow.session).latest_of([ids["p1"]])).values():  # the seed's own report
            report.created_at = now - timedelta(days=5)
            report.period = "abcd"
        await uow.commit()
    sheet = await _sheet(database, latest_due_periods(now.date()))
    assert (sheet["P2C-2025-00002"][18], sheet["P2C-2025-00002"][20]) == ("2024", 30)
    assert (sheet["P2C-2025-00001"][18], sheet["P2C-2025-00001"][20]) == ("2025x", 70)
    async with database.uow() as uow:  # as Reports.latest_of (/mypledges) ranks them
        latest = await Reports(uow.session).latest_of([ids["p1"], ids["p2"]])
    assert (latest[ids["p2"]].period, latest[ids["p1"]].period) == ("2024", "2025x")


async def test_a_pledge_begun_in_1990_owes_what_the_rule_says(database: Database) -> None:
    """One pledge begun long ago among recent ones: the overdue list and the sheet's "Report overdue since" agree
    with owed_periods, for the old pledge (reported for some years, not others) and the recent ones alike."""
    ids = await _seed(database)
    today = date(2026, 12, 1)
    due = latest_due_periods(today)
    async with database.uow() as uow:
        old = await Pledges(uow.session).get(ids["p2"])
        recent = await Pledges(uow.session).get(ids["p5"])
        assert old is not None and recent is not None
        old.start_date, old.reporting_cadence = date(1990, 5, 17), "semi_annual"
        recent.start_date, recent.reporting_cadence = date(2024, 2, 1), "quarterly"
        await uow.session.execute(sa.delete(ProgressReport).where(col(ProgressReport.pledge_id) == ids["p5"]))
        await uow.commit()
    for period in ("1990", "1991-H1", "1991-H2", "1992", *(str(year) for year in range(1994, 2026))):
        await _report(database, ids["p2"], period, 10)  # 1993 is missing, and 2026-H1
    for period in ("2024-Q1", "2024-Q2", "2024-H2", "2025", "2026-Q1", "2026-Q2"):
        await _report(database, ids["p5"], period, 10)  # 2026-Q3 is missing
    async with database.uow() as uow:
        figures = await DigestFigures(uow.session).figures(EVERYTHING, utcnow(), due, overdue_limit=100)
        pledges = {p.id: p for p in (await uow.session.execute(select(Pledge))).scalars()}
        reported = await Reports(uow.session).reported_periods()
    expected = {}
    for pledge_id, pledge in pledges.items():
        if pledge.status == "validated":
            owed = owed_periods(pledge, reported.get(pledge_id, ()), due)
            if owed:
                expected[pledge_id] = (owed[0], owed[-1])
    assert expected[ids["p2"]] == ("1993-H1", "2026-H1")
    assert expected[ids["p5"]] == ("2026-Q3", "2026-Q3")
    assert {o.pledge_id: (o.first_period, o.period) for o in figures.overdue} == expected
    assert figures.overdue_total == len(expected)
    sheet = await _sheet(database, due)
    refs = {pledge.ref: pledge_id for pledge_id, pledge in pledges.items()}
    since = {refs[ref]: EXCEL_DAY_ZERO + timedelta(days=row[-1]) for ref, row in sheet.items()
             if row[-1] is not None}
    assert since == {pledge_id: due_date(first) for pledge_id, (first, _) in expected.items()}


async def test_pledges_begun_over_forty_years_owe_what_the_rule_says(database: Database) -> None:
    """As the 300-pledge draw of test_digest_reporting, with starts from 1985: the SQL checks each pledge against the
    quarters since a year not long before its start (a table for those begun in the last 2, 4, 8... years), and
    agrees with owed_periods and next_report for every one of them, in the overdue list and the sheet alike."""
    chance = random.Random(1990)
    today = date(2026, 12, 1)
    parts = ("", "-H1", "-H2", "-Q1", "-Q2", "-Q3", "-Q4")
    cadences = ("annual", "semi_annual", "quarterly")
    async with database.uow() as uow:
        entity = Entity(name="Random", name_key="random", sector="government", country_iso3="SEN",
                        status="validated", created_at=utcnow())
        uow.session.add(entity)
        await uow.flush()
        assert entity.id is not None
        made: list[Pledge] = []
        for n in range(200):
            start = today - timedelta(days=int(chance.random() ** 3 * 42 * 365))  # since 1985, most of them recent
            shape = Pledge(ref=f"P2C-2026-{n:05d}", entity_id=entity.id, title=f"Random {n}", description="d" * 30,
                           focus_area="access", pillars=["infrastructure"], pledge_type="policy",
                           countries=["SEN"], itu_regions=["africa"], status="validated", start_date=start,
                           end_date=chance.choice([None, start + timedelta(days=chance.randrange(60, 9000))]),
                           reporting_cadence=chance.choice(cadences), created_at=utcnow())
            if chance.random() < 0.4:
                change = cadence_change(shape, chance.choice(cadences),
                                        start + timedelta(days=chance.randrange(0, 3000)))
                shape.reporting_cadence, shape.previous_cadence = change.cadence, change.previous
                shape.cadence_since = change.since
            uow.session.add(shape)
            made.append(shape)
        await uow.flush()
        reported: dict[int, set[str]] = {}
        for pledge in made:
            assert pledge.id is not None and pledge.start_date is not None
            years = range(pledge.start_date.year - 1, 2028)
            periods = {f"{chance.choice(years)}{chance.choice(parts)}" for _ in range(chance.randrange(12))}
            if chance.random() < 0.3:  # most of its years reported: an old pledge owing one period in the middle
                periods |= {str(year) for year in years if chance.random() < 0.9}
            reported[pledge.id] = periods
            uow.session.add_all([ProgressReport(pledge_id=pledge.id, period=period, status="in_progress",
                                                steps_taken="s" * 30, created_at=utcnow()) for period in periods])
        await uow.commit()
    due = latest_due_periods(today)
    async with database.uow() as uow:
        figures = await DigestFigures(uow.session).figures(EVERYTHING, utcnow(), due, overdue_limit=1000)
    expected = {}
    for pledge in made:
        assert pledge.id is not None
        owed = owed_periods(pledge, reported[pledge.id], due)
        upcoming = next_report(pledge, reported[pledge.id], today)
        assert upcoming is not None and bool(owed) == upcoming.overdue
        if owed:
            expected[pledge.id] = (owed[0], owed[-1], len(owed))
    assert 40 < len(expected) < 190
    assert sum(first < "2011" for first, _, _ in expected.values()) > 5  # some owe periods long past
    assert figures.overdue_total == len(expected)
    assert {o.pledge_id: (o.first_period, o.period, o.owed) for o in figures.overdue} == expected
    # the reporting rate: each pledge's latest period due, by the rule, and whether its reports cover it
    latest = [(pledge, period) for pledge in made if (period := latest_period_due(pledge, due)) is not None]
    assert figures.due == len(latest) > 20
    assert figures.reported == sum(is_covered(period, reported[pledge.id or 0], pledge.start_date)
                                   for pledge, period in latest)
    sheet = await _sheet(database, due)
    by_ref = {pledge.ref: pledge.id for pledge in made}
    since = {by_ref[ref]: EXCEL_DAY_ZERO + timedelta(days=row[-1]) for ref, row in sheet.items()
             if row[-1] is not None}
    assert since == {pledge: due_date(first) for pledge, (first, _, _) in expected.items()}
