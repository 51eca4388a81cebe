"""The canonical form of a table's CSV file, and a lossless reader and atomic writer for it.

Canonical: UTF-8 without BOM, LF line endings, comma-separated, Python csv QUOTE_MINIMAL, the
header in the declared field order, rows sorted by the primary key compared as strings (code
point order, stable), a final newline. The validator's ``row-order`` rule sorts a frame with
:func:`canonical_positions`; the writer sorts the same keys in plain Python (:func:`sorted_positions`,
tested to give the same order), so ``sce fmt`` and ``sce validate`` cannot disagree and writing
needs neither pandas nor numpy.

Formatting never changes a value: a file is rewritten only when it can be parsed without loss
(strict UTF-8, a header naming exactly the declared fields, every row with one cell per
column), and every row's canonical line is proved to read back as the row before anything is
written. A row none of whose cells holds a quote, a carriage return, a line break or a NUL is its
cells joined by commas (a cell that holds a comma between quotes), which reads back as the same
cells by construction (:func:`_simple_lines`); the lines of other rows are written and parsed again
with the csv module.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import atomic_output as atomic_output
from .atomic import write_atomic as write_atomic
from .declaration import Table
from .row_order import canonical_positions as canonical_positions
from .row_order import sorted_positions
from .safe_files import UnsafeFile, read_bounded
from .text_rules import is_nfc, nfc

if TYPE_CHECKING:  # pandas, numpy and pyarrow are imported only by the functions that use them
    import pyarrow as pa

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
    "fmt-unsafe": ("the file is a symbolic link to somewhere outside the package, or not a regular file",
                   "Commit the file itself in data/, not a link to it."),
    "fmt-encoding": ("the file is not valid UTF-8, so its values cannot be read without guessing",
                     "Save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8'), then run `sce fmt` again."),
    "fmt-header": ("the header does not name exactly the declared fields",
                   "Fix the header first: every field of the table once, no others (any order, "
                   "separated by commas, semicolons, tabs or bars); `sce fmt` then reorders the columns."),
    "fmt-row": ("a row cannot be parsed or has the wrong number of cells",
                "Give the row one cell per column and quote cells that contain the delimiter or a quote; "
                "`sce validate` shows the line."),
    "fmt-lossy": ("a row would not read back as the same values once written",
                  "A cell holds a carriage return or line break, which a CSV cell cannot keep; "
                  "remove it by hand (cells hold one line of text)."),
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


def _line_writer() -> tuple[io.StringIO, Any]:
    buf = io.StringIO()
    return buf, csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def _encode_row(buf: io.StringIO, writer: Any, row: list[str]) -> str:
    buf.seek(0)
    buf.truncate()
    writer.writerow(row)
    return buf.getvalue()


@dataclass
class Parsed:
    """A parsed table file: each row as its canonical CSV line plus its key, and what the file
    looked like (for `sce fmt --check` to say what differs). Lines take about the file's size in
    memory, so a large file is formatted without holding every cell as a Python object."""

    table: Table
    lines: list[str]  # canonical line of each row, in file order
    keys: dict[str, list[str]]  # primary key column -> values, in file order
    delimiter: str = ","
    header: list[str] | None = None  # as in the file; None for an empty file
    bom: bool = False
    carriage_returns: bool = False

    def positions(self) -> list[int]:
        return sorted_positions([self.keys[k] for k in self.table.primary_key])

    def to_bytes(self) -> bytes:
        lines, order = self.lines, self.positions()
        parts = [_encode_row(*_line_writer(), self.table.field_names).encode("utf-8")]
        for start in range(0, len(order), CHUNK_ROWS):  # encoded a chunk at a time: no file-sized str
            parts.append("".join([lines[i] for i in order[start:start + CHUNK_ROWS]]).encode("utf-8"))
        return b"".join(parts)


# A row of two or more cells none of which holds a quote, a line break, a carriage return (csv.writer
# writes it bare and a reader does not give it back) or a NUL is "simple": csv.writer writes it as
# its cells joined by commas, a cell that holds a comma between quotes, and a reader gives the
# same cells back, by construction. (One empty cell alone would be written as "".) Cells joined
# by commas hold one newline per row exactly when no cell holds a line break, and one comma fewer
# than cells exactly when no cell holds a comma.


def _joined(rows: Sequence[Sequence[str]]) -> list[str] | None:
    """Each row's cells joined by commas, plus a newline; None when a cell is not a string."""
    try:
        return [",".join(row) + "\n" for row in rows]
    except TypeError:  # csv.writer renders such a cell
        return None


