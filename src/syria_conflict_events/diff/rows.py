"""The release diff: per table, rows added, removed and changed (matched by primary key, with the
changed cells), schema changes (tables, columns, types, vocabulary codes), the SemVer level the
changes require, and the identifier rules between releases (a removed row's ID must be in
retired_ids; tombstones are never removed; a retired ID is never reused).

Rendered as JSON (complete) and Markdown (for people; long lists are cut with a count).

It holds at a million events: each table is read as Arrow text columns, both versions of one table
at a time; rows are matched by key without a Python object per row (fixed-width key bytes and a
binary search, or a hash); every common field is compared for all matched rows at once; the rows
that differ are kept as Arrow columns and become dicts only when read, a batch at a time, and
added or removed rows are written out as JSON text by Arrow. Cells are compared as their exact
text, as the CSV holds them."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # json.dumps' own, in C
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ..exceptions import ReleaseError
from ..markdown_text import code
from ..templating import renderer
from .semver import highest
from .snapshot import Snapshot, TableSnapshot

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

RETIRED_TABLE, RETIRED_TABLE_FIELD, RETIRED_ID_FIELD = "retired_ids", "table_name", "retired_id"
MARKDOWN_ROW_LIMIT = 200
MARKDOWN_VALUE_LIMIT = 160
BATCH_ROWS = 4096  # rows made into Python objects at a time when a long list is written out
MAX_FIXED_KEY_BYTES = 256  # keys up to this long are matched as fixed-width bytes (rows x width of memory)


class Rows(Sequence[dict[str, str]]):
    """Rows of a table as ``{field: text}`` dicts, kept as Arrow columns and made into dicts only
    when read (a diff that adds a whole table holds it as Arrow text, not a dict per row)."""

    def __init__(self, table: pa.Table | None = None):
        self.table = table

    def __len__(self) -> int:
        return 0 if self.table is None else self.table.num_rows

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, slice):
            start, stop, step = item.indices(len(self))
            if step != 1:
                return list(self)[item]
            return self.table.slice(start, stop - start).to_pylist() if stop > start else []
        position = range(len(self))[item]  # IndexError as a list raises it
        return self.table.slice(position, 1).to_pylist()[0]

    def batches(self) -> Iterator[list[dict[str, str]]]:
        for start in range(0, len(self), BATCH_ROWS):
            yield self[start:start + BATCH_ROWS]

    def __iter__(self) -> Iterator[dict[str, str]]:
        for batch in self.batches():
            yield from batch

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # compared by content, as a list is

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} rows)"


class Changes(Rows):
    """Changed rows as ``{"key": {field: text}, "cells": {field: {"old": text, "new": text}}}``,
    kept as Arrow columns: the key cells of each changed row and, for each field that changed in
    any of them, whether it changed in each row and its old and new text there."""

    def __init__(self, keys: pa.Table | None = None, cells: list[tuple[str, pa.Array, pa.Array, pa.Array]] = ()):
        super().__init__(keys)
        self.cells = list(cells)  # (field, changed here, old texts, new texts), one value per changed row

    def __getitem__(self, item: Any) -> Any:
        if not isinstance(item, slice):
            position = range(len(self))[item]  # IndexError as a list raises it
            return self[position:position + 1][0]
        start, _, step = item.indices(len(self))
        if step != 1:
            return list(self)[item]
        keys = Rows.__getitem__(self, item)
        if not keys:
            return []
        n = len(keys)
        columns = [(name, changed.slice(start, n).to_pylist(), old.slice(start, n).to_pylist(),
                    new.slice(start, n).to_pylist()) for name, changed, old, new in self.cells]
        return [{"key": key, "cells": {name: {"old": old[i], "new": new[i]}
                                       for name, changed, old, new in columns if changed[i]}}
                for i, key in enumerate(keys)]


@dataclass
class TableDiff:
    name: str
    status: str = "common"  # added | removed | common
    primary_key: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    type_changes: list[dict[str, str]] = field(default_factory=list)
    codes_added: dict[str, list[str]] = field(default_factory=dict)
    codes_removed: dict[str, list[str]] = field(default_factory=dict)
    key_changed: bool = False
    added: Rows = field(default_factory=Rows)
    removed: Rows = field(default_factory=Rows)
    changed: Changes = field(default_factory=Changes)

    @property
    def empty(self) -> bool:
        return self.status == "common" and not (
            self.columns_added or self.columns_removed or self.type_changes or self.codes_added
            or self.codes_removed or self.key_changed or self.added or self.removed or self.changed)


@dataclass
class ReleaseDiff:
    old_version: str
    new_version: str
    tables: list[TableDiff]
    reasons: list[tuple[str, str]]  # (level, why)
    problems: list[str]  # broken identifier rules: the build refuses these

    @property
    def level(self) -> str:
        return highest([lvl for lvl, _ in self.reasons])

    def _tree(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "level": self.level,
            "reasons": [{"level": lvl, "change": why} for lvl, why in self.reasons],
            "problems": self.problems,
            "tables": {
                t.name: {
                    "status": t.status,
                    "primary_key": t.primary_key,
                    "rows_added": len(t.added),
                    "rows_removed": len(t.removed),
                    "rows_changed": len(t.changed),
                    "columns_added": t.columns_added,
                    "columns_removed": t.columns_removed,
                    "type_changes": t.type_changes,
                    "codes_added": t.codes_added,
                    "codes_removed": t.codes_removed,
                    "key_changed": t.key_changed,
                    "added": t.added,
                    "removed": t.removed,
                    "changed": t.changed,
                }
                for t in self.tables
            },
        }

    def to_json(self) -> dict[str, Any]:
        """The whole diff as plain JSON values (every listed row a dict: for a large diff,
        :meth:`json_chunks` writes the same text without holding them all)."""
        return _plain(self._tree())

    def json_chunks(self) -> Iterator[str]:
        """``generate.dumps(self.to_json())``, in pieces: long row lists are made into text
        :data:`BATCH_ROWS` rows at a time."""
        yield from _chunks(self._tree(), 0)
        yield "\n"

    def write_json(self, out: BinaryIO) -> None:
        for chunk in self.json_chunks():
            out.write(chunk.encode("utf-8"))


# --- JSON text, as json.dumps(indent=2, ensure_ascii=False) writes it ------------------------------

_INDENT = "  "


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Rows):
        return list(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _encode(value: Any, level: int) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)`` for a value at nesting ``level`` (its
    inner lines indented as they are inside the whole document)."""
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = "\n" + _INDENT * (level + 1)
        items = [f"{encode_basestring(k)}: {_encode(v, level + 1)}" for k, v in value.items()]
        return "{" + inner + ("," + inner).join(items) + "\n" + _INDENT * level + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = "\n" + _INDENT * (level + 1)
        return "[" + inner + ("," + inner).join(_encode(v, level + 1) for v in value) + "\n" + _INDENT * level + "]"
    return json.dumps(value)


