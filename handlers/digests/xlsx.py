"""A streaming XLSX writer for the digests' spreadsheets: typed columns, a few shared styles, rows as they come.

Why our own: a digest's sheet at 10,000 pledges is 600,000 cells, and XlsxWriter (constant-memory mode)
spent 5-13 us of Python on each (a call, a dimension check, a cell tuple, then escaping and formatting
when the row is flushed): 3-8 s, most of a digest. The sheets here need a small part of the format: text,
numbers, booleans, two number formats (money, date), a bold header, column widths, a frozen header row,
an autofilter and a right-to-left view. Each column's type is known beforehand, so a row is a handful of
string joins, and rows are deflated into the zip as they come (memory stays flat). openpyxl reads every
file back in the tests; the parts follow ECMA-376 (SpreadsheetML), as XlsxWriter writes them.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import IO, Any

MONEY_FORMAT = '#,##0.00 "USD"'
DATE_FORMAT = "yyyy-mm-dd"
EXCEL_EPOCH_ORDINAL = 693594
"""date(1899, 12, 30).toordinal(): dates are written as days since it (Excel's serial numbers)."""
FLUSH_ROWS = 2000
"""Rows joined before they are deflated into the zip."""
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot carry (a pasted control character must not make the file unreadable)."""
_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class Kind(Enum):
    """What a column holds, which decides how its cells are written."""

    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    """An Excel serial day number (days since 1899-12-30), shown as a date."""
    BOOL = "bool"


_STYLE = {Kind.MONEY: ' s="2"', Kind.DATE: ' s="3"'}
"""The style attribute of a column's cells: an index into cellXfs (styles.xml): 0 plain, 1 header, 2 money, 3 date."""
_PRESERVE = ' xml:space="preserve"'
"""Kept on text that begins or ends with white space, which XML readers would otherwise trim."""
_TEXT, _BOOL = Kind.TEXT.value, Kind.BOOL.value
"""Compared by identity in the row loop (an Enum member costs a hash there)."""


def escape(value: str) -> str:
    """Text as XML element content: &, < and > escaped, characters XML cannot carry dropped."""
    if "&" in value or "<" in value or ">" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    return value


def _letters(index: int) -> str:
    """A column's letters: 0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


class Sheet:
    """One worksheet being written: call `rows` with rows whose values follow the columns' kinds."""

    def __init__(self, handle: IO[bytes], kinds: Sequence[Kind]) -> None:
        self._handle = handle
        self._columns = [(_letters(index), kind.value, _STYLE.get(kind, "")) for index, kind in enumerate(kinds)]
        self.count = 1
        """Rows written, the header's included."""
        self.filtered: int | None = None
        """The last row the autofilter covers (None: every row written): notes after a table are not sorted in."""

    def header(self, titles: Sequence[str]) -> None:
        """The first row: bold titles."""
        cells = "".join(f'<c r="{letter}1" s="1" t="inlineStr"><is><t>{escape(title)}</t></is></c>'
                        for (letter, _, _), title in zip(self._columns, titles, strict=True))
        self._handle.write(f'<row r="1">{cells}</row>'.encode())

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """Write rows; None and "" leave a cell empty. Text is escaped; numbers, days, booleans written as they are."""
        columns = self._columns
        out: list[str] = []
        number = self.count
        for row in rows:
            number += 1
            n = str(number)
            cells = []
            for (letter, kind, style), value in zip(columns, row, strict=True):
                if value is None or value == "":
                    continue
                if kind is _TEXT:
                    text = escape(value)
                    space = _PRESERVE if text[:1] in " \t\n" or text[-1:] in " \t\n" else ""
                    cells.append(f'<c r="{letter}{n}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
                elif kind is _BOOL:
                    cells.append(f'<c r="{letter}{n}" t="b"><v>{1 if value else 0}</v></c>')
                else:
                    cells.append(f'<c r="{letter}{n}"{style}><v>{value}</v></c>')
            out.append(f'<row r="{n}">{"".join(cells)}</row>')
            if len(out) >= FLUSH_ROWS:
                self._handle.write("".join(out).encode())
                out.clear()
        if out:
            self._handle.write("".join(out).encode())
        self.count = number

    def notes(self, rows: Iterable[Sequence[Any]]) -> None:
        """Write rows below the table, outside its autofilter: a sort or a filter of the table leaves them there."""
        if self.filtered is None:
            self.filtered = self.count
        self.rows(rows)


class Workbook:
    """An XLSX built in memory, compressed as it is written: sheets one after the other, then `close`."""

    def __init__(self, rtl: bool = False) -> None:
        self._out = io.BytesIO()
        self._zip = zipfile.ZipFile(self._out, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._rtl = rtl
        self._sheets: list[tuple[str, int, int]] = []
        """Name, rows and columns of each sheet written."""

    def sheet(self, name: str, kinds: Sequence[Kind], widths: Sequence[float]) -> _SheetContext:
        """A new worksheet (a context: its part is finished on leaving)."""
        return _SheetContext(self, sheet_name(name), kinds, widths)

    def close(self) -> bytes:
        """Write the workbook's other parts; the file's bytes."""
        count = len(self._sheets)
        parts = {
            "[Content_Types].xml": _content_types(count),
            "_rels/.rels": _ROOT_RELS,
            "xl/workbook.xml": self._workbook(),
            "xl/_rels/workbook.xml.rels": _workbook_rels(count),
            "xl/styles.xml": _STYLES,
        }
        for name, text in parts.items():
            self._zip.writestr(name, text)
        self._zip.close()
        return self._out.getvalue()

    def _workbook(self) -> str:
        sheets = "".join(f'<sheet name="{_attribute(name)}" sheetId="{n}" r:id="rId{n}"/>'
                         for n, (name, _, _) in enumerate(self._sheets, 1))
        filters = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
            f"{_attribute(_quoted(name))}!$A$1:${_letters(columns - 1)}${max(rows, 2)}</definedName>"
            for n, (name, rows, columns) in enumerate(self._sheets))
        return (f'{_HEAD}<workbook {_NS}><bookViews><workbookView/></bookViews><sheets>{sheets}</sheets>'
                f"<definedNames>{filters}</definedNames></workbook>")


class _SheetContext:
    def __init__(self, book: Workbook, name: str, kinds: Sequence[Kind], widths: Sequence[float]) -> None:
        self._book, self._name, self._kinds, self._widths = book, name, kinds, widths
        self._handle: IO[bytes] | None = None
        self._sheet: Sheet | None = None

    def __enter__(self) -> Sheet:
        book = self._book
        number = len(book._sheets) + 1
        self._handle = book._zip.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True)
        rtl = ' rightToLeft="1"' if book._rtl else ""
        selected = ' tabSelected="1"' if number == 1 else ""
        view = (f'<sheetViews><sheetView{rtl}{selected} workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>')
        cols = "".join(f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
                       for n, width in enumerate(self._widths, 1))
        self._handle.write(f'{_HEAD}<worksheet {_NS}>{view}<sheetFormatPr defaultRowHeight="15"/>'
                           f"<cols>{cols}</cols><sheetData>".encode())
        self._sheet = Sheet(self._handle, self._kinds)
        return self._sheet

    def __exit__(self, *failure: object) -> None:
        assert self._handle is not None and self._sheet is not None
        rows, columns = self._sheet.count if self._sheet.filtered is None else self._sheet.filtered, len(self._kinds)
        self._handle.write(f'</sheetData><autoFilter ref="A1:{_letters(columns - 1)}{max(rows, 2)}"/>'
                           "</worksheet>".encode())
        self._handle.close()
        self._book._sheets.append((self._name, rows, columns))


def sheet_name(name: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in name).strip("' ")
    return cleaned[:31] or "Sheet"


def _attribute(value: str) -> str:
    return escape(value).replace('"', "&quot;")


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _content_types(sheets: int) -> str:
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for n in range(1, sheets + 1))
    return (f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>')


_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROOT_RELS = (f'{_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')


def _workbook_rels(sheets: int) -> str:
    links = "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                    for n in range(1, sheets + 1))
    return (f'{_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{links}'
            f'<Relationship Id="rId{sheets + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')


_STYLES = (
    f'{_HEAD}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{_attribute(MONEY_FORMAT)}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATE_FORMAT}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDCE6F1"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
