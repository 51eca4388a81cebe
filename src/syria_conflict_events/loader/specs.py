"""What the loader knows about a table before reading it (names, types, vocabularies, keys, as
the package's Table Schemas declare them), its errors and warnings, and the report of cells it
could not read. Imports nothing from the project: the dataset and the pandera models use these
without importing the reader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_MAX_SHOWN = 5  # problem cells quoted in a warning


class PackageError(ValueError):
    """A package directory or one of its tables cannot be read."""


class DataWarning(UserWarning):
    """Cells that are not of their declared type or vocabulary were read as missing."""


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    enum: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class ForeignKeySpec:
    fields: tuple[str, ...]
    table: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    name: str
    path: str
    columns: tuple[ColumnSpec, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKeySpec, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [c.name for c in self.columns]



@dataclass(frozen=True)
class CellProblem:
    """Cells of one column that could not be read as declared (they are missing in the frame)."""

    path: str
    column: str
    rule: str  # "type" or "enum", as the validator names them
    lines: tuple[int, ...]  # line numbers in the file (header = 1)
    values: tuple[str, ...]  # the raw text of the first few cells

    def describe(self) -> str:
        what = "not a valid value of its type" if self.rule == "type" else "not a code of its vocabulary"
        shown = ", ".join(f"line {n} {v!r}" for n, v in zip(self.lines, self.values, strict=False))
        more = f" and {len(self.lines) - len(self.values)} more" if len(self.lines) > len(self.values) else ""
        return f"{self.column}: {len(self.lines)} cell(s) {what} ({shown}{more})"
