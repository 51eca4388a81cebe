"""CSV rows read and written by the importer tests that build exports from the fixtures."""

from __future__ import annotations

import csv
import io
from pathlib import Path


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict[str, str]], *, crlf: bool = False) -> Path:
    """``rows`` as a CSV file (its header the first row's keys); CRLF line ends when ``crlf``."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, list(rows[0]), lineterminator="\r\n" if crlf else "\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path
