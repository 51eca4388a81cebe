"""The validated tables read once, column-wise, as typed Arrow tables for every writer.

The files have passed validation before this runs, so a typed read is exact: "" is null, an
integer field is int64 (a value Arrow cannot parse is an error, never a guess). Strings and dates
stay text (dates are ISO strings in JSON and SQLite; Parquet casts them). Number fields are parsed
by Python's ``float`` exactly as :func:`values.to_value` does, so every format holds the same
doubles as before. Rows come out in primary-key order, the order :func:`values.records` gives."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..arrow_types import ARROW_TYPES
from ..declaration import Declaration, Table
from ..exceptions import ReleaseError
from ..formats.arrow_csv import read_csv
from ..safe_files import UnsafeFile, read_bounded

MAX_BYTES = 512 * 1024 * 1024  # the validator's default limit; the files were checked against it
_READ_TYPES = {"string": pa.string(), "date": pa.string(), "integer": pa.int64(), "number": pa.string()}


def _floats(column: pa.ChunkedArray) -> pa.Array:
    return pa.array([None if v is None else float(v) for v in column.to_pylist()], pa.float64())


def read_typed_table(root: Path, table: Table, max_bytes: int = MAX_BYTES) -> pa.Table:
    """One validated CSV as an Arrow table with the declared column order and types."""
    names = table.field_names
    try:
        data = read_bounded(root, root / table.path, max_bytes)  # never follows a link out of the package
    except (UnsafeFile, OSError) as exc:
        raise ReleaseError(f"{table.path} could not be read: {exc}") from exc
    if len(data) > max_bytes:
        raise ReleaseError(f"{table.path} is larger than {max_bytes:,} bytes")
    try:
        arrow = read_csv(pa.BufferReader(data), {f.name: _READ_TYPES[f.type] for f in table.fields},
                         block_size=1 << 24, include_columns=names)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ReleaseError(f"{table.path} does not read as its declared types: {str(exc)[:300]}") from exc
    del data
    if arrow.column_names != names:
        raise ReleaseError(f"{table.path}: columns {arrow.column_names} are not the declared {names}")
    for i, f in enumerate(table.fields):
        if f.type == "number":
            arrow = arrow.set_column(i, f.name, _floats(arrow.column(i)))
    return in_key_order(table, arrow)


def _is_key_sorted(table: Table, arrow: pa.Table) -> bool:
    """Whether each row's key is <= the next one's (lexicographic over the key columns; Arrow
    compares strings by UTF-8 bytes, i.e. by code point like Python)."""
    if arrow.num_rows < 2:
        return True
    ok = None
    for k in reversed(table.primary_key):
        col = arrow.column(k)
        if col.null_count:
            return False
        head, tail = col.slice(0, arrow.num_rows - 1), col.slice(1)
        ok = pc.less_equal(head, tail) if ok is None else pc.or_(pc.less(head, tail),
                                                                 pc.and_(pc.equal(head, tail), ok))
    return bool(pc.all(ok).as_py())


def in_key_order(table: Table, arrow: pa.Table) -> pa.Table:
    """``arrow`` sorted by primary key, missing first (as :func:`values.sort_key`); canonical files
    are already in order, which a linear check confirms without sorting."""
    if _is_key_sorted(table, arrow):
        return arrow
    order = pc.sort_indices(arrow, sort_keys=[(k, "ascending", "at_start") for k in table.primary_key])  # stable
    return arrow.take(order)




def from_validated(decl: Declaration, validated: dict[str, pa.Table], validated_rows: dict[str, int]
                   ) -> tuple[dict[str, pa.Table], dict[str, pa.Table]]:
    """The tables ``validate_package(..., keep_tables=True)`` checked, without reading the files
    again: (tables as :func:`read_typed_tables` gives them, the same with dates as date32).

    The validator's tables hold the same values: its number parser is Arrow's cast, which rounds
    like Python's ``float`` (both correctly rounded; tests/test_release_columnar.py), and it reads
    with the same CSV options. Only dates differ (date32 here, ISO text in the writers that want
    text; Arrow prints them as YYYY-MM-DD, the validated form)."""
    text, dated = {}, {}
    for t in decl.tables.values():
        arrow = validated.get(t.name)
        if arrow is None or arrow.num_rows != validated_rows.get(t.name):
            raise ReleaseError(f"{t.path}: the validator kept no table of it")
        expected = [ARROW_TYPES[f.type] for f in t.fields]
        if arrow.column_names != t.field_names or arrow.schema.types != expected:
            raise ReleaseError(f"{t.path}: the validated table has columns {arrow.column_names} of types "
                               f"{arrow.schema.types}, not the declared {t.field_names} of types {expected}")
        arrow = in_key_order(t, arrow)
        dated[t.name] = arrow
        for i, f in enumerate(t.fields):
            if f.type == "date":
                arrow = arrow.set_column(i, f.name, pc.cast(arrow.column(i), pa.string()))
        text[t.name] = arrow
    return text, dated


def read_typed_tables(root: Path, decl: Declaration, validated_rows: dict[str, int]) -> dict[str, pa.Table]:
    """Every table of the package; the row counts must be the ones validation reported."""
    out = {}
    for t in decl.tables.values():
        arrow = read_typed_table(root, t)
        expected = validated_rows.get(t.name)
        if expected is not None and expected != arrow.num_rows:
            raise ReleaseError(f"{t.path}: read {arrow.num_rows} rows, validation counted {expected}")
        out[t.name] = arrow
    return out
