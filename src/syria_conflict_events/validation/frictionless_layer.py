"""Layer (a): the Frictionless Table Schema check, the standard's own conformance test.

It runs on a descriptor generated from the declaration (inline schemas) restricted to the tables
that passed the file layer, so one broken file does not drown the report in noise."""

from __future__ import annotations

import re
from pathlib import Path

import frictionless

from ..constraints import CONSTRAINTS, FORMAT
from ..declaration import Declaration
from ..table_schema import package_descriptor
from .errors import ValidationError

_CONSTRAINT_RULE = {"required": "required", "unique": "primary-key",
                    **{c.table_schema_key: c.rule for c in CONSTRAINTS if not c.field_level}}
_TYPE_RULE = {"type-error": "type", "primary-key": "primary-key", "unique-error": "primary-key",
              "foreign-key": "foreign-key", "missing-cell": "malformed-row",
              "extra-cell": "malformed-row", "blank-row": "malformed-row"}
_FK_FIELD = re.compile(r'for "([^"]+)"')
_CONSTRAINT = re.compile(r'constraint "([A-Za-z]+)"')


def _rule(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "constraint-error":
        match = _CONSTRAINT.search(error.get("note", "") or error.get("message", ""))
        return _CONSTRAINT_RULE.get(match.group(1), "table-schema") if match else "table-schema"
    return _TYPE_RULE.get(kind, "table-schema")


def run_frictionless(root: Path, decl: Declaration, sound: set[str]) -> list[ValidationError]:
    descriptor = package_descriptor(decl, inline=True)
    resources = []
    for res in descriptor["resources"]:
        if res["name"] not in sound:
            continue
        fks = res["schema"].get("foreignKeys", [])
        res["schema"]["foreignKeys"] = [
            fk for fk in fks if (fk["reference"]["resource"] or res["name"]) in sound
        ]
        resources.append(res)
    if not resources:
        return []
    descriptor["resources"] = resources
    package = frictionless.Package(descriptor, basepath=str(root))
    report = package.validate(limit_errors=100_000)
    errors = []
    paths = {t.name: t.path for t in decl.tables.values()}
    # Text that is not of its field's format: the only type error a string field can have.
    formatted = {t.name: {f.name for f in t.fields if f.type == "string" and FORMAT.present(f)}
                 for t in decl.tables.values()}
    for task in report.tasks:
        rel = paths.get(task.name, task.name)
        for err in task.errors:
            d = err.to_descriptor()
            rule = _rule(d)
            column = d.get("fieldName")
            if rule == "type" and column in formatted.get(task.name, ()):
                rule = FORMAT.rule  # Frictionless reads a cell not of its format as not of its type
            if rule == "foreign-key" and not column:
                match = _FK_FIELD.search(d.get("note", "") + d.get("message", ""))
                column = match.group(1) if match else None
            row = d.get("rowNumber")
            errors.append(ValidationError(rel, row, column, rule, d.get("message", str(d)), "table-schema"))
    for err in report.errors:  # package-level problems (e.g. a resource that cannot be opened)
        errors.append(ValidationError("datapackage.json", None, None, "table-schema", err.message,
                                      "table-schema"))
    return errors
