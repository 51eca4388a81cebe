"""One SQLite database with the declared keys and constraints, generated from the declaration.

Every table gets its primary key, its foreign keys (self-references included), NOT NULL for
required fields and CHECK constraints for types, vocabularies, minimum/maximum, minimum length
and the ISO date shape. Regular-expression patterns are not expressible in plain SQLite and are
left to the validator. Two extra tables carry the vocabularies (labels, definitions, ACLED/UCDP
equivalents) and the package metadata, so the file is usable on its own.

The file is written deterministically: fixed page size, statements in declaration order, rows in
primary-key order, no timestamps, then VACUUM (written with VACUUM INTO, the same bytes)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..declaration import Declaration, Field, Table
from .errors import ReleaseError

VOCABULARY_TABLE = "sce_vocabulary"
PACKAGE_TABLE = "sce_package"
_AFFINITY = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "date": "TEXT"}
_TYPEOF = {"string": "text", "integer": "integer", "number": "real", "date": "text"}
ROWS_PER_BATCH = 1 << 16
_DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"no SQL literal for {value!r}")
    return repr(value)


def _checks(decl: Declaration, f: Field) -> list[str]:
    c = ident(f.name)
    checks = [f"typeof({c}) = '{_TYPEOF[f.type]}'"]
    if f.type == "string":
        checks.append(f"length({c}) > 0")  # an empty cell is NULL, never ''
    if f.type == "date":
        # date() alone echoes 2024-02-30; a modifier makes SQLite normalise it, exposing the change.
        checks.append(f"{c} GLOB '{_DATE_GLOB}' AND date({c}, '+0 days') IS {c}")
    enum = decl.enum(f)
    if enum is not None:
        checks.append(f"{c} IN ({', '.join(literal(v) for v in enum)})")
    if f.minimum is not None:
        checks.append(f"{c} >= {literal(f.minimum)}")
    if f.maximum is not None:
        checks.append(f"{c} <= {literal(f.maximum)}")
    if f.min_length is not None:
        checks.append(f"length({c}) >= {f.min_length}")
    return checks


def parent_checks(decl: Declaration, table: Table) -> list[str]:
    """A code of a vocabulary with a parent (sub_event_type) must belong to the parent code held
    in the same row (event_type), where the table has both fields."""
    out = []
    for f in table.fields:
        vocab = decl.vocabularies.get(f.vocabulary or "")
        if vocab is None or vocab.parent is None:
            continue
        for g in table.fields:
            if g.vocabulary != vocab.parent:
                continue
            children: dict[str, list[str]] = {}
            for c in vocab.codes:
                children.setdefault(str(c.extra[vocab.parent]), []).append(c.code)
            # CHECK allows no subquery, so the pairs are spelled as one CASE over the parent code.
            cases = " ".join(f"WHEN {literal(p)} THEN {ident(f.name)} IN ({', '.join(map(literal, kids))})"
                             for p, kids in children.items())
            out.append(f"{ident(f.name)} IS NULL OR {ident(g.name)} IS NULL OR "
                       f"(CASE {ident(g.name)} {cases} ELSE 0 END)")
    return out


def check_constraints(decl: Declaration, table: Table) -> list[tuple[str, str]]:
    """(what, SQL expression) of every CHECK constraint of the table: one per field, then the
    table's own (parent codes)."""
    out = []
    for f in table.fields:
        conds = " AND ".join(f"({x})" for x in _checks(decl, f))
        out.append((f.name, conds if f.required else f"{ident(f.name)} IS NULL OR ({conds})"))
    return out + [("parent code", c) for c in parent_checks(decl, table)]


