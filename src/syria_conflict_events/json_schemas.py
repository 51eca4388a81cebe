"""JSON Schemas generated from the declaration: one per table's JSON records form, and a strict
schema for the source package's datapackage.json (catches typos the Data Package profile lets
through, and paths outside data/)."""

from __future__ import annotations

from typing import Any

from .constraints import Absent, declared
from .declaration import Declaration, Field, Table

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_JSON_TYPE = {"string": "string", "integer": "integer", "number": "number", "date": "string"}
SAFE_DATA_PATH = r"^data/[a-z][a-z0-9_]*\.csv$"


def field_json_schema(decl: Declaration, f: Field) -> dict[str, Any]:
    jtype = _JSON_TYPE[f.type]
    out: dict[str, Any] = {"type": jtype if f.required else [jtype, "null"]}
    out["description"] = f.description
    if f.type == "date":
        out["format"] = "date"
        out["pattern"] = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    for c in declared(f):
        if not isinstance(c.json_schema, Absent):
            out.update(c.json_schema(decl, f))
    return out


def table_json_schema(decl: Declaration, table: Table) -> dict[str, Any]:
    """Schema of ``<table>.json``: an array of records, every field present (null when empty)."""
    return {
        "$schema": DRAFT,
        "title": f"{table.title} ({decl.name} {table.name}.json records)",
        "description": table.description,
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": table.field_names,
            "properties": {f.name: field_json_schema(decl, f) for f in table.fields},
        },
    }


def descriptor_json_schema(decl: Declaration) -> dict[str, Any]:
    names = list(decl.tables)
    resource = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "path", "schema"],
        "properties": {
            "name": {"enum": names},
            "type": {"const": "table"},
            "path": {"type": "string", "pattern": SAFE_DATA_PATH},
            "scheme": {"const": "file"},
            "format": {"const": "csv"},
            "mediatype": {"const": "text/csv"},
            "encoding": {"const": "utf-8"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "dialect": {"type": "object"},
            "schema": {"type": "string", "pattern": r"^schemas/table-schemas/[a-z_]+\.json$"},
        },
    }
    return {
        "$schema": DRAFT,
        "title": f"{decl.name} source datapackage.json",
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "version", "resources", "licenses"],
        "properties": {
            "name": {"const": decl.name},
            "title": {"type": "string"},
            "version": {"type": "string", "pattern": r"^[0-9]+\.[0-9]+\.[0-9]+$"},
            "description": {"type": "string"},
            "homepage": {"type": "string"},
            "keywords": {"type": "array", "items": {"type": "string"}},
            "licenses": {"type": "array", "minItems": 1},
            "contributors": {"type": "array"},
            "resources": {"type": "array", "items": resource, "minItems": 1},
        },
    }
