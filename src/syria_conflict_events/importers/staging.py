"""Where an import's rows wait between reading and assembly: Parquet files and DuckDB, on disk.

An importer maps each input row to an event and hands it to :class:`Staging`, which keeps the
places, actors and sources it names once each (specs, numbered as first seen: as many as the
export has distinct ones) and appends the event's rows, a few thousand at a time, to the staged
tables in a temporary directory. The per-event tables (events, their actors, claims and external
ids) are written as Parquet files, which DuckDB reads as views: inserting them into DuckDB's own
tables cost more than the rest of the staging (compressed when committed, and spilled under the
memory limit; 12 s of a 2.5M-row ACLED import, issue 17), while a Parquet part is written by Arrow
in a fraction of that and read back by DuckDB in parallel. DuckDB runs under a fixed memory limit
and spills to that directory, so an export of any length is imported in the same memory; the
assembly (:mod:`.assembly`) then works on these tables with SQL.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .common import EventRecord, Problem

# DuckDB's own memory (its buffer pool, sorts and joins spill to disk above it).
MEMORY_LIMIT = "256MB"
FLUSH_EVENTS = 16_384
FLUSH_ROWS = 65_536  # rows of a Parquet part (what waits in memory per table)
_DUCKDB_TYPE = {pa.string(): "VARCHAR", pa.int32(): "INTEGER", pa.int64(): "BIGINT"}


class Specs:
    """Distinct specs (places, actors or sources), each with its number, in order of first use."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._number: dict[Hashable, int] = {}

    def number(self, spec: Hashable) -> int:
        n = self._number.get(spec)
        if n is None:
            n = self._number[spec] = len(self.items)
            self.items.append(spec)
        return n


def _connect(directory: Path) -> Any:
    import duckdb

    con = duckdb.connect(":memory:")  # its blocks spill to temp_directory above the limit
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{directory / 'spill'}'")
    con.execute("SET preserve_insertion_order = false")
    # DuckDB draws a progress bar on stdout for a query that runs over 2 s: not in sce's output.
    con.execute("SET enable_progress_bar = false")
    return con


