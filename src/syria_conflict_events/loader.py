"""Load SCE tables as typed pandas frames: the copy bundled with the package (offline), a package
directory, or a pinned release fetched and verified through :mod:`download`.

Types come from the package's own Table Schemas (generated from the declaration, so a pinned old
release is read with the schema it was published with): dates are ``datetime64[s]``, integers
``Int64``, numbers ``Float64``, vocabulary codes categoricals with the declared categories and
everything else pandas ``str``. Every cell is read as text first, so identifiers are never
coerced (``001`` stays ``001``).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from . import download

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from .dataset import Dataset

MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_TABLE_BYTES = 4 * 1024**3
_MAX_SHOWN = 5  # problem cells quoted in a warning


class PackageError(ValueError):
    """A package directory or one of its tables cannot be read."""


class DataWarning(UserWarning):
    """Cells that are not of their declared type or vocabulary were read as missing."""


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    enum: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class ForeignKeySpec:
    fields: tuple[str, ...]
    table: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    name: str
    path: str
    columns: tuple[ColumnSpec, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKeySpec, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [c.name for c in self.columns]


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
    from .declaration import load_declaration
    from .table_schema import table_schema

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
    unknown = {c.type for c in columns} - {"string", "integer", "number", "date"}
    if unknown:
        raise PackageError(f"{what}: unsupported field types {sorted(unknown)}")
    return TableSpec(name, str(path), columns, pk, fks)


# --- dtypes and conversion ---------------------------------------------------------------------

class _SchemaEnums:
    """Lets typed.field_dtype (the one dtype map) read enums from a Table Schema."""

    def __init__(self, spec: TableSpec):
        self._enums = {c.name: list(c.enum) for c in spec.columns if c.enum is not None}

    def enum(self, f: Any) -> list[Any] | None:
        return self._enums.get(f.name)


def _field(col: ColumnSpec) -> Any:
    from .declaration import Field

    return Field(name=col.name, type=col.type, description="")


def dtypes(spec: TableSpec) -> dict[str, object]:
    """pandas dtype of every column of a table."""
    from .typed import field_dtype

    enums = _SchemaEnums(spec)
    return {c.name: field_dtype(enums, _field(c)) for c in spec.columns}  # type: ignore[arg-type]


def _fast_convert(arr: pa.ChunkedArray, col: ColumnSpec) -> pa.ChunkedArray | None:
    """Arrow conversion of a clean column, or None when any cell needs the careful path (the
    validator's own fast parse, so the loader reads no value the validator would refuse)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .arrow_types import fast_parse

    out = fast_parse(arr, _field(col))
    if out is not None and col.type == "date":
        out = pc.cast(out, pa.timestamp("s"))
    return out


def _to_pandas(arr: pa.ChunkedArray, dtype: object) -> pd.Series:
    import pandas as pd
    import pyarrow as pa

    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        values = arr.to_pandas()  # zero-copy into pandas' Arrow-backed str (a types_mapper would copy)
    elif pa.types.is_timestamp(arr.type):
        values = arr.to_pandas(coerce_temporal_nanoseconds=False)
    else:
        mapper = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype()}.get
        values = arr.to_pandas(types_mapper=mapper)
    return values if values.dtype == dtype else values.astype(dtype)


