"""The digest's spreadsheet names every code as messages do, in each of the six languages: statuses, sectors, pledge
types, focus areas and report statuses by their names (English "validated" showed as written, like a raw code), and
countries by their names, never by ISO codes ("SEN")."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator, Callable, Sequence
from itertools import cycle, islice
from typing import Any

import openpyxl
import pytest

from bot.i18n import Renderer
from handlers.digests.labels import FOCUS_AREAS, REGIONS, SUMMARY_NOTE, group_label
from handlers.digests.sheet import separator, write_csv, write_xlsx
from handlers.messages import CountryName, Label, Text
from handlers.reports.cards import report_status_label
from handlers.reports.form import REPORT_STATUS_LABELS
from handlers.vocabulary import (
    PILLAR_LABELS,
    PLEDGE_TYPE_LABELS,
    SECTOR_LABELS,
    STATUS_LABELS,
    labeller,
    sector_label,
    status_label,
)
from models.values import LANGUAGES

SECTOR, STATUS, AREA, TYPE, COUNTRIES, REPORT_STATUS = 3, 4, 6, 8, 10, 21
"""Columns of the pledges sheet that hold codes in the database."""
WRITTEN = {SECTOR: 3, STATUS: 4, AREA: 5, TYPE: 7, COUNTRIES: 9, REPORT_STATUS: 19}
"""Where each of them is in a database row (DigestFigures.pledge_rows)."""
COUNTED, PILLARS, VALUE, CODES, IN_REGIONS = 5, 7, 9, 11, 12
FLAGS = (13, 14, 15)
PERIOD = 20
"""The last report's period."""
"""The LDCs, LLDCs and SIDS columns."""
"""Columns of the pledges sheet that hold codes in the database."""
ROWS = max(len(table) for table in (STATUS_LABELS, SECTOR_LABELS, FOCUS_AREAS, PLEDGE_TYPE_LABELS,
                                    REPORT_STATUS_LABELS))


def _codes(table: dict[str, str]) -> list[str]:
    """Every code of a table, repeated to fill ROWS rows."""
    return list(islice(cycle(table), ROWS))


def _pledge_rows(countries: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
    """Pledge rows as DigestFigures.pledge_rows hands them over, one code of each table per row."""
    return [(f"P2C-2026-{n:05d}", "Title", "Entity", sector, status, area, ["infrastructure", "skills"], kind, 1000.0,
             countries if countries is not None else ["SEN", "KAZ"], ["africa", "cis"], True, False, False, 46000,
             46500, 45900, 45950,
             "2026", report, 40, 500.0, 46100, None)
            for n, (sector, status, area, kind, report) in enumerate(zip(
                _codes(SECTOR_LABELS), _codes(STATUS_LABELS), _codes(FOCUS_AREAS), _codes(PLEDGE_TYPE_LABELS),
                _codes(REPORT_STATUS_LABELS), strict=True))]


async def _chunks(rows: list[tuple[Any, ...]]) -> AsyncIterator[Sequence[Any]]:
    yield rows


def _say(renderer: Renderer, locale: str) -> Callable[[Label], str]:
    def translate(label: Label) -> str:
        return renderer.label(label, locale, markup=False)
    return translate


async def _sheets(renderer: Renderer, locale: str, countries: Sequence[Any] | None = None
                  ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The pledges and reports sheets' rows (headers left out), as openpyxl reads them."""
    rows = _pledge_rows(countries)
    reports = [("P2C-2026-00000", "Title", "2026", row[WRITTEN[REPORT_STATUS]], 40, 500.0, 10, 46100) for row in rows]
    content = await write_xlsx((("pledges", _chunks(rows)), ("reports", _chunks(reports))), _say(renderer, locale),
                               locale == "ar", separator(locale))
    book = openpyxl.load_workbook(io.BytesIO(content))
    return ([row for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)],
            [row for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)])


def _standalone(name: str) -> str:
    return name[:1].upper() + name[1:]


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_every_coded_column_shows_the_names_messages_use(renderer: Renderer, locale: str) -> None:
    """Each coded cell is the name a message gives the code (a pledge's status as /mypledges says it, with the
    capital a cell standing alone takes), never the code itself."""
    say = _say(renderer, locale)
    expected = {
        SECTOR: lambda code: say(sector_label(code)),
        STATUS: lambda code: _standalone(say(status_label(code))),
        AREA: lambda code: say(group_label("focus_area", code)),
        TYPE: lambda code: say(labeller(PLEDGE_TYPE_LABELS)(code)),
        REPORT_STATUS: lambda code: say(report_status_label(code)),
    }
    pledges, reports = await _sheets(renderer, locale)
    for written, shown, report in zip(_pledge_rows(), pledges, reports, strict=True):
        for column, name in expected.items():
            assert shown[column] == name(written[WRITTEN[column]]), (locale, column, shown[column])
            assert shown[column] != written[WRITTEN[column]], (locale, column, shown[column])
        assert report[4] == shown[REPORT_STATUS]


