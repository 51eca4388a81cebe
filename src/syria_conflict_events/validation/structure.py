"""Layer 0: the file itself. Encoding, canonical bytes (no BOM, LF, final newline), delimiter,
header against the declaration, row shape; then an Arrow table of raw text for the later layers.

Files are read as bytes with a size limit, decoded incrementally (bounded extra memory) and
parsed with pyarrow; the slow Python csv reader runs only to locate a malformed row."""

from __future__ import annotations

import codecs
import csv
import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from ..byte_count import count_byte
from ..declaration import Table
from ..formats.arrow_csv import read_csv
from ..safe_files import UnsafeFile, read_bounded
from .errors import ValidationError

if TYPE_CHECKING:  # pandas only for callers that want a frame: the validator runs on Arrow
    import pandas as pd

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_CHUNK = 16 * 1024 * 1024
_OTHER_DELIMITERS = (";", "\t", "|")


FIRST_LINE = 2  # the header is line 1; cells hold no newlines, so row i is on line i + 2


@dataclass
class RawTable:
    table: Table
    path: str  # relative path used in messages
    arrow: pa.Table  # raw text, null for an empty cell, in file order

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        """The raw text as pandas, "" for empty; index = line number in the file."""
        import pandas as pd

        frame = self.arrow.to_pandas().fillna("")
        frame.index = pd.RangeIndex(FIRST_LINE, FIRST_LINE + len(frame))
        return frame


