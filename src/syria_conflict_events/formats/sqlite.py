"""One SQLite database with the declared keys and constraints, generated from the declaration.

Every table gets its primary key, its foreign keys (self-references included), NOT NULL for
required fields and CHECK constraints for types, the ISO date shape and each constraint kind
that plain SQLite can express (constraints.py: vocabularies, minimum/maximum, minimum length,
format); regular-expression patterns are not, and are left to the validator. Two extra tables
carry the vocabularies (labels, definitions, ACLED/UCDP equivalents) and the package metadata,
so the file is usable on its own.

The file is written deterministically (see :func:`write_sqlite`): fixed page size, statements in
declaration order, rows in primary-key order, no timestamps."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import adbc_driver_manager as adbc
import adbc_driver_sqlite.dbapi as adbc_sqlite
import pyarrow as pa
import pyarrow.compute as pc

from ..arrow_types import text_bytes
from ..constraints import Absent, declared, sql_literal
from ..declaration import Declaration, Field, Table
from ..exceptions import ReleaseError

VOCABULARY_TABLE = "sce_vocabulary"
PACKAGE_TABLE = "sce_package"
_AFFINITY = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "date": "TEXT"}
_TYPEOF = {"string": "text", "integer": "integer", "number": "real", "date": "text"}
_PROBE_TABLE = "sce_probe"
_PRAGMAS = (
    "page_size = 4096",
    # A fresh file in a temporary directory, removed on any failure: no journal, no fsync.
    "journal_mode = OFF",
    "synchronous = OFF",
    "cache_size = -262144",  # 256 MiB: the key B-trees stay in memory while loading
    "foreign_keys = OFF",  # rows referencing rows of their own table load in key order
    # CREATE INDEX may sort on a helper thread (same bytes): at 1M events the build took 27.2 and
    # 28.8 s against 30.6 and 34.9 s without (alternating runs; SQLite is the build's longest lane).
    "threads = 2",
    # Proved on the distinct values instead (_prove_checks): an INSERT rebuilds the lookup of every
    # IN list for every row (4x slower to load), where the proof evaluates each distinct value once.
    "ignore_check_constraints = ON",
)
_DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


literal = sql_literal


def _checks(decl: Declaration, f: Field) -> list[str]:
    c = ident(f.name)
    checks = [f"typeof({c}) = '{_TYPEOF[f.type]}'"]
    if f.type == "string":
        checks.append(f"length({c}) > 0")  # an empty cell is NULL, never ''
    if f.type == "date":
        # date() alone echoes 2024-02-30; a modifier makes SQLite normalise it, exposing the change.
        checks.append(f"{c} GLOB '{_DATE_GLOB}' AND date({c}, '+0 days') IS {c}")
    checks += [kind.sql(decl, f, c) for kind in declared(f) if not isinstance(kind.sql, Absent)]
    return checks


@dataclass(frozen=True)
class Constraint:
    """One CHECK constraint: what it is about, the columns its expression reads, the expression."""

    what: str
    columns: tuple[str, ...]
    sql: str
    by_length: bool = False  # reads its one text column only through typeof() and length()


def _parent_constraints(decl: Declaration, table: Table) -> list[Constraint]:
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
            out.append(Constraint("parent code", (f.name, g.name),
                                  f"{ident(f.name)} IS NULL OR {ident(g.name)} IS NULL OR "
                                  f"(CASE {ident(g.name)} {cases} ELSE 0 END)"))
    return out


def parent_checks(decl: Declaration, table: Table) -> list[str]:
    """A code of a vocabulary with a parent (sub_event_type) must belong to the parent code held
    in the same row (event_type), where the table has both fields."""
    return [c.sql for c in _parent_constraints(decl, table)]


def _constraints(decl: Declaration, table: Table) -> list[Constraint]:
    """Every CHECK constraint of the table: one per field, then the table's own (parent codes)."""
    out = []
    for f in table.fields:
        conds = " AND ".join(f"({x})" for x in _checks(decl, f))
        by_length = f.type == "string" and not any(kind.sql_reads_value for kind in declared(f)
                                                   if not isinstance(kind.sql, Absent))
        out.append(Constraint(f.name, (f.name,), conds if f.required else f"{ident(f.name)} IS NULL OR ({conds})",
                              by_length))
    return out + _parent_constraints(decl, table)