async def test_english_cells_read_as_names_not_codes(renderer: Renderer) -> None:
    """The tester's case: English showed "validated", "completed", "financial"... as the codes are written."""
    pledges, reports = await _sheets(renderer, "en")
    statuses = {row[STATUS] for row in pledges}
    assert {"Validated", "Completed", "Withdrawn", "Submitted, awaiting validation"} <= statuses
    assert {row[REPORT_STATUS] for row in pledges} == {"Not started", "In progress", "Delayed", "Completed",
                                                       "Cancelled"}
    assert {row[4] for row in reports} == {row[REPORT_STATUS] for row in pledges}
    for row in pledges:
        for column in (SECTOR, STATUS, AREA, TYPE, REPORT_STATUS):
            assert row[column][:1].isupper(), (column, row[column])


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_countries_are_named_in_the_reader_s_language_not_by_iso_code(renderer: Renderer,
                                                                            locale: str) -> None:
    say = _say(renderer, locale)
    names = separator(locale).join([say(CountryName("SEN")), say(CountryName("KAZ"))])
    for countries in (["SEN", "KAZ"], json.dumps(["SEN", "KAZ"])):  # a JSON text, as PostgreSQL's driver may give it
        pledges, _ = await _sheets(renderer, locale, countries)
        assert {row[COUNTRIES] for row in pledges} == {names}
        assert "SEN" not in names and "KAZ" not in names
    pledges, _ = await _sheets(renderer, locale, [])
    assert {row[COUNTRIES] for row in pledges} == {None}  # no country: an empty cell


async def test_country_names_by_language(renderer: Renderer) -> None:
    shown = {locale: (await _sheets(renderer, locale, ["SEN", "KAZ"]))[0][0][COUNTRIES] for locale in LANGUAGES}
    assert shown["en"] == "Senegal, Kazakhstan"
    assert shown["fr"] == "Sénégal, Kazakhstan"
    assert shown["ru"].startswith("Сенегал")
    assert shown["zh"].startswith("塞内加尔") and "、" in shown["zh"]
    assert "، " in shown["ar"] and ", " not in shown["ar"]  # a tester: "بوليفيا (…), الأردن", a Latin comma


async def test_the_csv_names_codes_and_countries_too(renderer: Renderer) -> None:
    content = await write_csv(_chunks(_pledge_rows()), "pledges", _say(renderer, "en"))
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    assert rows[list(STATUS_LABELS).index("validated")][STATUS] == "Validated"
    assert {row[COUNTRIES] for row in rows} == {"Senegal, Kazakhstan"}
    assert {row[VALUE] for row in rows} == {"1000"}  # a tester's "2500000.0": a whole amount has no decimal part


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_the_csv_writes_yes_no_as_1_and_0_in_every_language(renderer: Renderer, locale: str) -> None:
    """A tester: "True,True,False" under the Chinese and Arabic headings of the LDCs, LLDCs and SIDS columns."""
    content = await write_csv(_chunks(_pledge_rows()), "pledges", _say(renderer, locale))
    text = content.decode("utf-8-sig")
    assert "True" not in text and "False" not in text
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert {tuple(row[column] for column in FLAGS) for row in rows} == {("1", "0", "0")}