def create_table_sql(decl: Declaration, table: Table) -> str:
    checks = check_constraints(decl, table)
    lines = []
    for f, (_, check) in zip(table.fields, checks, strict=False):
        null = " NOT NULL" if f.required else ""
        lines.append(f"  {ident(f.name)} {_AFFINITY[f.type]}{null} CHECK ({check})")
    lines += [f"  CHECK ({c})" for _, c in checks[len(table.fields):]]
    lines.append(f"  PRIMARY KEY ({', '.join(ident(k) for k in table.primary_key)})")
    for fk in table.foreign_keys:
        lines.append(
            f"  FOREIGN KEY ({', '.join(map(ident, fk.fields))}) "
            f"REFERENCES {ident(fk.table)} ({', '.join(map(ident, fk.reference))})"
        )
    return f"CREATE TABLE {ident(table.name)} (\n" + ",\n".join(lines) + "\n);"


def index_sql(table: Table) -> list[str]:
    """An index on each foreign key's columns (joins and FK checks)."""
    out = []
    for fk in table.foreign_keys:
        if tuple(fk.fields) == tuple(table.primary_key[: len(fk.fields)]):
            continue  # the primary key's index already serves it
        name = ident(f"{table.name}__{'__'.join(fk.fields)}")
        out.append(f"CREATE INDEX {name} ON {ident(table.name)} ({', '.join(map(ident, fk.fields))});")
    return out


def _metadata_sql() -> list[str]:
    return [
        f"CREATE TABLE {VOCABULARY_TABLE} (\n  vocabulary TEXT NOT NULL,\n  code TEXT NOT NULL,\n"
        "  label TEXT NOT NULL,\n  definition TEXT NOT NULL,\n  acled TEXT,\n  ucdp TEXT,\n"
        "  position INTEGER NOT NULL,\n  PRIMARY KEY (vocabulary, code)\n);",
        f"CREATE TABLE {PACKAGE_TABLE} (\n  key TEXT PRIMARY KEY,\n  value TEXT NOT NULL\n);",
    ]


def _check_names(decl: Declaration) -> None:
    clash = {VOCABULARY_TABLE, PACKAGE_TABLE} & set(decl.tables)
    if clash:
        raise ReleaseError(f"table name {sorted(clash)} is reserved for the SQLite metadata tables")


def schema_sql(decl: Declaration) -> str:
    """The whole DDL, in declaration order."""
    _check_names(decl)
    parts = [create_table_sql(decl, t) for t in decl.tables.values()]
    parts += [sql for t in decl.tables.values() for sql in index_sql(t)]
    parts += _metadata_sql()
    return "\n\n".join(parts) + "\n"


def _package_rows(decl: Declaration) -> list[tuple[str, str]]:
    pkg = decl.package
    rows = [("name", decl.name), ("title", str(pkg.get("title", ""))), ("version", decl.version),
            ("homepage", str(pkg.get("homepage", ""))),
            ("licenses", ", ".join(str(lic.get("name")) for lic in pkg.get("licenses", [])))]
    return [r for r in rows if r[1]]


def _check_rows(con: sqlite3.Connection, decl: Declaration, table: Table) -> None:
    """Every row against the table's CHECK constraints, the very expressions of its DDL (a CHECK
    fails where its expression is false, not where it is NULL, hence NOT (...))."""
    checks = check_constraints(decl, table)
    failing = ", ".join(f"NOT ({expr})" for _, expr in checks)
    any_failing = " OR ".join(f"NOT ({expr})" for _, expr in checks)
    rows = con.execute(f"SELECT rowid, {failing} FROM {ident(table.name)} WHERE {any_failing} LIMIT 50").fetchall()
    if rows:
        details = [f"{table.name} row {r[0]}: CHECK constraint failed: "
                   + ", ".join(what for (what, _), bad in zip(checks, r[1:], strict=True) if bad) for r in rows]
        raise ReleaseError(f"SQLite rejected a row of {table.name}: CHECK constraint failed", details)


def _rows(arrow: pa.Table) -> Iterator[tuple[Any, ...]]:
    """Row tuples of Python values (str, int, float or None), a batch of columns at a time."""
    for batch in arrow.to_batches(max_chunksize=ROWS_PER_BATCH):
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


