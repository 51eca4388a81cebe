"""sce export TABLE --format csv|json|parquet [--out PATH] [--package DIR | --version X.Y.Z]: one
table as canonical CSV, JSON records (an array of objects, every field present, null when empty:
the release's form) or Parquet (the release's Arrow types). CSV and JSON go to standard output
without --out; Parquet needs --out. The output file is replaced in one step, never half-written."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cli import CommandError
from ._source import add_source_arguments, guarded, source_kwargs

if TYPE_CHECKING:
    import pandas as pd

    from ..loader import TableSpec

FORMATS = ("csv", "json", "parquet")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("export", help="write one table as CSV, JSON or Parquet", description=__doc__)
    p.add_argument("table", help="table name (see `sce info`)")
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument("--out", type=Path, help="output file (default: standard output for csv and json)")
    add_source_arguments(p)
    return p


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
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(frame.columns)
    writer.writerows(["" if v is None else v for v in row.values()] for row in rows)
    return buf.getvalue().encode("utf-8")


def _declared_table(spec: TableSpec) -> Any:
    """The installed declaration's table when it matches this package's schema (same fields and
    types), so Parquet is written with the release's own writer; else None."""
    from ..declaration import load_declaration

    table = load_declaration().tables.get(spec.name)
    if table is None or [(f.name, f.type) for f in table.fields] != [(c.name, c.type) for c in spec.columns]:
        return None
    return table


def parquet_bytes(frame: pd.DataFrame, rows: list[dict[str, Any]], spec: TableSpec) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = _declared_table(spec)
    sink = pa.BufferOutputStream()
    if table is not None:
        from ..declaration import load_declaration
        from ..release.writers_parquet import WRITE_OPTIONS, arrow_table

        pq.write_table(arrow_table(load_declaration(), table, rows), sink, **WRITE_OPTIONS)
    else:  # an older release's schema: the loader's types, as pyarrow maps them
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
    return sink.getvalue().to_pybytes()


def run(args: argparse.Namespace) -> int:
    from ..loader import load, open_source

    if args.format == "parquet" and args.out is None:
        raise CommandError("parquet output is binary: give --out PATH")
    if args.out is not None and not args.out.parent.is_dir():
        raise CommandError(f"{args.out.parent}: no such directory")
    kwargs = source_kwargs(args)
    frame = guarded(lambda: load(args.table, **kwargs))
    spec = guarded(lambda: open_source(**kwargs).spec(args.table))
    rows = records(frame)
    if args.format == "csv":
        data = csv_bytes(frame, rows)
    elif args.format == "json":
        from ..release.json_text import compact, lines_text

        data = lines_text("[", [compact(r) for r in rows], "]").encode("utf-8")  # the release's layout
    else:
        data = parquet_bytes(frame, rows, spec)
    if args.out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    from ..canonical import write_atomic

    try:
        write_atomic(args.out, data)
    except OSError as exc:
        raise CommandError(f"{args.out}: cannot write: {exc.strerror}") from exc
    print(f"wrote {args.out} ({len(frame):,} rows, {len(data):,} bytes)", file=sys.stderr)
    return 0