PERIODS = {"en": "January–March 2027", "fr": "1er trimestre 2027", "es": "Primer trimestre de 2027",
           "ru": "I квартал 2027 г.", "zh": "2027年第一季度", "ar": "الربع الأول من عام 2027"}


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_periods_are_said_as_messages_say_them_with_their_code_beside(renderer: Renderer, locale: str) -> None:
    """A tester: "2027-Q1" in the sheets and CSVs of every language, where messages say "January–March 2027"."""
    rows = [(*row[:18], "2027-Q1", *row[19:]) for row in _pledge_rows()]  # 18: the period in a database row
    reports = [("P2C-2026-00001", "Title", "2027-Q1", "in_progress", 35, 500.0, 10, 46100),
               ("P2C-2026-00001", "Title", "2026", "in_progress", 20, 500.0, 10, 46000)]
    content = await write_xlsx((("pledges", _chunks(rows)), ("reports", _chunks(reports))), _say(renderer, locale),
                               locale == "ar", separator(locale))
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert {row[PERIOD] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)} == {PERIODS[locale]}
    shown = [row[2:4] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert shown[0] == (PERIODS[locale], "2027-Q1") and shown[1][1] == "2026" and shown[1][0] != "2027-Q1"
    for kind, table in (("pledges", rows), ("reports", reports)):
        text = (await write_csv(_chunks(table), kind, _say(renderer, locale))).decode("utf-8-sig")
        assert PERIODS[locale] in text
    assert "2027-Q1" not in text.replace(",2027-Q1,", ",")  # the reports CSV: the code only in its own column


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_a_column_tells_the_pledges_the_digest_counts(renderer: Renderer, locale: str) -> None:
    """A tester: the sheet's 9 pledges summed to $22,450,000 beside the digest's $16,950,000, nothing telling the
    submitted, rejected and changes-requested ones apart. Validated and completed ones are counted; the XLSX says
    so with booleans, the CSV with 1/0."""
    counted = {"validated", "completed"}
    pledges, _ = await _sheets(renderer, locale)
    assert [row[COUNTED] for row in pledges] == [row[4] in counted for row in _pledge_rows()]
    assert {row[COUNTED] for row in pledges} == {True, False}
    content = await write_csv(_chunks(_pledge_rows()), "pledges", _say(renderer, locale))
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row[COUNTED] for row in rows[1:]] == ["1" if row[4] in counted else "0" for row in _pledge_rows()]
    assert rows[0][COUNTED] == _say(renderer, locale)(Text("Counted in the digest"))


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_pillars_country_codes_and_regions_have_their_columns(renderer: Renderer, locale: str) -> None:
    """What the Council report needs: the pillars and ITU regions by their names, and the countries' ISO codes
    beside their names (which differ by language), in the XLSX and the CSV."""
    say, between = _say(renderer, locale), separator(locale)
    pillars = between.join(_standalone(say(Text(PILLAR_LABELS[code]))) for code in ("infrastructure", "skills"))
    regions = between.join(say(Text(REGIONS[code])) for code in ("africa", "cis"))
    pledges, _ = await _sheets(renderer, locale)
    assert {(row[PILLARS], row[CODES], row[IN_REGIONS]) for row in pledges} == {(pillars, "SEN, KAZ", regions)}
    content = await write_csv(_chunks(_pledge_rows()), "pledges", say, between)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    assert {(row[PILLARS], row[CODES], row[IN_REGIONS]) for row in rows} == {(pillars, "SEN, KAZ", regions)}
    shortcut, _ = await _sheets(renderer, locale, ["LDC", "ITU:africa"])
    assert shortcut[0][CODES] == "LDC, ITU:africa" and "LDC," not in shortcut[0][COUNTRIES]  # "All LDCs", named


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_the_summary_sheet_adds_up_the_digest_s_pledges_by_pillar_region_and_country(renderer: Renderer,
                                                                                          locale: str) -> None:
    """The published pledges only, their total as the digest gives it, then by pillar, ITU region and country, a
    pledge in several counted whole in each, as a note says."""
    say = _say(renderer, locale)
    base = _pledge_rows()[0]

    def pledge(status: str, value: float | None, pillars: list[str], countries: list[str]) -> tuple[Any, ...]:
        return (*base[:4], status, base[5], pillars, base[7], value, countries, ["africa"], *base[11:])

    rows = [pledge("validated", 10_000_000.0, ["infrastructure"], ["GHA", "KEN"]),
            pledge("completed", 750_000.0, ["infrastructure", "skills"], ["EGY"]),
            pledge("validated", None, ["skills"], ["KEN"]),
            pledge("submitted", 2_500_000.0, ["affordability"], ["MLI"]),
            pledge("rejected", 1.0, ["cybersecurity"], ["PER"])]
    content = await write_xlsx((("pledges", _chunks(rows)), ("reports", _chunks([]))), say, locale == "ar",
                               separator(locale))
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert len(book.worksheets) == 3 and book.worksheets[2].title == say(Text("Summary"))[:31]
    table = list(book.worksheets[2].iter_rows(values_only=True))
    assert table[0][1] == say(Text("Pillar, region or country"))
    lines = {(row[0], row[2]): row[3:] for row in table[1:] if row[2]}
    pillar, region, country = (say(Text(name)) for name in ("Pillar", "ITU region", "Country"))
    assert table[1] == (say(Text("Total counted in the digest")), None, None, 3, 10_750_000)
    assert lines == {(pillar, "infrastructure"): (2, 10_750_000), (pillar, "skills"): (2, 750_000),
                     (region, "africa"): (3, 10_750_000), (country, "GHA"): (1, 10_000_000),
                     (country, "KEN"): (2, 10_000_000), (country, "EGY"): (1, 750_000)}
    named = {row[2]: row[1] for row in table[1:] if row[2]}
    assert named["GHA"] == say(CountryName("GHA"))
    assert named["skills"] == _standalone(say(Text(PILLAR_LABELS["skills"])))
    assert [row[1] for row in table if row[0] == pillar] == [named["infrastructure"], named["skills"]]  # by value
    assert table[-1][0] == say(Text(SUMMARY_NOTE)) and table[-2] == (None,) * 5


async def test_the_summary_sheet_s_filter_leaves_its_note_out(renderer: Renderer) -> None:
    """A sort of the Summary sheet by its filter kept the note row in the range: "Total" and the note changed places.
    The filter covers the header and the lines; the empty row and the note are below it, in the workbook's filter
    range too."""
    say = _say(renderer, "en")
    content = await write_xlsx((("pledges", _chunks(_pledge_rows())), ("reports", _chunks([]))), say, False)
    book = openpyxl.load_workbook(io.BytesIO(content))
    summary = book.worksheets[2]
    table = list(summary.iter_rows(values_only=True))
    lines = len(table) - 2  # the header and the lines; then the empty row and the note
    assert table[lines - 1][3] is not None and table[-1][0] == say(Text(SUMMARY_NOTE))
    assert summary.auto_filter.ref == f"A1:E{lines}"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    assert f"!$A$1:$E${lines}</definedName>" in workbook
