"""The package already in the output directory, read into DuckDB tables ``old_<name>``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from ...declaration import Declaration, Table
from ..common import ImporterError
from .sql import BLOCK_BYTES, quote

# Tables the import writes anew, whose old rows matter only for these columns (the others are
# read as "": every row is still parsed, so a malformed file is refused as before).
_OLD_COLUMNS_USED = {"claims": ("claim_id", "event_id", "source_id", "claimant_actor_id"), "event_actors": ()}


def load_existing(con: Any, out: Path, decl: Declaration) -> None:
    """Each table of ``out`` (empty when absent) as DuckDB table ``old_<name>``: every declared
    column as text ("" for an empty cell, a missing column, or one the import does not use), plus
    ``_row``, its file order. Read a batch at a time."""
    for table in decl.tables.values():
        path = out / table.path
        name = quote("old_" + table.name)
        columns = ", ".join(f"{quote(n)} VARCHAR" for n in table.field_names)
        con.execute(f"CREATE TABLE {name} (_row BIGINT, {columns})")
        if path.is_file():
            schema = pa.schema([("_row", pa.int64()), *((n, pa.string()) for n in table.field_names)])
            batches = pa.RecordBatchReader.from_batches(  # noqa: F841  (read by DuckDB by its name)
                schema, (b for t in _read_existing(path, table) for b in t.to_batches()))
            con.execute(f"INSERT INTO {name} SELECT * FROM batches")  # one insert, streamed


def _read_existing(path: Path, table: Table) -> Iterator[pa.Table]:
    import csv

    try:
        with path.open("rb") as fh:
            head = fh.readline()
    except OSError as exc:
        raise ImporterError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        header = [h.strip().lower() for h in next(csv.reader([head.decode("utf-8-sig")]), [])]
    except (UnicodeDecodeError, csv.Error):
        header = []
    if not header:
        raise ImporterError(f"{path}: the file is empty (no header row)")
    missing = [c for c in table.primary_key if c not in header]
    if missing:
        raise ImporterError(f"{path}:1: missing column(s) {', '.join(missing)}; "
                            f"the header has {', '.join(header[:60])}")
    names = [f"c{i}" for i in range(len(header))]  # the header may repeat a name
    position = {h: f"c{i}" for i, h in enumerate(header)}  # the last column of a name, as a dict row has
    used = _OLD_COLUMNS_USED.get(table.name, table.field_names)
    include = [position[f] for f in used if f in position] or names[:1]
    done = 0
    try:
        reader = pacsv.open_csv(
            path, read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, include_columns=include,
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
        for batch in reader:
            n = batch.num_rows
            empty = pa.repeat(pa.scalar("", pa.string()), n)
            columns = [pa.array(range(done, done + n), pa.int64())]
            columns += [batch.column(position[f]) if f in position and f in used else empty for f in table.field_names]
            done += n
            yield pa.table(columns, names=["_row", *table.field_names])
    except (pa.ArrowInvalid, OSError) as exc:
        raise ImporterError(f"{path}: malformed rows; the output directory is not an importer's package ({exc})"
                            ) from None

