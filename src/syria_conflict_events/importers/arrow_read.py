"""An export read by Arrow, as a stream of record batches of text, when Arrow reads it as Python's
csv module would; else None, and the importer reads it row by row (:func:`common.read_rows`).

Arrow reads it the same way when its quotes come in pairs (no quoted cell left open),
no blank line (the csv module skips one but counts its line), no carriage return, and every row
has the header's number of cells (Arrow stops at the first that has not: the importer then
starts again, row by row, and reports it). A row's line, which messages name, is counted from
the rows and the line breaks inside the cells before it.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..text_rules import FORMULA_CHARACTERS
from .columns import positions
from .common import MAX_CELL_CHARS, MAX_INPUT_BYTES, ImporterError, Scanned, _check_utf8, needs_guard

# A batch of ~20,000 rows: memory stays that of a few batches. Each batch costs a few hundred
# Arrow calls whatever its size: 2 MiB batches spent ~5 s of a 2.5M-row import in call overhead;
# at 16 MiB the peak passed 1 GiB (benchmarks/README.md).
BLOCK_BYTES = 8 << 20


# Blocks Arrow may read ahead of the batches taken. Unpaced, its reader runs ~38 blocks ahead of a
# slower consumer (≈ 300 MiB at 8 MiB blocks, the reading's memory at 2.5M rows).
AHEAD = 3


class _Paced:
    """The file as Arrow's CSV reader reads it (on its own thread), at most AHEAD reads ahead of
    the batches taken. While the consumer waits for a batch and no read is let through for 50 ms,
    one more read is (a row longer than a block needs more reads than batches: never a deadlock)."""

    def __init__(self, path: Path):
        self._file = path.open("rb")
        self._reads = self._taken = 0
        self._waiting = True  # opening the reader reads the first block(s) before any batch
        self._turn = threading.Condition()
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        with self._turn:
            while self._reads - self._taken >= AHEAD and not self.closed:
                taken = self._taken
                woken = self._turn.wait(0.05 if self._waiting else None)
                if not woken and self._waiting and taken == self._taken:
                    break
            self._reads += 1
        return self._file.read(size)

    def waiting(self, flag: bool) -> None:
        """The consumer starts (True) or ends (False: a batch taken) waiting for a batch."""
        with self._turn:
            self._waiting = flag
            if not flag:
                self._taken += 1
            self._turn.notify_all()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        with self._turn:
            self.closed = True
            self._turn.notify_all()
        self._file.close()


class NotColumnar(Exception):
    """Arrow met a row the csv module reads differently: import the file row by row."""


@dataclass
class _Shape:
    lines: int  # physical lines, as the csv module counts them
    plain: bool  # no carriage return, quotes in pairs


def _shape(seen: Scanned) -> _Shape:
    return _Shape(seen.newlines + (1 if seen.last not in (b"", b"\n") else 0),
                  not seen.carriage_return and seen.quotes % 2 == 0)


def header_of(path: Path, required: Iterable[str], max_bytes: int = MAX_INPUT_BYTES
              ) -> tuple[list[str], int] | None:
    """The header (names stripped and lower-cased), after the checks :func:`common.read_rows` makes
    (size, UTF-8, required columns: an ImporterError), and the file's number of lines; None when
    Arrow cannot read the file as the csv module would."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImporterError(f"{path}: {size:,} bytes is more than the limit of {max_bytes:,}")
        seen = _check_utf8(path, shape=True)
        with path.open("rb") as fh:
            first = fh.readline()
        shape = _shape(seen)
    except OSError as exc:
        raise ImporterError(f"{path}: cannot read: {exc.strerror}") from exc
    if not shape.plain or not first.strip() or first.count(b'"') % 2:
        return None
    try:
        header = [h.strip().lower() for h in next(csv.reader([first.decode("utf-8-sig")], strict=True))]
    except (csv.Error, StopIteration):
        return None
    missing = [c for c in required if c not in header]
    if missing:
        raise ImporterError(f"{path}:1: missing column(s) {', '.join(missing)}; "
                            f"the header has {', '.join(header[:60])}")
    return header, shape.lines


