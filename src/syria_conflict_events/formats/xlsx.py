"""Every table in one Excel workbook (``.xlsx``): a README sheet first (what each table is, the
version, the citation, the licence: lines the caller passes in), then a sheet per table.

- Text is written as text, never as a formula: a cell is a string cell (``t="s"``) whatever its
  first character, and a text starting with ``=``, ``+``, ``-`` or ``@`` also carries Excel's
  quote prefix, so editing it does not turn it into a formula either. Arabic text is written as
  it is (the file is UTF-8 XML).
- Dates are Excel dates shown as ``yyyy-mm-dd``; integers and numbers are numbers; a missing
  value is an empty cell; vocabulary codes are the codes, as in the CSV.
- The header row is bold and frozen, each column as wide as its longest value (within bounds).
- A table with more rows than a sheet holds (1,048,575 below the header) or a cell longer than a
  cell holds (32,767 characters) gets no sheet; the README sheet says so.
- Deterministic: the document's created and modified times are fixed (:data:`TIMESTAMP`), and
  the parts are laid out again with a fixed date and stored, not deflated (so the bytes do not
  depend on the zlib library; the release zip deflates the workbook as a whole)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.xml.functions import tostring

from ..declaration import Declaration, Table
from ..exceptions import ReleaseError
from ..text_rules import FORMULA_CHARACTERS
from .zipping import zip_date

TIMESTAMP = dt.datetime(2000, 1, 1, 0, 0)
MAX_ROWS = 1_048_575  # a sheet's rows below the header
MAX_CELL = 32_767
FORMULA_START = tuple(FORMULA_CHARACTERS)
MIN_WIDTH, MAX_WIDTH = 8, 60
_BOLD = Font(bold=True)


def fits(table: Table, arrow: pa.Table) -> str | None:
    """Why ``arrow`` cannot be a sheet, or None when it can."""
    if arrow.num_rows > MAX_ROWS:
        return f"{arrow.num_rows:,} rows, more than the {MAX_ROWS:,} a sheet holds"
    for f in table.fields:
        if f.type == "string" and arrow.num_rows:
            longest = pc.max(pc.utf8_length(arrow.column(f.name))).as_py() or 0
            if longest > MAX_CELL:
                return f"a {f.name} of {longest:,} characters, longer than the {MAX_CELL:,} a cell holds"
    return None


def _width(table: Table, arrow: pa.Table, name: str) -> float:
    f = table.field(name)
    longest = len(name)
    if f.type == "date":
        longest = max(longest, 10)
    elif arrow.num_rows:
        text = arrow.column(name) if f.type == "string" else pc.cast(arrow.column(name), pa.string())
        longest = max(longest, pc.max(pc.utf8_length(text)).as_py() or 0)
    return float(min(max(longest + 2, MIN_WIDTH), MAX_WIDTH))


def text_cell(ws: WriteOnlyWorksheet, value: str, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    cell.value = value
    cell.data_type = "s"  # never 'f', whatever the first character
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True
    if bold:
        cell.font = _BOLD
    return cell


def _cells(ws: WriteOnlyWorksheet, table: Table, arrow: pa.Table):
    types = [table.field(n).type for n in arrow.column_names]
    for batch in arrow.to_batches(max_chunksize=65536):
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for row in zip(*columns, strict=True):
            out = []
            for kind, value in zip(types, row, strict=True):
                if value is None:
                    out.append(None)
                elif kind == "string":
                    out.append(text_cell(ws, value))
                elif kind == "date":
                    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
                    cell = WriteOnlyCell(ws, value=day)
                    cell.number_format = "yyyy-mm-dd"
                    out.append(cell)
                else:
                    out.append(value)
            yield out


def _table_sheet(wb: Workbook, table: Table, arrow: pa.Table) -> None:
    ws = wb.create_sheet(table.name[:31])
    for i, name in enumerate(table.field_names, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _width(table, arrow, name)
    ws.freeze_panes = "A2"
    ws.append([text_cell(ws, name, bold=True) for name in table.field_names])
    for row in _cells(ws, table, arrow):
        ws.append(row)


def _readme_sheet(wb: Workbook, lines: list[tuple[str, str]]) -> None:
    ws = wb.create_sheet("README")
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    wrap = Alignment(wrap_text=True, vertical="top")
    for key, value in lines:
        right = text_cell(ws, value)
        right.alignment = wrap
        ws.append([text_cell(ws, key, bold=True), right])


def _repack(data: bytes, path: Path, wb: Workbook) -> None:
    """The workbook's parts in the order openpyxl wrote them, with fixed dates and core properties."""
    wb.properties.created = wb.properties.modified = TIMESTAMP
    core = tostring(wb.properties.to_tree())
    date = zip_date()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=date)
            member.external_attr = 0o100644 << 16
            member.create_system = 3
            body = core if info.filename == "docProps/core.xml" else src.read(info)
            out.writestr(member, body, compress_type=zipfile.ZIP_STORED)


def write_xlsx(decl: Declaration, tables: dict[str, pa.Table], readme: list[tuple[str, str]], path: Path) -> None:
    """Every table of ``decl`` from ``tables`` (typed Arrow tables, dates as date32 or ISO text) with
    the ``readme`` lines (label, text) on the first sheet, as ``path``."""
    wb = Workbook(write_only=True)
    left_out = [(t.name, why) for t in decl.tables.values() if (why := fits(t, tables[t.name]))]
    notes = [(f"{name}: no sheet", f"{why}; read it from the CSV, Parquet or SQLite files.") for name, why in left_out]
    _readme_sheet(wb, readme + notes)
    skipped = {name for name, _ in left_out}
    buffer = io.BytesIO()
    try:
        for t in decl.tables.values():
            if t.name not in skipped:
                _table_sheet(wb, t, tables[t.name])
        wb.save(buffer)
    except ValueError as exc:  # openpyxl refuses control characters the validator lets through
        raise ReleaseError(f"{path.name}: a cell cannot be written to Excel: {exc}") from exc
    _repack(buffer.getvalue(), path, wb)