def _line_of(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def _check_utf8(data: bytes, rel: str) -> ValidationError | None:
    if data.isascii():  # ASCII is UTF-8; a C-speed scan instead of decoding
        return None
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    for pos in range(0, len(data), _CHUNK):
        chunk = data[pos : pos + _CHUNK]
        try:
            decoder.decode(chunk, final=pos + _CHUNK >= len(data))
        except UnicodeDecodeError as exc:
            line, col = _line_of(data, pos + exc.start)
            byte = chunk[exc.start : exc.start + 1].hex()
            return ValidationError(rel, line, None, "encoding",
                                   f"byte 0x{byte} at character {col} is not valid UTF-8")
    return None


def check_bytes(data: bytes, rel: str) -> list[ValidationError]:
    """Byte-level checks; any error here means the table is not parsed further."""
    errors: list[ValidationError] = []
    if not data or data.isspace():  # not data.strip(): that copies the whole file
        return [ValidationError(rel, None, None, "empty-file", "the file has no header row")]
    if data.startswith(codecs.BOM_UTF8):
        errors.append(ValidationError(rel, 1, None, "bom", "the file starts with a UTF-8 byte-order mark"))
    bad = _check_utf8(data, rel)
    if bad:
        errors.append(bad)
    cr = data.find(b"\r")
    if cr >= 0:
        line, _ = _line_of(data, cr)
        kind = "CRLF" if data[cr + 1 : cr + 2] == b"\n" else "CR"
        errors.append(ValidationError(rel, line, None, "line-ending", f"{kind} line ending (first at line {line})"))
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_of(data, nul)
        errors.append(ValidationError(rel, line, None, "control-character", f"NUL byte at character {col}"))
    if not errors and not data.endswith(b"\n"):
        line, _ = _line_of(data, len(data) - 1)
        errors.append(ValidationError(rel, line, None, "final-newline", "the last line has no newline"))
    return errors


# A header can name any number of columns: at most this many are listed per rule, then a count.
HEADER_ERRORS_LISTED = 10
NAME_SHOWN = 80


def _short(name: str) -> str:
    return name if len(name) <= NAME_SHOWN else name[:NAME_SHOWN - 1] + "…"


def _capped_header(errors: list[ValidationError], rel: str) -> list[ValidationError]:
    """At most HEADER_ERRORS_LISTED errors per rule, then one line counting the rest."""
    out: list[ValidationError] = []
    count: dict[str, int] = {}
    for e in errors:
        count[e.rule] = count.get(e.rule, 0) + 1
        if count[e.rule] <= HEADER_ERRORS_LISTED:
            out.append(e)
    for rule, n in count.items():
        if n > HEADER_ERRORS_LISTED:
            out.append(ValidationError(rel, 1, None, rule, f"{n - HEADER_ERRORS_LISTED:,} more columns break this "
                                       f"rule ({n:,} in all; the first {HEADER_ERRORS_LISTED} are listed)"))
    return out


def check_header(header_line: str, table: Table, rel: str) -> list[ValidationError]:
    header = next(csv.reader([header_line]), [])
    expected = table.field_names
    if len(header) == 1 and any(d in header_line for d in _OTHER_DELIMITERS):
        used = next(d for d in _OTHER_DELIMITERS if d in header_line)
        return [ValidationError(rel, 1, None, "delimiter",
                                f"the header is separated by {used!r}, not commas")]
    errors = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append(ValidationError(rel, 1, _short(name), "duplicate-column",
                                          f"column {_short(name)!r} appears twice"))
        seen.add(name)
    for name in expected:
        if name not in seen:
            errors.append(ValidationError(rel, 1, name, "missing-column", f"declared column {name!r} is missing"))
    for name in header:
        if name not in expected:
            errors.append(ValidationError(rel, 1, _short(name) or None, "extra-column",
                                          f"column {_short(name)!r} is not declared for table {table.name}"))
    if not errors and header != expected:
        errors.append(ValidationError(rel, 1, None, "column-order",
                                      f"columns must be in the declared order: {', '.join(expected)}"))
    return _capped_header(errors, rel)


def _locate_bad_rows(text_lines: io.StringIO, ncols: int, rel: str, limit: int = 50) -> list[ValidationError]:
    errors = []
    reader = csv.reader(text_lines, strict=True)
    last = 0
    try:
        for row in reader:
            first, last = last + 1, reader.line_num
            if last == 1:
                continue
            if last != first:
                errors.append(ValidationError(rel, first, None, "malformed-row",
                                              f"a quoted cell runs over lines {first}-{last} (a quote is not closed?)"))
            elif len(row) != ncols:
                errors.append(ValidationError(rel, last, None, "malformed-row",
                                              f"{len(row)} cells where the header has {ncols}"))
                if len(errors) >= limit:
                    break
    except csv.Error as exc:
        errors.append(ValidationError(rel, reader.line_num, None, "malformed-row", f"cannot parse: {exc}"))
    return errors


def parse_rows(data: bytes, table: Table, rel: str, *, utf8_checked: bool = False
               ) -> tuple[pa.Table | None, list[ValidationError]]:
    """Every cell as text, an empty one (quoted or not) as null. The whole of ``data`` is checked
    to be UTF-8 first, unless the caller has (``utf8_checked``: :func:`check_bytes` passed); then
    every cell is UTF-8 too (cells end at ASCII bytes, never inside a character), so Arrow's check
    of each cell is skipped (0.1 s of CPU at a million events)."""
    bad = None if utf8_checked else _check_utf8(data, rel)
    if bad:
        return None, [bad]
    arrow, why = _text_cells(data, table.field_names)
    if arrow is None:
        errors = _locate_bad_rows(io.StringIO(data.decode("utf-8"), newline=""), len(table.field_names), rel)
        return None, errors or [ValidationError(rel, None, None, "malformed-row", why)]
    return arrow, []


def _text_cells(data: bytes, names: Sequence[str], columns: Sequence[str] | None = None
                ) -> tuple[pa.Table | None, str]:
    """The cells of ``columns`` (every column when None) as text, an empty one as null, parsed by
    Arrow from UTF-8 ``data`` whose header is ``names``; (None, why) when Arrow cannot parse it or
    its rows and lines disagree."""
    try:
        arrow = read_csv(pa.BufferReader(data), {n: pa.string() for n in (columns or names)}, block_size=1 << 20,
                         include_columns=columns, check_utf8=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        return None, f"cannot parse: {exc}"
    if arrow.num_rows + 1 != count_byte(data, ord("\n")) or count_byte(data, ord('"')) % 2:
        # A quoted cell spans lines, or a quote is never closed (valid CSV has quotes in pairs).
        return None, "rows and lines disagree"
    return arrow, ""


def check_file(data: bytes, table: Table) -> list[ValidationError]:
    """The byte checks, then (when they pass) the header against the declaration: what a file
    must pass before its rows are parsed."""
    return check_bytes(data, table.path) or check_header(data[: data.find(b"\n")].decode("utf-8"), table,
                                                          table.path)


def read_raw_table(root: Path, table: Table, *, max_bytes: int = DEFAULT_MAX_BYTES
                   ) -> tuple[RawTable | None, list[ValidationError]]:
    rel = table.path
    path = root / rel
    if not path.is_file():
        return None, [ValidationError(rel, None, None, "missing-file", f"table {table.name!r} has no file {rel}")]
    size = path.stat().st_size
    if size > max_bytes:
        return None, [ValidationError(rel, None, None, "file-too-large",
                                      f"{size:,} bytes is more than the limit of {max_bytes:,}")]
    try:
        data = read_bounded(root, path, max_bytes)  # never follows a link out of the package
    except UnsafeFile as exc:
        return None, [ValidationError(rel, None, None, "unsafe-path", str(exc))]
    except OSError as exc:
        return None, [ValidationError(rel, None, None, "missing-file", f"cannot read: {exc.strerror}")]
    if len(data) > max_bytes:  # the reported size was wrong (a special file)
        return None, [ValidationError(rel, None, None, "file-too-large",
                                      f"more than the limit of {max_bytes:,} bytes")]
    errors = check_file(data, table)
    if errors:
        return None, errors
    arrow, errors = parse_rows(data, table, rel, utf8_checked=True)
    if arrow is None:
        return None, errors
    return RawTable(table, rel, arrow), []


def read_columns_text(data: bytes, table: Table, columns: Sequence[str]) -> pa.Table | None:
    """Some columns of a table file as raw text (null for an empty cell), when the file passes this
    layer (:func:`read_raw_table`'s checks, in its order); None when it does not, for the caller
    to read it that way and report why. The reader still splits every cell (a row of the wrong
    width is an error) but builds arrays for these columns only: a third to a half of the CPU
    time of the whole table at 1M events, and a fraction of its memory."""
    return None if check_file(data, table) else _text_cells(data, table.field_names, columns)[0]
