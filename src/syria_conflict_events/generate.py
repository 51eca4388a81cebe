"""Write (or check) every file generated from the declaration: Table Schemas, JSON Schemas,
datapackage.json and CITATION.cff. The committed copies must equal what this produces (drift check)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .declaration import Declaration, load_declaration
from .json_schemas import descriptor_json_schema, table_json_schema
from .table_schema import JSON_SCHEMA_DIR, TABLE_SCHEMA_DIR, package_descriptor, table_schema
from .templating import renderer

_render = renderer(Path(__file__).parent / "templates", filters={"json": json.dumps})


def dumps(obj: Any) -> str:
    """Deterministic JSON text: fixed indent, insertion order, UTF-8, final newline."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def citation_cff(decl: Declaration) -> str:
    """CITATION.cff from package.yaml (templates/CITATION.cff.j2), so the cited version is the declared one."""
    return _render("CITATION.cff.j2", pkg=decl.package, version=decl.version,
                   doi=str(decl.package.get("doi") or "").strip())


def generated_files(decl: Declaration | None = None) -> dict[str, str]:
    """Relative path -> file text of every generated file."""
    decl = decl or load_declaration()
    out = {"datapackage.json": dumps(package_descriptor(decl)), "CITATION.cff": citation_cff(decl)}
    for t in decl.tables.values():
        out[f"{TABLE_SCHEMA_DIR}/{t.name}.json"] = dumps(table_schema(decl, t))
        out[f"{JSON_SCHEMA_DIR}/{t.name}.json"] = dumps(table_json_schema(decl, t))
    out[f"{JSON_SCHEMA_DIR}/datapackage.schema.json"] = dumps(descriptor_json_schema(decl))
    return out


def stale_files(root: Path, decl: Declaration | None = None) -> list[str]:
    """Generated files under ``root`` that are missing or differ from what would be generated."""
    stale = []
    for rel, text in generated_files(decl).items():
        path = root / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(rel)
    return stale


def write_generated(root: Path, decl: Declaration | None = None) -> list[str]:
    """Write generated files that changed; return their paths. Stale generated files that no
    longer correspond to a table are removed so that a dropped table leaves nothing behind."""
    files = generated_files(decl)
    written = []
    for rel, text in files.items():
        path = root / rel
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(rel)
    for sub in (TABLE_SCHEMA_DIR, JSON_SCHEMA_DIR):
        for path in sorted((root / sub).glob("*.json")):
            rel = f"{sub}/{path.name}"
            if rel not in files:
                path.unlink()
                written.append(rel)
    return written
