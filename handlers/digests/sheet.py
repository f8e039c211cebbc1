"""Spreadsheets of a scope's pledges (one row each, with its last report) and reports: XLSX and CSV.

XlsxWriter in constant-memory mode writes each row to disk as it comes, so memory stays flat at
100,000 pledges; openpyxl's write-only mode also streams but builds a cell object per value and was
about twice as slow (bench/digest.py). Rows arrive in chunks from the database (DigestFigures).
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from handlers.digests.labels import FOCUS_AREAS, PLEDGE_HEADERS, REPORT_HEADERS, REPORT_STATUSES, SHEET_NAMES
from handlers.messages import Label, Text
from handlers.vocabulary import PLEDGE_TYPE_LABELS, SECTOR_LABELS, STATUS_LABELS

Translate = Callable[[Label], str]
Rows = AsyncIterator[Sequence[Any]]
MONEY_FORMAT = '#,##0.00 "USD"'
DATE_FORMAT = "yyyy-mm-dd"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_COLUMNS = frozenset({7, 19})
PLEDGE_DATE_COLUMNS = frozenset({12, 13, 14, 15, 20})
REPORT_MONEY, REPORT_DATE = frozenset({5}), frozenset({7})
WIDTHS = (16, 40, 32, 20, 18, 16, 14, 16, 18, 6, 6, 6, 12, 12, 12, 12, 12, 14, 10, 16, 12)


class Cells:
    """Turns a database row into cell values: codes named in the reader's language, times as dates."""

    def __init__(self, translate: Translate) -> None:
        self._translate = translate
        self._names: dict[tuple[int, str], str] = {}

    def name(self, table: dict[str, str], code: str | None) -> str:
        """A code's name (each name translated once per file)."""
        if code is None:
            return ""
        key = (id(table), code)
        if key not in self._names:
            self._names[key] = self._translate(Text(table[code])) if code in table else code
        return self._names[key]

    def pledge(self, row: Sequence[Any]) -> list[Any]:
        """One pledge row as the sheet shows it."""
        (_, ref, title, entity, sector, status, area, kind, value, countries, ldc, lldc, sids, start, end,
         submitted, validated, period, report_status, percent, disbursed, received) = row
        return [ref or "", title, entity, self.name(SECTOR_LABELS, sector), self.name(STATUS_LABELS, status),
                self.name(FOCUS_AREAS, area), self.name(PLEDGE_TYPE_LABELS, kind), _number(value),
                ", ".join(countries or ()), bool(ldc), bool(lldc), bool(sids), start, end, _day(submitted),
                _day(validated), period or "", self.name(REPORT_STATUSES, report_status), percent,
                _number(disbursed), _day(received)]

    def report(self, row: Sequence[Any]) -> list[Any]:
        """One report row as the sheet shows it."""
        _, ref, title, period, status, percent, disbursed, reached, received = row
        return [ref or "", title, period, self.name(REPORT_STATUSES, status), percent, _number(disbursed), reached,
                _day(received)]


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _day(value: datetime | date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


async def write_xlsx(sheets: Sequence[tuple[str, Rows]], translate: Translate, rtl: bool) -> bytes:
    """An XLSX with a sheet per ("pledges" | "reports", rows); headers translated, right-to-left when `rtl`."""
    cells = Cells(translate)
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        import xlsxwriter  # here, not at import: only a process that writes spreadsheets pays for it

        book = xlsxwriter.Workbook(path, {"constant_memory": True, "remove_timezone": True})
        bold = book.add_format({"bold": True, "bg_color": "#DCE6F1", "text_wrap": True, "valign": "top"})
        money = book.add_format({"num_format": MONEY_FORMAT})
        day = book.add_format({"num_format": DATE_FORMAT})
        for kind, rows in sheets:
            pledges = kind == "pledges"
            name = SHEET_NAMES[0] if pledges else SHEET_NAMES[1]
            headers = PLEDGE_HEADERS if pledges else REPORT_HEADERS
            convert = cells.pledge if pledges else cells.report
            money_columns = MONEY_COLUMNS if pledges else REPORT_MONEY
            date_columns = PLEDGE_DATE_COLUMNS if pledges else REPORT_DATE
            sheet = book.add_worksheet(translate(Text(name))[:31])
            if rtl:
                sheet.right_to_left()
            for column in range(len(headers)):
                sheet.set_column(column, column, WIDTHS[column] if pledges else 16,
                                 money if column in money_columns else day if column in date_columns else None)
            sheet.write_row(0, 0, [translate(Text(header)) for header in headers], bold)
            sheet.freeze_panes(1, 0)
            count = 0
            async for chunk in rows:
                for row in chunk:
                    count += 1
                    for column, value in enumerate(convert(row)):
                        _write(sheet, count, column, value, money if column in money_columns else
                               day if column in date_columns else None)
            sheet.autofilter(0, 0, max(count, 1), len(headers) - 1)
        return await asyncio.to_thread(_finish, book, path)  # zipping the sheets is the slow part: off the loop
    finally:
        os.unlink(path)


def _finish(book: Any, path: str) -> bytes:
    """Close the workbook (XlsxWriter zips its parts now) and read the file."""
    book.close()
    return Path(path).read_bytes()


def _write(sheet: Any, row: int, column: int, value: Any, style: Any) -> None:
    """One cell, typed: numbers as numbers, dates as dates, booleans, text."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, style)
    elif isinstance(value, date):
        sheet.write_datetime(row, column, datetime(value.year, value.month, value.day), style)
    else:
        sheet.write_string(row, column, str(value))


async def write_csv(rows: Rows, kind: str, translate: Translate) -> bytes:
    """A CSV in UTF-8 with a header row: the pledges sheet or the reports sheet."""
    cells = Cells(translate)
    headers, convert = (PLEDGE_HEADERS, cells.pledge) if kind == "pledges" else (REPORT_HEADERS, cells.report)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([translate(Text(header)) for header in headers])
    async for chunk in rows:
        writer.writerows([["" if value is None else value.isoformat() if isinstance(value, date) else value
                           for value in convert(row)] for row in chunk])
    return out.getvalue().encode("utf-8")
