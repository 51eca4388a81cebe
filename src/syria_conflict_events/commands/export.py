"""sce export TABLE --format csv|json|parquet [--out PATH] [--package DIR | --version X.Y.Z]: one
table as canonical CSV (each cell's text as the package stores it: the export of a canonical file
is that file, byte for byte), JSON records (an array of objects, every field present, null when empty:
the release's form) or Parquet (the release's Arrow types). CSV and JSON go to standard output
without --out; Parquet needs --out. The output file is replaced in one step, never half-written."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ..exceptions import CommandError
from ._source import add_source_arguments, guarded, source_kwargs

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from ..loader import TableSpec

FORMATS = ("csv", "json", "parquet")

# How it works: the table is read as Arrow text columns and typed column by column by the loader
# (loader.typed_arrow: the values `load` gives, cells it cannot read missing, with its warning),
# then written a batch of rows at a time into a temporary file next to --out (renamed when
# complete) or to standard output, by the release's column-wise writers (json_text, csv_text,
# writers_parquet). Memory is the table's columns plus one batch of text. Only the Parquet of a
# package whose Table Schema is not the installed declaration's (an older release: pandas' types)
# takes the row-by-row path below: rare, and slower.


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("export", help="write one table as CSV, JSON or Parquet", description=__doc__)
    p.add_argument("table", help="table name (see `sce info`)")
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument("--out", type=Path, help="output file (default: standard output for csv and json)")
    add_source_arguments(p)
    return p


# -- row by row (the definition; the fallback) ----------------------------------------------------

def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: dates as ISO strings, integers as int, missing as None."""
    import pandas as pd

    columns = {}
    for name, col in frame.items():
        if isinstance(col.dtype, pd.CategoricalDtype):
            values = col.astype(object).tolist()  # the codes themselves (str or int)
        elif col.dtype.kind == "M":
            values = col.dt.strftime("%Y-%m-%d").tolist()
        else:
            values = col.tolist()
        columns[name] = [None if v is None or v is pd.NA or v != v else v for v in values]
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def csv_bytes(frame: pd.DataFrame, rows: list[dict[str, Any]]) -> bytes:
    """The canonical dialect of data/*.csv: comma, LF, minimal quoting, empty = missing."""
    from ..formats.csv_text import rows_text

    return rows_text([list(frame.columns), *(row.values() for row in rows)]).encode("utf-8")


def _declared_table(spec: TableSpec) -> Any:
    """The installed declaration's table when it matches this package's schema (same fields and
    types), so Parquet is written with the release's own writer; else None."""
    from ..declaration import load_declaration

    table = load_declaration().tables.get(spec.name)
    if table is None or [(f.name, f.type) for f in table.fields] != [(c.name, c.type) for c in spec.columns]:
        return None
    return table


def _parquet_errors(spec: TableSpec, write: Callable[[], None]) -> None:
    """Run a Parquet writer; a value Parquet cannot hold (a required field's cell that was not
    readable, a code outside the declared vocabulary) is a clear error, not a traceback."""
    import pyarrow as pa

    from ..exceptions import ReleaseError

    try:
        write()
    except (pa.ArrowException, ReleaseError, KeyError) as exc:
        raise CommandError(f"{spec.path}: cannot be written as Parquet ({exc}); run `sce validate`") from exc


def parquet_bytes(frame: pd.DataFrame, rows: list[dict[str, Any]], spec: TableSpec) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = _declared_table(spec)
    sink = pa.BufferOutputStream()
    if table is not None:
        from ..declaration import load_declaration
        from ..formats.parquet import WRITE_OPTIONS, arrow_table

        _parquet_errors(spec, lambda: pq.write_table(arrow_table(load_declaration(), table, rows), sink,
                                                     **WRITE_OPTIONS))
    else:  # an older release's schema: the loader's types, as pyarrow maps them
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
    return sink.getvalue().to_pybytes()


def rowwise_bytes(fmt: str, frame: pd.DataFrame, spec: TableSpec) -> bytes:
    """The whole output from the loaded frame, a Python dict per row."""
    rows = records(frame)
    if fmt == "csv":
        return csv_bytes(frame, rows)
    if fmt == "json":
        from ..formats.json_text import compact, lines_text

        return lines_text("[", [compact(r) for r in rows], "]").encode("utf-8")  # the release's layout
    return parquet_bytes(frame, rows, spec)


# -- column-wise ----------------------------------------------------------------------------------

def write_columnwise(fmt: str, typed: pa.Table, spec: TableSpec, out: BinaryIO) -> None:
    """``typed`` (the loader's values as Arrow columns: string, int64, float64, date32) written
    as ``rowwise_bytes`` writes the same values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if fmt == "csv":
        from ..formats.csv_text import write_csv

        write_csv(out, typed)
    elif fmt == "json":
        from ..formats.json_text import write_records

        for i, column in enumerate(typed.columns):
            if pa.types.is_date32(column.type):  # ISO text, as the frame's dates are written
                typed = typed.set_column(i, typed.field(i).name, pc.cast(column, pa.string()))
        write_records(out, typed)
    else:
        import pyarrow.parquet as pq

        from ..declaration import load_declaration
        from ..formats.parquet import WRITE_OPTIONS, typed_arrow_table

        decl = load_declaration()
        table = _declared_table(spec)
        _parquet_errors(spec, lambda: pq.write_table(typed_arrow_table(decl, table, typed), out, **WRITE_OPTIONS))


# -- the command ----------------------------------------------------------------------------------

def _writer(fmt: str, table: str, kwargs: dict[str, Any]) -> tuple[Callable[[BinaryIO], None], int]:
    """What writes the output, and the number of rows."""
    from ..loader import convert, load_text, typed_arrow, warn_unreadable

    spec, text = guarded(lambda: load_text(table, **kwargs))
    if fmt == "csv":  # each cell's text as the package stores it ("36.20" stays "36.20", "007" stays "007")
        from ..formats.csv_text import write_csv

        stored = text
        return (lambda out: write_csv(out, stored)), stored.num_rows
    if fmt == "parquet" and _declared_table(spec) is None:
        frame, problems = convert(text, spec)
        warn_unreadable(problems)
        data = rowwise_bytes(fmt, frame, spec)
        return (lambda out: out.write(data)), len(frame)
    typed, problems = typed_arrow(text, spec)
    del text  # the typed columns keep what they share with it
    warn_unreadable(problems)  # the cells read as missing, as load() says
    return (lambda out: write_columnwise(fmt, typed, spec, out)), typed.num_rows


def run(args: argparse.Namespace) -> int:
    if args.format == "parquet" and args.out is None:
        raise CommandError("parquet output is binary: give --out PATH")
    if args.out is not None and not args.out.parent.is_dir():
        raise CommandError(f"{args.out.parent}: no such directory")
    from ..memory_pool import prefer_jemalloc

    prefer_jemalloc()  # as sce validate and sce build: the table moves through Arrow
    write, rows = _writer(args.format, args.table, source_kwargs(args))
    if args.out is None:
        write(sys.stdout.buffer)
        sys.stdout.flush()
        return 0
    from ..atomic import atomic_output

    try:
        with atomic_output(args.out) as out:
            write(out)
            size = out.tell()
    except OSError as exc:
        raise CommandError(f"{args.out}: cannot write: {exc.strerror or exc}") from exc
    print(f"wrote {args.out} ({rows:,} rows, {size:,} bytes)", file=sys.stderr)
    return 0
