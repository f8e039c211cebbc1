"""Spreadsheets of a scope's pledges (one row each, with its last current report) and reports: XLSX and CSV.

The rows come from the database ready to write (DigestFigures.pledge_rows / report_rows: money as floats,
dates as Excel day numbers; a pledge owing a report says since when, so the digest's overdue list is all there),
in chunks; here codes become names in the reader's language (each name translated once per file), the names
messages give them (a status as /mypledges says it, a country by its name, never its ISO code), and
handlers.digests.xlsx streams them into the file. See that module for why the project writes XLSX itself.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date
from typing import Any

from handlers.digests.labels import (
    FOCUS_AREAS,
    PLEDGE_HEADERS,
    REGIONS,
    REPORT_HEADERS,
    SHEET_NAMES,
    SUMMARY_GROUPS,
    SUMMARY_HEADERS,
    SUMMARY_NAME,
    SUMMARY_NOTE,
)
from handlers.digests.xlsx import EXCEL_EPOCH_ORDINAL, Kind, Workbook
from handlers.forms.countries import SHORTCUTS, place_label
from handlers.messages import Label, Text
from handlers.reports.cards import period_label
from handlers.reports.form import REPORT_STATUS_LABELS
from handlers.vocabulary import PILLAR_LABELS, PLEDGE_TYPE_LABELS, SECTOR_LABELS, STATUS_LABELS
from models.repositories.base import listed
from models.repositories.digests import PUBLISHED

Translate = Callable[[Label], str]
Rows = AsyncIterator[Sequence[Any]]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"
T, N, M, D, B = Kind.TEXT, Kind.NUMBER, Kind.MONEY, Kind.DATE, Kind.BOOL
PLEDGE_KINDS = (T, T, T, T, T, B, T, T, T, M, T, T, T, B, B, B, D, D, D, D, T, T, N, M, D, D)
REPORT_KINDS = (T, T, T, T, T, N, M, N, D)
PLEDGE_WIDTHS = (16, 40, 32, 20, 18, 10, 16, 28, 14, 16, 28, 14, 16, 6, 6, 6, 12, 12, 12, 12, 22, 14, 10, 16, 12, 14)
SUMMARY_KINDS = (T, T, T, N, M)
SUMMARY_WIDTHS = (28, 40, 12, 10, 18)
COUNTED = frozenset(str(status) for status in PUBLISHED)
"""The statuses of the pledges the digest's figures count (validated, completed): "Counted in the digest"."""
REPORT_WIDTHS = (16, 40, 22, 10, 14, 10, 16, 14, 12)


SEPARATORS = {"ar": "، ", "zh": "、"}
"""What separates the names in a cell (a pledge's countries) in the languages that do not use ", "."""


def separator(locale: str) -> str:
    """The separator of the names in a cell, in the reader's language (SEPARATORS)."""
    return SEPARATORS.get(locale, ", ")


def unmarked(name: str) -> str:
    """A name as a cell shows it: without the emoji that marks the pledge form's button it comes from ("🌍 Global"),
    which is no part of the data (a filter or a pivot on "🌍 Весь мир")."""
    start = 0
    while start < len(name) and (unicodedata.category(name[start]) in MARKS or name[start].isspace()):
        start += 1
    return name[start:]


MARKS = frozenset({"So", "Mn", "Cf"})
"""The Unicode categories of an emoji and what joins or styles it (variation selectors, zero-width joiner)."""


def standalone(name: str) -> str:
    """A name written for running text ("Status: validated") as a cell shows it, alone: with a capital ("Validated").

    English's name of a status is its code ("validated"), which a sheet would otherwise seem to show raw. Scripts
    without capitals (Arabic, Chinese) are left as they are.
    """
    return name[:1].upper() + name[1:]