def text_batches(path: Path, header: list[str], lines: int, wanted: Iterable[str]
                 ) -> Iterator[tuple[pa.Array, dict[str, pa.Array]]]:
    """(line of each row, the batch's ``wanted`` columns by name: "" for an empty cell, and for a
    column the file lacks). Where the header repeats a name, its last column is read (as a row read
    into a dict). Raises NotColumnar at a row Arrow cannot read, and at the end when the rows and
    the line breaks inside cells do not add up to the file's ``lines`` (a blank line)."""
    wanted = list(dict.fromkeys(wanted))
    names = [f"c{i}" for i in range(len(header))]
    column_of = {h: f"c{i}" for i, h in enumerate(header)}
    source = _Paced(path)
    try:
        reader = pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, check_utf8=False))
        line = 2
        while True:
            source.waiting(True)
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            finally:
                source.waiting(False)
            n = batch.num_rows
            breaks = None  # line breaks inside each row's cells
            for column in batch.columns:
                counted = pc.count_substring(column, "\n")
                if pc.max(counted).as_py():
                    breaks = counted if breaks is None else pc.add(breaks, counted)
            offsets = pa.array(range(n), pa.int64())
            if breaks is not None:
                before = pc.subtract(pc.cumulative_sum(breaks.cast(pa.int64())), breaks.cast(pa.int64()))
                offsets = pc.add(offsets, before)
            row_lines = pc.add(offsets, line)
            line += n + (pc.sum(breaks).as_py() if breaks is not None else 0)
            empty = pa.repeat(pa.scalar("", pa.string()), n)
            yield row_lines, {w: batch.column(column_of[w]) if w in column_of else empty for w in wanted}
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise NotColumnar(str(exc)) from None
    finally:
        source.close()
    if line - 1 != lines:
        raise NotColumnar(f"{lines} lines, {line - 1} read: a blank line")


# Python's str.lstrip() and \s over ASCII (common.guard_cells): RE2's \s leaves out \v and \x1c-\x1f.
_SPACE = "[\t\n\x0b\x0c\r\x1c-\x1f ]"
_FORMULA = f"^{_SPACE}*[{re.escape(FORMULA_CHARACTERS)}]"
_NUMBER = f"^{_SPACE}*[-+]?[0-9]+(\\.[0-9]*)?{_SPACE}*$"


# A cell whose first character is none of these cannot be led by a formula character.
_FORMULA_OR_SPACE = pa.array(sorted({*FORMULA_CHARACTERS, *"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "}), pa.string())


def _formula_led(column: pa.Array) -> pa.Array | None:
    """Where an ASCII cell is led (after spaces) by a formula character and is not a number; None
    when no cell of the column starts with a formula character or a space (read: the first
    characters alone, the regular expressions only for a column that needs them)."""
    if not pc.any(pc.is_in(pc.utf8_slice_codeunits(column, 0, 1), value_set=_FORMULA_OR_SPACE)).as_py():
        return None
    return pc.and_(pc.match_substring_regex(column, _FORMULA), pc.invert(pc.match_substring_regex(column, _NUMBER)))


def guarded(columns: Iterable[pa.Array], n: int) -> list[int]:
    """Positions of the rows :func:`common.guard_cells` may change or report (an ASCII cell longer
    than MAX_CELL_CHARS, or led by a formula character and not a number; a cell not ASCII for
    which :func:`common.needs_guard` holds, asked once per distinct such cell): a superset, mapped
    row by row, before the filters (which read the guarded cells). Text that is merely not ASCII
    (accents, Arabic, typographic quotes) stays on the columnar path."""
    masks = []
    for column in columns:
        if (pc.max(pc.binary_length(column)).as_py() or 0) > MAX_CELL_CHARS:  # bytes: at least the characters
            masks.append(pc.greater(pc.utf8_length(column), MAX_CELL_CHARS))
        formula = _formula_led(column)
        if formula is not None:
            masks.append(formula)
        ascii_cell = pc.string_is_ascii(column)
        if not pc.all(ascii_cell).as_py():
            other = pc.invert(ascii_cell)
            encoded = pc.dictionary_encode(pc.if_else(other, column, ""))
            verdicts = pa.array([needs_guard(v) for v in encoded.dictionary.to_pylist()], pa.bool_())
            masks.append(pc.take(verdicts, encoded.indices))
    mask = None
    for m in masks:
        mask = m if mask is None else pc.or_(mask, m)
    if mask is None or not pc.any(mask).as_py():
        return []
    return pc.indices_nonzero(mask).to_pylist()