class Staging:
    """The staged rows of one import (a context manager: its directory is removed at the end)."""

    def __init__(self, event_fields: list[str]):
        self.directory = Path(tempfile.mkdtemp(prefix="sce-import-"))
        self.con = _connect(self.directory)
        self.event_fields = event_fields
        self.places, self.actors, self.sources = Specs(), Specs(), Specs()
        self.filtered = 0
        self.inter_of: dict[str, str] = {}  # ACLED: actor name -> the first inter code given for it
        self._names: dict[str, list[str]] = {}
        self._pending: dict[str, list[pa.Table]] = {}
        self._pending_rows: dict[str, int] = {}
        text, i32, i64 = pa.string(), pa.int32(), pa.int64()
        # ident: which place spec object the row-by-row importer held (UCDP: one per distinct raw place
        # cells; ACLED: one per row, -line), which decides the event a place's point cites.
        self.schemas = {
            "events_in": pa.schema([("line", i64), ("ext", text), ("place", i32), ("ident", i64),
                                    *((f, text) for f in event_fields)]),
            "actors_in": pa.schema([("line", i64), ("pos", i32), ("actor", i32), ("role", text)]),
            "claims_in": pa.schema([("line", i64), ("pos", i32), ("source", i32), ("claimant", i32), ("claim", text),
                                    ("fatalities", text), ("stance", text), ("low", text), ("high", text)]),
            "ext_in": pa.schema([("line", i64), ("pos", i32), ("scheme", text), ("value", text)]),
        }
        self._parts: dict[str, list[str]] = {}
        for table, schema in self.schemas.items():
            (self.directory / table).mkdir()
            columns = ", ".join(f'"{f.name}" {_DUCKDB_TYPE[f.type]}' for f in schema)
            self.con.execute(f"CREATE TABLE {table}_none ({columns})")
            self._view(table)
        self.con.execute("CREATE TABLE problems (line BIGINT, seq INTEGER, warning BOOLEAN, text VARCHAR)")
        self.con.execute("CREATE TABLE rejected (line BIGINT, ext VARCHAR)")
        self._reset()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _reset(self) -> None:
        self._events: dict[str, list[Any]] = {c: [] for c in ("line", "ext", "place", "ident", *self.event_fields)}
        self._actors: dict[str, list[Any]] = {c: [] for c in ("line", "pos", "actor", "role")}
        self._claims: dict[str, list[Any]] = {c: [] for c in ("line", "pos", "source", "claimant", "claim",
                                                               "fatalities", "stance", "low", "high")}
        self._ext: dict[str, list[Any]] = {c: [] for c in ("line", "pos", "scheme", "value")}
        self._problems: dict[str, list[Any]] = {c: [] for c in ("line", "seq", "warning", "text")}
        self._rejected: dict[str, list[Any]] = {c: [] for c in ("line", "ext")}

    # --- what an importer calls ------------------------------------------------------------------

    def event(self, record: EventRecord, warnings: list[Problem], notes: list[Problem] = (),  # type: ignore[assignment]
              ident: int | None = None) -> None:
        """An event mapped without a problem (its warnings count only if it is imported: a later
        row with the same id is not; ``notes`` count whatever becomes of the row). ``ident``: the
        place spec object's number (None: an object of its own)."""
        line = record.line
        ev = self._events
        ev["line"].append(line)
        ev["ext"].append(record.external_value)
        ev["place"].append(self.places.number(record.place))
        ev["ident"].append(-line if ident is None else ident)
        fields = record.fields
        for name in self.event_fields:
            ev[name].append(fields.get(name) or "")
        actors = self._actors
        for pos, (spec, role) in enumerate(record.actors):
            actors["line"].append(line)
            actors["pos"].append(pos)
            actors["actor"].append(self.actors.number(spec))
            actors["role"].append(role)
        claims = self._claims
        for pos, claim in enumerate(record.claims, start=len(record.actors)):
            claims["line"].append(line)
            claims["pos"].append(pos)
            claims["source"].append(self.sources.number(claim.source))
            claims["claimant"].append(self.actors.number(claim.claimant))
            claims["claim"].append(claim.claim)
            claims["fatalities"].append(claim.fatalities_claimed)
            claims["stance"].append(claim.stance)
            claims["low"].append(claim.fatalities_claimed_low)
            claims["high"].append(claim.fatalities_claimed_high)
        for pos, (scheme, value) in enumerate(record.external_ids):
            self._ext["line"].append(line)
            self._ext["pos"].append(pos)
            self._ext["scheme"].append(scheme)
            self._ext["value"].append(value)
        self._notes(notes)
        for seq, warning in enumerate(warnings, start=1):
            self._problem(warning, seq)
        if len(ev["line"]) >= FLUSH_EVENTS:
            self.flush()

    def rejected(self, line: int, external_value: str, problems: list[Problem],
                 notes: list[Problem] = ()) -> None:  # type: ignore[assignment]
        """A row not imported, with its problems; ``external_value`` (when not empty) lets the
        assembly add "already on line N" when an earlier row with that id was imported. ``notes``:
        warnings reported whatever becomes of the row, before its problems."""
        self._notes(notes)
        if external_value:
            self._rejected["line"].append(line)
            self._rejected["ext"].append(external_value)
        for seq, problem in enumerate(problems, start=1):
            self._problem(problem, seq)
        if len(self._problems["line"]) >= FLUSH_EVENTS:
            self.flush()

    def append(self, table: str, columns: list[pa.Array]) -> None:
        """Rows already in columns (the columnar readers), in the table's column order; inserted
        FLUSH_ROWS at a time (one large insert costs a fraction of many small ones)."""
        names = self._names.get(table)
        if names is None:
            names = self._names[table] = [r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()]
        pending = self._pending.setdefault(table, [])
        pending.append(pa.table(columns, names=names))
        self._pending_rows[table] = self._pending_rows.get(table, 0) + len(columns[0])
        if self._pending_rows[table] >= FLUSH_ROWS:
            self._insert_pending(table)

    def _insert_pending(self, table: str) -> None:
        batches = self._pending.pop(table, [])
        self._pending_rows[table] = 0
        if batches:
            self._store(table, pa.concat_tables(batches))

    def _store(self, table: str, rows: pa.Table) -> None:
        """Rows of ``table``: a Parquet part of a per-event table, else an insert into DuckDB."""
        if table not in self.schemas:
            self.con.execute(f"INSERT INTO {table} SELECT * FROM rows")
            return
        part = self.directory / table / f"{len(self._parts.setdefault(table, [])):06d}.parquet"
        pq.write_table(rows.cast(self.schemas[table]), part, compression="snappy")
        self._parts[table].append(str(part))

    def _view(self, table: str) -> None:
        """``table`` as DuckDB sees it: a view of its Parquet parts, or of an empty table before any
        (made anew by :meth:`flush`, which the assembly calls first)."""
        parts = self._parts.get(table)
        if parts:
            files = ", ".join("'" + part.replace("'", "''") + "'" for part in parts)
            rows = f"read_parquet([{files}])"
        else:
            rows = f"{table}_none"
        self.con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {rows}")

    def clear(self) -> None:
        """Forget everything staged (the file is read again, another way)."""
        self._reset()
        self._pending.clear()
        self._pending_rows.clear()
        for table, parts in self._parts.items():
            for part in parts:
                Path(part).unlink()
            parts.clear()
            self._view(table)
        for table in ("problems", "rejected"):
            self.con.execute(f"DELETE FROM {table}")
        self.places, self.actors, self.sources = Specs(), Specs(), Specs()
        self.filtered = 0
        self.inter_of.clear()

    def _notes(self, notes: list[Problem]) -> None:
        """Warnings kept even when the row is not imported (negative seq: before its problems,
        and before "already on line N")."""
        for seq, note in enumerate(notes, start=-len(notes)):
            self._problem(note, seq)

    def _problem(self, problem: Problem, seq: int) -> None:
        p = self._problems
        p["line"].append(problem.row)
        p["seq"].append(seq)
        p["warning"].append(problem.warning)
        p["text"].append(problem.text())

    def flush(self) -> None:
        for table in list(self._pending):
            self._insert_pending(table)
        for table, columns in (("events_in", self._events), ("actors_in", self._actors),
                               ("claims_in", self._claims), ("ext_in", self._ext),
                               ("problems", self._problems), ("rejected", self._rejected)):
            if columns["line"]:
                schema = self.schemas.get(table)
                self._store(table, pa.table(columns, schema=schema) if schema else pa.table(columns))
        self._reset()
        for table in self.schemas:
            self._view(table)

    # --- what the assembly reads ----------------------------------------------------------------

    def problem_counts(self) -> tuple[int, int]:
        """(problems of rows not mapped, warnings), once :func:`assembly.resolve_duplicates` has run."""
        unmapped, warnings = self.con.execute(
            "SELECT count(*) FILTER (WHERE NOT warning), count(*) FILTER (WHERE warning) "
            "FROM problems").fetchone()
        return int(unmapped), int(warnings)

    def problem_texts(self, limit: int) -> tuple[list[str], int]:
        rows = self.con.execute("SELECT text FROM problems ORDER BY line, seq LIMIT ?", [limit]).fetchall()
        total = self.con.execute("SELECT count(*) FROM problems").fetchone()[0]
        return [r[0] for r in rows], int(total)