class Cells:
    """Turns a database row into the values a sheet shows: codes named in the reader's language."""

    def __init__(self, translate: Translate, between: str = ", ") -> None:
        def names(table: dict[str, str]) -> dict[str, str]:
            return {code: standalone(translate(Text(label))) for code, label in table.items()}

        self._translate = translate
        self._sectors, self._statuses = names(SECTOR_LABELS), names(STATUS_LABELS)
        self._areas, self._types = names(FOCUS_AREAS), names(PLEDGE_TYPE_LABELS)
        self._reports, self._pillars = names(REPORT_STATUS_LABELS), names(PILLAR_LABELS)
        self._regions = names(REGIONS)
        self._countries: dict[str, str] = {}
        self._periods: dict[str, str] = {}
        self._between = between

    def period(self, code: str | None) -> str | None:
        """A reporting period in words, as messages say it ("January–March 2027", "I квартал 2027 г."), not its code
        ("2027-Q1"); each period named once per file."""
        if code is None:
            return None
        if code not in self._periods:
            self._periods[code] = standalone(self._translate(period_label(code)))
        return self._periods[code]

    def country(self, code: str) -> str:
        """A country by its name in the reader's language, a shortcut as the pledge form names it ("All LDCs", the
        world without its button's emoji); each named once per file."""
        if code not in self._countries:
            self._countries[code] = unmarked(self._translate(place_label(code)))
        return self._countries[code]

    def countries(self, codes: Sequence[str]) -> str:
        """A pledge's countries by their names in the reader's language."""
        return self._between.join(self.country(code) for code in codes)

    def pillar(self, code: str) -> str:
        return self._pillars.get(code, code)

    def region(self, code: str) -> str:
        return self._regions.get(code, code)

    def pledge(self, row: Sequence[Any]) -> tuple[Any, ...]:
        """One pledge row as the sheet shows it (an unknown code as written): whether the digest counts it, beside
        its status; its pillars and ITU regions by their names; its countries by their names, then by their codes
        (ISO 3166-1 alpha-3, or the shortcut as stored: "LDC", "ITU:africa"), which read alike in every language."""
        (ref, title, entity, sector, status, area, pillars, kind, value, countries, regions, ldc, lldc, sids, start,
         end, submitted, validated, period, report_status, percent, disbursed, received, overdue_since) = row
        pillars, countries, regions = listed(pillars), listed(countries), listed(regions)
        between = self._between
        return (ref, title, entity, self._sectors.get(sector, sector), self._statuses.get(status, status),
                status in COUNTED, self._areas.get(area, area), between.join(map(self.pillar, pillars)),
                self._types.get(kind, kind), value, self.countries(countries), ", ".join(countries),
                between.join(map(self.region, regions)), ldc, lldc, sids, start, end, submitted, validated,
                self.period(period), self._reports.get(report_status, report_status), percent, disbursed, received,
                overdue_since)

    def report(self, row: Sequence[Any]) -> tuple[Any, ...]:
        """One report row as the sheet shows it: its period in words, then its code ("2027-Q1"), which sorts
        (periods in words do not) and reads alike in every language (a pivot by period)."""
        ref, title, period, status, percent, disbursed, reached, received = row
        return (ref, title, self.period(period), period, self._reports.get(status, status), percent, disbursed,
                reached, received)


Places = tuple[frozenset[str], frozenset[str]]
"""A scope's own ITU regions and countries (ISO codes: DigestFigures.own_places)."""


