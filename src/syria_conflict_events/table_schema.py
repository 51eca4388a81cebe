"""Frictionless Table Schemas and the Data Package descriptor, generated from the declaration."""

from __future__ import annotations

from typing import Any

from .constraints import declared
from .declaration import Declaration, Field, Table

TABLE_SCHEMA_DIR = "schemas/table-schemas"
JSON_SCHEMA_DIR = "schemas/json-schemas"
MISSING_VALUES = [""]
# Dialect of every CSV in data/: the canonical form that `sce fmt` writes.
CSV_DIALECT = {"delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "header": True}


def field_descriptor(decl: Declaration, f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name, "type": f.type}
    kinds = declared(f)
    out.update((c.table_schema_key, c.table_schema_value(decl, f)) for c in kinds if c.field_level)
    out["description"] = f.description
    if f.example is not None:
        out["example"] = f.example
    constraints: dict[str, Any] = {"required": True} if f.required else {}
    constraints.update((c.table_schema_key, c.table_schema_value(decl, f)) for c in kinds if not c.field_level)
    if constraints:
        out["constraints"] = constraints
    return out


def table_schema(decl: Declaration, table: Table) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [field_descriptor(decl, f) for f in table.fields],
        "missingValues": MISSING_VALUES,
        "primaryKey": list(table.primary_key),
    }
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {
                "fields": list(fk.fields),
                # Table Schema spells a self-reference as an empty resource name.
                "reference": {
                    "resource": "" if fk.table == table.name else fk.table,
                    "fields": list(fk.reference),
                },
            }
            for fk in table.foreign_keys
        ]
    return schema


def resource_descriptor(table: Table, *, inline_schema: dict[str, Any] | None = None) -> dict:
    return {
        "name": table.name,
        "type": "table",
        "path": table.path,
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": table.title,
        "description": table.description,
        "dialect": dict(CSV_DIALECT),
        "schema": inline_schema if inline_schema is not None else f"{TABLE_SCHEMA_DIR}/{table.name}.json",
    }


def package_descriptor(decl: Declaration, *, inline: bool = False) -> dict[str, Any]:
    """The datapackage.json of the source package (schemas by reference unless ``inline``)."""
    pkg = decl.package
    out: dict[str, Any] = {
        "name": pkg["name"],
        "title": pkg["title"],
        "version": decl.version,
        "description": pkg["description"].strip(),
        "homepage": pkg["homepage"],
        "keywords": list(pkg["keywords"]),
        "licenses": [dict(lic) for lic in pkg["licenses"]],
        "contributors": [dict(c) for c in pkg["contributors"]],
        "resources": [
            resource_descriptor(t, inline_schema=table_schema(decl, t) if inline else None)
            for t in decl.tables.values()
        ],
    }
    return out
