"""The column rules of every declared field (the constraint kinds of constraints.py, plus the text
rules), evaluated as Arrow compute kernels on typed Arrow columns, and :func:`column_errors`, which
runs them with the key rules (required, primary key, foreign key: the kernels of
``rules.columns``) over one table.

One definition, two users: :func:`arrow_rules` gives each rule as a function of an Arrow column;
:func:`column_rules` wraps the same functions for pandas Series, which ``semantic.pandera_schema``
turns into pandera checks (the schema others can reuse), and :func:`column_errors` runs them
directly, without pandas or pandera's per-check machinery, so a million-row table is checked in
well under a second per rule. ``tests/test_validate_engines.py`` shows that the Frictionless
layer and this one flag the same (row, column, rule) cells."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrow_types import text_bytes, text_offsets
from ..constraints import declared
from ..declaration import Declaration, Field, Table
from ..text_rules import CONTROL, FORBIDDEN, FORBIDDEN_LEAD, FORMULA_START, NFC_SAFE_BELOW
from .arrays import Column, Memo, foreign_keys, index_of, series_to_arrow, to_mask
from .errors import ValidationError
from .findings import More, capped
from .rules import columns

if TYPE_CHECKING:
    import pandas as pd

# A column rule: Arrow values -> boolean column, True (or null, for a missing value) where the cell passes.
ArrowRule = Callable[[Column], Column]
ColumnRule = Callable[["pd.Series"], "pd.Series"]




# A column whose bytes hold no control character (none below 0x20, no 0x7F, no byte from 0xE2 up,
# which leads U+2000-U+2FFF where the bidirectional controls are) passes the control rule, and one
# that is plain ASCII above 0x20 (whitespace needs 0x09-0x0D, 0x20 or a non-ASCII lead byte)
# passes the whitespace rule, without a regular expression: a few passes over its bytes.
_BYTE_STATS: dict[tuple[int, int], tuple[pa.Buffer, tuple[int, int, bool]]] = {}


def _byte_stats(chunk: pa.Array) -> tuple[int, int, bool] | None:
    """(smallest byte, largest byte, has 0x7F) of a string chunk's data; cached by buffer (the
    control and whitespace rules read the same column; holding the buffer keeps its address from
    being reused while the entry exists)."""
    data = chunk.buffers()[2] if chunk.type in (pa.string(), pa.large_string()) else None
    if data is None or data.size == 0:
        return (0xFF, 0, False) if chunk.null_count == len(chunk) or data is not None else None
    key = (data.address, data.size)
    cached = _BYTE_STATS.get(key)  # threads share the cache: read once, never index twice
    if cached is None:
        if len(_BYTE_STATS) > 8:
            _BYTE_STATS.clear()
        octets = pa.Array.from_buffers(pa.uint8(), data.size, [None, data])  # a view, no copy
        low, high = (v.as_py() for v in pc.min_max(octets).values())
        has_del = high >= 0x7F and bool(pc.any(pc.equal(octets, 0x7F)).as_py())
        cached = (data, (low, high, has_del))
        _BYTE_STATS[key] = cached
    return cached[1]


def _free_of(arr: Column, kind: str) -> bool:
    """True when no value can hold a control character ("control") or whitespace ("space");
    may say False wrongly, never True wrongly."""
    for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        stats = _byte_stats(chunk)
        if stats is None:
            return False
        low, high, has_del = stats
        if kind == "control" and (low < 0x20 or has_del or high >= 0xE2):  # 0xE2 leads U+2000-U+2FFF
            return False
        if kind == "space" and (low <= 0x20 or high >= 0x80):
            return False
    return True


def _all_pass(arr: Column) -> Column:
    return _true(len(arr))


@functools.lru_cache(maxsize=8)
def _true(n: int) -> pa.Array:
    """n times True (cached: the text rules of every clean column of a table share one)."""
    return pa.array(np.ones(n, dtype=bool))


def _chunks(arr: Column) -> list[pa.Array]:
    return arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]


def _per_chunk(arr: Column, rule: Callable[[pa.Array], pa.Array]) -> Column:
    results = [rule(chunk) for chunk in _chunks(arr)]
    return pa.chunked_array(results, pa.bool_()) if isinstance(arr, pa.ChunkedArray) else results[0]


def _edge_bytes(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(first byte, last byte, non-empty) of each value of a string chunk, read from its offsets
    and data buffers (no copy of the text); None for a chunk of another layout."""
    if chunk.type not in (pa.string(), pa.large_string()):
        return None
    n = len(chunk)
    offsets_buffer, data_buffer = chunk.buffers()[1:3]
    if offsets_buffer is None:
        return None
    offsets = text_offsets(chunk)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts  # missing values (and "", which the file layer never yields) are empty
    if data_buffer is None or data_buffer.size == 0 or not filled.any():
        empty = np.zeros(n, dtype=np.uint8)
        return empty, empty, filled
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    first = data[np.minimum(starts, data.size - 1)]
    last = data[np.clip(ends - 1, 0, data.size - 1)]
    return first, last, filled


