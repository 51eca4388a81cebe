"""Arrow building blocks that the rules and both engines share: boolean masks, key lookups
(which rows of one column a value of another names), key order and duplicate keys, and the
pandas-to-Arrow conversion. Nothing here knows a rule: the kernels in ``rules/`` and the column
kernels in ``vectorised`` are written with these."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..declaration import Table

if TYPE_CHECKING:
    import pandas as pd

Column = pa.Array | pa.ChunkedArray

class Memo:
    """Results that rules of several tables share (a foreign key's lookup also tells which events
    have claims), each computed once even when tables are checked on two threads at a time."""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable, compute: Callable[..., Any], *args: Any) -> Any:
        """``compute(*args)``, computed on the first call with ``key``."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                self._values[key] = compute(*args)
            return self._values[key]

    def get_many(self, keys: list[Hashable], compute: Callable[[], list[Any]]) -> list[Any]:
        """The values of ``keys``, computed together by ``compute`` (one value per key, in order)
        unless all are known; a thread asking for one of them meanwhile waits for the result."""
        with self._guard:
            locks = [self._locks.setdefault(key, threading.Lock()) for key in keys]
        with contextlib.ExitStack() as held:
            for lock in locks:
                held.enter_context(lock)
            if any(key not in self._values for key in keys):
                for key, value in zip(keys, compute(), strict=True):
                    self._values.setdefault(key, value)
            return [self._values[key] for key in keys]


def to_mask(result: Column | np.ndarray, passes_when_null: bool = True) -> np.ndarray:
    """A boolean numpy mask from an Arrow boolean column (null -> ``passes_when_null``)."""
    if isinstance(result, np.ndarray):
        return result.astype(bool, copy=False)
    return pc.fill_null(result, passes_when_null).to_numpy(zero_copy_only=False)


def combined(values: Column) -> pa.Array:
    """One contiguous array (value sets of the hash kernels must not be chunked)."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _candidate_keys(values: Column, keys: Column) -> tuple[pa.Array, np.ndarray | None]:
    """``keys`` as one array of ``values``' type, and, when the values are far fewer than the keys,
    only the keys that some value equals with their positions: hashing a million keys to find
    three costs ~0.5 s, hashing the three and scanning the keys once costs little."""
    keys = combined(keys)
    if keys.type != values.type:
        keys = keys.cast(values.type)
    if len(values) * 16 >= len(keys):
        return keys, None
    wanted = combined(values).drop_null().unique()
    positions = np.flatnonzero(to_mask(pc.is_in(keys, value_set=wanted), False))
    return keys.take(pa.array(positions, type=pa.int64())), positions


def isin(values: Column, keys: Column) -> Column:
    """True where a value is one of ``keys`` (missing -> null)."""
    keys, _ = _candidate_keys(values, keys)
    return pc.if_else(pc.is_valid(values), pc.is_in(values, value_set=keys.drop_null()),
                      pa.scalar(None, pa.bool_()))


def index_of(values: Column, keys: Column) -> np.ndarray:
    """Position in ``keys`` of each value's first occurrence, -1 where absent or missing."""
    keys, positions = _candidate_keys(values, keys)
    found = pc.fill_null(pc.index_in(values, value_set=keys, skip_nulls=True), -1).to_numpy(zero_copy_only=False)
    if positions is None:
        return found
    return np.where(found >= 0, positions[np.maximum(found, 0)] if len(positions) else -1, -1)


def take(values: Column, positions: np.ndarray) -> pa.Array:
    """``values`` at ``positions`` (from :func:`index_of`), null where the position is -1."""
    mask = positions < 0
    return combined(values).take(pa.array(positions, mask=mask, type=pa.int64()))


def series_to_arrow(values: pd.Series) -> pa.Array:
    """A typed pandas column (the validator's or the loader's) as the Arrow column the rules take."""
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):  # the loader's typed frames
        values = values.astype("str")
    arr = pa.array(values, from_pandas=True)
    if pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    elif pa.types.is_timestamp(arr.type):
        arr = pc.cast(arr, pa.date32(), safe=False)
    return arr


def _key_text(arr: Column) -> Column:
    text = arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())
    return pc.fill_null(text, "") if text.null_count else text  # fill_null copies even without nulls


def key_order(data: pa.Table, keys: list[str]) -> tuple[bool, np.ndarray]:
    """(rows in canonical order?, row equals the previous one on ``keys``), in one linear pass:
    key tuples compared as strings in code point order, missing as "" (as `sce fmt` sorts)."""
    n = data.num_rows
    if n < 2:
        return True, np.zeros(n, dtype=bool)
    ahead = pa.array(np.zeros(n - 1, dtype=bool))  # row i+1 sorts after row i on an earlier column
    equal = pa.array(np.ones(n - 1, dtype=bool))
    for k in keys:
        arr = combined(_key_text(data.column(k)))  # one buffer: neighbour slices align without copies
        later, earlier = arr.slice(1), arr.slice(0, n - 1)
        ahead = pc.or_(ahead, pc.and_(equal, pc.greater(later, earlier)))
        equal = pc.and_(equal, pc.equal(later, earlier))
    in_order = bool(pc.all(pc.or_(ahead, equal)).as_py())
    repeats = to_mask(equal) if pc.any(equal).as_py() else np.zeros(n - 1, dtype=bool)
    return in_order, np.concatenate([[False], repeats])


def duplicated(data: pa.Table, keys: list[str], order: tuple[bool, np.ndarray] | None = None) -> np.ndarray:
    """Rows whose key repeats an earlier row's (the first occurrence is not flagged). Files are
    kept sorted, so duplicates are neighbours: linear; unsorted files are sorted (stably) first.
    ``order`` is :func:`key_order` of the same rows when it is known already."""
    in_order, repeats = order or key_order(data, keys)
    if in_order:
        return repeats
    text = pa.table({k: _key_text(data.column(k)) for k in keys})
    order = pc.sort_indices(text, sort_keys=[(k, "ascending") for k in keys]).to_numpy()
    _, repeats_sorted = key_order(text.take(order), keys)
    out = np.zeros(data.num_rows, dtype=bool)
    out[order] = repeats_sorted
    return out


def foreign_keys(table: Table) -> dict[str, tuple[str, str]]:
    """column -> (target table, target column) for single-column foreign keys."""
    return {fk.fields[0]: (fk.table, fk.reference[0]) for fk in table.foreign_keys}
