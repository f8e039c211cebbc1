"""The spreadsheet writer (handlers.digests.xlsx), read back with openpyxl: types, styles, escaping, the view."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from handlers.digests.xlsx import EXCEL_EPOCH_ORDINAL, Kind, Workbook, escape, sheet_name


def _serial(day: date) -> int:
    return day.toordinal() - EXCEL_EPOCH_ORDINAL


def _book(rtl: bool = False) -> bytes:
    book = Workbook(rtl)
    kinds = (Kind.TEXT, Kind.NUMBER, Kind.MONEY, Kind.DATE, Kind.BOOL)
    with book.sheet("Pledges: [all] of O'Brien", kinds, (20, 8, 16, 12, 6)) as sheet:
        sheet.header(["Title & name", "n", "USD", "Day", "LDC"])
        sheet.rows([("R&D <fast> \x07 bell", 3, 1500000.5, _serial(date(2026, 12, 1)), True),
                    (" leading space ", None, None, None, False),
                    ("", 0, 0.0, "", None)])
    with book.sheet("Reports", (Kind.TEXT,), (10,)) as sheet:
        sheet.header(["Period"])
        sheet.rows([(str(n),) for n in range(2500)])  # more than one flush
    return book.close()


def test_values_come_back_typed_and_escaped() -> None:
    book = openpyxl.load_workbook(io.BytesIO(_book()))
    first, second = book.worksheets
    assert first.title == "Pledges   all  of O'Brien"[:31]
    rows = list(first.iter_rows(values_only=True))
    assert rows[0] == ("Title & name", "n", "USD", "Day", "LDC")
    assert rows[1] == ("R&D <fast>  bell", 3, 1500000.5, datetime(2026, 12, 1), True)
    assert rows[2] == (" leading space ", None, None, None, False)
    assert rows[3] == (None, 0, 0, None, None)
    assert first["C2"].number_format == '#,##0.00 "USD"' and first["D2"].is_date
    assert first["A1"].font.b and first.freeze_panes == "A2" and first.auto_filter.ref == "A1:E4"
    assert first.column_dimensions["A"].width == 20
    assert [row[0] for row in second.iter_rows(min_row=2, values_only=True)] == [str(n) for n in range(2500)]
    assert not first.sheet_view.rightToLeft


def test_a_right_to_left_book() -> None:
    book = openpyxl.load_workbook(io.BytesIO(_book(rtl=True)))
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)


@pytest.mark.parametrize(("raw", "written"), [("a<b>&c", "a&lt;b&gt;&amp;c"), ("ok", "ok"), ("\x00x\x1f", "x")])
def test_escape(raw: str, written: str) -> None:
    assert escape(raw) == written


def test_sheet_names_excel_accepts() -> None:
    assert sheet_name("a/b\\c?d*e:f[g]") == "a b c d e f g"
    assert sheet_name("x" * 40) == "x" * 31 and sheet_name("''") == "Sheet"
