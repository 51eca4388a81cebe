"""A package directory read as untrusted input: its descriptor (bounded, paths confined to the
package), the Table Schemas it points to (or the installed declaration's when missing), and
one table's cells as text, checked against SHA256SUMS."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .. import download
from .specs import ColumnSpec, ForeignKeySpec, PackageError, TableSpec

if TYPE_CHECKING:
    import pyarrow as pa

MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_TABLE_BYTES = 4 * 1024**3


@dataclass
class Package:
    """A package directory: datapackage.json, its Table Schemas and data files."""

    root: Path
    descriptor: dict[str, Any]
    resources: dict[str, dict[str, Any]]
    checksums: dict[str, str] | None = None
    _specs: dict[str, TableSpec] = field(default_factory=dict, repr=False)

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))

    @property
    def table_names(self) -> list[str]:
        return list(self.resources)

    def spec(self, table: str) -> TableSpec:
        if table not in self.resources:
            raise KeyError(f"unknown table {table!r}; tables: {', '.join(self.resources)}")
        if table not in self._specs:
            self._specs[table] = _table_spec(self, table, self.resources[table])
        return self._specs[table]


# --- reading the descriptor (untrusted: bounded, paths confined to the package) ---------------

def _inside(root: Path, rel: object, what: str) -> Path:
    if not isinstance(rel, str) or not rel:
        raise PackageError(f"{what}: path must be a non-empty string")
    parts = PurePosixPath(rel).parts
    if rel.startswith(("/", "\\")) or ":" in rel or ".." in parts or "\\" in rel:
        raise PackageError(f"{what}: path {rel!r} is not a relative path inside the package")
    return root.joinpath(*parts)


def _read_json(path: Path, what: str) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise PackageError(f"{path}: {size:,} bytes is more than {MAX_JSON_BYTES:,} for {what}")
        return json.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise PackageError(f"{path}: {what} is missing") from exc
    except OSError as exc:
        raise PackageError(f"{path}: cannot read {what}: {exc.strerror}") from exc
    except (ValueError, RecursionError) as exc:
        raise PackageError(f"{path}: {what} is not valid JSON ({exc})") from exc


def open_package(root: str | Path) -> Package:
    root = Path(root)
    if not root.is_dir():
        raise PackageError(f"{root}: not a package directory")
    descriptor = _read_json(root / "datapackage.json", "datapackage.json")
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list):
        raise PackageError(f"{root / 'datapackage.json'}: has no list of resources")
    by_name: dict[str, dict[str, Any]] = {}
    for res in resources:
        # A release also lists its other files (JSON, Parquet, ...) as resources: keep the tables.
        if (isinstance(res, dict) and isinstance(res.get("name"), str) and res.get("format", "csv") == "csv"
                and res.get("type", "table") == "table"):
            by_name[res["name"]] = res
    return Package(root, descriptor, by_name, download.read_checksums(root))


def _declared_schema(name: str, missing: Path) -> dict[str, Any]:
    """A package without its schema files (e.g. data/ plus datapackage.json) is read with the
    installed declaration, as the validator does."""
    from ..declaration import load_declaration
    from ..table_schema import table_schema

    decl = load_declaration()
    if name not in decl.tables:
        raise PackageError(f"{missing}: the Table Schema of {name} is missing and the installed "
                           "declaration has no such table")
    return table_schema(decl, decl.tables[name])


def _table_spec(package: Package, name: str, resource: dict[str, Any]) -> TableSpec:
    what = f"datapackage.json resource {name!r}"
    path = resource.get("path")
    _inside(package.root, path, what)
    schema = resource.get("schema")
    if isinstance(schema, str):
        schema_path = _inside(package.root, schema, what)
        schema = (_read_json(schema_path, f"the Table Schema of {name}") if schema_path.is_file()
                  else _declared_schema(name, package.root / schema))
    try:
        columns = tuple(
            ColumnSpec(str(f["name"]), str(f.get("type", "string")),
                       tuple(f["constraints"]["enum"]) if "enum" in f.get("constraints", {}) else None)
            for f in schema["fields"]
        )
        fks = tuple(
            ForeignKeySpec(tuple(fk["fields"]), fk["reference"]["resource"] or name, tuple(fk["reference"]["fields"]))
            for fk in schema.get("foreignKeys", [])
        )
        pk = schema.get("primaryKey", [])
        pk = (pk,) if isinstance(pk, str) else tuple(pk)
    except (TypeError, KeyError, AttributeError) as exc:
        raise PackageError(f"{what}: the Table Schema is malformed ({exc!r})") from exc
    from ..declaration import FIELD_TYPES

    unknown = {c.type for c in columns} - set(FIELD_TYPES)
    if unknown:
        raise PackageError(f"{what}: unsupported field types {sorted(unknown)}")
    return TableSpec(name, str(path), columns, pk, fks)



def read_csv_text(path: Path, spec: TableSpec) -> pa.Table:
    """Every column as text (empty cell = null), header checked against the schema."""
    import pyarrow as pa

    from ..formats.arrow_csv import read_csv

    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise PackageError(f"{path}: table {spec.name!r} has no data file") from exc
    if size > MAX_TABLE_BYTES:
        raise PackageError(f"{path}: {size:,} bytes is more than the limit of {MAX_TABLE_BYTES:,}")
    names = spec.field_names
    try:
        with path.open("rb") as fh:
            header = fh.readline(1 << 20).decode("utf-8-sig").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackageError(f"{path}: cannot read the header ({exc})") from exc
    import csv

    found = next(csv.reader([header]), [])
    if found != names:
        missing = [n for n in names if n not in found]
        extra = [n for n in found if n not in names]
        detail = f"missing {missing}, unexpected {extra}" if missing or extra else "columns out of order"
        raise PackageError(f"{path}: the header does not match the Table Schema of {spec.name} ({detail}); "
                           "run `sce validate`")
    try:
        # small blocks: more parallel parsing
        return read_csv(path, {n: pa.string() for n in names}, block_size=1 << 20)
    except (pa.ArrowInvalid, OSError) as exc:
        raise PackageError(f"{path}: cannot parse the table ({exc}); run `sce validate` for details") from exc


def read_text_table(package: Package, table: str, *, verify: bool = True) -> pa.Table:
    """One table's cells as text (empty = null); with ``verify``, a table listed in the package's
    SHA256SUMS must match its checksum."""
    spec = package.spec(table)
    path = _inside(package.root, spec.path, f"table {table}")
    if verify and package.checksums is not None and spec.path in package.checksums:
        expected = package.checksums[spec.path]
        if not path.is_file() or download.sha256_of(path) != expected:
            raise download.ChecksumError(f"{path} does not match its SHA-256 in {package.root / 'SHA256SUMS'}")
    return read_csv_text(path, spec)
