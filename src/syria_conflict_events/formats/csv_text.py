"""CSV text of typed Arrow tables, built column-wise, in the canonical dialect of data/*.csv.

The definition is :func:`rows_text`: ``csv.writer(lineterminator="\\n", quoting=csv.QUOTE_MINIMAL)``
of each row's Python values (missing as an empty cell). The fast code gives the same bytes a
batch of rows at a time, without a Python object per cell:

* integers by Arrow's cast (its decimal text is ``str(int)``), dates by Arrow's ISO text (what
  ``strftime("%Y-%m-%d")`` writes, years zero-padded), floats by :func:`json_text.float_texts`
  (``repr``, which is ``str`` of a float) with Python's ``str`` for the rare non-finite ones;
* strings as they are, except the cells holding a comma or a quote (found with numpy in the UTF-8
  buffer), which are quoted with their quotes doubled, as QUOTE_MINIMAL does; a cell with a
  control character (line break, carriage return, NUL, tab ...) is rare and rendered by
  ``csv.writer`` itself, whose rules for those differ between Python versions;
* a row of one missing cell is ``""`` (csv.writer's way of writing a row that is not empty);
* the cells are joined element-wise with commas in one Arrow call per batch (and the newline in one), so
  the batch's text is the joined array's data buffer and is written as it is (``large_string``
  where a batch's text could pass 2 GiB)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrow_types import text_bytes, text_offsets
from .json_text import as_array, batches, float_texts, widened

_COMMA, _QUOTE = ord(","), ord('"')


# -- the definition -------------------------------------------------------------------------------

def rows_text(rows: Iterable[Sequence[Any]]) -> str:
    """The canonical CSV text of rows of Python values (None = missing): what the fast code matches."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(
        ["" if v is None else v for v in row] for row in rows)
    return buf.getvalue()


def header_text(names: Sequence[str]) -> str:
    return rows_text([names])


# -- cells ---------------------------------------------------------------------------------------

def _special_rows(column: pa.Array) -> tuple[np.ndarray, bool, bool] | None:
    """Which rows hold a comma, a quote or a control character, whether any holds a control
    character and whether any holds a quote (None when no row needs quoting)."""
    data = text_bytes(column)
    if data.size == 0:
        return None
    controls = bool(data.min() < 0x20)
    raw = data.tobytes()
    quotes = b'"' in raw
    if not controls and not quotes and b"," not in raw:
        return None  # the common case, by memchr
    special = (data == _COMMA) | (data == _QUOTE)
    if controls:
        special |= data < 0x20
    offsets = text_offsets(column)
    rows = np.zeros(len(column), bool)
    rows[np.searchsorted(offsets, np.flatnonzero(special) + offsets[0], side="right") - 1] = True
    return rows, controls, quotes


def _writer_cell(value: str) -> str:
    return rows_text([[value]])[:-1]  # a non-empty cell alone is written as in any row


def string_cells(column: pa.Array) -> pa.Array:
    """Each string as its CSV cell (nulls stay null)."""
    found = _special_rows(column)
    if found is None:
        return column
    rows, controls, quotes = found
    mask = pa.array(rows)
    picked = column.filter(mask)
    if controls:
        cells = pa.array([_writer_cell(v) for v in picked.to_pylist()], column.type)
    else:
        q = pa.scalar('"', column.type)
        inner = pc.replace_substring(picked, '"', '""') if quotes else picked
        cells = pc.binary_join_element_wise(q, inner, q, pa.scalar("", column.type))
    return pc.replace_with_mask(column, mask, cells)


def _float_cells(column: pa.Array) -> pa.Array:
    texts = float_texts(column)  # json.dumps's text: repr for finite floats, what str writes too
    odd = pc.and_(pc.is_valid(column), pc.invert(pc.is_finite(column)))
    if not pc.any(odd).as_py():
        return texts
    exact = [str(v) for v in column.filter(odd).to_pylist()]  # inf, -inf, nan as Python writes them
    return pc.replace_with_mask(texts, odd, pa.array(exact, pa.string()))


def cells(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A column's CSV cells, null where missing."""
    column = as_array(column)
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return string_cells(column)
    if pa.types.is_integer(kind) or pa.types.is_date32(kind):
        return pc.cast(column, pa.string())
    if pa.types.is_floating(kind):
        return _float_cells(column)
    raise TypeError(f"no CSV text for Arrow type {kind}")


def line_texts(batch: pa.RecordBatch | pa.Table) -> pa.Array:
    """Each row's line, its final newline included."""
    columns = [cells(c) for c in batch.columns]
    if any(pa.types.is_large_string(c.type) for c in columns):
        columns = [c.cast(pa.large_string()) for c in columns]
    kind = columns[0].type
    missing = '""' if len(columns) == 1 else ""  # csv.writer never writes a row as an empty line
    # The comma as the join's separator, the newline ending the last cell: at 1M events this took
    # 0.6 s where commas and the newline as arguments of their own took 0.9-1.1 s.
    last = pc.binary_join_element_wise(columns[-1], pa.scalar("\n", kind), pa.scalar("", kind),
                                       null_handling="replace", null_replacement=missing)
    return pc.binary_join_element_wise(*columns[:-1], last, pa.scalar(",", kind), null_handling="replace",
                                       null_replacement="")


def _data(texts: pa.Array) -> memoryview:
    offsets = text_offsets(texts)
    return memoryview(texts.buffers()[2])[int(offsets[0]):int(offsets[-1])]


def write_csv(out: BinaryIO, table: pa.Table) -> None:
    """The header and every row of ``table`` (string, integer, float or date32 columns)."""
    out.write(header_text(table.column_names).encode("utf-8"))
    if not table.num_columns:
        return
    for batch in batches(table):
        if batch.num_rows:  # quoting at most doubles a cell: widened's bound (JSON's escapes) covers it
            out.write(_data(line_texts(widened(batch, batch.num_columns + 3))))
