"""JSON text of Arrow tables, built column-wise and written without a Python object per row.

The layout is one item per line (the definition is :func:`lines_text`)::

    [
    {"id":"a","n":1},
    {"id":"b","n":null}
    ]

each item exactly ``json.dumps(item, ensure_ascii=False, separators=(",", ":"))`` (:func:`compact`).
One line per record keeps the file valid JSON, greppable and streamable line by line, and about a
fifth smaller than indented text.

How a cell becomes text, once per column of a batch: integers by Arrow's cast (its decimal text is
Python's ``str(int)``); floats by Arrow's cast where that text is provably Python's ``repr`` (plain
``digits.digits`` at a magnitude where ``repr`` does not switch to an exponent; both give the
shortest round-trip digits), by ``json.dumps`` for the few others; strings as they are, except the
rows holding a byte that ``json.dumps`` escapes (``"``, ``\\``, U+0000..U+001F; found with numpy
in the UTF-8 buffer), which get the same escapes by vectorised replacements. The cells and the
literal text between them (keys, quotes, braces) are joined element-wise in one Arrow call per
batch, with missing cells as ``null``; the lines of a batch end with ``,\\n``, so the batch's text
is the joined array's data buffer and is written as it is. :data:`THREADS` threads can format
batches at once (Arrow and numpy release the GIL), written in order, so the bytes never depend on
timing. The default is one: the build already runs the formats side by side while the zip's
workers deflate, and a second thread here measured slower at 1M events on two busy cores (6.5 s
against 7.4 s); ``benchmarks/bench_json.py --threads 2`` re-measures it where cores are free."""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrow_types import text_bytes, text_offsets

BATCH_ROWS = 1 << 16  # rows formatted at a time: bounded memory whatever the table size
BATCH_BYTES = 1 << 26  # and about this many bytes of cells, so a batch's text stays far below 2 GiB
THREADS = 1  # see the module's docstring
STRING_LIMIT = (1 << 31) - 1  # the most bytes an Arrow ``string`` array holds; beyond it ``large_string``
LINE_END = ",\n"

Part = str | pa.Array  # literal text, or one text per row (a null is written as ``null``)

