"""A pledge's ITU regions were those written when it was submitted (Pledge.itu_regions): after staff moved a country
to another region (`p2c-bot admin country KAZ --itu-region europe`), region scopes and "By ITU region" kept the old
one while scopes of countries and "in N countries" followed the table. Every view now reads the regions of the
pledge's countries in the country table, as the LDC/LLDC/SIDS groups: the digest's figures and breakdown (its text
and chart), the sheet's ITU regions column and its Summary, /find's check that a pledge is in a coordinator's scope,
and report reminders' scope (models.repositories.reminders). Broadcasts to a region address organisations by their
own country's row, read at sending."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pytest
from test_digest_figures_review import DAY, _figures, _pledges

from bot.i18n import Renderer
from handlers.admin import CorrectCountry, correct_country
from handlers.digests.service import export_xlsx
from handlers.pledges.rules import derive_reach
from models.database import Database
from models.reporting import latest_due_periods
from models.repositories.base import listed
from models.repositories.digests import DigestFigures, pledge_in_scope
from models.repositories.reminders import Reminders
from models.scope import EVERYTHING, Scope, ScopeKind

CIS, EUROPE = Scope(ScopeKind.region, ("cis",)), Scope(ScopeKind.region, ("europe",))
KAZAKHSTAN = Scope(ScopeKind.countries, ("KAZ",))


async def _moved(database: Database) -> list[int]:
    """A pledge in Kazakhstan (submitted in the CIS), one in Norway, one to "the CIS" and one to "all LLDCs", then
    Kazakhstan moved to Europe by staff."""
    ids = await _pledges(database, [(["KAZ"], ["cis"], "1000"), (["NOR"], ["europe"], "20"),
                                    (["ITU:cis"], ["cis"], "300"), (["LLDC"], ["africa", "cis"], "4")])
    await correct_country(CorrectCountry("KAZ", itu_region="europe"), database.uow(), datetime(2026, 12, 1, tzinfo=UTC))
    return ids


def _regions(figures: object) -> dict[str, int]:
    return {share.key: share.pledges for share in figures.breakdowns["region"]}  # type: ignore[attr-defined]


async def test_a_region_s_digest_follows_a_country_staff_moved(database: Database) -> None:
    await _moved(database)
    europe, cis = await _figures(database, EUROPE), await _figures(database, CIS)
    # Kazakhstan's pledge, Norway's, and "all LLDCs" (Kazakhstan is one, in Europe now; North Macedonia too)
    assert (europe.pledges, europe.value_usd) == (3, 1024)
    assert _regions(europe) == {"europe": 3}
    # "the CIS" (its other countries), and "all LLDCs" (Armenia...): not Kazakhstan's own pledge any more
    assert (cis.pledges, cis.value_usd) == (2, 304) and _regions(cis) == {"cis": 2}
    assert cis.countries == 9  # the CIS's countries but Kazakhstan
    everything = await _figures(database)
    assert _regions(everything)["europe"] == 3 and _regions(everything)["cis"] == 2
    kazakhstan = await _figures(database, KAZAKHSTAN)
    assert kazakhstan.pledges == 2 and _regions(kazakhstan) == {"europe": 2}  # its own region, now Europe's


async def test_find_and_reminders_follow_the_move(database: Database) -> None:
    kaz, nor, _, _ = await _moved(database)
    async with database.uow() as uow:
        assert await pledge_in_scope(uow.session, kaz, EUROPE) and not await pledge_in_scope(uow.session, kaz, CIS)
        assert await Reminders(uow.session).in_scope(EUROPE, [kaz, nor]) == {kaz, nor}
        assert await Reminders(uow.session).in_scope(CIS, [kaz, nor]) == set()


@pytest.mark.parametrize("scope", [EVERYTHING, EUROPE, CIS], ids=["everything", "europe", "cis"])
async def test_the_sheet_and_its_summary_follow_the_move(database: Database, renderer: Renderer,
                                                         scope: Scope) -> None:
    await _moved(database)
    figures = await _figures(database, scope)
    async with database.uow() as uow:
        rows = [row async for chunk in DigestFigures(uow.session, DAY).pledge_rows(scope, latest_due_periods(DAY))
                for row in chunk]
        content = await export_xlsx(uow.session, scope, "en", lambda label, locale: renderer.label(
            label, locale, markup=False), DAY)
        # the pledge's card reads the same regions (derive_reach, on the reader's day)
        cards = {row[0]: (await derive_reach(uow.session, list(listed(row[9])), DAY)).itu_regions for row in rows}
    regions = {row[0]: list(row[10]) for row in rows}
    assert cards == regions
    if scope is EVERYTHING:
        assert regions == {"P2C-2026-00001": ["europe"], "P2C-2026-00002": ["europe"], "P2C-2026-00003": ["cis"],
                           "P2C-2026-00004": ["africa", "americas", "asia_pacific", "cis", "europe"]}
    book = openpyxl.load_workbook(io.BytesIO(content))
    pledges, _, summary = (list(sheet.iter_rows(min_row=2, values_only=True)) for sheet in book.worksheets)
    shown = {row[0]: row[12] for row in pledges}
    if scope is not CIS:
        assert shown["P2C-2026-00001"] == "Europe"
    lines = {row[2]: row[3] for row in summary if row[0] == "ITU region"}
    assert lines == _regions(figures)


async def test_a_move_back_is_followed_too(database: Database) -> None:
    await _moved(database)
    await correct_country(CorrectCountry("KAZ", itu_region="cis"), database.uow(), datetime(2026, 12, 2, tzinfo=UTC))
    assert _regions(await _figures(database, CIS)) == {"cis": 3}
    assert (await _figures(database, EUROPE)).pledges == 2