def _quoted(row: Sequence[str]) -> str:
    """The line of a simple row some of whose cells hold a comma."""
    return ",".join([f'"{cell}"' if "," in cell else cell for cell in row]) + "\n"


def _simple_line(row: Sequence[str], joined: str) -> str | None:
    """The canonical line of ``row`` (``joined``: its cells joined by commas) if it is simple."""
    if len(row) < 2 or joined.count("\n") != 1 or '"' in joined or "\r" in joined or "\x00" in joined:
        return None
    return joined if joined.count(",") == len(row) - 1 else _quoted(row)


def _simple_lines(rows: Sequence[Sequence[str]], joined: list[str] | None) -> list[str] | None:
    """The canonical lines of ``rows`` when every one is simple (one check over their text)."""
    if joined is None:
        return None
    text = "".join(joined)
    if (min((len(row) for row in rows), default=2) < 2 or text.count("\n") != len(joined)
            or '"' in text or "\r" in text or "\x00" in text):
        return None
    return [line if line.count(",") == len(row) - 1 else _quoted(row) for row, line in zip(rows, joined, strict=True)]


def _written_lines(rows: Sequence[Sequence[str]]) -> list[str] | None:
    """Each row's canonical line, written in one go: when no cell holds a line break, each row's
    output holds exactly one newline, at its end, so the text splits back into the rows' lines.
    None when a cell holds one (or a carriage return)."""
    buf, writer = _line_writer()
    writer.writerows(rows)
    text = buf.getvalue()
    if text.count("\n") != len(rows) or "\r" in text:
        return None
    return [line + "\n" for line in text.split("\n")[:-1]]


def _reads_back(lines: list[str], rows: Sequence[Sequence[str]]) -> bool:
    """Whether each line, parsed on its own, gives its row back. One reader parses them all: it
    returns one record per call, taking lines until a record ends at a line's end, and a line
    cannot hold two records (text after an unquoted line break is an error); so as many records
    as lines, equal to the rows, means each line read back as its row."""
    # A cell may be as long as its line: the reader's default limit (128 KiB) would refuse a long
    # but valid cell.
    with _cell_limit(max(csv.field_size_limit(), *(len(line) + 1 for line in lines))):
        try:
            again = list(csv.reader(lines, strict=True))
        except csv.Error:
            return False
    return again == [list(row) for row in rows]


CHUNK_ROWS = 4096  # rows proved together: bounded memory for a large file


def _chunks(rows: Iterable[Sequence[str]]) -> Iterator[tuple[list[Sequence[str]], Exception | None]]:
    """Rows in lists of CHUNK_ROWS, each with the error that reading the next row raised (the rows
    read before it are checked first, so the first bad row of the file is the one reported)."""
    it = iter(rows)
    while True:
        chunk: list[Sequence[str]] = []
        try:
            for row in it:
                chunk.append(row)
                if len(chunk) == CHUNK_ROWS:
                    break
        except Exception as exc:
            yield chunk, exc
            return
        if chunk:
            yield chunk, None
        if len(chunk) < CHUNK_ROWS:
            return


def _chunk_lines(chunk: list[Sequence[str]], rel: str, before: int) -> list[str]:
    """The canonical lines of a chunk of rows (``before`` rows came earlier), each proved to read
    back as its row: by construction when every row is simple; else, when no cell holds a line
    break, with one writer and one reader for the chunk; else row by row (simple rows by
    construction), the first bad one reported."""
    joined = _joined(chunk)
    simple = _simple_lines(chunk, joined)
    if simple is not None:
        return simple
    written = _written_lines(chunk)
    if written is not None and _reads_back(written, chunk):
        return written
    buf, writer = _line_writer()
    lines, quoted = [], []
    for n, row in enumerate(chunk):
        line = _simple_line(row, joined[n]) if joined is not None else None
        if line is None:
            line = _encode_row(buf, writer, list(row))
            quoted.append(n)
        lines.append(line)
    if quoted and not _reads_back([lines[n] for n in quoted], [chunk[n] for n in quoted]):
        for n in quoted:  # the first row that does not read back, as when checked one by one
            if not _reads_back([lines[n]], [chunk[n]]):
                raise FormatError(rel, "fmt-lossy", f"row {before + n + 1} would not read back as the same "
                                  "values (a cell holds a carriage return or line break)")
    return lines


