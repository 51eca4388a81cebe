"""JSON text of Arrow columns, built column-wise: exactly the bytes ``generate.dumps`` (``json.dumps``
with ``indent=2, ensure_ascii=False``) gives for the same values, without a Python object per row.

A cell's text is formatted once per column (integers by Arrow, whose decimal text equals Python's
``str(int)``; floats by Python's own ``repr``, as ``json`` does; strings quoted, and the few that
need escaping escaped by ``json.dumps`` itself); objects are then joined element-wise with their
indentation, and a batch of objects joined into one buffer that is written as it is."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

BATCH_ROWS = 1 << 16  # rows formatted at a time: bounded memory whatever the table size
_NEEDS_ESCAPE = r'[\x00-\x1f"\\]'  # what json.dumps(ensure_ascii=False) escapes in a string


def key_text(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)


def _float_text(v: float) -> str:
    return float.__repr__(v) if math.isfinite(v) else json.dumps(v)  # NaN/Infinity as json writes them


def as_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def value_texts(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Each cell's JSON text ("null" when missing) by the column's Arrow type."""
    column = as_array(column)
    kind = column.type
    if pa.types.is_integer(kind):
        texts = pc.cast(column, pa.string())
    elif pa.types.is_floating(kind):
        texts = pa.array([None if v is None else _float_text(v) for v in column.to_pylist()], pa.string())
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        texts = _string_texts(column)
    else:
        raise TypeError(f"no JSON text for Arrow type {kind}")
    return pc.fill_null(texts, "null")


def _string_texts(column: pa.Array) -> pa.Array:
    quoted = pc.binary_join_element_wise('"', column, '"', "")
    special = pc.fill_null(pc.match_substring_regex(column, _NEEDS_ESCAPE), False)
    if not pc.any(special).as_py():
        return quoted
    escaped = [json.dumps(v, ensure_ascii=False) for v in column.filter(special).to_pylist()]
    return pc.replace_with_mask(quoted, special, pa.array(escaped, pa.string()))


def object_texts(keys: Sequence[str], values: Sequence[pa.Array | str], indent: int, rows: int) -> pa.Array:
    """One JSON object per row from each key's value texts (an array, or one text for every row);
    ``indent`` is the indentation of the line where the object opens and closes."""
    if not keys:
        return pa.array(["{}"] * rows, pa.string())
    pad, inner = " " * indent, " " * (indent + 2)
    parts: list[pa.Array | str] = []
    for i, (k, v) in enumerate(zip(keys, values, strict=True)):
        parts += [("{\n" if i == 0 else ",\n") + inner + key_text(k) + ": ", v]
    parts.append("\n" + pad + "}")
    if all(isinstance(p, str) for p in parts):
        return pa.array(["".join(parts)] * rows, pa.string())  # type: ignore[arg-type]
    return pc.binary_join_element_wise(*parts, "")


def joined(texts: pa.Array, separator: str) -> pa.Buffer:
    """The texts joined by ``separator`` as one UTF-8 buffer."""
    lists = pa.ListArray.from_arrays(pa.array([0, len(texts)], pa.int32()), texts)
    return pc.binary_join(lists, separator).cast(pa.binary())[0].as_buffer()


def write_array(out: BinaryIO, items: Iterable[pa.Array], indent: int) -> None:
    """A JSON array of pre-formatted item texts, opening on a line indented by ``indent``."""
    inner = "\n" + " " * (indent + 2)
    first = True
    for texts in items:
        if len(texts) == 0:
            continue
        out.write(("[" + inner if first else "," + inner).encode())
        out.write(joined(texts, "," + inner))
        first = False
    out.write(b"[]" if first else ("\n" + " " * indent + "]").encode())


def batches(table: pa.Table, rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """The table in batches of at most ``rows`` rows (columns are plain arrays)."""
    return iter(table.to_batches(max_chunksize=rows))


def record_texts(table: pa.Table | pa.RecordBatch, indent: int) -> pa.Array:
    """Each row as a JSON object with every column, in column order."""
    return object_texts(table.column_names, [value_texts(c) for c in table.columns], indent, table.num_rows)


def write_records(out: BinaryIO, table: pa.Table) -> None:
    """The table as ``dumps(list of row dicts)`` would write it (final newline included)."""
    write_array(out, (record_texts(b, 2) for b in batches(table)), 0)
    out.write(b"\n")
