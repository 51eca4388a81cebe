"""Canonical CSV lines from Arrow record batches, written as a stream.

The bytes are those of :func:`canonical.to_bytes` (Python's csv.writer, QUOTE_MINIMAL, LF): a
cell holding a comma or a quote is quoted, its quotes doubled; every other cell is written as it
is. Lines are built column-wise by Arrow; a batch with a cell holding a line break, a carriage
return or a NUL (which the importer's cleaning removes, so never in practice) goes through the
canonical writer's own proof, row by row, and is refused as it would refuse it.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..canonical import _chunk_lines
from ..declaration import Table


def _text(column: pa.Array) -> pa.Array:
    column = column.cast(pa.string()) if column.type != pa.string() else column
    return pc.fill_null(column, "") if column.null_count else column


def _holds(column: pa.Array, characters: str) -> pa.Array | None:
    """Where ``column`` holds one of ``characters`` (None: nowhere); a substring search per
    character, much faster than one regular expression."""
    found = None
    for c in characters:
        if pc.max(pc.count_substring(column, c)).as_py():
            hit = pc.match_substring(column, c)
            found = hit if found is None else pc.or_(found, hit)
    return found


def _cell_text(column: pa.Array) -> pa.Array:
    quoted = _holds(column, ',"')
    if quoted is None:
        return column
    doubled = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
    return pc.if_else(quoted, doubled, column)


def batch_bytes(batch: pa.RecordBatch, table: Table) -> bytes | memoryview:
    """The canonical lines of ``batch`` (its columns in declared order, text), concatenated."""
    if batch.num_rows == 0:
        return b""
    columns = [_text(batch.column(i)) for i in range(batch.num_columns)]
    if _holds(pc.binary_join_element_wise(*columns, ""), "\r\n\x00") is not None:
        rows = [[v or "" for v in row] for row in zip(*(c.to_pylist() for c in columns), strict=True)]
        return "".join(_chunk_lines(rows, table.path, 0)).encode("utf-8")
    lines = pc.binary_join_element_wise(*[_cell_text(c) for c in columns], ",")
    lines = pc.binary_join_element_wise(lines, "", "\n")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    _, offsets_buffer, data = lines.buffers()
    offsets = pa.Array.from_buffers(pa.int32(), len(lines) + 1, [None, offsets_buffer], offset=lines.offset)
    return memoryview(data)[offsets[0].as_py():offsets[len(lines)].as_py()]


def header_bytes(table: Table) -> bytes:
    return "".join(_chunk_lines([table.field_names], table.path, 0)).encode("utf-8")


def write_if_changed(path: Path, table: Table, batches: Iterable[pa.RecordBatch]) -> bool:
    """Write the canonical file of ``batches`` (already in canonical order) to ``path``, replacing
    it only when its bytes change; True when it was (re)written. The file is streamed to a
    temporary file next to ``path``, compared with the old one and renamed over it in one step
    (a crash leaves the old or the new file), never held in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(header_bytes(table))
            for batch in batches:
                fh.write(batch_bytes(batch, table))
            fh.flush()
            os.fsync(fh.fileno())
        if path.is_file() and filecmp.cmp(tmp, path, shallow=False):
            return False
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
