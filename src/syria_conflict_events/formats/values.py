"""Raw CSV text to typed Python values, field by field, from the declaration.

The CSV cells are validated before the build, so conversion here is exact and never guesses;
every writer (JSON, Parquet, SQLite, GeoJSON) uses these values, so all formats agree."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ..declaration import Field, Table

Value = str | int | float | dt.date | None


def to_value(f: Field, text: str) -> Value:
    """The typed value of one cell ("" is missing). Dates stay ISO strings; see ``to_date``."""
    if text == "":
        return None
    if f.type == "integer":
        return int(text)
    if f.type == "number":
        return float(text)
    return text


def to_date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def records(table: Table, raw: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts in the declared field order, sorted by primary key (JSON-ready values)."""
    columns = [(f, raw[f.name].tolist()) for f in table.fields]
    out = [
        {f.name: to_value(f, cells[i]) for f, cells in columns}
        for i in range(len(raw))
    ]
    return sorted(out, key=lambda r: sort_key(table, r))


def sort_key(table: Table, record: dict[str, Any]) -> tuple:
    # Missing sorts first; keys are required, so this only matters for malformed input.
    return tuple((record[k] is not None, record[k] if record[k] is not None else "") for k in table.primary_key)