def write_sqlite(decl: Declaration, tables: dict[str, pa.Table], path: Path) -> None:
    """Write the database at ``path`` (which must not exist) and check its foreign keys.

    The rows are loaded into a scratch file beside ``path``, which ``VACUUM INTO`` then writes out
    compacted (see :func:`_vacuum_into`).

    ``tables`` are :func:`columns.read_typed_table` tables (dates as ISO text). The statements run
    in the order of :func:`schema_sql`, but the foreign-key indexes are created after their rows
    are loaded (one sort instead of a B-tree insert per row); VACUUM then rewrites the file from
    the schema and the rows alone, so the bytes do not depend on when an index was filled."""
    _check_names(decl)
    load = path.with_name(f".{path.name}.load")
    con = sqlite3.connect(load, isolation_level=None)
    try:
        con.execute("PRAGMA page_size = 4096")
        # A fresh file in a temporary directory, discarded on any failure: no journal, no fsync.
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("PRAGMA cache_size = -262144")  # 256 MiB: the key B-trees stay in memory while loading
        con.execute("PRAGMA foreign_keys = OFF")  # rows referencing rows of their own table load in key order
        # Checked per table after loading instead (_check_rows): one query evaluates each CHECK once
        # per row, where an INSERT rebuilds the lookup of every IN list for every row (10x slower).
        con.execute("PRAGMA ignore_check_constraints = ON")
        for table in decl.tables.values():
            con.execute(create_table_sql(decl, table))
        con.execute("BEGIN")
        for table in decl.tables.values():
            names = table.field_names
            sql = (f"INSERT INTO {ident(table.name)} ({', '.join(map(ident, names))}) "
                   f"VALUES ({', '.join('?' * len(names))})")
            arrow = tables.get(table.name)
            try:
                if arrow is not None:
                    con.executemany(sql, _rows(arrow.select(names)))
            except sqlite3.IntegrityError as exc:
                raise ReleaseError(f"SQLite rejected a row of {table.name}: {exc}") from exc
        # The file's change counter (header bytes 24-27 and 92-95, kept by VACUUM) counts write
        # transactions: schema_sql run statement by statement, then one transaction for the rows.
        # The rows' transaction also takes the first statement after the tables, so the count,
        # and with it the file, is the same as when the whole schema is created first.
        later = [sql for t in decl.tables.values() for sql in index_sql(t)] + _metadata_sql()
        con.execute(later[0])
        con.execute("COMMIT")
        for sql in later[1:]:
            con.execute(sql)
        con.execute("BEGIN")
        con.executemany(
            f"INSERT INTO {VOCABULARY_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(v.name, c.code, c.label, c.definition, c.acled, c.ucdp, i)
             for v in decl.vocabularies.values() for i, c in enumerate(v.codes)],
        )
        con.executemany(f"INSERT INTO {PACKAGE_TABLE} VALUES (?, ?)", _package_rows(decl))
        con.execute("COMMIT")
        con.execute("PRAGMA ignore_check_constraints = OFF")
        for table in decl.tables.values():
            _check_rows(con, decl, table)
        dangling = con.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise ReleaseError("SQLite foreign key check failed",
                               [f"{t} rowid {r} -> {p}" for t, r, p, _ in dangling[:50]])
        _vacuum_into(con, load, path)
    finally:
        con.close()
        load.unlink(missing_ok=True)


def _vacuum_into(con: sqlite3.Connection, load: Path, path: Path) -> None:
    """The file plain VACUUM would leave at ``load``, written at ``path``: VACUUM writes the
    compacted copy to a temporary file and copies it back, twice the I/O of VACUUM INTO. Per the
    file format the two differ only in the file change counter (header offset 24, repeated as the
    version-valid-for number at offset 92): VACUUM sets it to the old counter + 1, VACUUM INTO to 1."""
    with load.open("rb") as fh:
        counter = int.from_bytes(fh.read(28)[24:28], "big")
    con.execute("VACUUM INTO ?", (str(path),))
    stamp = ((counter + 1) & 0xFFFFFFFF).to_bytes(4, "big")
    with path.open("r+b") as fh:
        for offset in (24, 92):
            fh.seek(offset)
            fh.write(stamp)