def _collect(table: Table, rows: Iterable[Sequence[str]], rel: str) -> tuple[list[str], dict[str, list[str]]]:
    """Canonical lines and keys of rows (in declared order); each line must read back as its row."""
    key_at = {k: table.field_names.index(k) for k in table.primary_key}
    lines: list[str] = []
    keys: dict[str, list[str]] = {k: [] for k in key_at}
    for chunk, error in _chunks(rows):
        lines.extend(_chunk_lines(chunk, rel, len(lines)))
        for k, i in key_at.items():
            keys[k].extend(row[i] for row in chunk)
        if error is not None:
            raise error
    return lines, keys


def to_bytes(table: Table, rows: Sequence[Sequence[str]]) -> bytes:
    """Canonical CSV bytes of ``rows`` (each in declared column order; sorted here)."""
    lines, keys = _collect(table, rows, table.path)
    return Parsed(table, lines, keys).to_bytes()


def _check_utf8(data: bytes, rel: str) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    step = 1 << 24
    for pos in range(0, len(data), step):
        try:
            decoder.decode(data[pos:pos + step], final=pos + step >= len(data))
        except UnicodeDecodeError as exc:
            at = pos + exc.start
            line = data.count(b"\n", 0, at) + 1
            raise FormatError(rel, "fmt-encoding",
                              f"byte 0x{data[at:at + 1].hex()} on line {line} is not valid UTF-8") from exc


def _text(data: bytes) -> io.TextIOWrapper:
    """A streaming text view of UTF-8 bytes (no full-size str copy), for the csv reader."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")


def _header_delimiter(data: bytes, table: Table, rel: str) -> tuple[str, list[str]]:
    expected = sorted(table.field_names)
    for delimiter in DELIMITERS:
        try:
            header = next(csv.reader(_text(data), delimiter=delimiter, strict=True), [])
        except csv.Error:
            continue
        if sorted(header) == expected:
            return delimiter, header
    first = data[:400].replace(b"\r", b"\n").split(b"\n", 1)[0].decode("utf-8", "replace")
    raise FormatError(rel, "fmt-header",
                      f"the header {first[:200]!r} does not name exactly the fields of table {table.name}: "
                      f"{', '.join(table.field_names)}")


@contextlib.contextmanager
def _cell_limit(limit: int) -> Iterator[None]:
    """Let csv read cells up to ``limit`` characters (its default, 128 KiB, would refuse a long
    but valid cell); the previous limit is restored afterwards."""
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def iter_rows(data: bytes, table: Table, rel: str) -> Iterator[list[str]]:
    """The rows of a table file in declared column order, read without loss; raises
    FormatError (encoding, header, row shape) rather than guess. Blank lines hold no value."""
    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    _check_utf8(body, rel)
    if not body.strip():
        return
    delimiter, header = _header_delimiter(body, table, rel)
    order = [header.index(name) for name in table.field_names]
    with _cell_limit(max(len(body), 1 << 17)):
        reader = csv.reader(_text(body), delimiter=delimiter, strict=True)
        try:
            next(reader)
            for row in reader:
                if not row:
                    continue
                if len(row) != len(header):
                    raise FormatError(rel, "fmt-row", f"line {reader.line_num} has {len(row)} cells where the "
                                      f"header has {len(header)}")
                yield [row[i] for i in order]
        except csv.Error as exc:
            raise FormatError(rel, "fmt-row", f"line {reader.line_num} cannot be parsed: {exc}") from exc


def parse(data: bytes, table: Table, rel: str) -> Parsed:
    """Parse a table file without loss; raise FormatError when that is impossible."""
    lines, keys = _collect(table, iter_rows(data, table, rel), rel)
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8):] if bom else data
    parsed = Parsed(table, lines, keys, bom=bom, carriage_returns=b"\r" in body)
    if body.strip():
        parsed.delimiter, parsed.header = _header_delimiter(body, table, rel)
    return parsed


def format_bytes(data: bytes, table: Table, rel: str) -> bytes:
    """The canonical bytes of a table file; raise FormatError rather than change a value."""
    return parse(data, table, rel).to_bytes()


def differences(data: bytes, table: Table, rel: str) -> list[str]:
    """What keeps a parseable file from being canonical, in words (empty when it is canonical)."""
    parsed = parse(data, table, rel)
    if parsed.to_bytes() == data:
        return []
    found = []
    if parsed.bom:
        found.append("byte-order mark")
    if parsed.carriage_returns:
        found.append("CR/CRLF line endings")
    if parsed.header is None:
        found.append("no header row")
    else:
        if parsed.delimiter != ",":
            found.append(f"{parsed.delimiter!r}-separated, not comma-separated")
        if parsed.header != table.field_names:
            found.append("columns not in the declared order")
        if parsed.positions() != list(range(len(parsed.lines))):
            found.append(f"rows not sorted by {', '.join(table.primary_key)}")
    if data and not data.endswith(b"\n"):
        found.append("no final newline")
    return found or ["quoting or blank lines"]


def nfc_bytes(data: bytes) -> bytes:
    """``data`` with its text composed to Unicode NFC (``data`` itself when it already is, or is not
    UTF-8: the reader then refuses it). The whole file is normalised at once, which equals
    normalising each cell: the delimiters, quotes and line breaks are ASCII characters that no
    combining mark composes with, and canonical reordering never crosses a character of class 0."""
    if data.isascii():
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return data if is_nfc(text) else nfc(text).encode("utf-8")


def read_file(root: Path, rel: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of ``root/rel``, refusing links out of the package and files over the limit."""
    path = root / rel
    size = path.stat().st_size
    if size > max_bytes:
        raise FormatError(rel, "fmt-too-large", f"{size:,} bytes is more than the limit of {max_bytes:,}")
    try:
        data = read_bounded(root, path, max_bytes)
    except UnsafeFile as exc:
        raise FormatError(rel, "fmt-unsafe", str(exc)) from exc
    if len(data) > max_bytes:
        raise FormatError(rel, "fmt-too-large", f"more than the limit of {max_bytes:,} bytes")
    return data