def map_guarded(lines: pa.Array, columns: dict[str, pa.Array], names: list[str],
                map_row: Callable[[int, dict[str, str]], None]) -> tuple[pa.Array, dict[str, pa.Array]]:
    """Map the rows :func:`guarded` finds with ``map_row`` (row by row, as read: every column);
    the batch's other rows."""
    odd = guarded((columns[n] for n in names), len(lines))
    if not odd:
        return lines, columns
    for offset, row in zip(odd, rows_of(columns, odd, names), strict=True):
        map_row(lines[offset].as_py(), row)
    keep = pa.array([True] * len(lines))
    keep = pc.if_else(pc.is_in(pa.array(range(len(lines)), pa.int64()), pa.array(odd, pa.int64())), False, keep)
    return pc.filter(lines, keep), {k: pc.filter(v, keep) for k, v in columns.items()}


def split_odd(checks: list[pa.Array], lines: pa.Array, columns: dict[str, pa.Array], mapped: dict[str, pa.Array],
              names: list[str], map_row: Callable[[int, dict[str, str]], None]
              ) -> tuple[dict[str, pa.Array], dict[str, pa.Array]] | None:
    """The rows every check passes (a null fails), their ``columns`` and ``mapped`` values; the
    others are mapped row by row with ``map_row``, with every message. None when none is left."""
    ok = pc.fill_null(checks[0], False)
    for check in checks[1:]:
        ok = pc.and_(ok, pc.fill_null(check, False))
    odd = positions(pc.invert(ok))
    if not odd:
        return columns, mapped
    for offset, row in zip(odd, rows_of(columns, odd, names), strict=True):
        map_row(lines[offset].as_py(), row)
    if len(odd) == len(lines):
        return None
    return {k: pc.filter(v, ok) for k, v in columns.items()}, {k: pc.filter(v, ok) for k, v in mapped.items()}


def rows_of(columns: dict[str, pa.Array], positions: list[int], names: list[str]) -> list[dict[str, str]]:
    """Rows at ``positions`` as dicts (the header's columns), for the row-by-row mapping."""
    taken = {n: pc.take(columns[n], pa.array(positions, pa.int64())).to_pylist() for n in names}
    return [{n: taken[n][i] for n in names} for i in range(len(positions))]


BatchMapping = Callable[[pa.Array, dict[str, pa.Array], list[str]], None]


def map_columnar(path: Path, required: Iterable[str], columns: Iterable[str],
                 mapper: Callable[[], BatchMapping], reset: Callable[[], None]) -> bool:
    """Map an export a batch at a time with ``mapper()``'s batch function (made once the header
    is known); False, after ``reset()`` of whatever was staged, when Arrow cannot read the file
    as the csv module would (the caller then maps it row by row)."""
    shape = header_of(path, list(required))
    if shape is None:
        return False
    header, lines = shape
    present = list(dict.fromkeys(header))  # a row as the csv module reads it: every column
    batch = mapper()
    try:
        for row_lines, batch_columns in text_batches(path, header, lines, [*columns, *present]):
            batch(row_lines, batch_columns, present)
    except NotColumnar:
        reset()
        return False
    return True


def filter_batch(staging: Any, options: Any, wanted: str | None, lines: pa.Array, cols: dict[str, pa.Array],
                 iso3: pa.Array, date: pa.Array
                 ) -> tuple[pa.Array, dict[str, pa.Array], pa.Array, pa.Array] | None:
    """The rows --country, --from and --to keep (``iso3`` and ``date`` are the batch's mapped
    country code and first day), dropped before anything else is computed for them and counted in
    ``staging.filtered``; None when none is left."""
    dropped = pa.array([False] * len(lines))
    if wanted:
        dropped = pc.or_(dropped, pc.fill_null(pc.not_equal(iso3, wanted), True))
    if options.date_from:
        dropped = pc.or_(dropped, pc.fill_null(pc.less(date, options.date_from), False))
    if options.date_to:
        dropped = pc.or_(dropped, pc.fill_null(pc.greater(date, options.date_to), False))
    if pc.any(dropped).as_py():
        staging.filtered += pc.sum(dropped.cast(pa.int64())).as_py()
        kept = pc.invert(dropped)
        cols = {k: pc.filter(v, kept) for k, v in cols.items()}
        lines, iso3, date = pc.filter(lines, kept), pc.filter(iso3, kept), pc.filter(date, kept)
        if len(lines) == 0:
            return None
    return lines, cols, iso3, date