_SHORT_ESCAPES = {0x08: "\\b", 0x0C: "\\f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}  # as json.dumps writes them
_PLAIN_FLOAT = r"^-?[0-9]+\.[0-9]+$"
_MIN_PLAIN = 1e-4  # below this repr writes an exponent (1e-05); at and above 1e16 too, where Arrow does as well
_MAX_NUMBER_TEXT = 32  # "null", str(int64), repr(float) and "-Infinity" are all shorter


# -- the definition -------------------------------------------------------------------------------

def compact(value: Any) -> str:
    """One item's text: what every line of a file holds (the reference the fast code matches)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def lines_text(opening: str, items: Sequence[str], closing: str) -> str:
    """The file's text for item texts: ``opening``, one item a line, ``closing``, a final newline."""
    if not items:
        return opening + closing + "\n"
    return opening + "\n" + ",\n".join(items) + "\n" + closing + "\n"


# -- cells ---------------------------------------------------------------------------------------

def as_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _escape_rows(column: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """Which rows hold a byte json.dumps escapes, and which control bytes occur (None when no row does).
    Such bytes are ASCII, so they never occur inside a multi-byte UTF-8 sequence."""
    data = text_bytes(column)
    if data.size == 0 or (data.min() >= 0x20 and b'"' not in (text := data.tobytes()) and b"\\" not in text):
        return None  # the common case, in a quarter of the time of the full mask below (memchr)
    special = (data < 0x20) | (data == 0x22) | (data == 0x5C)
    if not special.any():
        return None
    at = np.flatnonzero(special)
    offsets = text_offsets(column)
    rows = np.zeros(len(column), bool)
    rows[np.searchsorted(offsets, at + offsets[0], side="right") - 1] = True
    found = data[at]
    controls = np.unique(found[found < 0x20])
    return rows, controls


def _escaped(strings: pa.Array, controls: Iterable[int]) -> pa.Array:
    """``json.dumps(s, ensure_ascii=False)[1:-1]`` of each string: the backslash first, so that no
    escape written later is escaped again."""
    strings = pc.replace_substring(strings, "\\", "\\\\")
    strings = pc.replace_substring(strings, '"', '\\"')
    for code in controls:
        strings = pc.replace_substring(strings, chr(code), _SHORT_ESCAPES.get(int(code), f"\\u{int(code):04x}"))
    return strings


def escaped_strings(column: pa.Array) -> pa.Array:
    """The column's strings as they appear between the quotes of their JSON text (nulls stay null)."""
    found = _escape_rows(column)
    if found is None:
        return column
    rows, controls = found
    mask = pa.array(rows)
    return pc.replace_with_mask(column, mask, _escaped(column.filter(mask), controls))


def float_texts(column: pa.Array) -> pa.Array:
    """``json.dumps`` of each float (nulls stay null): Arrow's text where it is ``repr``'s, else Python's.
    Narrower floats are widened first: Python writes a float32's value as the double it is."""
    column = column.cast(pa.float64())
    texts = pc.cast(column, pa.string())
    plain = pc.and_(pc.match_substring_regex(texts, _PLAIN_FLOAT), pc.greater_equal(pc.abs(column), _MIN_PLAIN))
    other = pc.and_(pc.invert(pc.fill_null(plain, False)), pc.is_valid(column))
    if not pc.any(other).as_py():
        return texts
    exact = [float.__repr__(v) if math.isfinite(v) else json.dumps(v) for v in column.filter(other).to_pylist()]
    return pc.replace_with_mask(texts, other, pa.array(exact, pa.string()))


def cell_parts(column: pa.Array | pa.ChunkedArray, prefix: str = "") -> list[Part]:
    """A column's JSON texts, after the literal ``prefix``, as parts of a line. Every part costs the
    join time per row, so a string column without nulls keeps its quotes in the literal text around
    it, and an all-null column is a literal ``null``."""
    column = as_array(column)
    kind = column.type
    if column.null_count == len(column):
        return [prefix + "null"]
    if pa.types.is_integer(kind):
        return [prefix, pc.cast(column, pa.string())]
    if pa.types.is_floating(kind):
        return [prefix, float_texts(column)]
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        strings = escaped_strings(column)
        if column.null_count == 0:
            return [prefix + '"', strings, '"']
        return [prefix, quoted(strings)]
    raise TypeError(f"no JSON text for Arrow type {kind}")


def cell_texts(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One JSON text per cell, null where missing (for a take by position; :func:`cell_parts` is
    cheaper where the cells are joined as they are)."""
    column = as_array(column)
    arrays = [p for p in cell_parts(column) if not isinstance(p, str)]
    if not arrays:
        return pa.nulls(len(column), pa.string())
    if column.null_count == 0 and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return quoted(arrays[0])  # cell_parts left its quotes to the literal text
    return arrays[0]


def quoted(strings: pa.Array) -> pa.Array:
    """Each string between quotes; a null stays null."""
    q, empty = (pa.scalar('"', strings.type), pa.scalar("", strings.type))
    return pc.binary_join_element_wise(q, strings, q, empty)


def key_text(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)


def object_parts(members: Sequence[tuple[str, pa.Array | list[Part]]]) -> list[Part]:
    """A JSON object with each member's key and value: a column, or parts already made."""
    parts: list[Part] = ["{"]
    for i, (key, value) in enumerate(members):
        prefix = ("," if i else "") + key_text(key) + ":"
        parts += [prefix, *value] if isinstance(value, list) else cell_parts(value, prefix)
    return [*parts, "}"]


def join_parts(parts: Sequence[Part], rows: int) -> pa.Array:
    """Each row's text: the parts joined, nulls written as ``null``. Every argument of the join
    costs time per row, so adjacent literals are merged first, and runs of fixed-width parts
    (literals, and string columns whose cells all have one length, as identifiers and dates often
    do) are laid out side by side by numpy as one part."""
    merged: list[Part] = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        else:
            merged.append(p)
    if rows and sum(not isinstance(p, str) for p in merged) > 1:
        merged = _fixed_width_runs(merged, rows)
    arrays = [p for p in merged if not isinstance(p, str)]
    if not arrays:
        return pa.array(["".join(merged)] * rows, pa.string())  # type: ignore[arg-type]
    if any(pa.types.is_large_string(a.type) for a in arrays):
        large = pa.large_string()
        args = [pa.scalar(p, large) if isinstance(p, str) else p.cast(large) for p in merged]
        return pc.binary_join_element_wise(*args, pa.scalar("", large), null_handling="replace",
                                           null_replacement="null")
    return pc.binary_join_element_wise(*merged, "", null_handling="replace", null_replacement="null")


def _width(part: Part) -> int | None:
    """The byte length of every row's text of a part, when it is the same for all (else None)."""
    if isinstance(part, str):
        return len(part.encode())
    if not pa.types.is_string(part.type) or part.null_count or len(part) == 0:
        return None
    lengths = np.diff(text_offsets(part))
    return int(lengths[0]) if lengths.min() == lengths.max() else None


def _fixed_width_runs(parts: list[Part], rows: int) -> list[Part]:
    """``parts`` with each run of two or more fixed-width parts, one of them an array, replaced by
    one array of the run's texts, built in a numpy record array (a field per part). No byte of
    these texts is NUL (escaped strings and keys hold none), so numpy's fixed-width byte strings
    copy them exactly."""
    out: list[Part] = []
    run: list[tuple[Part, int]] = []

    def flush() -> None:
        if len(run) > 1 and any(not isinstance(p, str) for p, _ in run):
            out.append(_side_by_side(run, rows))
        else:
            out.extend(p for p, _ in run)
        run.clear()

    for part in parts:
        width = _width(part)
        if width is None:
            flush()
            out.append(part)
        else:
            run.append((part, width))
    flush()
    return out


def _side_by_side(run: list[tuple[Part, int]], rows: int) -> pa.Array:
    fields = [(p, w) for p, w in run if w]
    starts = np.cumsum([0] + [w for _, w in fields])
    layout = np.dtype({"names": [f"f{i}" for i in range(len(fields))], "formats": [f"S{w}" for _, w in fields],
                       "offsets": [int(s) for s in starts[:-1]], "itemsize": int(starts[-1])})
    table = np.empty(rows, layout)
    for i, (part, width) in enumerate(fields):
        table[f"f{i}"] = part.encode() if isinstance(part, str) else text_bytes(part).view(f"S{width}")
    offsets = np.arange(rows + 1, dtype=np.int32) * int(starts[-1])
    return pa.StringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(table))


# -- batches and files ---------------------------------------------------------------------------

def batches(table: pa.Table) -> list[pa.RecordBatch]:
    """The table in batches of at most ``BATCH_ROWS`` rows and about ``BATCH_BYTES`` bytes."""
    per_row = table.nbytes / max(1, table.num_rows)
    rows = max(1, min(BATCH_ROWS, int(BATCH_BYTES / max(1.0, per_row))))
    return table.to_batches(max_chunksize=rows)


def widened(batch: pa.RecordBatch, literal_bytes: int) -> pa.RecordBatch:
    """The batch with ``large_string`` columns when its text could outgrow a ``string`` array
    (a cell escaped as ``\\u00XX`` takes six times its bytes)."""
    strings = [i for i, c in enumerate(batch.columns) if pa.types.is_string(c.type)]
    numbers = len(batch.columns) - len(strings)
    bound = 6 * sum(len(text_bytes(batch.column(i))) for i in strings) + batch.num_rows * (
        literal_bytes + _MAX_NUMBER_TEXT * numbers)
    if bound < STRING_LIMIT:
        return batch
    for i in strings:
        batch = batch.set_column(i, batch.schema.field(i).name, batch.column(i).cast(pa.large_string()))
    return batch


def record_parts(batch: pa.RecordBatch | pa.Table) -> list[Part]:
    """Each row as a JSON object with every column, in column order."""
    return object_parts(list(zip(batch.column_names, batch.columns, strict=True)))


def record_texts(table: pa.Table | pa.RecordBatch) -> pa.Array:
    """Each row's :func:`compact` text (no line end)."""
    return join_parts(record_parts(table), table.num_rows)


T = TypeVar("T")


def in_order(work: Callable[[T], pa.Array], items: Iterable[T], threads: int = THREADS) -> Iterator[pa.Array]:
    """``work`` of each item, computed by ``threads`` threads, yielded in the items' order with at
    most ``threads + 1`` results held at a time."""
    if threads <= 1:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(threads, thread_name_prefix="json-text") as pool:
        pending: deque[Future[pa.Array]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(work, item))
                if len(pending) > threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _data(texts: pa.Array) -> memoryview:
    """The texts one after the other: the array's UTF-8 data buffer, without a copy."""
    offsets = text_offsets(texts)
    return memoryview(texts.buffers()[2])[int(offsets[0]):int(offsets[-1])]


def write_lines(out: BinaryIO, chunks: Iterable[pa.Array], opening: str, closing: str) -> None:
    """:func:`lines_text` of the items of ``chunks``, each text ending with :data:`LINE_END`
    (the last one's is replaced by the newline before ``closing``)."""
    held: memoryview | None = None
    for texts in chunks:
        if len(texts) == 0:
            continue
        out.write(held if held is not None else (opening + "\n").encode())
        held = _data(texts)
    if held is None:
        out.write((opening + closing + "\n").encode())
    else:
        out.write(held[:-len(LINE_END)])
        out.write(("\n" + closing + "\n").encode())


Batch = pa.RecordBatch


def line_texts(parts: Callable[[Batch], list[Part]], literal_bytes: int) -> Callable[[Batch], pa.Array]:
    """A batch's lines, :data:`LINE_END` included, from a function giving its parts."""
    def work(batch: pa.RecordBatch) -> pa.Array:
        batch = widened(batch, literal_bytes)
        return join_parts([*parts(batch), LINE_END], batch.num_rows)
    return work


def literal_bytes(table: pa.Table, extra: int = 0) -> int:
    """A bound on the bytes of a line's literal text (keys, quotes, punctuation)."""
    return extra + sum(len(key_text(n).encode()) + 4 for n in table.column_names) + 4


def write_records(out: BinaryIO, table: pa.Table) -> None:
    """The table as :func:`lines_text` of ``[`` each row's :func:`compact` record ``]``."""
    write_lines(out, in_order(line_texts(record_parts, literal_bytes(table)), batches(table)), "[", "]")
