"""Each table as JSON records (an array of objects, every field present, null when empty),
checked against the table's generated JSON Schema before it is written.

Checking every record with ``jsonschema`` costs minutes at a million rows and re-proves what the
validator has just proved: the JSON Schema is generated from the same declaration (types, required
fields, vocabularies, ranges, patterns) the CSV cells were validated against. What can still go
wrong here is the conversion to JSON, and that goes wrong per column, not per row. So the check is:
every column's JSON type (from its Arrow type) and nulls are allowed by the schema, every value of
an ``enum`` field is in the enum, and a bounded, evenly spread sample of records, serialised by the
same code as the file and parsed back, passes the full JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow as pa
import pyarrow.compute as pc

from ..declaration import Declaration, Table
from ..exceptions import ReleaseError
from ..json_schemas import table_json_schema
from .json_text import record_texts, write_records

SAMPLE_ROWS = 64


def _json_type(kind: pa.DataType) -> str:
    if pa.types.is_integer(kind):
        return "integer"
    if pa.types.is_floating(kind):
        return "number"
    return "string"


def _allowed(prop: dict[str, Any]) -> set[str]:
    kinds = prop.get("type", [])
    kinds = {kinds} if isinstance(kinds, str) else set(kinds)
    return kinds | ({"number"} if "integer" in kinds else set())  # an integer is a JSON number


def _column_problems(schema: dict[str, Any], arrow: pa.Table) -> list[str]:
    items = schema["items"]
    props = items["properties"]
    problems = []
    if list(props) != arrow.column_names or items.get("required") != arrow.column_names:
        problems.append(f"columns {arrow.column_names} are not the schema's properties {list(props)}")
        return problems
    for name, col in zip(arrow.column_names, arrow.columns, strict=True):
        allowed, kind = _allowed(props[name]), _json_type(col.type)
        if kind not in allowed and not (kind == "number" and "integer" in allowed):
            problems.append(f"{name}: {kind} values where the schema allows {sorted(allowed)}")
        if col.null_count and "null" not in allowed:
            problems.append(f"{name}: {col.null_count} null values in a required field")
        enum = props[name].get("enum")
        if enum is not None and len(col) - col.null_count:
            codes = pa.array([v for v in enum if v is not None], col.type)
            outside = len(col) - col.null_count - pc.sum(pc.is_in(col, value_set=codes)).as_py()
            if outside:
                problems.append(f"{name}: {outside} values outside the schema's enum")
    return problems


def _sample(arrow: pa.Table) -> list[Any]:
    n = arrow.num_rows
    if n == 0:
        return []
    step = max(1, n // SAMPLE_ROWS)
    rows = sorted({*range(0, n, step), n - 1})
    texts = record_texts(arrow.take(pa.array(rows, pa.int64()))).to_pylist()
    return json.loads("[" + ",".join(texts) + "]")


def check_json_records(decl: Declaration, table: Table, arrow: pa.Table) -> None:
    schema = table_json_schema(decl, table)
    problems = _column_problems(schema, arrow)
    if not problems:
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        problems = [f"{table.name}.json sample {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
                    for e in validator.iter_errors(_sample(arrow))]
    if problems:
        raise ReleaseError(f"{table.name}: JSON records do not match their JSON Schema", problems[:50])


def write_json_records(decl: Declaration, table: Table, arrow: pa.Table, path: Path) -> None:
    check_json_records(decl, table, arrow)
    with path.open("wb") as out:
        write_records(out, arrow)
