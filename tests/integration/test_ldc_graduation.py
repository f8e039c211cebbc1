"""LDC membership by date (tester t1, finding 11): Bangladesh, Lao PDR and Nepal left the LDC category on 24 Nov 2026
(UN General Assembly resolution 76/8). Figures for a day before count them as LDCs, figures for a day from then on do
not, whatever the flags a pledge was given when it was submitted; staff can still correct a country."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from bot.cli import app
from bot.i18n import Renderer
from handlers.admin import CorrectCountry, UnknownCountry, correct_country
from handlers.digests.service import export_csv
from handlers.pledges.rules import derive_reach
from models.clock import TEST_CLOCK_ENV
from models.database import Database
from models.geography import load_country_table
from models.migrate import upgrade
from models.reporting import latest_due_periods
from models.repositories.digests import DigestFigures, Figures, pledge_in_scope
from models.scope import EVERYTHING, Scope, ScopeKind
from models.tables import Country, Entity, Pledge
from models.values import PledgeStatus

BEFORE, GRADUATION, AFTER = date(2026, 11, 23), date(2026, 11, 24), date(2026, 12, 7)
SUBMITTED = datetime(2026, 6, 1, tzinfo=UTC)


def test_the_table_dates_the_three_graduations() -> None:
    table = load_country_table()
    for code in ("BGD", "LAO", "NPL"):
        assert table[code].ldc and table[code].ldc_until == GRADUATION
        assert table[code].ldc_on(BEFORE) and not table[code].ldc_on(GRADUATION) and not table[code].ldc_on(AFTER)
    assert table["SEN"].ldc_on(AFTER) and table["SEN"].ldc_until is None
    assert sum(facts.ldc_on(BEFORE) for facts in table.values()) == 44
    assert sum(facts.ldc_on(AFTER) for facts in table.values()) == 41


async def _seed(database: Database) -> dict[str, int]:
    """00006 of the tester's data (programmatic, in Nepal and Lao PDR, flagged LDC when submitted in June 2026), a
    pledge in Mali (an LDC still) and one to "all LDCs"."""
    async with database.uow() as uow:
        entity = Entity(name="Digital Silk Road Centre", name_key="digital silk road centre", sector="civil_society",
                        country_iso3="CHN", status="validated")
        uow.session.add(entity)
        await uow.session.flush()
        made = {}
        for n, (name, countries, value) in enumerate((("asia", ["NPL", "LAO"], None), ("mali", ["MLI"], "2500000"),
                                                      ("all", ["LDC"], None)), start=1):
            made[name] = Pledge(ref=f"P2C-2026-{n:05d}", entity_id=entity.id or 0, title=f"Pledge {n}",
                                description="d" * 30, focus_area="access", pillars=["infrastructure"],
                                pledge_type="financial" if value else "programmatic",
                                value_usd=Decimal(value) if value else None, countries=countries,
                                itu_regions=["asia_pacific"], targets_ldc=True, status=PledgeStatus.validated,
                                start_date=SUBMITTED.date(), submitted_at=SUBMITTED, validated_at=SUBMITTED,
                                created_at=SUBMITTED, updated_at=SUBMITTED)
        uow.session.add_all(made.values())
        await uow.commit()
        return {name: pledge.id or 0 for name, pledge in made.items()}


async def _figures(database: Database, day: date, scope: Scope = EVERYTHING) -> Figures:
    async with database.uow() as uow:
        return await DigestFigures(uow.session, day).figures(scope, SUBMITTED, latest_due_periods(day), today=day)


def _ldc_share(figures: Figures) -> int:
    return next((share.pledges for share in figures.breakdowns["targeting"] if share.key == "ldc"), 0)


async def test_the_digest_counts_nepal_and_laos_as_ldcs_only_before_their_graduation(database: Database) -> None:
    await _seed(database)
    assert _ldc_share(await _figures(database, BEFORE)) == 3
    # the pledge in Nepal and Lao PDR is no LDC pledge from 24 Nov 2026 on ("LDCs: 1 pledge" was still read in Dec)
    assert _ldc_share(await _figures(database, GRADUATION)) == 2
    assert _ldc_share(await _figures(database, AFTER)) == 2
    # "all LDCs" counts as the LDCs of the day: 44 with Mali, Nepal and Lao PDR; then 41, and Nepal and Lao PDR as
    # the countries the first pledge names (Bangladesh no more)
    assert (await _figures(database, BEFORE)).countries == 44
    assert (await _figures(database, AFTER)).countries == 43


async def test_a_nepal_scope_keeps_the_all_ldcs_pledge_only_before(database: Database) -> None:
    ids = await _seed(database)
    nepal = Scope(ScopeKind.countries, ("NPL",))
    assert (await _figures(database, BEFORE, nepal)).pledges == 2
    assert (await _figures(database, AFTER, nepal)).pledges == 1
    async with database.uow() as uow:
        assert not await pledge_in_scope(uow.session, ids["all"], nepal)  # today (the bot's clock: Dec 2026 on)


async def test_the_sheet_ldc_column_follows_the_day(database: Database, renderer: Renderer) -> None:
    await _seed(database)

    async def ldc_column(day: date) -> list[str]:
        async with database.uow() as uow:
            content = await export_csv(uow.session, EVERYTHING, "pledges", "en",
                                       lambda label, locale: renderer.label(label, locale, markup=False), day)
        header, *rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
        column = header.index("LDCs")
        return [row[column] for row in rows]

    before, after = await ldc_column(BEFORE), await ldc_column(AFTER)
    assert len(before) == 3 and len(set(before)) == 1  # all three LDC
    assert after[0] != before[0] and after[1:] == before[1:]  # 00001 (Nepal, Lao PDR) no longer


async def test_a_pledge_submitted_after_the_graduation_is_no_ldc_pledge(database: Database) -> None:
    async with database.uow() as uow:
        before = await derive_reach(uow.session, ["NPL"], BEFORE)
        after = await derive_reach(uow.session, ["NPL"], AFTER)
        all_ldcs = await derive_reach(uow.session, ["LDC"], AFTER)
    assert before.ldc and not after.ldc and after.lldc  # Nepal stays landlocked
    assert all_ldcs.ldc


async def test_staff_correct_a_country_and_the_figures_follow(database: Database) -> None:
    """DOMAIN: the graduations were to be confirmed, staff must be able to correct a country's flags: say the
    date is put off, or the country taken out of the LDCs by hand."""
    await _seed(database)
    now = datetime(2026, 12, 7, 9, tzinfo=UTC)
    kept = await correct_country(CorrectCountry("npl", clear_ldc_until=True), database.uow(), now)
    assert kept.ldc and kept.ldc_until is None
    assert _ldc_share(await _figures(database, AFTER)) == 3  # Nepal an LDC again: the pledge counts
    await correct_country(CorrectCountry("NPL", ldc_until=date(2027, 1, 1)), database.uow(), now)
    assert _ldc_share(await _figures(database, AFTER)) == 3
    assert _ldc_share(await _figures(database, date(2027, 1, 1))) == 2
    gone = await correct_country(CorrectCountry("NPL", ldc=False, clear_ldc_until=True), database.uow(), now)
    assert not gone.ldc and gone.updated_at == now
    async with database.uow() as uow:
        row = await uow.session.get(Country, "NPL")
    assert row is not None and not row.ldc and row.lldc  # only what was given changed
    with pytest.raises(UnknownCountry):
        await correct_country(CorrectCountry("XYZ", ldc=True), database.uow(), now)


def test_the_command_shows_and_corrects_a_country(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("P2C_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    clock = tmp_path / "clock"
    monkeypatch.setenv(TEST_CLOCK_ENV, str(clock))
    monkeypatch.setenv("P2C_API_BASE", "http://127.0.0.1:9")  # the test clock is refused with the real Telegram
    clock.write_text(str(datetime(2026, 11, 23, 12, tzinfo=UTC).timestamp() - time.time()))
    shown = CliRunner().invoke(app, ["admin", "country", "npl"])
    assert shown.exit_code == 0, shown.output
    assert "NPL: ldc=1, an LDC until 2026-11-24, lldc=1, sids=0, itu_region=asia_pacific" in shown.output
    clock.write_text(str(datetime(2026, 11, 24, 12, tzinfo=UTC).timestamp() - time.time()))
    graduated = CliRunner().invoke(app, ["admin", "country", "npl"])
    assert "NPL: ldc=1, graduated from the LDCs on 2026-11-24 (an LDC before that day), lldc=1" in graduated.output
    put_off = CliRunner().invoke(app, ["admin", "country", "NPL", "--ldc-until", "2027-01-01"])
    assert "an LDC until 2027-01-01" in put_off.output
    cleared = CliRunner().invoke(app, ["admin", "country", "NPL", "--ldc-until", "none", "--no-ldc"])
    assert "NPL: ldc=0, lldc=1" in cleared.output
    bad = CliRunner().invoke(app, ["admin", "country", "NPL", "--ldc-until", "soon"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    unknown = CliRunner().invoke(app, ["admin", "country", "XYZ"])
    assert unknown.exit_code == 2 and "XYZ" in unknown.output


async def test_the_migration_dates_the_graduations_and_keeps_staff_corrections(empty_database: Database) -> None:
    await upgrade(empty_database, "0019")
    async with empty_database.engine.begin() as connection:  # staff took Nepal out of the LDCs by hand meanwhile
        await connection.execute(sa.text("UPDATE country SET ldc = :no WHERE iso3 = 'NPL'"), {"no": False})
    await upgrade(empty_database)
    async with empty_database.uow() as uow:
        rows = {code: await uow.session.get(Country, code) for code in ("BGD", "LAO", "NPL", "SEN")}
    assert {code: (row.ldc, row.ldc_until) for code, row in rows.items() if row is not None} == {
        "BGD": (True, GRADUATION), "LAO": (True, GRADUATION), "NPL": (False, None), "SEN": (True, None)}