def _row_texts(table: pa.Table, level: int) -> Iterator[str]:
    """Each row as :func:`_encode` writes its dict at ``level``, after ``,`` and a line break with
    the indent of ``level``: made column-wise by Arrow, a batch of rows at a time (a diff that
    adds a whole table writes every row)."""
    from ..arrow_types import text_bytes
    from ..formats.json_text import batches, escaped_strings, join_parts, widened

    inner = "\n" + _INDENT * (level + 1)
    keys = [encode_basestring(name) for name in table.column_names]
    for batch in batches(table):
        batch = widened(batch, sum(len(k.encode()) + len(inner) + 5 for k in keys) + 2 * len(inner) + 4)
        parts: list[Any] = ["," + "\n" + _INDENT * level + "{"]
        for i, key in enumerate(keys):
            parts += [("," if i else "") + inner + key + ': "', escaped_strings(batch.column(i)), '"']
        parts.append("\n" + _INDENT * level + "}")
        yield text_bytes(join_parts(parts, batch.num_rows)).tobytes().decode("utf-8")


def _chunks(value: Any, level: int) -> Iterator[str]:
    """The text of :func:`_encode` in pieces, a long row list a batch at a time."""
    inner = "\n" + _INDENT * (level + 1)
    if isinstance(value, Changes):
        if not value:
            yield "[]"
            return
        yield "["
        sep = inner
        for batch in value.batches():
            yield sep + ("," + inner).join(_encode(row, level + 1) for row in batch)
            sep = "," + inner
        yield "\n" + _INDENT * level + "]"
    elif isinstance(value, Rows):
        if not value:
            yield "[]"
            return
        yield "["
        first = True
        for text in _row_texts(value.table, level + 1):
            yield text[1:] if first else text  # the list's first row has no comma before it
            first = False
        yield "\n" + _INDENT * level + "]"
    elif isinstance(value, dict) and value:
        yield "{"
        for i, (k, v) in enumerate(value.items()):
            yield ("," if i else "") + inner + encode_basestring(k) + ": "
            yield from _chunks(v, level + 1)
        yield "\n" + _INDENT * level + "}"
    else:
        yield _encode(value, level)


