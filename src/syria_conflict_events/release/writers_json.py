"""Each table as JSON records (an array of objects, every field present, null when empty),
checked against the table's generated JSON Schema before it is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema

from ..declaration import Declaration, Table
from ..generate import dumps
from ..json_schemas import table_json_schema
from .errors import ReleaseError


def write_json_records(decl: Declaration, table: Table, rows: list[dict[str, Any]], path: Path) -> None:
    validator = jsonschema.Draft202012Validator(table_json_schema(decl, table),
                                                format_checker=jsonschema.FormatChecker())
    problems = [f"{table.name}.json {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
                for e in validator.iter_errors(rows)]
    if problems:
        raise ReleaseError(f"{table.name}: JSON records do not match their JSON Schema", problems[:50])
    path.write_text(dumps(rows), encoding="utf-8", newline="\n")
