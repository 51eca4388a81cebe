"""Read a released (or source) package for comparison: a directory or a zip holding a
``datapackage.json`` whose CSV resources carry a Table Schema (inline or by relative path).

Opening a snapshot reads only the descriptor and the schemas; a table's cells are read when the
diff asks for them (:meth:`TableSnapshot.read`), one table at a time, as Arrow text columns: the
exact text of every cell, no value converted, no Python object per row.

Everything read here is untrusted: paths must stay inside the package, every file has a size
limit (counted on the bytes read, whatever the zip or the file system says), and any problem
becomes a :class:`ReleaseError` with a clear message, never a traceback."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO

from ..exceptions import ReleaseError
from ..safe_files import UnsafeFile, inside, read_bounded
from ..validation.json_layer import unsafe_path

if TYPE_CHECKING:
    import pyarrow as pa

    from ..declaration import Declaration

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_DESCRIPTOR_BYTES = 16 * 1024 * 1024
_ARROW_ROW_TEXT = re.compile(r"(Expected \d+ columns, got \d+):.*", re.S)  # Arrow quotes the row: drop it


@dataclass
class TableSnapshot:
    name: str
    fields: list[str]
    types: dict[str, str]
    enums: dict[str, list[str]]
    primary_key: list[str]
    reader: Callable[[], pa.Table] | None = None  # the cells, header checked; None: no rows
    origin: str = ""  # where the cells are read from, for messages

    def read(self) -> pa.Table:
        """The table's cells: one string column per field, in the header's order, rows in file order."""
        return self.reader() if self.reader is not None else empty_text_table(self.fields)

    @classmethod
    def of_rows(cls, name: str, fields: list[str], primary_key: list[str], rows: list[dict[str, str]],
                types: dict[str, str] | None = None, enums: dict[str, list[str]] | None = None) -> TableSnapshot:
        """A table held in memory (``{field: text}`` rows), for comparisons made in code."""
        import pyarrow as pa

        table = pa.table({f: pa.array([r[f] for r in rows], pa.string()) for f in fields})
        return cls(name, list(fields), {f: "string" for f in fields} | (types or {}), dict(enums or {}),
                   list(primary_key), lambda: table, f"table {name}")


@dataclass
class Snapshot:
    label: str
    name: str
    version: str
    tables: dict[str, TableSnapshot]


def empty_text_table(fields: list[str]) -> pa.Table:
    import pyarrow as pa

    return pa.table({f: pa.array([], pa.string()) for f in fields})


class _BoundedReader(io.RawIOBase):
    """A binary stream that fails once more than ``limit`` bytes came through, whatever size the
    zip entry or the file claimed; any failure to read or inflate (a corrupt zip raises zlib,
    lzma or bz2 errors as well as BadZipFile) becomes a ReleaseError saying ``cannot``."""

    def __init__(self, raw: BinaryIO, limit: int, too_large: str, cannot: str = "cannot read"):
        self.raw, self.left, self.too_large, self.cannot = raw, limit, too_large, cannot

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        try:
            n = self.raw.readinto(view) if hasattr(self.raw, "readinto") else _copy_into(self.raw, view)
        except Exception as exc:  # hostile bytes: whatever the decompressor raises
            raise ReleaseError(f"{self.cannot}: {exc}") from None
        self.left -= n
        if self.left < 0:
            raise ReleaseError(self.too_large)
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


def _copy_into(raw: BinaryIO, view: memoryview) -> int:
    data = raw.read(len(view))
    view[: len(data)] = data
    return len(data)


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
            self.zip.close()
            raise ReleaseError(f"{path}: expected one datapackage.json at the top of the zip, found {len(top)}")
        self.prefix = top[0][: -len("datapackage.json")]

    def _too_large(self, rel: str, limit: int) -> str:
        return f"{self.path}: {rel} is larger than {limit:,} bytes"

    def open(self, rel: str, limit: int | None = None) -> _BoundedReader:
        """A stream of the file's bytes that stops with ReleaseError past ``limit`` (default
        :data:`MAX_FILE_BYTES`)."""
        limit = MAX_FILE_BYTES if limit is None else limit
        if unsafe_path(rel):
            raise ReleaseError(f"{self.path}: path {rel!r} points outside the package")
        if self.zip is not None:
            try:
                info = self.zip.getinfo(self.prefix + rel)
            except KeyError:
                raise ReleaseError(f"{self.path}: {rel} is missing from the zip") from None
            if info.file_size > limit:
                raise ReleaseError(self._too_large(rel, limit))
            try:
                raw: BinaryIO = self.zip.open(info)
            except Exception as exc:  # a corrupt or encrypted entry, an unknown compression method
                raise ReleaseError(f"{self.path}: cannot read {rel} from the zip: {exc}") from None
            return _BoundedReader(raw, limit, self._too_large(rel, limit), f"{self.path}: cannot read {rel}")
        target = self._checked(rel)
        try:
            raw = target.open("rb")
        except OSError as exc:
            raise ReleaseError(f"{self.path}: cannot read {rel}: {exc.strerror or exc}") from exc
        return _BoundedReader(raw, limit, self._too_large(rel, limit), f"{self.path}: cannot read {rel}")

    def _checked(self, rel: str) -> Path:
        """A directory's file, once it is known to be a regular file inside the directory."""
        target = self.path / rel
        if not target.is_file() and not target.is_symlink():
            raise ReleaseError(f"{self.path}: cannot read {rel}: no such file")
        if not inside(self.path, target):  # a link out of the release directory is refused, as the validator does
            raise ReleaseError(f"{self.path}: {rel}: {target.name} is a symbolic link to a file outside the package")
        if not target.is_file():
            raise ReleaseError(f"{self.path}: {rel}: {target.name} is not a regular file")
        return target

    def arrow_file(self, rel: str) -> pa.NativeFile:
        """The file as Arrow reads it natively, so that Arrow's threads never call Python (a
        Python file read from them made 2-3% of `sce diff` runs abort at exit): a zip entry is
        inflated here first, within the limit; a directory's file is opened after the checks of
        :meth:`open`, and refused when larger than the limit."""
        import pyarrow as pa

        limit = MAX_FILE_BYTES
        if unsafe_path(rel):
            raise ReleaseError(f"{self.path}: path {rel!r} points outside the package")
        if self.zip is not None:
            return pa.BufferReader(self.read(rel, limit))
        target = self._checked(rel)
        try:
            file = pa.OSFile(str(target))
        except OSError as exc:
            raise ReleaseError(f"{self.path}: cannot read {rel}: {exc.strerror or exc}") from exc
        if file.size() > limit:
            file.close()
            raise ReleaseError(self._too_large(rel, limit))
        return file

    def read(self, rel: str, limit: int) -> bytes:
        if self.zip is None and not unsafe_path(rel):
            target = self.path / rel
            if not target.is_file() and not target.is_symlink():
                raise ReleaseError(f"{self.path}: cannot read {rel}: no such file")
            try:
                data = read_bounded(self.path, target, limit)
            except UnsafeFile as exc:
                raise ReleaseError(f"{self.path}: {rel}: {exc}") from exc
            except OSError as exc:
                raise ReleaseError(f"{self.path}: cannot read {rel}: {exc.strerror or exc}") from exc
            if len(data) > limit:
                raise ReleaseError(self._too_large(rel, limit))
            return data
        with self.open(rel, limit) as stream:
            return stream.read()

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


