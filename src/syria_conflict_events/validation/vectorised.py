"""The column rules of every declared field (the Table Schema's required, enum, pattern, minimum,
maximum, minLength, unique primary key (composite too) and foreign keys, plus the text rules),
evaluated directly as vectorised Arrow/pandas operations.

One definition, two users: :func:`column_rules` gives each rule as a function of a column, which
``semantic.pandera_schema`` wraps as pandera checks (the schema others can reuse), and which
:func:`column_errors` runs without pandera's per-check machinery, so a million-row table is
checked in seconds. ``tests/test_validation_agreement.py`` shows that the Frictionless layer and
this one flag the same (row, column, rule) cells."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from ..declaration import Declaration, Field, Table
from .errors import ValidationError

FORMULA_START = r"^[=+\-@]"
CONTROL = r"[\x00-\x1f\x7f]"
# A column rule: values (missing ones included) -> True where the cell passes.
ColumnRule = Callable[[pd.Series], pd.Series]


def _arrow(values: pd.Series) -> pyarrow.Array:
    if isinstance(values.dtype, pd.CategoricalDtype):  # the loader's typed frames
        values = values.astype("str")
    arr = pyarrow.array(values, from_pandas=True)
    if pyarrow.types.is_string(arr.type):
        arr = arr.cast(pyarrow.large_string())
    return arr


def _series(arr: pyarrow.Array, like: pd.Series) -> pd.Series:
    return pd.Series(arr.fill_null(True).to_numpy(zero_copy_only=False), index=like.index)


def isin(values: pd.Series, keys: object) -> pd.Series:
    """``values.isin(keys)`` through Arrow's hash set (missing -> False). pandas' isin on Arrow
    strings converts every key to a Python object first: minutes at a million keys."""
    arr = _arrow(values)
    key_arr = pyarrow.array(keys, from_pandas=True)
    if pyarrow.types.is_string(key_arr.type) or pyarrow.types.is_large_string(key_arr.type):
        key_arr = key_arr.cast(arr.type if pyarrow.types.is_large_string(arr.type) else pyarrow.large_string())
    found = pc.is_in(arr, value_set=key_arr, skip_nulls=True).fill_null(False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index, name=values.name)


def _matches(pattern: str) -> ColumnRule:
    """re.match semantics, as pandera's str_matches and the Table Schema pattern (declared
    patterns are anchored)."""
    anchored = pattern if pattern.startswith("^") else f"^(?:{pattern})"
    return lambda s: _series(pc.match_substring_regex(_arrow(s), anchored), s)


# A column whose bytes hold no control character (none below 0x20, no 0x7F) passes the control
# rule, and one that is plain ASCII above 0x20 (whitespace needs 0x09-0x0D, 0x20 or a non-ASCII
# lead byte) passes the whitespace rule, without a regular expression: a few passes over its bytes.
_BYTE_STATS: dict[tuple[int, int], tuple[pyarrow.Buffer, tuple[int, int, bool]]] = {}


def _byte_stats(chunk: pyarrow.Array) -> tuple[int, int, bool] | None:
    """(smallest byte, largest byte, has 0x7F) of a string chunk's data; cached by buffer (the
    control and whitespace rules read the same column; holding the buffer keeps its address from
    being reused while the entry exists)."""
    data = chunk.buffers()[2] if chunk.type in (pyarrow.string(), pyarrow.large_string()) else None
    if data is None or data.size == 0:
        return (0xFF, 0, False) if chunk.null_count == len(chunk) or data is not None else None
    key = (data.address, data.size)
    cached = _BYTE_STATS.get(key)  # threads share the cache: read once, never index twice
    if cached is None:
        if len(_BYTE_STATS) > 8:
            _BYTE_STATS.clear()
        b = np.frombuffer(data, dtype=np.uint8)
        cached = (data, (int(b.min()), int(b.max()), bool((b == 0x7F).any())))
        _BYTE_STATS[key] = cached
    return cached[1]


def _free_of(arr: pyarrow.Array | pyarrow.ChunkedArray, kind: str) -> bool:
    """True when no value can hold a control character ("control") or whitespace ("space");
    may say False wrongly, never True wrongly."""
    for chunk in arr.chunks if isinstance(arr, pyarrow.ChunkedArray) else [arr]:
        stats = _byte_stats(chunk)
        if stats is None:
            return False
        low, high, has_del = stats
        if kind == "control" and (low < 0x20 or has_del):
            return False
        if kind == "space" and (low <= 0x20 or high >= 0x80):
            return False
    return True


def _no(pattern: str, free_of: str | None = None) -> ColumnRule:
    def check(s: pd.Series) -> pd.Series:
        arr = _arrow(s)
        if free_of is not None and _free_of(arr, free_of):
            return pd.Series(True, index=s.index)
        return _series(pc.invert(pc.match_substring_regex(arr, pattern)), s)
    return check


def _trimmed(s: pd.Series) -> pd.Series:
    arr = _arrow(s)
    if _free_of(arr, "space"):
        return pd.Series(True, index=s.index)
    same = pc.equal(arr, pc.utf8_trim_whitespace(arr))
    return _series(pc.and_(same, pc.invert(pc.match_substring(arr, "  "))), s)


def column_rules(decl: Declaration, f: Field) -> list[tuple[str, ColumnRule]]:
    """(rule id, check) for one field, from its declaration; checks see non-missing values only."""
    rules: list[tuple[str, ColumnRule]] = []
    enum = decl.enum(f)
    if enum is not None:
        if f.type == "string":
            rules.append(("enum", lambda s, e=enum: isin(s, e)))
        else:
            rules.append(("enum", lambda s, e=enum: s.isin(e)))
    if f.pattern:
        rules.append(("pattern", _matches(f.pattern)))
    if f.minimum is not None:
        rules.append(("minimum", lambda s, m=f.minimum: s >= m))
    if f.maximum is not None:
        rules.append(("maximum", lambda s, m=f.maximum: s <= m))
    if f.min_length is not None:
        rules.append(("min-length", lambda s, n=f.min_length: _series(
            pc.greater_equal(pc.utf8_length(_arrow(s)), n), s)))
    if f.type == "string":
        rules.append(("control-character", _no(CONTROL, "control")))
        rules.append(("whitespace", _trimmed))
        if f.text:
            rules.append(("formula-cell", _no(FORMULA_START)))
    return rules


def key_order(frame: pd.DataFrame, keys: list[str]) -> tuple[bool, np.ndarray]:
    """(rows in canonical order?, row equals the previous one on ``keys``), in one linear pass:
    key tuples compared as strings in code point order, missing as "" (as `sce fmt` sorts)."""
    n = len(frame)
    if n < 2:
        return True, np.zeros(n, dtype=bool)
    ahead = np.zeros(n - 1, dtype=bool)  # row i+1 sorts after row i on an earlier column
    equal = np.ones(n - 1, dtype=bool)
    for k in keys:
        arr = pc.fill_null(_arrow(frame[k].astype("str")), "")
        later, earlier = arr[1:], arr[:-1]
        ahead |= equal & pc.greater(later, earlier).to_numpy(zero_copy_only=False)
        equal &= pc.equal(later, earlier).to_numpy(zero_copy_only=False)
    return bool((ahead | equal).all()), np.concatenate([[False], equal])


def duplicated(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Rows whose key repeats an earlier row's (the first occurrence is not flagged). Files are
    kept sorted, so duplicates are neighbours: linear; unsorted files fall back to hashing."""
    in_order, repeats = key_order(frame, keys)
    if in_order:
        return pd.Series(repeats, index=frame.index)
    return frame.duplicated(subset=keys, keep="first")