class _Compare:
    """A sink that compares what is written with ``data`` (from its start), without keeping it."""

    def __init__(self, data: bytes):
        self.data, self.at, self.same = memoryview(data), 0, True

    def write(self, chunk: bytes | memoryview) -> int:
        chunk = memoryview(chunk).cast("B")  # Arrow's buffers are signed chars: compare as bytes
        n = len(chunk)
        if self.same:
            self.same = self.data[self.at:self.at + n] == chunk
        self.at += n
        return n


def canonical_keys(data: bytes, table: Table) -> pa.Table | None:
    """The key columns (raw text, null for an empty cell, file order) of a table file that is
    exactly in canonical form, read column-wise by the validator's file layer; None when it is not
    or when that layer refuses it (the row-by-row code then decides, and says why).

    Canonical means sorted by the key and every line as :func:`to_bytes` writes it. Without a quote
    in the file no cell is quoted, and a file that passes the file layer then holds no cell that
    needs quoting, so the key columns and their order decide. Otherwise every line is rendered
    column-wise (``formats.csv_text``, tested to write csv.writer's bytes) and compared as it
    goes: exactly, since Arrow's reader also takes some lines that are not canonical
    (``"p,"q`` reads as the cell ``p,q``)."""
    from .formats.csv_text import write_csv
    from .validation.arrays import key_order
    from .validation.structure import check_file, parse_rows, read_columns_text

    keys = list(table.primary_key)
    if b'"' not in data:
        raw = read_columns_text(data, table, keys)
        return raw if raw is not None and key_order(raw, keys)[0] else None
    if check_file(data, table):
        return None
    raw, errors = parse_rows(data, table, table.path, utf8_checked=True)
    if raw is None or errors or not key_order(raw.select(keys), keys)[0]:
        return None
    sink = _Compare(data)
    write_csv(sink, raw)  # type: ignore[arg-type]  # any object with write()
    return raw.select(keys) if sink.same and sink.at == len(data) else None
