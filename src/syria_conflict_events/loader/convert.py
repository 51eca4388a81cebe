"""Text columns to typed columns: pandas frames (dates, nullable integers, categoricals, pandas
strings) or Arrow columns, by the validator's own fast parse first and a careful path for the
cells it refuses, which become missing and are reported (:class:`DataWarning`)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from .specs import _MAX_SHOWN, CellProblem, ColumnSpec, DataWarning, TableSpec

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


class _SchemaEnums:
    """Lets typed.field_dtype (the one dtype map) read enums from a Table Schema."""

    def __init__(self, spec: TableSpec):
        self._enums = {c.name: list(c.enum) for c in spec.columns if c.enum is not None}

    def enum(self, f: Any) -> list[Any] | None:
        return self._enums.get(f.name)


def _field(col: ColumnSpec) -> Any:
    from ..declaration import Field

    return Field(name=col.name, type=col.type, description="")


def dtypes(spec: TableSpec) -> dict[str, object]:
    """pandas dtype of every column of a table."""
    from ..typed import field_dtype

    enums = _SchemaEnums(spec)
    return {c.name: field_dtype(enums, _field(c)) for c in spec.columns}  # type: ignore[arg-type]


def _fast_convert(arr: pa.ChunkedArray, col: ColumnSpec) -> pa.ChunkedArray | None:
    """Arrow conversion of a clean column, or None when any cell needs the careful path (the
    validator's own fast parse, so the loader reads no value the validator would refuse)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..arrow_types import fast_parse

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


def convert(arrow: pa.Table, spec: TableSpec) -> tuple[pd.DataFrame, list[CellProblem]]:
    """Typed frame from a table of text columns (null = empty cell), plus unreadable cells."""
    import pandas as pd

    from ..typed import parse_column

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

    from ..arrow_types import fast_parse

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

    from ..arrow_types import ARROW_TYPES

    frame, problems = convert(pa.table({col.name: text}), TableSpec(spec.name, spec.path, (col,), spec.primary_key))
    series = frame[col.name]
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        return pc.take(pa.array(list(series.cat.categories)), pa.array(codes, mask=codes < 0)), problems
    target = ARROW_TYPES[col.type]  # the one type map
    if col.type == "date":
        return pc.cast(pa.array(series), target), problems
    if col.type == "number":
        values = pa.array(series, target)
        return pc.if_else(pc.is_nan(values), pa.scalar(None, target), values), problems  # as records()
    # a string column keeps the text type Arrow gives pandas' str
    return pa.array(series, target if col.type == "integer" else None), problems


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


def _warn(problems: list[CellProblem], stacklevel: int) -> None:
    if problems:
        warnings.warn(
            f"{problems[0].path}: cells read as missing because they are invalid: "
            f"{'; '.join(p.describe() for p in problems)}. Run `sce validate` for the full report.",
            DataWarning, stacklevel=stacklevel + 1,
        )