def _categorical(values: pa.ChunkedArray, dtype: pd.CategoricalDtype) -> tuple[pd.Series, Any]:
    """Categorical with the declared categories; returns also a mask of codes outside them."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    categories = pa.array(list(dtype.categories), type=values.type)
    codes = pc.index_in(values, value_set=categories)
    unknown = pc.and_(pc.is_valid(values), pc.is_null(codes)).to_numpy(zero_copy_only=False)
    code_array = pc.fill_null(codes, -1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    return pd.Series(pd.Categorical.from_codes(code_array, dtype=dtype)), unknown


@dataclass(frozen=True)
class CellProblem:
    """Cells of one column that could not be read as declared (they are missing in the frame)."""

    path: str
    column: str
    rule: str  # "type" or "enum", as the validator names them
    lines: tuple[int, ...]  # line numbers in the file (header = 1)
    values: tuple[str, ...]  # the raw text of the first few cells

    def describe(self) -> str:
        what = "not a valid value of its type" if self.rule == "type" else "not a code of its vocabulary"
        shown = ", ".join(f"line {n} {v!r}" for n, v in zip(self.lines, self.values, strict=False))
        more = f" and {len(self.lines) - len(self.values)} more" if len(self.lines) > len(self.values) else ""
        return f"{self.column}: {len(self.lines)} cell(s) {what} ({shown}{more})"


def convert(arrow: pa.Table, spec: TableSpec) -> tuple[pd.DataFrame, list[CellProblem]]:
    """Typed frame from a table of text columns (null = empty cell), plus unreadable cells."""
    import pandas as pd

    from .typed import parse_column

    types = dtypes(spec)
    columns: dict[str, pd.Series] = {}
    problems: list[CellProblem] = []
    for col in spec.columns:
        raw = arrow.column(col.name)
        dtype = types[col.name]
        enum = isinstance(dtype, pd.CategoricalDtype)
        fast = _fast_convert(raw, col)
        rule = "type"
        if fast is not None and enum:
            series, unknown = _categorical(fast, dtype)
            bad_rows, rule = unknown.nonzero()[0], "enum"
        elif fast is not None:
            series, bad_rows = _to_pandas(fast, dtype), ()
        else:
            text = raw.to_pandas().fillna("")
            series, bad_cells = parse_column(text, _field(col))
            bad = bad_cells.to_numpy(dtype=bool, copy=True)
            if enum:
                known = series.notna().to_numpy(dtype=bool)
                # Codes outside the vocabulary become missing here (and are reported below): pandas
                # deprecates casting them to a categorical, which will raise in a later version.
                series = series.where(series.isin(dtype.categories)).astype(dtype)
                rule = "type" if bad.any() else "enum"
                bad |= known & series.isna().to_numpy(dtype=bool)
            bad_rows = bad.nonzero()[0]
        if len(bad_rows):
            problems.append(CellProblem(
                spec.path, col.name, rule, tuple(int(i) + 2 for i in bad_rows),
                tuple(str(raw[int(i)].as_py()) for i in bad_rows[:_MAX_SHOWN]),
            ))
        columns[col.name] = series.reset_index(drop=True)
    return pd.DataFrame(columns), problems


def _fast_typed(text: pa.ChunkedArray, col: ColumnSpec) -> pa.ChunkedArray | None:
    """The column in its Arrow type by the fast conversion :func:`convert` tries first; None when
    a cell needs the careful path or is not one of the column's categories."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .arrow_types import fast_parse

    values = fast_parse(text, _field(col))
    if values is None or col.enum is None:
        return values
    # a categorical of the enum's codes (dtypes), checked without importing pandas
    if len(set(col.enum)) != len(col.enum):
        return None  # pandas refuses such categories
    try:
        categories = pa.array(list(col.enum), type=values.type)  # as _categorical
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    known = pc.sum(pc.is_in(values, value_set=categories)).as_py() or 0
    return values if known == len(values) - values.null_count else None


def _careful_typed(text: pa.ChunkedArray, spec: TableSpec, col: ColumnSpec) -> tuple[pa.Array, list[CellProblem]]:
    """The column as :func:`convert` reads it (unreadable cells missing, and reported), in its Arrow type."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    frame, problems = convert(pa.table({col.name: text}), TableSpec(spec.name, spec.path, (col,), spec.primary_key))
    series = frame[col.name]
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        return pc.take(pa.array(list(series.cat.categories)), pa.array(codes, mask=codes < 0)), problems
    if col.type == "date":
        return pc.cast(pa.array(series), pa.date32()), problems
    if col.type == "number":
        values = pa.array(series, pa.float64())
        return pc.if_else(pc.is_nan(values), pa.scalar(None, pa.float64()), values), problems  # as records()
    return pa.array(series, pa.int64() if col.type == "integer" else None), problems


def typed_arrow(arrow: pa.Table, spec: TableSpec) -> tuple[pa.Table, list[CellProblem]]:
    """The table of text columns in its types as Arrow columns (string, int64, float64, date32),
    holding the values :func:`convert` puts in the frame, and the cells it could not read (missing
    here too). Columns whose every cell reads by the fast conversion never become pandas."""
    import pyarrow as pa

    columns, problems = [], []
    for col in spec.columns:
        values = _fast_typed(arrow.column(col.name), col)
        if values is None:
            values, found = _careful_typed(arrow.column(col.name), spec, col)
            problems += found
        columns.append(values)
    return pa.table(columns, names=spec.field_names), problems


def warn_unreadable(problems: list[CellProblem]) -> None:
    """The DataWarning :func:`load` gives about cells it read as missing (nothing when none)."""
    _warn(problems, stacklevel=2)


def read_csv_text(path: Path, spec: TableSpec) -> pa.Table:
    """Every column as text (empty cell = null), header checked against the schema."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

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
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=1 << 20),  # small blocks: more parallel parsing
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""],
            ),
        )
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


def _read(package: Package, table: str, *, verify: bool = True) -> tuple[pd.DataFrame, list[CellProblem]]:
    return convert(read_text_table(package, table, verify=verify), package.spec(table))


def _warn(problems: list[CellProblem], stacklevel: int) -> None:
    if problems:
        warnings.warn(
            f"{problems[0].path}: cells read as missing because they are invalid: "
            f"{'; '.join(p.describe() for p in problems)}. Run `sce validate` for the full report.",
            DataWarning, stacklevel=stacklevel + 1,
        )