class Summary:
    """The published pledges of a pledges sheet added up by pillar, ITU region and country (a pledge counted whole
    in each of its own), as the rows go by: a few hundred groups at most, whatever the number of pledges. With
    `own` (a region's or countries' scope), only the scope's own regions and countries get a line, as the digest's
    "By ITU region" and "in N countries" count them: Africa's summary read "Americas" for a pledge in Ghana and
    Brazil, which Africa's digest leaves out. A shortcut ("All LDCs", the world, a region) is no country: its
    pledges count in the regions of its countries, and in no country line ("Country: 🌍 Global" read as one)."""

    def __init__(self, own: Places | None = None) -> None:
        self.pledges, self.value = 0, 0.0
        self.groups: dict[tuple[str, str], tuple[int, float | None]] = {}
        """(pillar | region | country, code) -> (pledges, value; None while none of them carries a value)."""
        self._own = {"region": own[0], "country": own[1]} if own is not None else {}

    def add(self, rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """Count the published pledges among database pledge rows (DigestFigures.pledge_rows); the rows."""
        for row in rows:
            if row[4] not in COUNTED:
                continue
            value = row[8]
            self.pledges += 1
            self.value += value or 0.0
            for group, codes in (("pillar", row[6]), ("region", row[10]), ("country", row[9])):
                own = self._own.get(group)
                for code in dict.fromkeys(listed(codes)):
                    if (own is not None and code not in own) or (group == "country" and code in SHORTCUTS):
                        continue
                    count, total = self.groups.get((group, code), (0, None))
                    self.groups[(group, code)] = (count + 1, total if value is None else (total or 0.0) + value)
        return rows

    def rows(self, cells: Cells, translate: Translate) -> list[tuple[Any, ...]]:
        """The summary sheet's table: the total the digest gives, then each group by value (then pledges, then
        name)."""
        def name(group: str, code: str) -> str:
            return {"pillar": cells.pillar, "region": cells.region, "country": cells.country}[group](code)

        titles = {group: translate(Text(label)) for group, label in SUMMARY_GROUPS.items()}
        rows: list[tuple[Any, ...]] = [(titles["total"], None, None, self.pledges, self.value)]
        for group in ("pillar", "region", "country"):
            shares = [(name(group, code), code, int(count), value)
                      for (kind, code), (count, value) in self.groups.items() if kind == group]
            shares.sort(key=lambda share: (-(share[3] or 0.0), -share[2], share[0]))
            rows += [(titles[group], shown, code, count, value) for shown, code, count, value in shares]
        return rows

    @staticmethod
    def notes(translate: Translate) -> list[tuple[Any, ...]]:
        """What follows the table, outside its filter (a sort would mix it in): an empty row, then the note saying a
        pledge counts whole in each of its groups."""
        return [(None, None, None, None, None), (translate(Text(SUMMARY_NOTE)), None, None, None, None)]


async def write_xlsx(sheets: Sequence[tuple[str, Rows]], translate: Translate, rtl: bool,
                     between: str = ", ", own: Places | None = None) -> bytes:
    """An XLSX with a sheet per ("pledges" | "reports", rows); headers translated, right-to-left when `rtl`, names
    in a cell separated by `between` (separator). With the pledges comes a last sheet, their summary (Summary):
    the digest's total, and its pledges by pillar, ITU region and country (the scope's `own` ones)."""
    cells = Cells(translate, between)
    book = Workbook(rtl)
    summary: Summary | None = None
    for kind, rows in sheets:
        pledges = kind == "pledges"
        name, headers = (SHEET_NAMES[0], PLEDGE_HEADERS) if pledges else (SHEET_NAMES[1], REPORT_HEADERS)
        kinds, widths = (PLEDGE_KINDS, PLEDGE_WIDTHS) if pledges else (REPORT_KINDS, REPORT_WIDTHS)
        convert = cells.pledge if pledges else cells.report
        if pledges:
            summary = Summary(own)
        with book.sheet(translate(Text(name)), kinds, widths) as sheet:
            sheet.header([translate(Text(header)) for header in headers])
            async for chunk in rows:
                sheet.rows(map(convert, summary.add(chunk) if summary is not None and pledges else chunk))
    if summary is not None:
        with book.sheet(translate(Text(SUMMARY_NAME)), SUMMARY_KINDS, SUMMARY_WIDTHS) as sheet:
            sheet.header([translate(Text(header)) for header in SUMMARY_HEADERS])
            sheet.rows(summary.rows(cells, translate))
            sheet.notes(summary.notes(translate))
    return book.close()


def _day(serial: int | float) -> str:
    """An Excel day number as an ISO date."""
    return date.fromordinal(EXCEL_EPOCH_ORDINAL + int(serial)).isoformat()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet program read a CSV cell as a formula (OWASP's list for CSV injection)."""


def inert(value: object) -> object:
    """A text cell that no spreadsheet program takes for a formula: one starting like a formula gets a leading
    apostrophe (what people wrote, a pledge's title say, could otherwise run as "=HYPERLINK(...)")."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


async def write_csv(rows: Rows, kind: str, translate: Translate, between: str = ", ") -> bytes:
    """A CSV in UTF-8 with a header row: the pledges sheet or the reports sheet (text cells made inert, whole
    amounts without a decimal part, yes/no as 1/0: see flag). It starts with a byte order mark: without one,
    Excel reads UTF-8 as the machine's code page, and Chinese, Arabic or Cyrillic came out garbled."""
    cells = Cells(translate, between)
    headers, convert, kinds = ((PLEDGE_HEADERS, cells.pledge, PLEDGE_KINDS) if kind == "pledges"
                               else (REPORT_HEADERS, cells.report, REPORT_KINDS))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([translate(Text(header)) for header in headers])
    async for chunk in rows:
        writer.writerows([["" if value is None else _day(value) if column is Kind.DATE
                           else flag(value) if column is Kind.BOOL else inert(value) if column is Kind.TEXT
                           else _number(value) for column, value in zip(kinds, convert(row), strict=True)]
                          for row in chunk])
    return out.getvalue().encode("utf-8-sig")


def flag(value: object) -> int:
    """A yes/no cell of a CSV: 1 or 0. The XLSX holds real booleans, which each reader's spreadsheet program names
    in its own language; a CSV holds text, and Python's "True"/"False" read as English in every language (a
    tester: "True,True,False" under Chinese and Arabic headings). Digits read alike in the six languages, in any
    program (Excel, LibreOffice, pandas, R), and add up: the sum of the LDCs column is the digest's LDC count."""
    return 1 if value else 0


def _number(value: object) -> object:
    """A number as a CSV cell: a whole amount without ".0" (2500000, not 2500000.0)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
