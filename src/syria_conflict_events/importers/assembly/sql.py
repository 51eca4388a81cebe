"""The DuckDB helpers every table's step of the assembly uses: quoting, inserting Arrow columns,
reading the existing package's small tables, and the constants of batches and event order."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

BATCH_ROWS = 65_536
# Rows per batch of the finished lines written (issue 17): a batch of 65,536 claims' lines is ~33 MB,
# and DuckDB's Arrow stream holds a few; 8,192 lowered the peak of a 2.5M-row ACLED import from
# 635 to 535 MiB (2,048: no lower) at no measurable cost in time (benchmarks/README.md).
WRITE_ROWS = 8_192
BLOCK_BYTES = 2 << 20
ID_NUMBER = r"^[A-Z]+-([0-9]+)$"
POS_SCALE = 1 << 20  # (event order, position in the event) as one number: order * POS_SCALE + position


def numbered_id(prefix: str, last: int, number: str) -> str:
    """SQL for the id ``prefix`` + the number ``last`` + ``number`` (a SQL expression), at least six
    digits. In BIGINT while it fits: DuckDB's printf of a HUGEINT cost 3.5 s per 5M ids, of a
    BIGINT 0.3 s (an old id's number may be of any length, hence HUGEINT beyond)."""
    kind = "BIGINT" if last < 1 << 62 else "HUGEINT"
    return f"printf('{prefix}-%06d', {last}::{kind} + {number})"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def insert_columns(con: Any, table: str, columns: dict[str, list[Any]]) -> None:
    arrow = pa.table(columns)  # noqa: F841  (read by DuckDB by its name)
    con.execute(f"INSERT INTO {table} SELECT * FROM arrow")


def uses_of(con: Any, query: str) -> list[tuple[int, int, int]]:
    """(spec number, first use, last use) from ``query``'s (spec, order) rows, by first use."""
    return [tuple(r) for r in con.execute(f"SELECT spec, min(o), max(o) FROM ({query}) GROUP BY spec ORDER BY 2")
            .fetchall()]


def old_columns(con: Any, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {quote('old_' + table)}").fetchall() if r[0] != "_row"]


def old_rows(con: Any, table: str) -> list[dict[str, str]]:
    """The rows of a small table of the existing package (places, actors, sources, the actors'
    external ids), in file order."""
    where = " WHERE table_name = 'actors'" if table == "external_ids" else ""
    reader = con.sql(f"SELECT * EXCLUDE (_row) FROM {quote('old_' + table)}{where} ORDER BY _row").to_arrow_reader(
        BATCH_ROWS)
    return [row for batch in reader for row in batch.to_pylist()]


def rows_table(con: Any, name: str, rows: Any, columns: list[str]) -> None:
    """A table ``name`` of dict rows (text, "" for a column a row lacks), with ``_row``, their order."""
    rows = list(rows)
    data: dict[str, list[Any]] = {"_row": list(range(len(rows)))}
    data.update({c: [r.get(c) or "" for r in rows] for c in columns})
    arrow = pa.table(data)  # noqa: F841  (read by DuckDB by its name)
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM arrow")


def numbered(ids: list[str]) -> list[int]:
    number: dict[str, int] = {}
    return [number.setdefault(i, len(number)) for i in ids]

