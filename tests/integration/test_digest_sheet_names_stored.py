"""The spreadsheet a coordinator gets, on both backends: codes named as messages name them, countries by name.

English showed "validated" and "SEN" (the status's name is its code in English; the countries column listed ISO
codes); PostgreSQL's driver may hand the countries over as JSON text, which is named all the same.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest

from bot.i18n import Renderer
from handlers.digests.service import export_xlsx
from handlers.messages import Label
from models.clock import utcnow
from models.database import Database
from models.reporting import latest_due_periods
from models.scope import EVERYTHING
from models.tables import Entity, Pledge, ProgressReport
from models.values import PledgeStatus


async def _seed(database: Database) -> None:
    now = utcnow()
    old = now - timedelta(days=400)
    async with database.uow() as uow:
        entity = Entity(name="Sénégal numérique", name_key="senegal numerique", sector="government",
                        country_iso3="SEN", status="validated", created_at=old)
        uow.session.add(entity)
        await uow.session.flush()
        assert entity.id is not None
        pledge = Pledge(ref="P2C-2025-00001", entity_id=entity.id, title="Schools online", description="d" * 30,
                        focus_area="access", pillars=["infrastructure"], pledge_type="financial",
                        value_usd=Decimal("2500000"), countries=["SEN", "KAZ"], itu_regions=["africa", "cis"],
                        status=PledgeStatus.validated, start_date=old.date(), submitted_at=old, validated_at=old,
                        created_at=old, updated_at=old)
        uow.session.add(pledge)
        await uow.session.flush()
        uow.session.add(ProgressReport(pledge_id=pledge.id or 0, period=latest_due_periods(now.date())["annual"],
                                       status="completed", percent_complete=100, steps_taken="s" * 30, created_at=now))
        await uow.commit()


@pytest.mark.parametrize(("locale", "expected", "added"), [
    ("en", ("Government", "Validated", "Access", "Financial", "Senegal, Kazakhstan", "Completed"),
     (True, "Infrastructure", "SEN, KAZ", "Africa, CIS")),
    ("fr", ("Gouvernement", "Validé", "Accès", "Financier", "Sénégal, Kazakhstan", "Achevé"),
     (True, "Infrastructure", "SEN, KAZ", "Afrique, CEI")),
])
async def test_the_sheet_names_codes_and_countries(database: Database, renderer: Renderer, locale: str,
                                                   expected: tuple[str, ...], added: tuple[object, ...]) -> None:
    """With, on both backends (PostgreSQL may hand JSON lists over as text), whether the digest counts the pledge,
    its pillars, its countries' ISO codes and its ITU regions, and a summary sheet of the published pledges."""
    await _seed(database)

    def translate(label: Label, language: str) -> str:
        return renderer.label(label, language, markup=False)

    async with database.uow() as uow:
        content = await export_xlsx(uow.session, EVERYTHING, locale, translate, utcnow().date())
    book = openpyxl.load_workbook(io.BytesIO(content))
    row = next(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert (row[3], row[4], row[6], row[8], row[10], row[21]) == expected
    report = next(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert report[4] == expected[5]
    assert (row[5], row[7], row[11], row[12]) == added
    summary = {row[2]: row[3:] for row in book.worksheets[2].iter_rows(min_row=2, values_only=True) if row[2]}
    assert summary == {code: (1, 2500000) for code in ("infrastructure", "africa", "cis", "SEN", "KAZ")}