@functools.cache
def _space_edge() -> np.ndarray:
    """The bytes a value's first (or last) character can start (or end) with when it is whitespace:
    every non-ASCII byte (all other whitespace is multi-byte, U+0085 to U+3000) and each ASCII
    character that str.isspace or Arrow's utf8_trim_whitespace takes for whitespace. A superset."""
    table = np.zeros(256, dtype=bool)
    table[0x80:] = True
    ascii_chars = [chr(b) for b in range(0x80)]
    trimmed = pc.utf8_trim_whitespace(pa.array(ascii_chars)).to_pylist()
    table[[b for b, (c, t) in enumerate(zip(ascii_chars, trimmed, strict=True)) if c.isspace() or t != c]] = True
    return table


def _first_character_bytes(pattern: str) -> np.ndarray | None:
    """The bytes a value may start with to match ``pattern`` when it is one ASCII character class
    anchored at the start (``^[...]``): a byte below 0x80 is that very character. None otherwise."""
    if not (pattern.isascii() and re.fullmatch(r"\^\[[^\]]*\]", pattern)):
        return None
    table = np.zeros(256, dtype=bool)
    table[[b for b in range(0x80) if re.match(pattern, chr(b))]] = True
    return table


_FORMULA_EDGE = _first_character_bytes(FORMULA_START)


def _no_control(arr: Column) -> Column:
    if _free_of(arr, "control"):
        return _all_pass(arr)
    return pc.invert(pc.match_substring_regex(arr, CONTROL))


def _below(arr: Column, lead: int) -> bool:
    """True when every byte of the column's text is below ``lead`` (so no character at or above
    the one that byte starts can occur); may say False wrongly, never True wrongly."""
    for chunk in _chunks(arr):
        stats = _byte_stats(chunk)
        if stats is None or stats[1] >= lead:
            return False
    return True


def _no_forbidden(arr: Column) -> Column:
    if _below(arr, FORBIDDEN_LEAD):
        return _all_pass(arr)
    return pc.invert(pc.match_substring_regex(arr, FORBIDDEN))


def _normalized(arr: Column) -> Column:
    """Text is NFC: a column of characters below U+0300 is, without normalising it."""
    if _below(arr, NFC_SAFE_BELOW):
        return _all_pass(arr)
    return pc.equal(arr, pc.utf8_normalize(arr, form="NFC"))


def _no_formula(arr: Column) -> Column:
    """No value starts with a formula character: only each value's first byte is read."""
    def chunk_rule(chunk: pa.Array) -> pa.Array:
        edges = _edge_bytes(chunk) if _FORMULA_EDGE is not None else None
        if edges is None:
            return pc.invert(pc.match_substring_regex(chunk, FORMULA_START))
        first, _, filled = edges
        return pa.array(~(filled & _FORMULA_EDGE[first]))
    return _per_chunk(arr, chunk_rule)


def _has_double_space(chunk: pa.Array) -> bool:
    """Whether two spaces follow each other anywhere in the chunk's text: its values laid end to
    end in the data buffer, searched as one (a pair across two values only makes it wrongly True).
    Only the chunk's own byte range is searched: a slice shares its parent's whole buffer."""
    spaces = text_bytes(chunk) == 0x20
    return bool((spaces[:-1] & spaces[1:]).any())  # numpy: 3x faster than Arrow's substring search here


def _trimmed(arr: Column) -> Column:
    """No leading or trailing whitespace (as str.strip) and no double space. Values are read
    exactly only in chunks where an edge byte could be whitespace or two spaces meet."""
    if _free_of(arr, "space"):
        return _all_pass(arr)

    def exact(chunk: pa.Array) -> pa.Array:
        same = pc.equal(chunk, pc.utf8_trim_whitespace(chunk))
        return pc.and_(same, pc.invert(pc.match_substring(chunk, "  ")))

    def chunk_rule(chunk: pa.Array) -> pa.Array:
        edges = _edge_bytes(chunk)
        if edges is None:
            return exact(chunk)
        first, last, filled = edges
        if (filled & (_space_edge()[first] | _space_edge()[last])).any() or _has_double_space(chunk):
            return exact(chunk)
        return _true(len(chunk))
    return _per_chunk(arr, chunk_rule)


