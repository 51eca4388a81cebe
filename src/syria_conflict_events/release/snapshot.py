"""Read a released (or source) package for comparison: a directory or a zip holding a
``datapackage.json`` whose CSV resources carry a Table Schema (inline or by relative path).

Everything read here is untrusted: paths must stay inside the package, every file has a size
limit, and any problem becomes a :class:`ReleaseError` with a clear message, never a traceback."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..safe_files import UnsafeFile, read_bounded
from ..validation.json_layer import unsafe_path
from .errors import ReleaseError

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_DESCRIPTOR_BYTES = 16 * 1024 * 1024


@dataclass
class TableSnapshot:
    name: str
    fields: list[str]
    types: dict[str, str]
    enums: dict[str, list[str]]
    primary_key: list[str]
    rows: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)

    def key_text(self, key: tuple[str, ...]) -> str:
        return " | ".join(key)


@dataclass
class Snapshot:
    label: str
    name: str
    version: str
    tables: dict[str, TableSnapshot]


class _Source:
    """Files of a package directory or zip, by relative POSIX path."""

    def __init__(self, path: Path):
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.prefix = ""
        if path.is_dir():
            return
        if not path.is_file():
            raise ReleaseError(f"{path}: no such release (give a release directory or zip)")
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ReleaseError(f"{path}: not a readable zip: {exc}") from exc
        names = [n for n in self.zip.namelist() if PurePosixPath(n).name == "datapackage.json"]
        depth = {n: n.count("/") for n in names}
        top = [n for n in names if depth[n] <= 1]
        if len(top) != 1:
            raise ReleaseError(f"{path}: expected one datapackage.json at the top of the zip, found {len(top)}")
        self.prefix = top[0][: -len("datapackage.json")]

    def read(self, rel: str, limit: int = MAX_FILE_BYTES) -> bytes:
        if unsafe_path(rel):
            raise ReleaseError(f"{self.path}: path {rel!r} points outside the package")
        if self.zip is not None:
            try:
                info = self.zip.getinfo(self.prefix + rel)
            except KeyError:
                raise ReleaseError(f"{self.path}: {rel} is missing from the zip") from None
            if info.file_size > limit:
                raise ReleaseError(f"{self.path}: {rel} is larger than {limit:,} bytes")
            with self.zip.open(info) as fh:
                data = fh.read(limit + 1)
        else:
            target = self.path / rel
            if not target.is_file() and not target.is_symlink():
                raise ReleaseError(f"{self.path}: cannot read {rel}: no such file")
            try:  # a link out of the release directory is refused, as the validator refuses it
                data = read_bounded(self.path, target, limit)
            except UnsafeFile as exc:
                raise ReleaseError(f"{self.path}: {rel}: {exc}") from exc
            except OSError as exc:
                raise ReleaseError(f"{self.path}: cannot read {rel}: {exc.strerror or exc}") from exc
        if len(data) > limit:
            raise ReleaseError(f"{self.path}: {rel} is larger than {limit:,} bytes")
        return data

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _json(source: _Source, rel: str) -> Any:
    try:
        return json.loads(source.read(rel, MAX_DESCRIPTOR_BYTES).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ReleaseError(f"{source.path}: {rel} is not valid JSON: {exc}") from exc


def _schema(source: _Source, resource: dict[str, Any]) -> dict[str, Any]:
    schema = resource.get("schema")
    if isinstance(schema, str):
        schema = _json(source, schema)
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise ReleaseError(f"{source.path}: resource {resource.get('name')!r} has no usable schema")
    return schema


def _read_table(source: _Source, resource: dict[str, Any]) -> TableSnapshot:
    name = str(resource.get("name"))
    schema = _schema(source, resource)
    fields = [str(f.get("name")) for f in schema["fields"] if isinstance(f, dict)]
    types = {str(f.get("name")): str(f.get("type", "string")) for f in schema["fields"] if isinstance(f, dict)}
    enums = {
        str(f.get("name")): [str(v) for v in f["constraints"]["enum"]]
        for f in schema["fields"]
        if isinstance(f, dict) and isinstance(f.get("constraints"), dict)
        and isinstance(f["constraints"].get("enum"), list)
    }
    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else [str(k) for k in pk]
    if not pk or set(pk) - set(fields):
        raise ReleaseError(f"{source.path}: table {name} has no usable primary key")
    rel = str(resource.get("path"))
    try:
        text = source.read(rel).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReleaseError(f"{source.path}: {rel} is not UTF-8") from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header != fields:
            raise ReleaseError(f"{source.path}: {rel} header does not match its schema's fields")
        table = TableSnapshot(name, fields, types, enums, pk)
        for row in reader:
            if len(row) != len(fields):
                raise ReleaseError(f"{source.path}: {rel} line {reader.line_num} has {len(row)} cells, "
                                   f"the header {len(fields)}")
            record = dict(zip(fields, row, strict=True))
            key = tuple(record[k] for k in pk)
            if key in table.rows:
                raise ReleaseError(f"{source.path}: {rel} repeats the primary key {' | '.join(key)}")
            table.rows[key] = record
    except csv.Error as exc:
        raise ReleaseError(f"{source.path}: {rel} line {reader.line_num}: {exc}") from exc
    return table


def _is_csv_table(resource: Any) -> bool:
    return (isinstance(resource, dict) and resource.get("schema") is not None
            and (resource.get("format") == "csv" or str(resource.get("path", "")).endswith(".csv")))


def open_snapshot(path: Path | str) -> Snapshot:
    """Read the tables of the package at ``path`` (a directory or a zip)."""
    source = _Source(Path(path))
    try:
        descriptor = _json(source, "datapackage.json")
        if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
            raise ReleaseError(f"{path}: datapackage.json has no resources")
        tables: dict[str, TableSnapshot] = {}
        for resource in descriptor["resources"]:
            if _is_csv_table(resource):
                table = _read_table(source, resource)
                tables[table.name] = table
        return Snapshot(str(path), str(descriptor.get("name", "")), str(descriptor.get("version", "")), tables)
    finally:
        source.close()
