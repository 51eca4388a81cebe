"""Layer (c): JSON Schema checks of the descriptor (the Data Package profile and the SCE
descriptor schema, both with jsonschema) and of any JSON tables next to the CSVs."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..declaration import Declaration
from ..json_schemas import descriptor_json_schema, table_json_schema
from ..safe_files import UnsafeFile, read_bounded
from .errors import ValidationError

if TYPE_CHECKING:
    import jsonschema

MAX_JSON_BYTES = 256 * 1024 * 1024
MAX_JSON_DEPTH = 64


def _depth(obj: Any, limit: int) -> int:
    """Nesting depth, iteratively (a hostile file must not exhaust the recursion limit)."""
    stack, deepest = [(obj, 1)], 0
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(node, dict):
            stack.extend((v, d + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, d + 1) for v in node)
    return deepest


def load_json(path: Path, rel: str, max_bytes: int = MAX_JSON_BYTES, *, root: Path | None = None
              ) -> tuple[Any, str | None]:
    """Parse a JSON file defensively; returns (value, error message). With ``root``, a file that
    resolves outside it (a contributed symbolic link) is refused, not read."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, f"{size:,} bytes is more than the limit of {max_bytes:,}"
        data = read_bounded(root if root is not None else path.parent, path, max_bytes)
        if len(data) > max_bytes:
            return None, f"more than the limit of {max_bytes:,} bytes"
        value = json.loads(data.decode("utf-8"))
    except FileNotFoundError:
        return None, "file not found"
    except UnsafeFile as exc:
        return None, str(exc)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, f"not valid JSON: {exc}"
    if _depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        return None, f"nested deeper than {MAX_JSON_DEPTH} levels"
    return value, None


def unsafe_path(value: object) -> bool:
    if not isinstance(value, str) or not value or "\\" in value or "://" in value or ":" in value:
        return True
    p = PurePosixPath(value)
    return p.is_absolute() or ".." in p.parts


def _validator(schema: dict) -> jsonschema.Draft202012Validator:
    import jsonschema  # imported only when there is something to check (0.2 s)

    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _schema_errors(instance: Any, schema: dict, rel: str) -> list[ValidationError]:
    validator = _validator(schema)
    errors = []
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path))):
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        errors.append(ValidationError(rel, None, where, "descriptor-invalid", err.message[:500],
                                      "json-schema"))
    return errors


def check_descriptor(descriptor: Any, decl: Declaration, *, generated: bool = False) -> list[ValidationError]:
    """The descriptor against SCE's JSON Schema and Frictionless's Data Package profile. A
    descriptor that is exactly the generated one (``generated``) is not checked again: that one
    is checked against both by tests/test_metadata.py, and the checks' imports cost 0.5 s."""
    rel = "datapackage.json"
    errors: list[ValidationError] = []
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if isinstance(resources, list):  # any other shape is reported by the schema checks below
        for i, res in enumerate(resources):
            if isinstance(res, dict) and unsafe_path(res.get("path")):
                errors.append(ValidationError(rel, None, f"resources/{i}/path", "unsafe-path",
                                              f"path {res.get('path')!r} is outside the package",
                                              "json-schema"))
    if generated:
        return errors
    import frictionless

    errors += _schema_errors(descriptor, frictionless.Package.metadata_profile, rel)
    errors += _schema_errors(descriptor, descriptor_json_schema(decl), rel)
    return errors


def check_json_tables(root: Path, decl: Declaration) -> list[ValidationError]:
    """Validate ``data/<table>.json`` records where they exist (a release's JSON form)."""
    errors = []
    for table in decl.tables.values():
        path = root / "data" / f"{table.name}.json"
        if not path.exists():
            continue
        rel = f"data/{table.name}.json"
        value, problem = load_json(path, rel, root=root)
        if problem:
            errors.append(ValidationError(rel, None, None, "json-schema", problem, "json-schema"))
            continue
        validator = _validator(table_json_schema(decl, table))
        for err in validator.iter_errors(value):
            path_parts = list(err.absolute_path)
            row = int(path_parts[0]) + 1 if path_parts and isinstance(path_parts[0], int) else None
            column = str(path_parts[1]) if len(path_parts) > 1 else None
            errors.append(ValidationError(rel, row, column, "json-schema", err.message[:500], "json-schema"))
    return errors
