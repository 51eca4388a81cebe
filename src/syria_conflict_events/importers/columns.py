"""Column-wise helpers of the columnar readers: the distinct values (or tuples of values) of a
batch's columns, so that Python maps each distinct value once and Arrow spreads the result over
the rows; and row numbers where a mask holds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


def distinct(columns: Sequence[pa.Array]) -> tuple[pa.Array, list[tuple[Any, ...]]]:
    """(code of each row, the distinct tuples of the columns' values, by code): code k is the k-th
    distinct tuple in order of first appearance."""
    key: pa.Array | None = None
    for column in columns:
        encoded = pc.dictionary_encode(column)
        indices = encoded.indices.cast(pa.int64())
        key = indices if key is None else pc.dictionary_encode(
            pc.add(pc.multiply(key, len(encoded.dictionary)), indices)).indices.cast(pa.int64())
    assert key is not None
    if len(columns) == 1:
        return key, [(v,) for v in pc.dictionary_encode(columns[0]).dictionary.to_pylist()]
    count = pa.array(range(len(key)), pa.int64())
    firsts = pa.table({"k": key, "i": count}).group_by("k", use_threads=False).aggregate([("i", "min")])
    firsts = firsts.sort_by("k").column("i_min")
    values = [pc.take(c, firsts).to_pylist() for c in columns]
    return key, list(zip(*values, strict=True))


def _results(keys: list[tuple[Any, ...]], function: Callable[..., Any], cache: dict | None) -> list[Any]:
    if cache is None:
        return [function(*k) for k in keys]
    results = []
    for k in keys:
        if k in cache:
            results.append(cache[k])
        else:
            results.append(cache.setdefault(k, function(*k)))
    return results


def mapped(columns: Sequence[pa.Array], function: Callable[..., Any], kind: pa.DataType,
           cache: dict | None = None) -> pa.Array:
    """``function(*values)`` of each row, computed once per distinct tuple of values (once per
    file with a ``cache``, kept from batch to batch: for values with few distinct ones)."""
    codes, keys = distinct(columns)
    return pc.take(pa.array(_results(keys, function, cache), kind), codes)


def mapped_many(columns: Sequence[pa.Array], function: Callable[..., tuple[Any, ...]],
                kinds: Sequence[pa.DataType], cache: dict | None = None) -> list[pa.Array]:
    """As :func:`mapped`, for a function that returns a tuple: one array per element."""
    codes, keys = distinct(columns)
    results = _results(keys, function, cache)
    return [pc.take(pa.array([r[i] for r in results], kind), codes) for i, kind in enumerate(kinds)]


def positions(mask: pa.Array) -> list[int]:
    """Indices where ``mask`` is true."""
    return pc.indices_nonzero(mask.cast(pa.uint8())).to_pylist()


def expand(codes: pa.Array, counts: Sequence[int]) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Rows whose code k stands for ``counts[k]`` items (the items of all codes numbered in code
    order): (the row of each item, its position among its row's items, its number)."""
    offsets = [0]
    for count in counts:
        offsets.append(offsets[-1] + count)
    per_code = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(range(offsets[-1]), pa.int32()))
    per_row = pc.take(per_code, codes)
    item = pc.list_flatten(per_row)
    row = pc.list_parent_indices(per_row)
    within = pc.subtract(pa.array(range(len(item)), pa.int64()), pc.take(per_row.offsets.cast(pa.int64()), row))
    return row, within, item
