"""Build one new, correctly formed row for ``sce new``: resolve the table, allocate the key (the
next sequential ID, or a slug from the row's name), refuse keys that exist or were retired, and
check the row against the declaration and the other tables before anything is written.

Everything is derived from the declaration: which IDs are sequential comes from the key field's
pattern (``^SCE-[0-9]{6}$``), which field names a row from its first required free-text field.

At a million events (issue 7) nothing is held as a Python object per row: the table being added to
and the tables its checks need are read by the validator's reader as Arrow text, only the columns
the checks use are typed and kept (a new claim keeps the keys of events, sources and actors, not
their text), keys are compared and the next ID found with Arrow compute, and the new row is checked
by the validator's own rules (``run_vectorised``) against a Context of those Arrow tables. A
canonical file then gets the new line at its sorted place without being rewritten in memory
(:func:`insert_line`); a file that is not canonical is rewritten canonically, as ``sce fmt`` would."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_types import parse_text
from .atomic import atomic_output
from .canonical import canonical_keys, iter_rows, to_bytes
from .declaration import Declaration, Field, Table
from .safe_files import UnsafeFile, read_bounded
from .text_rules import slug
from .validation.errors import ValidationError
from .validation.semantic import Context, row_errors, run_vectorised, typed_table
from .validation.structure import DEFAULT_MAX_BYTES, parse_rows, read_columns_text, read_raw_table

_SEQUENTIAL = re.compile(r"^([A-Z][A-Z0-9]*-)([0-9]+)$")


class NewRowError(ValueError):
    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def singular(name: str) -> str:
    return name[:-3] + "y" if name.endswith("ies") else name.removesuffix("s")


def resolve_table(decl: Declaration, kind: str) -> Table:
    """A table by name, singular or plural, with - or _ (``event``, ``event-actors``)."""
    wanted = kind.strip().lower().replace("-", "_")
    for name, table in decl.tables.items():
        if wanted in (name, singular(name)):
            return table
    kinds = ", ".join(singular(name) for name in decl.tables)
    raise NewRowError(f"unknown kind {kind!r}; one of: {kinds}")


def sequential(f: Field) -> tuple[str, int] | None:
    """(prefix, digits) when the field is a sequential identifier: its declared example has the
    form PREFIX-000001 and its pattern accepts that example (SCE-000001, CLM-000001)."""
    match = _SEQUENTIAL.match(str(f.example or ""))
    if not match or not f.pattern or not re.search(f.pattern, match.group(0)):
        return None
    return match.group(1), len(match.group(2))


def next_id(f: Field, used: Sequence[str] | pa.Array | pa.ChunkedArray) -> str:
    """One more than the largest ID ever used (live or retired); gaps are never filled. The
    largest number is found on the digits as text (longest without leading zeros, then greatest),
    so an ID of any length counts, as Python's int would."""
    seq = sequential(f)
    assert seq is not None
    prefix, digits = seq
    ids = used if isinstance(used, pa.Array | pa.ChunkedArray) else pa.array(list(used), pa.string())
    shape = rf"^{re.escape(prefix)}(?P<n>[0-9]+)$"
    numbers = pc.struct_field(pc.extract_regex(ids.drop_null(), shape), "n").drop_null()
    numbers = pc.utf8_ltrim(numbers, "0")
    largest = 0
    if len(numbers):
        lengths = pc.utf8_length(numbers)
        longest = numbers.filter(pc.equal(lengths, pc.max(lengths)))
        largest = int(pc.max(longest).as_py() or "0")
    candidate = f"{prefix}{largest + 1:0{digits}d}"
    if not re.search(f.pattern or "", candidate):
        raise NewRowError(f"no free identifier: {candidate} does not match {f.pattern}")
    return candidate


def name_field(table: Table) -> Field | None:
    """The field a slug is made from: the first required free-text field (name, title)."""
    return next((f for f in table.fields if f.text and f.required and f.name not in table.primary_key), None)


def tombstone_table(decl: Declaration) -> Table | None:
    return next((t for t in decl.tables.values() if "retired_id" in t.field_names), None)


