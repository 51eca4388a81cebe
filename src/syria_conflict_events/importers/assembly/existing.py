"""The package already in the output directory, read into DuckDB as ``old_<name>`` (a view of the file's rows).

DuckDB parses the files itself (every cell as text, on both cores): reading them with Arrow and
inserting the batches cost a re-import ≈ 0.45 s CPU more at 83k events than DuckDB's own reader
(issue 17). The header is checked in Python first, so a file without one or without its key
columns is refused by name, as before."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ...declaration import Declaration, Table
from ..common import ImporterError, _check_utf8
from .sql import quote

# Tables whose old rows matter only for these columns (the others are read as ""). Every row is
# still parsed and the whole file checked as UTF-8, so a malformed file is refused as before.
_OLD_COLUMNS_USED = {"claims": ("claim_id", "event_id", "source_id", "claimant_actor_id"), "event_actors": ()}
# Tables read only when needed, before their file is replaced: a file with the bytes the import
# writes is well formed and needs no reading (:func:`load_late`). claims, for the ids to keep;
# events, for the comparison of old and new rows and the check that the import wrote them;
# event_actors, whose old rows no step uses, only to refuse a malformed file.
# Issue 17: parsing and checking events.csv and event_actors.csv cost a 2.5M-row re-import that
# writes nothing 2.6-3.4 s and 1.2 s.
_READ_LATE = {"claims", "event_actors", "events"}


def load_existing(con: Any, out: Path, decl: Declaration) -> None:
    """Each table of ``out`` (empty when absent) as DuckDB ``old_<name>``: every declared
    column as text ("" for an empty cell, a missing column, or one the import does not use), plus
    ``_row``, its file order."""
    for table in decl.tables.values():
        path = out / table.path
        name = quote("old_" + table.name)
        if not path.is_file() or table.name in _READ_LATE:
            columns = ", ".join(f"{quote(n)} VARCHAR" for n in table.field_names)
            con.execute(f"CREATE TABLE {name} (_row BIGINT, {columns})")
            continue
        header = _header(path, table)
        used = _OLD_COLUMNS_USED.get(table.name, table.field_names)
        if len(used) < len(table.field_names):
            _check_text(path)  # the columns DuckDB does not read, it does not check
        _read(con, path, table, header, name, used)


def load_late(con: Any, out: Path, decl: Declaration, name: str) -> None:
    """Table ``name`` of :data:`_READ_LATE` as ``old_<name>`` (empty until then), its used columns
    (every column for events): called before its file is replaced, so a malformed file is refused
    then, with no file replaced (:func:`assembly.assemble_and_write`)."""
    table = decl.tables[name]
    path = out / table.path
    if path.is_file():
        header = _header(path, table)
        _check_text(path)  # the columns DuckDB does not read, it does not check
        con.execute(f"DROP TABLE {quote('old_' + name)}")
        _read(con, path, table, header, quote("old_" + name), _OLD_COLUMNS_USED.get(name, table.field_names))


def _check_text(path: Path) -> None:
    try:
        _check_utf8(path)
    except ImporterError as exc:
        raise ImporterError(f"{path}: malformed rows; the output directory is not an importer's package ({exc})"
                            ) from None


def _header(path: Path, table: Table) -> list[str]:
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
    return header


def _read(con: Any, path: Path, table: Table, header: list[str], name: str, used: tuple[str, ...] | list[str]
          ) -> None:
    import duckdb

    names = [f"c{i}" for i in range(len(header))]  # the header may repeat a name
    position = {h: f"c{i}" for i, h in enumerate(header)}  # the last column of a name, as a dict row has
    spec = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    # Strict: a row with too few or too many cells, an unclosed quote or bytes that are not UTF-8
    # is an error, as Arrow's reader made it.
    raw = "old_raw_" + table.name
    kept = [position[f] for f in table.field_names if f in position and f in used]
    # Only the columns used are kept (every cell is still parsed: a malformed file is refused);
    # the file's order kept as the insertion order, so rowid is the row's place in the file.
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute(f"""
            CREATE OR REPLACE TABLE {quote(raw)} AS SELECT {", ".join(kept) or "NULL AS none"}
            FROM read_csv(?, columns = {spec}, header = false, skip = 1, auto_detect = false, delim = ',',
                quote = '"', escape = '"',
                allow_quoted_nulls = false, strict_mode = true, null_padding = false, ignore_errors = false)""",
                    [str(path)])
    except duckdb.Error as exc:
        raise ImporterError(f"{path}: malformed rows; the output directory is not an importer's package "
                            f"({str(exc).splitlines()[0]})") from None
    finally:
        con.execute("SET preserve_insertion_order = false")
    cells = ", ".join(f"coalesce({position[f]}, '') AS {quote(f)}" if f in position and f in used
                      else f"'' AS {quote(f)}" for f in table.field_names)
    # A view: a copy of the rows cost as much as reading the file.
    con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT rowid AS _row, {cells} FROM {quote(raw)}")