def check_constraints(decl: Declaration, table: Table) -> list[tuple[str, str]]:
    """(what, SQL expression) of every CHECK constraint of the table: one per field, then the
    table's own (parent codes)."""
    return [(c.what, c.sql) for c in _constraints(decl, table)]


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


def _sql(cur: Any, sql: str) -> list[tuple[Any, ...]]:
    """Run one statement, reading its rows if it has any (a statement left unread stays open)."""
    cur.execute(sql)
    return cur.fetchall() if cur.description else []


def _plain(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Dictionary-encoded (categorical) columns as their values: bound as the values they stand for."""
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


def _distinct(arrow: pa.Table, names: list[str]) -> pa.Table:
    """The distinct rows of ``names`` (a null is a value), in order of first appearance."""
    sub = pa.table({n: _plain(arrow.column(n)) for n in names})
    if len(names) == 1:
        return pa.table({names[0]: pc.unique(sub.column(0))})
    return sub.group_by(names, use_threads=False).aggregate([])


def _may_hold_nul(column: pa.ChunkedArray) -> bool:
    """Whether a value of a text column may hold a NUL character: a scan of its UTF-8 bytes."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return True
    # A copy, then memchr: 20x Arrow's equal.
    return any(text_bytes(chunk).tobytes().find(b"\x00") >= 0 for chunk in column.chunks)


def _one_per_length(arrow: pa.Table, name: str) -> pa.Table:
    """Values of a text column that stand for all of them in a CHECK reading only the value's
    storage class and ``length()`` (Arrow's text columns all bind as TEXT): the first value of
    each length in characters, and a null if there is one. SQLite's ``length()`` stops at the
    first NUL character, so a column that may hold one gets all its distinct values instead."""
    column = _plain(arrow.column(name))
    if _may_hold_nul(column):
        return _distinct(arrow, [name])
    lengths = pc.utf8_length(column).combine_chunks()
    kinds = pc.unique(lengths)  # a null is a kind of its own
    return pa.table({name: column.take(pc.index_in(kinds, value_set=lengths))})


def _probe(cur: Any, table: Table, values: pa.Table, where: str) -> list[tuple[Any, ...]]:
    """Rows of ``values`` (columns of ``table``) for which ``where`` holds, up to 50. The values go
    into a temporary table whose columns have the real columns' types, so SQLite stores them in
    the storage classes the real columns hold (the temporary database is not the file)."""
    types = {f.name: _AFFINITY[f.type] for f in table.fields}
    cols = ", ".join(f"{ident(n)} {types[n]}" for n in values.column_names)
    _sql(cur, f"CREATE TEMP TABLE {_PROBE_TABLE} ({cols})")
    try:
        if values.num_rows:
            cur.adbc_ingest(_PROBE_TABLE, values, mode="append", temporary=True)
        return _sql(cur, f"SELECT * FROM temp.{_PROBE_TABLE} AS v WHERE {where} LIMIT 50")
    finally:
        _sql(cur, f"DROP TABLE temp.{_PROBE_TABLE}")


def _prove_checks(cur: Any, decl: Declaration, table: Table, arrow: pa.Table) -> None:
    """Every CHECK of the table's DDL holds for every row. A CHECK reads the values of its own row
    only, so SQLite evaluates it, as the very expression of the DDL, on each distinct value (or
    pair of values) of the columns it reads; a CHECK that reads a text only through ``typeof``
    and ``length`` (``Constraint.by_length``) on one value of each length. A CHECK fails where
    its expression is false, not where it is NULL, hence NOT (...)."""
    details = []
    for c in _constraints(decl, table):
        values = _one_per_length(arrow, c.columns[0]) if c.by_length else _distinct(arrow, list(c.columns))
        for row in _probe(cur, table, values, f"NOT ({c.sql})"):
            shown = ", ".join(f"{n} = {v!r}" for n, v in zip(c.columns, row, strict=True))
            details.append(f"{table.name}: CHECK constraint failed: {c.what} ({shown})")
    if details:
        raise ReleaseError(f"SQLite rejected a row of {table.name}: CHECK constraint failed", details[:50])


def _prove_foreign_keys(decl: Declaration, table: Table, tables: dict[str, pa.Table]) -> None:
    """Every foreign key of the table has its parent row: an anti-join of the table's rows
    against the parent's rows, the very rows :func:`_load` then puts in the file (and counts there);
    the key columns hold text or integers, which SQLite and Arrow compare alike. A key with a
    null part references nothing, as in SQLite. PRAGMA foreign_key_check gives the same answer
    but takes a B-tree lookup per row (4 s at a million events)."""
    details = []
    for fk in table.foreign_keys:
        fields, ref = list(fk.fields), list(fk.reference)
        keys = pa.table({n: _plain(tables[table.name].column(n)) for n in fields})
        present = pc.is_valid(keys.column(0))
        for name in fields[1:]:
            present = pc.and_(present, pc.is_valid(keys.column(name)))
        parent = tables.get(fk.table)
        if parent is None:
            parent = pa.table({n: pa.array([], keys.column(n).type) for n in fields})
        else:
            parent = pa.table({n: _plain(parent.column(r)).cast(keys.column(n).type)
                               for n, r in zip(fields, ref, strict=True)})
        dangling = keys.filter(present).join(parent, keys=fields, join_type="left anti", use_threads=False)
        for row in dangling.slice(0, 50).to_pylist():
            shown = ", ".join(f"{n} = {v!r}" for n, v in row.items())
            details.append(f"{table.name} ({shown}) -> {fk.table}: no such row")
    if details:
        raise ReleaseError(f"SQLite foreign key check failed in {table.name}", details[:50])


def _metadata_tables(decl: Declaration) -> dict[str, pa.Table]:
    codes = [(v.name, i, c) for v in decl.vocabularies.values() for i, c in enumerate(v.codes)]
    text = pa.string()
    vocabulary = pa.table({
        "vocabulary": pa.array([v for v, _, _ in codes], text),
        "code": pa.array([str(c.code) for *_, c in codes], text),
        "label": pa.array([c.label for *_, c in codes], text),
        "definition": pa.array([c.definition for *_, c in codes], text),
        "acled": pa.array([c.acled for *_, c in codes], text), "ucdp": pa.array([c.ucdp for *_, c in codes], text),
        "position": pa.array([i for _, i, _ in codes], pa.int64()),
    })
    rows = _package_rows(decl)
    package = pa.table({"key": pa.array([k for k, _ in rows], text), "value": pa.array([v for _, v in rows], text)})
    return {VOCABULARY_TABLE: vocabulary, PACKAGE_TABLE: package}


def _load(cur: Any, decl: Declaration, tables: dict[str, pa.Table]) -> None:
    """The schema and every row, in one transaction: tables, rows, then the indexes (one sort each
    instead of a B-tree insert per row) and the metadata tables, in the order of :func:`schema_sql`."""
    _sql(cur, "BEGIN")
    for table in decl.tables.values():
        _sql(cur, create_table_sql(decl, table))
    for table in decl.tables.values():
        arrow = tables.get(table.name)
        if arrow is None or arrow.num_rows == 0:
            continue
        data = pa.table({n: _plain(arrow.column(n)) for n in table.field_names})
        try:
            cur.adbc_ingest(table.name, data, mode="append")
        except adbc.Error as exc:  # a duplicate key, a missing required value
            raise ReleaseError(f"SQLite rejected a row of {table.name}: {_reason(exc)}") from exc
    # CREATE INDEX sorts in runs of at most the cache's size, then merges them: 2 MiB runs stay in
    # the CPU's caches, where one 256 MiB run chases pointers through memory (5-6 s of CPU against
    # 10-13 s for the indexes at a million events). The file's bytes do not depend on it.
    _sql(cur, "PRAGMA cache_size = -2048")
    for sql in [sql for t in decl.tables.values() for sql in index_sql(t)] + _metadata_sql():
        _sql(cur, sql)
    for name, data in _metadata_tables(decl).items():
        if data.num_rows:
            cur.adbc_ingest(name, data, mode="append")
    _sql(cur, "COMMIT")
    for table in decl.tables.values():  # the file holds every row given, and no other
        arrow = tables.get(table.name)
        expected = 0 if arrow is None else arrow.num_rows
        (count,), = _sql(cur, f"SELECT count(*) FROM {ident(table.name)}")
        if count != expected:
            raise ReleaseError(f"SQLite holds {count} rows of {table.name}, not {expected}")


def _reason(exc: Exception) -> str:
    """SQLite's own words from a driver error ("UNIQUE constraint failed: events.event_id")."""
    text = str(exc)
    for line in text.splitlines():
        if "constraint failed" in line:
            return line.split("] ")[-1].strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def write_sqlite(decl: Declaration, tables: dict[str, pa.Table], path: Path, *,
                 foreign_keys_proved: bool = False) -> None:
    """Write the database at ``path`` (which must not exist), after proving its constraints hold.

    ``tables`` are :func:`columns.read_typed_table` tables (dates as ISO text), rows in primary-key
    order. First the proofs, so that bad input fails in a second, before anything is written:
    :func:`_prove_foreign_keys` and :func:`_prove_checks` (every CHECK of the DDL, evaluated by
    SQLite on the values the columns hold). Then :func:`_load`: the ADBC SQLite driver binds the
    Arrow columns in C (text, integer, real, NULL for a missing value) with the CHECKs and foreign
    keys off; primary keys and NOT NULL are enforced as rows go in, and the row counts are
    compared at the end. Any failure raises a :class:`ReleaseError` naming the table, and no file
    is left behind. ``foreign_keys_proved``: the caller has proved every declared foreign key on
    these very tables (the build passes the tables :func:`validate_package` found valid, whose
    foreign-key rule is the same anti-join), so the second proof (2 s at a million events) is skipped.

    The file is deterministic and compact without a VACUUM: one connection, one transaction,
    statements in a fixed order, rows appended in key order, indexes built after their rows,
    nothing ever deleted (no free pages; the proofs' tables are temporary, outside the file), no
    timestamps. The SQLite library is the one inside the driver's wheel, so the bytes do not
    depend on the system's SQLite. The function opens its own connection and shares no state, so
    a build may run it in a worker thread (the driver releases the GIL while SQLite works)."""
    _check_names(decl)
    if path.exists() or path.is_symlink():
        raise ReleaseError(f"{path} already exists")
    for table in decl.tables.values():
        if table.name in tables and not foreign_keys_proved:
            _prove_foreign_keys(decl, table, tables)
    done = False
    con = adbc_sqlite.connect(os.path.abspath(path), autocommit=True)
    try:
        cur = con.cursor()
        try:
            for pragma in _PRAGMAS:
                _sql(cur, f"PRAGMA {pragma}")
            for table in decl.tables.values():
                if table.name in tables:
                    _prove_checks(cur, decl, table, tables[table.name])
            _load(cur, decl, tables)
        finally:
            cur.close()
        done = True
    finally:
        con.close()
        if not done:
            path.unlink(missing_ok=True)
