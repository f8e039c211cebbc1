"""CSV exports never hand a spreadsheet program a formula written by someone (CSV injection)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from handlers.digests.sheet import inert, write_csv
from handlers.digests.xlsx import Kind


@pytest.mark.parametrize("written", ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_text_starting_like_a_formula_is_made_inert(written: str) -> None:
    assert inert(written) == "'" + written


@pytest.mark.parametrize("value", ["Connect 500 schools", "", 12, 2.5, None, "P2C-2026-00001"])
def test_other_values_are_left_as_they_are(value: object) -> None:
    assert inert(value) == value


def test_the_pledges_csv_makes_a_formula_title_inert(monkeypatch: pytest.MonkeyPatch) -> None:
    import handlers.digests.sheet as sheet

    kinds = (Kind.TEXT, Kind.NUMBER)
    monkeypatch.setattr(sheet, "PLEDGE_HEADERS", ("Title", "Value"))
    monkeypatch.setattr(sheet, "PLEDGE_KINDS", kinds)
    monkeypatch.setattr(sheet.Cells, "pledge", lambda self, row: row)

    async def rows() -> AsyncIterator[list[Any]]:
        yield [("=cmd|' /C calc'!A0", -5), ("Schools", 3)]

    content = asyncio.run(write_csv(rows(), "pledges", lambda label: str(getattr(label, "msgid", label))))
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == [
        ["Title", "Value"], ["'=cmd|' /C calc'!A0", "-5"], ["Schools", "3"]]