def foreign_keys(table: Table) -> dict[str, tuple[str, str]]:
    """column -> (target table, target column) for single-column foreign keys."""
    return {fk.fields[0]: (fk.table, fk.reference[0]) for fk in table.foreign_keys}


def _default_message(rule: str, column: str, value: object) -> str:
    return f"{value!r}: {rule}" if value is not None else f"{column}: {rule}"


def column_errors(decl: Declaration, table: Table, frame: pd.DataFrame, frames: dict[str, pd.DataFrame], *,
                  message: Callable[[str, str, object], str] | None = None, limit: int = 1000,
                  more: Callable[[str | None, str, int], ValidationError] | None = None) -> list[ValidationError]:
    """Every column rule of ``table`` over its validation frame, in the order pandera reports them
    (required, unique, checks, foreign key; then the composite primary key). ``frames`` are the
    other tables' frames (foreign keys are checked against those present). At most ``limit``
    errors per column and rule are listed; ``more`` makes the line that counts the rest."""
    errors: list[ValidationError] = []
    message = message or _default_message
    more = more or (lambda column, rule, total: ValidationError(
        table.path, None, column, rule, f"{total - limit:,} more rows break this rule", "semantic"))

    def report(column: str, rule: str, bad: pd.Series, values: pd.Series | None) -> None:
        failed = bad.to_numpy(dtype=bool, na_value=False)
        if not failed.any():
            return
        lines = frame.index[failed]
        shown = [None] * min(len(lines), limit) if values is None else values[failed][:limit].tolist()
        for line, value in zip(lines[:limit], shown, strict=True):
            errors.append(ValidationError(table.path, int(line), column, rule, message(rule, column, value),
                                          "semantic"))
        if len(lines) > limit:
            errors.append(more(column, rule, len(lines)))

    fks = foreign_keys(table)
    single_key = table.primary_key[0] if len(table.primary_key) == 1 else None
    for f in table.fields:
        s = frame[f.name]
        present = s.notna()
        if f.required:
            report(f.name, "required", ~present, None)
        if f.name == single_key:
            report(f.name, "primary-key", duplicated(frame, [f.name]), s)
        if not present.any():
            continue  # nothing to check (and no value sets of a million keys to build)
        for rule, check in column_rules(decl, f):
            ok = check(s)
            report(f.name, rule, present & ~ok.fillna(True).astype(bool), s)
        if f.name in fks and fks[f.name][0] in frames:
            target, key = fks[f.name]
            report(f.name, "foreign-key", present & ~isin(s, frames[target][key].dropna()), s)
    if single_key is None:
        keys = list(table.primary_key)
        repeats = duplicated(frame, keys)
        for k in keys:
            report(k, "primary-key", repeats, frame[k])
    return errors