def retired_ids(decl: Declaration, root: Path, table: Table) -> tuple[pa.Array, list[str]]:
    """IDs retired from ``table`` (never reused), and warnings when they cannot be read."""
    tomb = tombstone_table(decl)
    none = pa.array([], pa.string())
    if tomb is None or tomb.name == table.name:
        return none, []
    raw, errors = read_raw_table(root, tomb)
    if raw is None:
        return none, [f"{tomb.path} cannot be read ({errors[0].rule}); retired IDs were not checked"]
    data = raw.arrow
    mine = pc.fill_null(pc.equal(data["table_name"], table.name), False)
    return _text(data["retired_id"].filter(mine)), []


def _text(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Raw cell text with "" for an empty cell (as the file holds it), in one array."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return pc.fill_null(arr, "") if arr.null_count else arr


@dataclass
class Target:
    """The file being added to: its bytes and its key columns (raw text, "" for empty, file order).
    ``canonical`` when the bytes are exactly what `sce fmt` writes, so that the new line can go in
    at its place; otherwise ``rows`` holds every row (lossless), for a canonical rewrite."""

    table: Table
    data: bytes
    keys: pa.Table
    canonical: bool
    rows: list[list[str]] | None = None

    @property
    def num_rows(self) -> int:
        return self.keys.num_rows


def read_columns(root: Path, table: Table, columns: Sequence[str] | None
                 ) -> tuple[pa.Table | None, ValidationError | None]:
    """Raw text of ``columns`` (every column when None) of a table that passes the validator's file
    layer, else None and the first error that layer reports."""
    if columns is not None:
        try:
            data = read_bounded(root, root / table.path, DEFAULT_MAX_BYTES)
        except (OSError, UnsafeFile):
            data = None
        found = read_columns_text(data, table, columns) if data is not None and len(data) <= DEFAULT_MAX_BYTES else None
        del data
        if found is not None:
            return found, None
    raw, errors = read_raw_table(root, table)
    if raw is None:
        return None, errors[0]
    return raw.arrow if columns is None else raw.arrow.select(list(columns)), None


def read_target(data: bytes, table: Table) -> Target:
    """The target file's keys: column-wise when the file is canonical (:func:`canonical.canonical_keys`),
    else (BOM, CRLF, another delimiter or column order, unsorted, needless quotes ...) row by row
    by the lossless reader of `sce fmt`, which raises FormatError for what cannot be read without
    loss."""
    rel, keys = table.path, list(table.primary_key)
    raw = canonical_keys(data, table)
    if raw is not None:
        return Target(table, data, pa.table({k: _text(raw[k]) for k in keys}), True)
    rows = list(iter_rows(data, table, rel))
    at = [table.field_names.index(k) for k in keys]
    columns = {k: pa.array([r[i] for r in rows], pa.string()) for k, i in zip(keys, at, strict=True)}
    return Target(table, data, pa.table(columns), False, rows)


def _key_value(decl: Declaration, table: Table, values: dict[str, str], given: str | None,
               live: pa.Array, retired: pa.Array) -> str:
    key = table.primary_key[0]
    if given is not None and values.get(key, given) != given:
        raise NewRowError(f"--id {given!r} and --set {key}={values[key]!r} disagree")
    given = given if given is not None else values.get(key)
    f = table.field(key)
    if given is None and sequential(f):
        return next_id(f, pa.chunked_array([live, retired], pa.string()))
    if given is None:
        source = name_field(table)
        if source is None or not values.get(source.name):
            what = f"--set {source.name}=..." if source else "--id"
            raise NewRowError(f"{key}: give {what} (or --id) to name the new row")
        given = slug(values[source.name])
        if not given:
            raise NewRowError(f"{key}: cannot make a slug from {values[source.name]!r}; give --id")
    if pc.any(pc.equal(retired, given)).as_py():
        raise NewRowError(f"{key} {given!r} was retired and is never reused; choose another (--id)", 1)
    if pc.any(pc.equal(live, given)).as_py():
        raise NewRowError(f"{key} {given!r} exists already in {table.path}; edit that row, or choose "
                          "another (--id), e.g. with a distinguishing word", 1)
    return given


def _matches(keys: pa.Table, new_key: tuple[str, ...]) -> pa.Array:
    """Rows whose key equals ``new_key``."""
    same = pa.array(np.ones(keys.num_rows, dtype=bool))
    for name, value in zip(keys.column_names, new_key, strict=True):
        same = pc.and_(same, pc.equal(keys[name], value))
    return same


def position(keys: pa.Table, new_key: tuple[str, ...]) -> int:
    """Where a row with ``new_key`` goes among sorted rows: after every row whose key is not greater
    (compared as strings, field by field: the canonical order; ties keep the new row last, as a
    stable sort of the rows with the new one appended does)."""
    after = pa.array(np.zeros(keys.num_rows, dtype=bool))  # the row's key sorts after new_key
    equal = pa.array(np.ones(keys.num_rows, dtype=bool))
    for name, value in zip(keys.column_names, new_key, strict=True):
        after = pc.or_(after, pc.and_(equal, pc.greater(keys[name], value)))
        equal = pc.and_(equal, pc.equal(keys[name], value))
    return keys.num_rows - int(pc.sum(after).as_py() or 0)


def _line_start(data: bytes, line: int) -> int:
    """Byte offset where line ``line`` (1-based) starts: after the (line - 1)th newline, found a
    slice at a time (no file-sized temporary)."""
    wanted, step = line - 1, 1 << 22
    if wanted == 0:
        return 0
    view = np.frombuffer(data, dtype=np.uint8)
    seen = 0
    for start in range(0, len(view), step):
        newlines = np.flatnonzero(view[start:start + step] == 0x0A)
        if seen + len(newlines) >= wanted:
            return start + int(newlines[wanted - seen - 1]) + 1
        seen += len(newlines)
    return len(data)


def canonical_line(table: Table, row: list[str]) -> bytes:
    """The row's line as `sce fmt` writes it (the canonical writer, proved to read back)."""
    return to_bytes(table, [row]).split(b"\n", 1)[1]


def insert_line(out: BinaryIO, target: Target, row: list[str]) -> None:
    """The canonical file with ``row`` at its sorted place: the bytes before it, its line, the
    bytes after it."""
    at = position(target.keys, tuple(row[target.table.field_names.index(k)] for k in target.table.primary_key))
    cut = _line_start(target.data, at + 2)  # row i is on line i + 2
    view = memoryview(target.data)
    out.write(view[:cut])
    out.write(canonical_line(target.table, row))
    out.write(view[cut:])


def write_row(path: Path, target: Target, row: list[str]) -> None:
    """Add ``row`` to the file atomically: in place for a canonical file, else a canonical rewrite."""
    if target.canonical:
        with atomic_output(path) as out:
            insert_line(out, target, row)
        return
    with atomic_output(path) as out:
        out.write(to_bytes(target.table, [*(target.rows or []), row]))


# --- the checks' context ------------------------------------------------------------------------

@dataclass
class _Asked(Context):
    """A context that has no table and notes which ones the row rules ask for."""

    asked: set[str] = field(default_factory=set)

    def has(self, *names: str) -> bool:
        self.asked.update(names)
        return False


def _typed(table: Table, raw: pa.Table, names: Sequence[str] | None) -> pa.Table:
    """The columns ``names`` (all when None) of raw text, typed as the validator types them."""
    if names is None:
        return typed_table(table, raw)[0]
    return pa.table({n: parse_text(raw[n], table.field(n))[0] for n in names})


def _needs(decl: Declaration, table: Table, row: pa.Table) -> dict[str, list[str] | None]:
    """Tables the checks of a new ``table`` row read -> the columns they need (None: every column).
    The foreign keys need their target's key column; the row rules' tables are found by asking the
    rules (they ask the context for each table before reading it) and are read whole. The tables
    that would hold the new row's children are left out: a new event cannot have claims yet, so
    the checks that need them do not apply."""
    children = {t.name for t in decl.tables.values()
                if t.name != table.name and any(fk.table == table.name for fk in t.foreign_keys)}
    needs: dict[str, list[str] | None] = {}
    for fk in table.foreign_keys:
        needs.setdefault(fk.table, [])
        columns = needs[fk.table]
        if columns is not None and fk.reference[0] not in columns:
            columns.append(fk.reference[0])
    asked = _Asked(decl)
    try:
        row_errors(decl, table, row, asked)
    except KeyError:  # a rule read a table without asking first: give the rules every table
        asked.asked.update(decl.tables)
    for name in sorted(asked.asked):
        needs[name] = None
    return {name: columns for name, columns in needs.items() if name not in children}


def _context(decl: Declaration, root: Path, table: Table, target: Target, row: pa.Table
             ) -> tuple[Context, list[str]]:
    ctx, warnings = Context(decl), []
    for name, columns in _needs(decl, table, row).items():
        other = decl.tables[name]
        if name == table.name:
            ctx.tables[name] = _own_columns(target, columns)
            continue
        raw, error = read_columns(root, other, columns)
        if raw is None:
            warnings.append(f"{other.path} cannot be read ({error.rule if error else 'unknown'}); references "
                            "to it were not checked (run `sce validate`)")
            continue
        ctx.tables[name] = _typed(other, raw, columns)
        del raw
    return ctx, warnings


def _own_columns(target: Target, columns: list[str] | None) -> pa.Table:
    """The target table's existing rows for its own checks (a self-reference: its key column)."""
    table = target.table
    wanted = table.field_names if columns is None else columns
    if all(n in target.keys.column_names for n in wanted):
        raw = target.keys
    elif target.rows is not None:
        at = {n: table.field_names.index(n) for n in wanted}
        raw = pa.table({n: pa.array([r[i] for r in target.rows], pa.string()) for n, i in at.items()})
    else:
        raw = parse_rows(target.data, table, table.path, utf8_checked=True)[0] or pa.table({})
    raw = pa.table({n: pc.if_else(pc.equal(raw[n], ""), pa.scalar(None, pa.string()), raw[n]) for n in wanted})
    return _typed(table, raw, columns)


def _describe(e: ValidationError) -> str:
    where = e.column or "row"
    return f"{where}: {e.rule}: {e.message}\n    hint: {e.hint}"


def build_row(decl: Declaration, root: Path, table: Table, target: Target, values: dict[str, str],
              given_id: str | None) -> tuple[list[str], list[str], list[str]]:
    """(new row, problems, warnings). Raises NewRowError for a key that cannot be used."""
    values = dict(values)
    names = table.field_names
    warnings: list[str] = []
    if len(table.primary_key) == 1:
        key = table.primary_key[0]
        retired, warnings = retired_ids(decl, root, table)
        values[key] = _key_value(decl, table, values, given_id, _text(target.keys[key]), retired)
    else:
        if given_id is not None:
            raise NewRowError(f"{table.name} has a composite key ({', '.join(table.primary_key)}); "
                              "give each part with --set, not --id")
        missing = [k for k in table.primary_key if not values.get(k)]
        if missing:
            raise NewRowError(f"give --set for the key field(s) {', '.join(missing)}")
        new_key = tuple(values[k] for k in table.primary_key)
        if pc.any(_matches(target.keys, new_key)).as_py():
            raise NewRowError(f"{table.name} has a row with key {', '.join(new_key)} already", 1)
    row = [values.get(n, "") for n in names]
    line = 2 + target.num_rows
    raw = pa.table({n: pa.array([v or None], pa.string()) for n, v in zip(names, row, strict=True)})
    typed, errors = typed_table(table, raw, line)
    ctx, more = _context(decl, root, table, target, typed)
    warnings += more
    errors += run_vectorised(decl, table, typed, ctx, line)
    problems = [_describe(e) for e in errors if e.rule != "row-order"]
    return row, problems, warnings