def read_csv_text(stream: BinaryIO | pa.NativeFile, fields: list[str], where: str) -> pa.Table:
    """The CSV's rows as text columns named ``fields``; the header must be exactly ``fields``.

    Every cell is read as the text between its delimiters (quotes removed, doubled quotes
    undone, no value converted to null or a number), as Python's ``csv.reader`` reads a valid
    file. Blank lines are skipped; a row with another number of cells is an error."""
    import pyarrow as pa

    from ..formats.arrow_csv import read_csv

    names = [f"c{i}" for i in range(len(fields))]
    try:
        table = read_csv(stream, {n: pa.string() for n in names}, column_names=names, empty_is_null=False,
                         newlines_in_values=True)
    except ReleaseError:
        raise
    except (pa.ArrowInvalid, pa.ArrowException, OSError, zipfile.BadZipFile, EOFError) as exc:
        message = _ARROW_ROW_TEXT.sub(r"\1", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        if "Empty CSV file" in message:
            raise ReleaseError(f"{where} header does not match its schema's fields") from None
        raise ReleaseError(f"{where}: {message[:300]}") from None
    header = table.slice(0, 1).to_pylist()
    if not header or [header[0][n] for n in names] != fields:
        raise ReleaseError(f"{where} header does not match its schema's fields")
    return table.slice(1).rename_columns(fields)


def _table_reader(path: Path, rel: str, fields: list[str]) -> Callable[[], pa.Table]:
    def read() -> pa.Table:
        source = _Source(path)
        try:
            with source.arrow_file(rel) as stream:
                return read_csv_text(stream, fields, f"{path}: {rel}")
        finally:
            source.close()

    return read


def _table(source: _Source, resource: dict[str, Any]) -> TableSnapshot:
    name = str(resource.get("name"))
    schema = _schema(source, resource)
    fields = [str(f.get("name")) for f in schema["fields"] if isinstance(f, dict)]
    if len(set(fields)) != len(fields):
        raise ReleaseError(f"{source.path}: table {name} names a field twice")
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
    if unsafe_path(rel):
        raise ReleaseError(f"{source.path}: path {rel!r} points outside the package")
    with source.open(rel) as stream:  # the file must be there now: a missing table is an error at once
        stream.read(0)
    return TableSnapshot(name, fields, types, enums, pk, _table_reader(source.path, rel, fields),
                         f"{source.path}: {rel}")


def _is_csv_table(resource: Any) -> bool:
    return (isinstance(resource, dict) and resource.get("schema") is not None
            and (resource.get("format") == "csv" or str(resource.get("path", "")).endswith(".csv")))


def open_snapshot(path: Path | str) -> Snapshot:
    """The tables of the package at ``path`` (a directory or a zip): names, schemas and keys now,
    the cells when each table is read."""
    source = _Source(Path(path))
    try:
        descriptor = _json(source, "datapackage.json")
        if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
            raise ReleaseError(f"{path}: datapackage.json has no resources")
        tables: dict[str, TableSnapshot] = {}
        for resource in descriptor["resources"]:
            if _is_csv_table(resource):
                table = _table(source, resource)
                tables[table.name] = table
        return Snapshot(str(path), str(descriptor.get("name", "")), str(descriptor.get("version", "")), tables)
    finally:
        source.close()


def declared_snapshot(decl: Declaration, root: Path) -> Snapshot:
    """The package at ``root`` as its declaration describes it (the build compares this)."""
    tables = {}
    for t in decl.tables.values():
        enums = {f.name: [str(v) for v in decl.enum(f)] for f in t.fields if decl.enum(f) is not None}
        tables[t.name] = TableSnapshot(t.name, list(t.field_names), {f.name: f.type for f in t.fields}, enums,
                                       list(t.primary_key), _table_reader(Path(root), t.path, list(t.field_names)),
                                       f"{root}: {t.path}")
    return Snapshot("(this build)", decl.name, decl.version, tables)
