"""Canonical CSV lines from Arrow record batches, written as a stream.

The bytes are those of :func:`canonical.to_bytes` (Python's csv.writer, QUOTE_MINIMAL, LF): a
cell holding a comma or a quote is quoted, its quotes doubled; every other cell is written as it
is. Lines are built column-wise by Arrow; a batch with a cell holding a line break, a carriage
return or a NUL (which the importer's cleaning removes, so never in practice) goes through the
canonical writer's own proof, row by row, and is refused as it would refuse it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from ..byte_count import count_byte
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


class _ChangedFile:
    """A sink that compares what is written with ``path``'s bytes as it goes, and starts a new
    file (the matching prefix copied from the old one) only at the first byte that differs: an
    unchanged file is read once and never written."""

    def __init__(self, path: Path):
        self.path = path
        self.old = path.open("rb") if path.is_file() else None
        self.same = 0  # bytes known equal to the old file's
        self.new: BinaryIO | None = None
        self.tmp: Path | None = None

    def write(self, data: bytes | memoryview) -> None:
        data = memoryview(data).cast("B")  # Arrow's buffers are signed chars: compare as bytes
        if self.new is None and self.old is not None and self.old.read(len(data)) == data:
            self.same += len(data)
            return
        if self.new is None:
            self._start()
        assert self.new is not None
        self.new.write(data)

    def _start(self) -> None:
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self.tmp, self.new = Path(name), os.fdopen(fd, "wb")
        if self.old is not None:
            self.old.seek(0)
            left = self.same
            while left:
                chunk = self.old.read(min(left, 1 << 22))
                self.new.write(chunk)
                left -= len(chunk)

    def finish(self, before_replace: Callable[[], None] | None = None,
               pending: list[tuple[Path, Path]] | None = None) -> bool:
        """Replace the file when its bytes changed (in one step: a crash leaves the old or the new
        file), calling ``before_replace`` first (the old file is still there); True when it did.
        With ``pending``, the (new file, path) pair is added to it instead, for the caller to
        replace with the others (:func:`replace_all`)."""
        if self.new is None:
            if self.old is not None and not self.old.read(1):
                return False  # the same bytes
            self._start()  # no old file, or the old one was longer
        assert self.new is not None and self.tmp is not None
        if before_replace is not None:
            before_replace()
        self.new.flush()
        os.fsync(self.new.fileno())
        self.new.close()
        os.chmod(self.tmp, self.path.stat().st_mode & 0o777 if self.path.exists() else 0o644)
        if pending is None:
            os.replace(self.tmp, self.path)
        else:
            pending.append((self.tmp, self.path))
        self.tmp = None
        return True

    def close(self) -> None:
        if self.old is not None:
            self.old.close()
        if self.new is not None and not self.new.closed:
            self.new.close()
        if self.tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.tmp)


def replace_all(pending: list[tuple[Path, Path]]) -> None:
    """Put each new file in its place (each in one step)."""
    for tmp, path in pending:
        os.replace(tmp, path)
    pending.clear()


def discard_all(pending: list[tuple[Path, Path]]) -> None:
    """Remove the new files not put in place (the old ones stay)."""
    for tmp, _ in pending:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    pending.clear()


class Unwritable(Exception):
    """A line holds a line break, carriage return or NUL inside a cell: write the table cell by
    cell (:func:`write_if_changed`), through the canonical writer's proof."""


def _plain_lines(text: memoryview, lines: int) -> bool:
    """``text`` holds exactly ``lines`` newlines, and no carriage return or NUL. Scanned in place
    (issue 17: copying each batch's bytes out of Arrow to scan them cost a copy of every file
    written, and its page faults on a virtual machine)."""
    return count_byte(text, 0x0A) == lines and not count_byte(text, 0x0D) and not count_byte(text, 0)


def line_sql(columns: list[str]) -> str:
    """A DuckDB expression for the canonical line of a row of text cells (``columns``: quoted
    identifiers), its final newline included: csv.writer's minimal quoting, built by DuckDB."""
    cells = [f"CASE WHEN contains({c}, ',') OR contains({c}, '\"') THEN '\"' || replace({c}, '\"', '\"\"') || '\"' "
             f"ELSE {c} END" for c in columns]
    return f"concat_ws(',', {', '.join(cells)}) || chr(10)"


def write_lines_if_changed(path: Path, table: Table, batches: Iterable[pa.RecordBatch],
                           before_replace: Callable[[], None] | None = None,
                           pending: list[tuple[Path, Path]] | None = None) -> bool:
    """As :func:`write_if_changed`, from batches of one column: each row's canonical line
    (:func:`line_sql`). Raises Unwritable (nothing replaced) when a cell holds a line break, a
    carriage return or a NUL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sink = _ChangedFile(path)
    try:
        sink.write(header_bytes(table))
        for batch in batches:
            lines = batch.column(0)
            if lines.type != pa.string():
                lines = lines.cast(pa.string())
            _, offsets_buffer, data = lines.buffers()
            offsets = pa.Array.from_buffers(pa.int32(), len(lines) + 1, [None, offsets_buffer], offset=lines.offset)
            text = memoryview(data)[offsets[0].as_py():offsets[len(lines)].as_py()]
            # Each line ends in its one newline: a batch's bytes hold exactly one per line, and no
            # carriage return or NUL.
            if not _plain_lines(text, len(lines)):
                raise Unwritable(str(path))
            sink.write(text)
        return sink.finish(before_replace, pending)
    finally:
        sink.close()


def write_if_changed(path: Path, table: Table, batches: Iterable[pa.RecordBatch],
                     before_replace: Callable[[], None] | None = None,
                     pending: list[tuple[Path, Path]] | None = None) -> bool:
    """Write the canonical file of ``batches`` (already in canonical order) to ``path``, replacing
    it only when its bytes change; True when it was (re)written. Streamed: compared with the old
    file as the lines are made, never held in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sink = _ChangedFile(path)
    try:
        sink.write(header_bytes(table))
        for batch in batches:
            sink.write(batch_bytes(batch, table))
        return sink.finish(before_replace, pending)
    finally:
        sink.close()
