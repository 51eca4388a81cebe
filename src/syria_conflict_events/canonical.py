"""The canonical form of a table's CSV file, and a lossless reader and atomic writer for it.

Canonical: UTF-8 without BOM, LF line endings, comma-separated, Python csv QUOTE_MINIMAL, the
header in the declared field order, rows sorted by the primary key compared as strings (code
point order, stable), a final newline. The validator's ``row-order`` rule sorts with the same
function (:func:`canonical_positions`), so ``sce fmt`` and ``sce validate`` cannot disagree.

Formatting never changes a value: a file is rewritten only when it can be parsed without loss
(strict UTF-8, a header naming exactly the declared fields, every row with one cell per
column), and the result is parsed again and compared with the input before it replaces it.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .declaration import Table

# Delimiters a spreadsheet may have used; a file is converted only when its header, split on
# one of them, names exactly the declared fields.
DELIMITERS = (",", ";", "\t", "|")
# Largest file `sce fmt` and `sce new` read (the validator's default limit).
MAX_BYTES = 512 * 1024 * 1024

# Why a file cannot be formatted losslessly: code -> (title, how to fix it). The docs' error
# reference lists these next to the validator's rules.
PROBLEMS: dict[str, tuple[str, str]] = {
    "fmt-too-large": ("the file is larger than `sce fmt` reads",
                      "Split the contribution; a table file should stay well below the limit."),
    "fmt-encoding": ("the file is not valid UTF-8, so its values cannot be read without guessing",
                     "Save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8'), then run `sce fmt` again."),
    "fmt-header": ("the header does not name exactly the declared fields",
                   "Fix the header first: every field of the table once, no others (any order, "
                   "separated by commas, semicolons, tabs or bars); `sce fmt` then reorders the columns."),
    "fmt-row": ("a row cannot be parsed or has the wrong number of cells",
                "Give the row one cell per column and quote cells that contain the delimiter or a quote; "
                "`sce validate` shows the line."),
    "fmt-lossy": ("the canonical form would not read back as the same values",
                  "Cells with line breaks or NUL bytes cannot be stored; remove them by hand."),
}


class FormatError(ValueError):
    """A file that cannot be rewritten without changing a value; nothing was written."""

    def __init__(self, path: str, code: str, detail: str):
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.code = code
        self.detail = detail

    @property
    def hint(self) -> str:
        return PROBLEMS[self.code][1]


def canonical_positions(keys: pd.DataFrame) -> np.ndarray:
    """Positions (0-based) of the rows in canonical order: sorted by the key columns compared
    as strings in code point order, ties kept in file order. Missing keys sort as ""."""
    text = keys.reset_index(drop=True).astype("str").fillna("")
    if text.empty:
        return np.arange(len(text))
    return text.sort_values(list(text.columns), kind="stable").index.to_numpy()


@dataclass
class CanonicalTable:
    """A table's rows as raw strings, in declared column order."""

    table: Table
    rows: list[list[str]]

    def sorted_rows(self) -> list[list[str]]:
        if not self.rows:
            return []
        columns = [self.table.field_names.index(k) for k in self.table.primary_key]
        keys = pd.DataFrame([[row[i] for i in columns] for row in self.rows],
                            columns=list(self.table.primary_key), dtype="str")
        return [self.rows[i] for i in canonical_positions(keys)]


def to_bytes(table: Table, rows: Sequence[Sequence[str]]) -> bytes:
    """Canonical CSV bytes of ``rows`` (already in declared column order; sorted here)."""
    ordered = CanonicalTable(table, [list(r) for r in rows]).sorted_rows()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.field_names)
    writer.writerows(ordered)
    return buf.getvalue().encode("utf-8")


def _decode(data: bytes, rel: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FormatError(rel, "fmt-encoding",
                          f"byte 0x{data[exc.start:exc.start + 1].hex()} on line {line} is not valid UTF-8"
                          ) from exc


def _header_delimiter(text: str, table: Table, rel: str) -> tuple[str, list[str]]:
    first = text.replace("\r", "\n").split("\n", 1)[0]
    expected = sorted(table.field_names)
    for delimiter in DELIMITERS:
        try:
            header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True), [])
        except csv.Error:
            continue
        if sorted(header) == expected:
            return delimiter, header
    raise FormatError(rel, "fmt-header",
                      f"the header {first[:200]!r} does not name exactly the fields of table {table.name}: "
                      f"{', '.join(table.field_names)}")


@contextlib.contextmanager
def _cell_limit(limit: int):
    """Let csv read cells up to ``limit`` characters (its default, 128 KiB, would refuse a long
    but valid cell); the previous limit is restored afterwards."""
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def parse(data: bytes, table: Table, rel: str) -> CanonicalTable:
    """Parse a table file without loss; raise FormatError when that is impossible."""
    with _cell_limit(max(len(data), 1 << 17)):
        return _parse(data, table, rel)


def _parse(data: bytes, table: Table, rel: str) -> CanonicalTable:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    text = _decode(data, rel)
    if not text.strip():
        return CanonicalTable(table, [])  # empty file: the canonical form is the header alone
    delimiter, header = _header_delimiter(text, table, rel)
    order = [header.index(name) for name in table.field_names]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    try:
        next(reader)
        for row in reader:
            if not row:
                continue  # a blank line holds no value
            if len(row) != len(header):
                raise FormatError(rel, "fmt-row", f"line {reader.line_num} has {len(row)} cells where the "
                                  f"header has {len(header)}")
            rows.append([row[i] for i in order])
    except csv.Error as exc:
        raise FormatError(rel, "fmt-row", f"line {reader.line_num} cannot be parsed: {exc}") from exc
    return CanonicalTable(table, rows)


def format_bytes(data: bytes, table: Table, rel: str) -> bytes:
    """The canonical bytes of a table file; raise FormatError rather than change a value."""
    parsed = parse(data, table, rel)
    out = to_bytes(table, parsed.rows)
    again = parse(out, table, rel)
    if Counter(map(tuple, again.rows)) != Counter(map(tuple, parsed.rows)):
        raise FormatError(rel, "fmt-lossy", "the canonical form would not read back as the same values")
    return out


def differences(data: bytes, table: Table, rel: str) -> list[str]:
    """What keeps a parseable file from being canonical, in words (empty when it is canonical)."""
    canonical = format_bytes(data, table, rel)
    if data == canonical:
        return []
    found = []
    if data.startswith(codecs.BOM_UTF8):
        found.append("byte-order mark")
        data = data[len(codecs.BOM_UTF8):]
    if b"\r" in data:
        found.append("CR/CRLF line endings")
    text = data.decode("utf-8")
    if text.strip():
        delimiter, header = _header_delimiter(text, table, rel)
        if delimiter != ",":
            found.append(f"{delimiter!r}-separated, not comma-separated")
        if header != table.field_names:
            found.append("columns not in the declared order")
        parsed = parse(data, table, rel)
        if parsed.rows != parsed.sorted_rows():
            found.append(f"rows not sorted by {', '.join(table.primary_key)}")
    else:
        found.append("no header row")
    if data and not data.endswith(b"\n"):
        found.append("no final newline")
    return found or ["quoting or blank lines"]


def read_file(path: Path, rel: str, max_bytes: int = MAX_BYTES) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise FormatError(rel, "fmt-too-large", f"{size:,} bytes is more than the limit of {max_bytes:,}")
    return path.read_bytes()


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (a crash leaves the old or the new file)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