# --- comparison ------------------------------------------------------------------------------


def _codes(old: TableSnapshot, new: TableSnapshot, diff: TableDiff) -> None:
    for f in sorted(set(old.enums) | set(new.enums)):
        if f not in old.fields or f not in new.fields:
            continue
        before, after = old.enums.get(f), new.enums.get(f)
        if before is None or after is None:
            continue  # a field gaining or losing a vocabulary shows as a type or constraint change elsewhere
        if gone := [c for c in before if c not in after]:
            diff.codes_removed[f] = gone
        if new_codes := [c for c in after if c not in before]:
            diff.codes_added[f] = new_codes


def _codes_of(column: pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """One integer per cell, equal exactly when the texts are (one hash pass), and their bound."""
    import numpy as np
    import pyarrow.compute as pc

    chunks = [c.indices.to_numpy() for c in pc.dictionary_encode(column).chunks if len(c)]
    codes = np.concatenate(chunks).astype(np.int64) if chunks else np.zeros(0, np.int64)
    return codes, int(codes.max()) + 1 if len(codes) else 0


def _dense(ids: np.ndarray) -> tuple[np.ndarray, int]:
    import pyarrow as pa

    return _codes_of(pa.chunked_array([pa.array(ids)]))


def key_ids(tables: list[pa.Table], primary_key: list[str]) -> tuple[list[np.ndarray], int]:
    """For each table, one integer per row that is equal for two rows (of any of the tables)
    exactly when their key cells are, and a bound of those integers (at most the rows in all)."""
    import pyarrow as pa

    ids, bound = None, 1
    for name in primary_key:
        codes, size = _codes_of(pa.chunked_array([c for t in tables for c in t[name].chunks], pa.string()))
        if ids is None:
            ids, bound = codes, size
            continue
        if bound * max(size, 1) >= 1 << 62:
            ids, bound = _dense(ids)  # renumber before the product could overflow
        ids, bound = ids * size + codes, bound * size
    if len(primary_key) > 1 and len(ids):
        ids, bound = _dense(ids)
    ends = [0]
    for t in tables:
        ends.append(ends[-1] + t.num_rows)
    return [ids[a:b] for a, b in itertools.pairwise(ends)], bound


def check_unique(ids: np.ndarray, bound: int, table: TableSnapshot, cells: pa.Table) -> None:
    """ReleaseError naming the first row whose key an earlier row has, as the old reader did."""
    import numpy as np

    if not len(ids) or np.bincount(ids, minlength=bound).max() <= 1:
        return
    _, first = np.unique(ids, return_index=True)
    repeated = np.ones(len(ids), bool)
    repeated[first] = False
    row = int(np.argmax(repeated))
    values = " | ".join(str(cells[k][row]) for k in table.primary_key)
    raise ReleaseError(f"{table.origin or table.name} repeats the primary key {values}")


def read_unique(table: TableSnapshot) -> pa.Table:
    """A table's cells, its keys checked."""
    cells = table.read()
    (ids,), bound = key_ids([cells], table.primary_key)
    check_unique(ids, bound, table, cells)
    return cells


def _padded(cells: pa.Array, width: int) -> np.ndarray | None:
    """The cells' UTF-8 bytes, each cell NUL-padded on the right to ``width`` bytes, end to end."""
    import numpy as np
    import pyarrow.compute as pc

    from ..arrow_types import text_bytes, text_offsets

    if not (np.diff(text_offsets(cells)) == width).all():
        cells = pc.ascii_rpad(cells, width, padding="\x00")  # counts bytes, whatever the text
        if not (np.diff(text_offsets(cells)) == width).all():
            return None
    return text_bytes(cells)


def fixed_keys(tables: list[pa.Table], primary_key: list[str]) -> list[np.ndarray] | None:
    """Each table's keys as numpy fixed-width bytes: every key cell NUL-padded to the longest of
    its field, the fields side by side, so two keys are equal exactly when their cells are (and
    sort as their cells do, field by field). None when a key is longer than
    :data:`MAX_FIXED_KEY_BYTES` or holds a NUL byte (padding could not be told from it): such
    keys are matched by hashing instead."""
    import numpy as np

    from ..arrow_types import text_bytes, text_offsets

    columns = [[t[name].combine_chunks() for t in tables] for name in primary_key]
    widths = []
    for cells in columns:
        width = 0
        for c in cells:
            if len(c):
                width = max(width, int(np.diff(text_offsets(c)).max()))
                if not text_bytes(c).all():
                    return None
        widths.append(width)
    if sum(widths) > MAX_FIXED_KEY_BYTES:
        return None
    total = max(1, sum(widths))
    keys = []
    for i, t in enumerate(tables):
        parts = []
        for cells, width in zip(columns, widths, strict=True):
            if width and t.num_rows:
                part = _padded(cells[i], width)
                if part is None:
                    return None
                parts.append((part, width))
        if len(parts) == 1 and parts[0][1] == total:
            keys.append(np.ascontiguousarray(parts[0][0]).view(f"S{total}"))
            continue
        rows = np.zeros((t.num_rows, total), np.uint8)
        start = 0
        for part, width in parts:
            rows[:, start:start + width] = part.reshape(-1, width)
            start += width
        keys.append(rows.view(f"S{total}").reshape(-1))
    return keys


def _sorted_unique(keys: np.ndarray) -> bool:
    import numpy as np

    return len(keys) < 2 or bool(np.all(keys[1:] > keys[:-1]))


def match_fixed(old_keys: np.ndarray, new_keys: np.ndarray) -> np.ndarray | None:
    """Each new row's old position (-1 when its key is new), by binary search in the old keys;
    None when either side repeats a key. Releases keep their rows sorted by key, so the sort is
    usually only checked; equal key lists are recognised at once."""
    import numpy as np

    order = None
    if not _sorted_unique(old_keys):
        order = np.argsort(old_keys, kind="stable")
        old_keys = old_keys[order]
        if np.any(old_keys[1:] == old_keys[:-1]):
            return None
    if not _sorted_unique(new_keys):
        ordered = np.sort(new_keys)
        if np.any(ordered[1:] == ordered[:-1]):
            return None
    if order is None and np.array_equal(old_keys, new_keys):
        return np.arange(len(new_keys))
    if not len(old_keys):
        return np.full(len(new_keys), -1, np.int64)
    at = np.minimum(np.searchsorted(old_keys, new_keys), len(old_keys) - 1)
    hit = old_keys[at] == new_keys
    return np.where(hit, at if order is None else order[at], -1)


def match_rows(old_table: pa.Table, new_table: pa.Table, old: TableSnapshot, new: TableSnapshot) -> np.ndarray:
    """Each new row's position in the old table (-1 when the row is new); ReleaseError when
    either table repeats a key."""
    import numpy as np

    keys = fixed_keys([old_table, new_table], new.primary_key)
    found = match_fixed(*keys) if keys is not None else None
    if found is not None:
        return found
    (old_ids, new_ids), bound = key_ids([old_table, new_table], new.primary_key)  # hashing names a repeat
    check_unique(old_ids, bound, old, old_table)
    check_unique(new_ids, bound, new, new_table)
    old_at_id = np.full(bound, -1, np.int64)
    old_at_id[old_ids] = np.arange(len(old_ids))
    return old_at_id[new_ids]


def _is_identity(positions: np.ndarray) -> bool:
    import numpy as np

    return bool(np.array_equal(positions, np.arange(len(positions))))


def _rows(old_table: pa.Table, new_table: pa.Table, old: TableSnapshot, new: TableSnapshot, diff: TableDiff) -> None:
    """Rows matched by key (:func:`match_rows`), then each common field compared as text for all
    matched rows at once; the rows that differ are kept as Arrow columns (dicts only when read)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    found = match_rows(old_table, new_table, old, new)  # each new row's old position, -1 when it is new
    kept = np.zeros(old_table.num_rows, bool)
    kept[found[found >= 0]] = True
    diff.added = Rows(new_table.filter(pa.array(found < 0)))
    diff.removed = Rows(old_table.filter(pa.array(~kept)))
    del kept
    new_at = np.flatnonzero(found >= 0)  # matched pairs, in the new file's order
    old_at = found[new_at]
    # Releases usually keep their rows in order: then the pairs are the first rows of both files.
    old_same, new_same = _is_identity(old_at), _is_identity(new_at)

    def cells(table: pa.Table, name: str, at: np.ndarray, same: bool) -> Any:
        return table[name].slice(0, len(at)) if same else table[name].take(pa.array(at))

    differs: list[tuple[str, Any]] = []
    any_differs = None
    for name in (f for f in new.fields if f in old.fields):
        unequal = pc.not_equal(cells(old_table, name, old_at, old_same), cells(new_table, name, new_at, new_same))
        if pc.any(unequal).as_py():
            differs.append((name, unequal))
            any_differs = unequal if any_differs is None else pc.or_(any_differs, unequal)
    if any_differs is None:
        return
    where = pc.indices_nonzero(any_differs)  # among the matched pairs
    new_rows, old_rows = pa.array(new_at).take(where), pa.array(old_at).take(where)
    diff.changed = Changes(new_table.select(new.primary_key).take(new_rows), [
        (name, unequal.take(where), old_table[name].take(old_rows), new_table[name].take(new_rows))
        for name, unequal in differs])


def table_diff(old: TableSnapshot, new: TableSnapshot, old_cells: pa.Table | None = None,
               new_cells: pa.Table | None = None) -> TableDiff:
    diff = TableDiff(new.name, primary_key=list(new.primary_key))
    diff.columns_added = [f for f in new.fields if f not in old.fields]
    diff.columns_removed = [f for f in old.fields if f not in new.fields]
    diff.type_changes = [{"field": f, "old": old.types[f], "new": new.types[f]}
                         for f in new.fields if f in old.types and old.types[f] != new.types[f]]
    _codes(old, new, diff)
    diff.key_changed = list(old.primary_key) != list(new.primary_key)
    if not diff.key_changed:
        _rows(old.read() if old_cells is None else old_cells, new.read() if new_cells is None else new_cells,
              old, new, diff)
    return diff


def _reasons(tables: list[TableDiff]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for t in tables:
        if t.status == "removed":
            out.append(("major", f"table {t.name} removed"))
            continue
        if t.status == "added":
            out.append(("minor", f"table {t.name} added"))
            continue
        out += [("major", f"{t.name}.{c} removed or renamed") for c in t.columns_removed]
        out += [("major", f"{t.name}.{c['field']} changed type {c['old']} -> {c['new']}") for c in t.type_changes]
        out += [("major", f"{t.name}.{f}: code {c} removed or renamed")
                for f, cs in t.codes_removed.items() for c in cs]
        if t.key_changed:
            out.append(("major", f"{t.name}: primary key changed"))
        out += [("minor", f"{t.name}.{c} added") for c in t.columns_added]
        out += [("minor", f"{t.name}.{f}: code {c} added") for f, cs in t.codes_added.items() for c in cs]
        if t.added:
            out.append(("minor", f"{t.name}: {len(t.added)} rows added"))
        if t.removed:
            out.append(("minor", f"{t.name}: {len(t.removed)} rows removed (retired)"))
        if t.changed:
            out.append(("patch", f"{t.name}: {len(t.changed)} rows corrected"))
    return out


def _retired(snapshot: Snapshot) -> set[tuple[str, str]]:
    table = snapshot.tables.get(RETIRED_TABLE)
    if table is None or not {RETIRED_TABLE_FIELD, RETIRED_ID_FIELD} <= set(table.fields):
        return set()
    cells = table.read()
    return set(zip(cells[RETIRED_TABLE_FIELD].to_pylist(), cells[RETIRED_ID_FIELD].to_pylist(), strict=True))


class _Identifiers:
    """The identifier rules, checked table by table while each table's cells are at hand."""

    def __init__(self, old: Snapshot, new: Snapshot):
        self.old, self.new = old, new
        self.old_retired, self.new_retired = _retired(old), _retired(new)
        self.lost: list[str] = []
        self.reused: set[tuple[str, str]] = set()

    def wants_new_keys(self, name: str) -> bool:
        table = self.new.tables[name]
        return len(table.primary_key) == 1 and any(t == name for t, _ in self.old_retired)

    def check(self, t: TableDiff, new_cells: pa.Table | None) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if t.status == "common" and len(t.primary_key) == 1 and t.name != RETIRED_TABLE and t.removed:
            (key,) = t.primary_key
            ids = t.removed.table[key]
            tombs = pa.array([rid for name, rid in self.new_retired if name == t.name], pa.string())
            for rid in ids.filter(pc.invert(pc.is_in(ids, value_set=tombs))).to_pylist():
                self.lost.append(f"{t.name} {rid} was released in {self.old.version} and is gone, but is not in "
                                 f"{RETIRED_TABLE} (record it there with the reason)")
        if new_cells is not None and self.wants_new_keys(t.name):
            keys = new_cells[self.new.tables[t.name].primary_key[0]]
            rids = pa.array(sorted({rid for name, rid in self.old_retired if name == t.name}), pa.string())
            used = keys.filter(pc.is_in(keys, value_set=rids)).to_pylist()  # the few retired ones, probed
            self.reused |= {(t.name, rid) for rid in used}

    def problems(self) -> list[str]:
        problems = list(self.lost)
        for table_name, rid in sorted(self.old_retired - self.new_retired):
            problems.append(f"{RETIRED_TABLE}: the tombstone of {table_name} {rid} was removed "
                            "(tombstones stay forever)")
        for table_name, rid in sorted(self.old_retired):
            if (table_name, rid) in self.reused:
                problems.append(f"{table_name} {rid} was retired before {self.new.version} and is used again")
        return problems


def identifier_problems(old: Snapshot, new: Snapshot, tables: list[TableDiff]) -> list[str]:
    """Identifiers are never lost or reused between releases (reads the new tables it needs)."""
    rules = _Identifiers(old, new)
    for t in tables:
        if t.status == "removed":
            continue
        rules.check(t, new.tables[t.name].read() if rules.wants_new_keys(t.name) else None)
    return rules.problems()


def diff_snapshots(old: Snapshot, new: Snapshot) -> ReleaseDiff:
    """The diff, one table at a time: only the two versions of one table are in memory at once,
    as Arrow text columns, plus the rows that differ."""
    rules = _Identifiers(old, new)
    tables: list[TableDiff] = []
    for name, after in new.tables.items():
        new_cells = None
        if name in old.tables:
            before = old.tables[name]
            compared = list(before.primary_key) == list(after.primary_key)
            if compared or rules.wants_new_keys(name):
                new_cells = after.read() if compared else read_unique(after)
            t = table_diff(before, after, before.read() if compared else None, new_cells)
        else:
            new_cells = read_unique(after)
            t = TableDiff(name, "added", list(after.primary_key), added=Rows(new_cells))
        rules.check(t, new_cells)
        tables.append(t)
        del new_cells
    for name, before in old.tables.items():
        if name not in new.tables:
            tables.append(TableDiff(name, "removed", list(before.primary_key), removed=Rows(read_unique(before))))
    return ReleaseDiff(old.version, new.version, tables, _reasons(tables), rules.problems())


# --- Markdown -------------------------------------------------------------------------------


def _value(text: str) -> str:
    if text == "":
        return "(empty)"
    short = text if len(text) <= MARKDOWN_VALUE_LIMIT else text[: MARKDOWN_VALUE_LIMIT - 1] + "…"
    return code(short)


def _schema_changes(t: TableDiff) -> int:
    return (len(t.columns_added) + len(t.columns_removed) + len(t.type_changes)
            + sum(map(len, t.codes_added.values())) + sum(map(len, t.codes_removed.values()))
            + int(t.key_changed) + int(t.status != "common"))


def _key_of(t: TableDiff) -> Callable[[dict[str, str]], str]:
    """A row's primary key as inline code (``a | b`` for a compound key)."""
    return lambda row: code(" | ".join(row.get(k, "") for k in t.primary_key))


_render = renderer(Path(__file__).parent / "templates", filters={"value": _value})


def to_markdown(diff: ReleaseDiff) -> str:
    """RELEASE-DIFF.md (templates/RELEASE-DIFF.md.j2): the counts, the levels and, per table, the
    first MARKDOWN_ROW_LIMIT rows of each kind (release-diff.json has them all)."""
    return _render("RELEASE-DIFF.md.j2", diff=diff, limit=MARKDOWN_ROW_LIMIT, schema_changes=_schema_changes,
                   key_of=_key_of)
