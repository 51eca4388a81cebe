"""What a contributor most likely meant, added to the reported errors once, after both engines
(Frictionless or the vectorised kernel) have found them, so either engine gives the same advice:

- a reference to a row that does not exist names the table it refers to and the nearest existing
  IDs ("did you mean aleppo-city?");
- a date in another layout (29/11/2024, 2024/11/29, 29 Nov 2024) gets its ISO form;
- an empty required reference names the table it refers to.

Only the cells of the listed errors are looked at (the report is capped), so a file with a
million broken rows costs no more than one with a hundred."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from pathlib import Path

from ..declaration import Declaration
from .arrays import foreign_keys
from .errors import ValidationError
from .structure import DEFAULT_MAX_BYTES, FIRST_LINE, RawTable, read_raw_table

# Layouts people write dates in, tried in this order (day before month, as outside the US; a
# date that only fits month-first, such as 11/29/2024, is read month-first).
_LAYOUTS = ("%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y", "%d-%m-%Y", "%Y.%m.%d", "%Y%m%d", "%d %b %Y",
            "%d %B %Y", "%b %d %Y", "%B %d %Y", "%b %d, %Y", "%B %d, %Y", "%d %b, %Y", "%d %B, %Y",
            "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%SZ")
_MAX_SUGGESTED = 3
_MAX_TEXT = 100  # longer cells are not dates or IDs worth matching


def iso_date(text: str) -> str | None:
    """The ISO form (YYYY-MM-DD) of a date written in another common layout, else None."""
    text = " ".join(text.strip().split())
    if not text or len(text) > 40:
        return None
    for layout in _LAYOUTS:
        try:
            return dt.datetime.strptime(text, layout).date().isoformat()
        except ValueError:
            continue
    return None


def nearest(value: str, candidates: list[str]) -> list[str]:
    """The existing IDs closest to a mistyped one (case-insensitive), best first."""
    if len(value) > _MAX_TEXT:
        return []
    by_lower: dict[str, str] = {}
    for c in candidates:
        by_lower.setdefault(c.lower(), c)
    found = difflib.get_close_matches(value.lower(), list(by_lower), n=_MAX_SUGGESTED, cutoff=0.6)
    return [by_lower[f] for f in found]


class _Cells:
    """Raw text of the tables the errors name, read once each and only when needed."""

    def __init__(self, root: Path, decl: Declaration, max_bytes: int):
        self.root, self.decl, self.max_bytes = root, decl, max_bytes
        self._raw: dict[str, RawTable | None] = {}
        self._keys: dict[tuple[str, str], list[str]] = {}

    def raw(self, table: str) -> RawTable | None:
        if table not in self._raw:
            self._raw[table] = read_raw_table(self.root, self.decl.tables[table], max_bytes=self.max_bytes)[0]
        return self._raw[table]

    def cell(self, table: str, row: int, column: str) -> str | None:
        raw = self.raw(table)
        index = row - FIRST_LINE
        if raw is None or column not in raw.arrow.column_names or not 0 <= index < raw.arrow.num_rows:
            return None
        value = raw.arrow.column(column)[index].as_py()
        return value if isinstance(value, str) else None

    def keys(self, table: str, column: str) -> list[str]:
        if (table, column) not in self._keys:
            raw = self.raw(table)
            values = [] if raw is None or column not in raw.arrow.column_names else raw.arrow.column(column).to_pylist()
            self._keys[(table, column)] = sorted({v for v in values if isinstance(v, str)})
        return self._keys[(table, column)]


def _advice(e: ValidationError, table: str, cells: _Cells) -> str | None:
    decl_table = cells.decl.tables[table]
    if e.column is None or e.row is None or e.column not in decl_table.field_names:
        return None
    reference = foreign_keys(decl_table).get(e.column)
    if e.rule == "required" and reference is not None:
        target, key = reference
        return f"it refers to the {target} table: give the {key} of a row of {cells.decl.tables[target].path}"
    value = cells.cell(table, e.row, e.column)
    if value is None:
        return None
    if e.rule == "foreign-key" and reference is not None and reference[0] in cells.decl.tables:
        target, key = reference
        near = nearest(value, cells.keys(target, key))
        where = f"it refers to the {target} table ({key} in {cells.decl.tables[target].path})"
        return f"{where}; did you mean {' or '.join(near)}?" if near else f"{where}, which has no such row"
    if e.rule == "type" and decl_table.field(e.column).type == "date":
        iso = iso_date(value)
        if iso is not None and iso != value:
            return f"write the date as YYYY-MM-DD: {iso}"
    return None


def with_suggestions(errors: list[ValidationError], root: Path, decl: Declaration,
                     max_bytes: int = DEFAULT_MAX_BYTES) -> list[ValidationError]:
    """``errors`` with advice appended to the messages it applies to (same cells, rules, order)."""
    by_path = {t.path: name for name, t in decl.tables.items()}
    cells = _Cells(Path(root), decl, max_bytes)
    out = []
    for e in errors:
        advice = None
        if e.rule in ("foreign-key", "type", "required") and e.path in by_path:
            try:
                advice = _advice(e, by_path[e.path], cells)
            except (OSError, ValueError, KeyError, IndexError):  # advice is a courtesy, never a new failure
                advice = None
        out.append(dataclasses.replace(e, message=f"{e.message} ({advice})") if advice else e)
    return out
