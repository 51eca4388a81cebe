"""Build one new, correctly formed row for ``sce new``: resolve the table, allocate the key (the
next sequential ID, or a slug from the row's name), refuse keys that exist or were retired, and
check the row against the declaration and the other tables before anything is written.

Everything is derived from the declaration: which IDs are sequential comes from the key field's
pattern (``^SCE-[0-9]{6}$``), which field names a row from its first required free-text field."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from .declaration import Declaration, Field, Table
from .validation.errors import ValidationError
from .validation.semantic import Context, run_vectorised, validation_frame
from .validation.structure import read_raw_table

_SEQUENTIAL = re.compile(r"^([A-Z][A-Z0-9]*-)([0-9]+)$")
_APOSTROPHES = "'’ʿʾ`´"


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


def next_id(f: Field, used: list[str]) -> str:
    """One more than the largest ID ever used (live or retired); gaps are never filled."""
    seq = sequential(f)
    assert seq is not None
    prefix, digits = seq
    shape = re.compile(rf"^{re.escape(prefix)}([0-9]+)$")
    numbers = [int(m.group(1)) for m in map(shape.match, used) if m]
    candidate = f"{prefix}{max(numbers, default=0) + 1:0{digits}d}"
    if not re.search(f.pattern or "", candidate):
        raise NewRowError(f"no free identifier: {candidate} does not match {f.pattern}")
    return candidate


def slugify(text: str) -> str:
    """Lowercase ASCII slug: accents dropped, apostrophes removed, other runs become one '-'."""
    text = "".join(c for c in text if c not in _APOSTROPHES)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def name_field(table: Table) -> Field | None:
    """The field a slug is made from: the first required free-text field (name, title)."""
    return next((f for f in table.fields if f.text and f.required and f.name not in table.primary_key), None)


def tombstone_table(decl: Declaration) -> Table | None:
    return next((t for t in decl.tables.values() if "retired_id" in t.field_names), None)


def retired_ids(decl: Declaration, root: Path, table: Table) -> tuple[list[str], list[str]]:
    """IDs retired from ``table`` (never reused), and warnings when they cannot be read."""
    tomb = tombstone_table(decl)
    if tomb is None or tomb.name == table.name:
        return [], []
    raw, errors = read_raw_table(root, tomb)
    if raw is None:
        return [], [f"{tomb.path} cannot be read ({errors[0].rule}); retired IDs were not checked"]
    frame = raw.frame
    return frame.loc[frame["table_name"] == table.name, "retired_id"].tolist(), []


def _key_value(decl: Declaration, table: Table, values: dict[str, str], given: str | None,
               live: list[str], retired: list[str]) -> str:
    key = table.primary_key[0]
    if given is not None and values.get(key, given) != given:
        raise NewRowError(f"--id {given!r} and --set {key}={values[key]!r} disagree")
    given = given if given is not None else values.get(key)
    f = table.field(key)
    if given is None and sequential(f):
        return next_id(f, live + retired)
    if given is None:
        source = name_field(table)
        if source is None or not values.get(source.name):
            what = f"--set {source.name}=..." if source else "--id"
            raise NewRowError(f"{key}: give {what} (or --id) to name the new row")
        given = slugify(values[source.name])
        if not given:
            raise NewRowError(f"{key}: cannot make a slug from {values[source.name]!r}; give --id")
    if given in retired:
        raise NewRowError(f"{key} {given!r} was retired and is never reused; choose another (--id)", 1)
    if given in live:
        raise NewRowError(f"{key} {given!r} exists already in {table.path}; edit that row, or choose "
                          "another (--id), e.g. with a distinguishing word", 1)
    return given


def _context(decl: Declaration, root: Path, table: Table, rows: list[list[str]]) -> tuple[Context, list[str]]:
    """Frames of the other tables, except those that would hold the new row's children (a new
    event cannot have claims yet, so the checks that need them do not apply)."""
    ctx, warnings = Context(decl), []
    children = {t.name for t in decl.tables.values()
                if t.name != table.name and any(fk.table == table.name for fk in t.foreign_keys)}
    for other in decl.tables.values():
        if other.name in children:
            continue
        if other.name == table.name:
            raw = pd.DataFrame(rows, columns=table.field_names, dtype="str").set_axis(
                pd.RangeIndex(2, 2 + len(rows)))
        else:
            read, errors = read_raw_table(root, other)
            if read is None:
                warnings.append(f"{other.path} cannot be read ({errors[0].rule}); references to it were "
                                "not checked (run `sce validate`)")
                continue
            raw = read.frame
        ctx.frames[other.name] = validation_frame(other, raw)[0]
    return ctx, warnings


def _describe(e: ValidationError) -> str:
    where = e.column or "row"
    return f"{where}: {e.rule}: {e.message}\n    hint: {e.hint}"


def build_row(decl: Declaration, root: Path, table: Table, rows: list[list[str]], values: dict[str, str],
              given_id: str | None) -> tuple[list[str], list[str], list[str]]:
    """(new row, problems, warnings). Raises NewRowError for a key that cannot be used."""
    values = dict(values)
    names = table.field_names
    warnings: list[str] = []
    if len(table.primary_key) == 1:
        key = table.primary_key[0]
        live = [r[names.index(key)] for r in rows]
        retired, warnings = retired_ids(decl, root, table)
        values[key] = _key_value(decl, table, values, given_id, live, retired)
    else:
        if given_id is not None:
            raise NewRowError(f"{table.name} has a composite key ({', '.join(table.primary_key)}); "
                              "give each part with --set, not --id")
        missing = [k for k in table.primary_key if not values.get(k)]
        if missing:
            raise NewRowError(f"give --set for the key field(s) {', '.join(missing)}")
        key_of = [names.index(k) for k in table.primary_key]
        new_key = tuple(values[k] for k in table.primary_key)
        if any(tuple(r[i] for i in key_of) == new_key for r in rows):
            raise NewRowError(f"{table.name} has a row with key {', '.join(new_key)} already", 1)
    row = [values.get(n, "") for n in names]
    line = 2 + len(rows)
    raw = pd.DataFrame([row], columns=names, dtype="str").set_axis(pd.RangeIndex(line, line + 1))
    frame, errors = validation_frame(table, raw)
    ctx, more = _context(decl, root, table, rows)
    warnings += more
    errors += run_vectorised(decl, table, frame, ctx)
    problems = [_describe(e) for e in errors if e.rule != "row-order"]
    return row, problems, warnings