def read_table(package: Package, table: str, *, verify: bool = True) -> pd.DataFrame:
    """The typed frame of one table of ``package``; warns (DataWarning) about unreadable cells.

    With ``verify``, a table listed in the package's SHA256SUMS must match its checksum.
    """
    frame, problems = _read(package, table, verify=verify)
    _warn(problems, stacklevel=2)
    return frame


# --- public API --------------------------------------------------------------------------------

def open_source(version: str | None = None, root: str | Path | None = None, base_url: str | None = None,
                cache_dir: str | Path | None = None, *, refresh: bool = False) -> Package:
    """The package to read: a directory (``root``), a pinned release (``version``, fetched and
    verified on first use) or, by default, the bundled copy."""
    if version is not None and root is not None:
        raise ValueError("give either version= (a published release) or root= (a package directory), not both")
    if root is not None:
        return open_package(root)
    if version is not None:
        return open_package(download.extracted_release(version, base_url=base_url, cache_dir=cache_dir,
                                                       refresh=refresh))
    from .paths import resource_root

    return open_package(resource_root())


Frames = dict[str, "pd.DataFrame"]
T = TypeVar("T")


def _verified_read(names: list[str] | None, version: str | None, root: str | Path | None, base_url: str | None,
                   cache_dir: str | Path | None, read: Callable[[Package], T]) -> tuple[Package, T]:
    """``read`` of the source; a cached release whose file no longer matches SHA256SUMS is
    extracted again and read once more."""
    package = open_source(version, root, base_url, cache_dir)
    for name in names or []:
        package.spec(name)  # unknown table: fail before downloading more or reading anything
    for attempt in (1, 2):
        try:
            return package, read(package)
        except download.ChecksumError:
            if version is None or attempt == 2:
                raise
            package = open_source(version, root, base_url, cache_dir, refresh=True)
    raise AssertionError("unreachable")


def load_text(table: str, *, version: str | None = None, root: str | Path | None = None,
              base_url: str | None = None, cache_dir: str | Path | None = None) -> tuple[TableSpec, pa.Table]:
    """One table's spec and its cells as text (empty = null), from the same sources as
    :func:`load` (checksums verified the same way), without converting anything."""
    package, text = _verified_read([table], version, root, base_url, cache_dir,
                                   lambda p: read_text_table(p, table))
    return package.spec(table), text


def _read_all(names: list[str] | None, version: str | None, root: str | Path | None, base_url: str | None,
              cache_dir: str | Path | None) -> tuple[Package, Frames, dict[str, list[CellProblem]]]:
    """Read tables; a cached release whose file no longer matches SHA256SUMS is extracted again."""
    package, results = _verified_read(names, version, root, base_url, cache_dir,
                                      lambda p: {n: _read(p, n) for n in names or p.table_names})
    frames = {n: frame for n, (frame, _) in results.items()}
    return package, frames, {n: problems for n, (_, problems) in results.items() if problems}


def _check(frames: Frames, problems: dict[str, list[CellProblem]], validate: bool) -> None:
    if not validate:
        for found in problems.values():
            _warn(found, stacklevel=3)
        return
    from .models import validate_tables

    validate_tables(frames, problems)


def load(table: str, *, version: str | None = None, validate: bool = False, root: str | Path | None = None,
         base_url: str | None = None, cache_dir: str | Path | None = None) -> pd.DataFrame:
    """One table as a typed pandas DataFrame.

    - ``version=None``: the data bundled with this package (no network).
    - ``version="X.Y.Z"``: that published release, downloaded once, verified against the
      registered SHA-256 and cached (see :mod:`syria_conflict_events.download`).
    - ``root=``: a package directory (datapackage.json + data/), e.g. an extracted release.
    - ``validate=True`` runs the table's pandera model (:mod:`syria_conflict_events.models`, the
      rules of the installed version, needs the ``validate`` extra) and raises
      ``TableValidationError`` listing every failure, including cells that could not be read
      (without it those only raise a :class:`DataWarning` and become missing).
    """
    _, frames, problems = _read_all([table], version, root, base_url, cache_dir)
    _check(frames, problems, validate)
    return frames[table]


def load_all(*, version: str | None = None, validate: bool = False, root: str | Path | None = None,
             base_url: str | None = None, cache_dir: str | Path | None = None) -> Dataset:
    """Every table, as a :class:`~syria_conflict_events.dataset.Dataset` (a mapping of frames with
    join helpers). Arguments as for :func:`load`; validation includes the cross-table rules."""
    from .dataset import Dataset

    package, frames, problems = _read_all(None, version, root, base_url, cache_dir)
    _check(frames, problems, validate)
    return Dataset(frames, {n: package.spec(n) for n in frames}, version=package.version, root=package.root)


def versions() -> list[str]:
    """Published releases this installation can fetch and verify (oldest first)."""
    return download.known_versions()