def arrow_rules(decl: Declaration, f: Field) -> list[tuple[str, ArrowRule]]:
    """(rule id, check) for one field, from its declaration; checks see non-missing values only."""
    rules: list[tuple[str, ArrowRule]] = [(c.rule, c.arrow(decl, f)) for c in declared(f)]  # constraints.py
    if f.type == "string":
        rules.append(("control-character", _no_control))
        rules.append(("forbidden-character", _no_forbidden))
        rules.append(("not-nfc", _normalized))
        rules.append(("whitespace", _trimmed))
        if f.text:
            rules.append(("formula-cell", _no_formula))
    return rules


def column_rules(decl: Declaration, f: Field) -> list[tuple[str, ColumnRule]]:
    """:func:`arrow_rules` for pandas Series (pandera's checks): True where the cell passes."""
    import pandas as pd

    def on_series(rule: ArrowRule) -> ColumnRule:
        return lambda s: pd.Series(to_mask(rule(series_to_arrow(s))), index=s.index)

    return [(name, on_series(rule)) for name, rule in arrow_rules(decl, f)]


def _keys_match(decl: Declaration, f: Field, reference: tuple[str, str], tables: dict[str, pa.Table],
                memo: Memo) -> bool:
    """Whether every key of the referenced column has ``f``'s pattern (its own check passed)."""
    target, key = reference
    key_field = decl.tables[target].field(key)
    if key_field.pattern != f.pattern:
        return False
    check = dict(arrow_rules(decl, key_field))["pattern"]
    result = memo.get(("rule", target, key, "pattern"), check, tables[target][key])
    return pc.all(result).as_py() is not False


def _default_message(rule: str, column: str, value: object) -> str:
    return f"{value!r}: {rule}" if value is not None else f"{column}: {rule}"


def column_errors(decl: Declaration, table: Table, data: pa.Table, tables: dict[str, pa.Table], *,
                  first_line: int = 2, message: Callable[[str, str, object], str] | None = None,
                  limit: int = 1000, memo: Memo | None = None, more: More | None = None) -> list[ValidationError]:
    """Every column rule of ``table`` over its typed Arrow table, in the order the pandera models
    report them (required, unique, checks, foreign key; then the composite primary key); the key
    rules are the kernels of ``rules.columns``, which the models run too. ``tables`` are the
    other tables (foreign keys are checked against those present); row i of ``data`` is on line
    ``first_line + i``. At most ``limit`` errors per column and rule are listed
    (:func:`findings.capped`); ``more`` makes the line that counts the rest. With ``memo`` (only
    when ``data`` is the table the memo's other users see) key lookups and duplicate tests are
    shared with the row rules."""
    errors: list[ValidationError] = []
    memo = memo or Memo()
    message = message or _default_message

    def report(column: str, rule: str, failed: np.ndarray, values: Column | None) -> None:
        if not failed.any():
            return

        def texts(shown: np.ndarray) -> list[str]:
            cells = [None] * len(shown) if values is None else values.take(pa.array(shown)).to_pylist()
            return [message(rule, column, value) for value in cells]
        errors.extend(capped(table.path, column, rule, np.flatnonzero(failed), texts, first_line=first_line,
                             limit=limit, more=more))

    fks = foreign_keys(table)
    single_key = table.primary_key[0] if len(table.primary_key) == 1 else None
    for f in table.fields:
        values = data.column(f.name)
        missing = values.null_count
        if f.required and missing:
            report(f.name, "required", columns.missing(values), None)
        if f.name == single_key:
            report(f.name, "primary-key", columns.repeated(table.name, data, [f.name], memo), values)
        if missing == len(values):
            continue  # nothing to check (and no value sets of a million keys to build)
        reference = fks.get(f.name) if f.name in fks and fks[f.name][0] in tables else None
        rows = None
        if reference is not None:
            target, key = reference
            rows = memo.get(("index_of", table.name, f.name, target, key), index_of, values, tables[target][key])
        for rule, check in arrow_rules(decl, f):
            if rule == "pattern" and rows is not None and _keys_match(decl, f, reference, tables, memo):
                # A value found among the target's keys has their (valid) form: test only the rest.
                unfound = rows < 0
                if not unfound.any():
                    continue
            result = memo.get(("rule", table.name, f.name, rule), check, values)
            if pc.all(result).as_py() is False:  # nulls (missing values) are skipped, i.e. pass
                report(f.name, rule, ~to_mask(result) & to_mask(pc.is_valid(values)), values)
        if rows is not None:
            report(f.name, "foreign-key", columns.unfound(values, tables[reference[0]][reference[1]], rows), values)
    if single_key is None:
        keys = list(table.primary_key)
        repeats = columns.repeated(table.name, data, keys, memo)
        for k in keys:
            report(k, "primary-key", repeats, data.column(k))
    return errors
