"""pandera models of the SCE tables, for checking frames you derive from the loaded data.

The rules are the validator's (``validation.semantic.pandera_schema``, generated from the
declaration); this module adds the loader's dtypes, so a model accepts exactly what
:func:`syria_conflict_events.load` returns: categoricals with the declared categories,
``datetime64[s]`` dates, nullable integers, pandas ``str``. Every check is named by its rule id
(``validation.rules.RULES``), the key rules too: an empty required cell fails the check
``required`` and a duplicated key ``primary-key`` (the kernels the validator runs). Usage::

    from syria_conflict_events import models
    models.events.validate(my_events)            # or models.schema("events")
    models.schema("claims", tables=ds).validate(ds["claims"])  # with cross-table rules

Needs the ``validate`` extra (pandera).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

try:
    import pandera.pandas as pa
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("syria_conflict_events.models needs pandera: "
                      "pip install 'syria-conflict-events[validate]'") from exc

from .declaration import load_declaration
from .typed import pandas_dtypes
from .validation.errors import ValidationError
from .validation.semantic import Context, pandera_schema, run_pandera

if TYPE_CHECKING:
    import pandas as pd

    from .loader.specs import CellProblem

_SHOWN = 20  # errors quoted in a TableValidationError message


class TableValidationError(ValueError):
    """Loaded tables break declared rules; ``errors`` lists every failure."""

    def __init__(self, errors: list[ValidationError]):
        self.errors = errors
        lines = [f"{e.location()}: {e.rule}: {e.message}" for e in errors[:_SHOWN]]
        if len(errors) > _SHOWN:
            lines.append(f"... and {len(errors) - _SHOWN} more")
        super().__init__(f"{len(errors)} validation error(s):\n" + "\n".join(lines))


def _dtype_check(expected: object) -> pa.Check:
    # pandera's own dtype test lets object pass for "str" and ns for datetime64[s]: compare exactly.
    return pa.Check(lambda s: s.dtype == expected, name="dtype", error=f"dtype must be {expected}")


def _table(name: str) -> Any:
    decl = load_declaration()
    if name not in decl.tables:
        raise KeyError(f"unknown table {name!r}; tables: {', '.join(decl.tables)}")
    return decl, decl.tables[name]


def schema(table: str, *, tables: Mapping[str, pd.DataFrame] | None = None) -> pa.DataFrameSchema:
    """The pandera model of ``table``. With ``tables`` (e.g. a Dataset) the foreign-key and
    cross-table rules check against those frames too."""
    if tables is None:
        return _schema(table)
    decl, spec = _table(table)
    return _with_dtypes(pandera_schema(decl, spec, Context(decl, {n: _plain(f) for n, f in tables.items()})),
                        decl, spec)


@functools.cache
def _schema(table: str) -> pa.DataFrameSchema:
    decl, spec = _table(table)
    return _with_dtypes(pandera_schema(decl, spec), decl, spec)


def _with_dtypes(model: pa.DataFrameSchema, decl: Any, spec: Any) -> pa.DataFrameSchema:
    dtypes = pandas_dtypes(decl, spec)
    return model.update_columns({
        name: {"checks": [*model.columns[name].checks, _dtype_check(dtype)]} for name, dtype in dtypes.items()
    })


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as plain values: the rules compare codes across columns and tables."""
    out = {}
    for name, col in frame.items():
        if hasattr(col, "cat"):
            kind = col.cat.categories.dtype
            col = col.astype("Int64" if kind.kind in "iu" else kind)
        out[name] = col
    return type(frame)(out, index=frame.index)


def validate_tables(frames: Mapping[str, pd.DataFrame],
                    problems: Mapping[str, list[CellProblem]] | None = None) -> None:
    """Check loaded frames against their models, the cross-table rules among them and their dtypes;
    raise :class:`TableValidationError` listing every failure (rows as file line numbers)."""
    import pandas as pd

    decl = load_declaration()
    errors: list[ValidationError] = []
    by_line = {}
    for name, frame in frames.items():
        if name not in decl.tables:
            errors.append(ValidationError(f"data/{name}.csv", None, None, "semantic",
                                          f"{name!r} is not a table of this version's declaration", "semantic"))
            continue
        # Index = line in the CSV file (header = line 1), as the validator reports rows.
        by_line[name] = _plain(frame).set_axis(pd.RangeIndex(2, 2 + len(frame)), axis=0)
    ctx = Context(decl, by_line)
    for name, frame in frames.items():
        if name not in by_line:
            continue
        table = decl.tables[name]
        for problem in (problems or {}).get(name, []):
            what = "is not a valid value of the field's type" if problem.rule == "type" else \
                "is not a code of the field's vocabulary"
            for i, line in enumerate(problem.lines):
                shown = repr(problem.values[i]) if i < len(problem.values) else "the cell"
                errors.append(ValidationError(problem.path, line, problem.column, problem.rule,
                                              f"{shown} {what}", "semantic"))
        expected = pandas_dtypes(decl, table)
        for column, dtype in expected.items():
            if column in frame.columns and frame[column].dtype != dtype:
                errors.append(ValidationError(table.path, None, column, "type",
                                              f"dtype is {frame[column].dtype}, expected {dtype}", "semantic"))
        errors += run_pandera(decl, table, by_line[name], ctx)  # the pandera models themselves
    if errors:
        raise TableValidationError(errors)


def __getattr__(name: str) -> pa.DataFrameSchema:
    # models.events, models.claims, ...: one attribute per declared table, nothing hand-listed.
    if name.startswith("__") or name not in load_declaration().tables:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _schema(name)


def __dir__() -> list[str]:
    return sorted([*globals(), *load_declaration().tables])
