"""Layer (b): the semantic rules of DATA-MODEL.md (column rules from the declaration, cross-field
and cross-table row rules), written once as kernels (``rules/``, ``vectorised.arrow_rules``) and
run by two engines: directly (:func:`run_vectorised`, seconds at a million rows, no pandas) and
through pandera schemas generated from the declaration (:func:`pandera_schema`, whose checks
wrap the same kernels; the loader's models are these schemas). Both list at most
MAX_ERRORS_PER_RULE errors per rule and column through the same :func:`findings.capped`.

Every check is named by its rule id (rules.RULES); failures map back to file:line:column
because row i of a table is on line i + 2 of its CSV file (cells hold no newlines)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrow_types import parse_text
from ..declaration import Declaration, Field, Table
from .arrays import Memo, foreign_keys, index_of, isin, series_to_arrow, to_mask
from .context import FIRST_LINE, Context, arrow_to_frame, frame_to_arrow
from .errors import MAX_ERRORS_PER_RULE, ValidationError
from .findings import capped, message
from .rules import ROW_LEVEL, RULES, RowCheck, columns, row_rules
from .vectorised import CONTROL, FORMULA_START, column_errors, column_rules

if TYPE_CHECKING:  # pandas and pandera only for the pandera engine: `sce validate` at scale runs without them
    import pandas as pd
    import pandera.pandas as pandera

__all__ = ["CONTROL", "FORMULA_START", "Context", "Task", "isin", "pandera_schema", "run_pandera",
           "run_vectorised", "typed_table", "validation_frame", "vectorised_tasks"]


def typed_table(table: Table, raw: pa.Table, first_line: int = FIRST_LINE) -> tuple[pa.Table, list[ValidationError]]:
    """Typed Arrow table for checking (vocabulary fields stay plain values), plus type errors.
    ``raw`` holds text, null for an empty cell."""
    columns, errors = {}, []
    for f in table.fields:
        text = raw.column(f.name)
        values, bad = parse_text(text, f)
        columns[f.name] = values
        if bad is None:
            continue
        errors += capped(table.path, f.name, "type", np.flatnonzero(to_mask(bad, False)),
                         lambda shown, text=text, f=f: [f"{text[int(pos)].as_py()!r} is not a valid {f.type}"
                                                        for pos in shown], first_line=first_line,
                         limit=MAX_ERRORS_PER_RULE)
    return pa.table(columns), errors


def validation_frame(table: Table, raw: pd.DataFrame) -> tuple[pd.DataFrame, list[ValidationError]]:
    """:func:`typed_table` for a pandas frame of raw strings ("" = empty; index = line number)."""
    first_line = int(raw.index[0]) if len(raw) else FIRST_LINE
    text = pa.table({f.name: _text(raw[f.name]) for f in table.fields})
    data, errors = typed_table(table, text, first_line)
    return arrow_to_frame(table, data, first_line), errors


def _text(raw: pd.Series) -> pa.Array:
    arr = pa.array(raw.astype("str"), from_pandas=True).cast(pa.string())
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _kernels(table: Table) -> list[tuple[str, RowCheck, str | None]]:
    """(rule id, kernel, the column its errors name) of every row rule of ``table``, in report order."""
    return [(rule.id, runs.check(table) if runs.table == ROW_LEVEL else runs.check, runs.column)
            for rule, runs in row_rules(table.name)]


def _key_rule(table: Table) -> RowCheck:
    """The composite primary key as a row kernel (pandera checks it on the whole frame)."""
    def check(t: pa.Table, ctx: Context) -> np.ndarray:
        memo = ctx.memo if ctx.tables.get(table.name) is t else Memo()  # the memo describes ctx's tables
        return ~columns.repeated(table.name, t, list(table.primary_key), memo)
    return check


def _frame_check(table: Table, fn: RowCheck, ctx: Context) -> Callable[[pd.DataFrame], pd.Series]:
    """A row check as a function of a pandas frame (pandera's DataFrame checks)."""
    import pandas as pd

    def run(df: pd.DataFrame) -> pd.Series:
        result = fn(frame_to_arrow(table, df), ctx)
        return pd.Series(True if result is None else to_mask(result), index=df.index, dtype=bool)
    return run


def _wrap(table: Table, rule: str, fn: RowCheck, ctx: Context) -> pandera.Check:
    import pandera.pandas as pandera

    # pandera lists a failed DataFrame check once per column of every failing row: a file that
    # fails a rule on 190,000 rows took 3.3 GB and 110 s. Keep one more row than is reported, so
    # that run_pandera knows when to count the rest itself.
    return pandera.Check(_frame_check(table, fn, ctx), name=rule, n_failure_cases=MAX_ERRORS_PER_RULE + 1)


def _series_check(rule: str, failing: Callable[[pa.Array], np.ndarray], *, ignore_na: bool) -> pandera.Check:
    """A kernel of ``rules.columns`` (True where a cell fails) as a pandera column check."""
    import pandas as pd
    import pandera.pandas as pandera

    return pandera.Check(lambda s: pd.Series(~failing(series_to_arrow(s)), index=s.index), name=rule, error=rule,
                         ignore_na=ignore_na)


def _column_checks(decl: Declaration, table: Table, f: Field, ctx: Context) -> list[pandera.Check]:
    """pandera checks of one field, in the order ``vectorised.column_errors`` reports them: the
    key kernels of ``rules.columns`` (required, a single-column primary key, then after the
    constraints the foreign key) around the functions of ``vectorised.arrow_rules``."""
    import pandera.pandas as pandera

    checks = []
    if f.required:
        checks.append(_series_check("required", columns.missing, ignore_na=False))
    if list(table.primary_key) == [f.name]:
        checks.append(_series_check("primary-key", lambda arr: columns.repeated(
            table.name, pa.table({f.name: arr}), [f.name], Memo()), ignore_na=False))
    checks += [pandera.Check(check, name=rule, error=rule, ignore_na=True) for rule, check in column_rules(decl, f)]
    target = foreign_keys(table).get(f.name)
    if target is not None and ctx.has(target[0]):
        keys = ctx.table(target[0])[target[1]]
        checks.append(_series_check("foreign-key", lambda arr: columns.unfound(arr, keys), ignore_na=True))
    return checks


def pandera_schema(decl: Declaration, table: Table, ctx: Context | None = None, *,
                   row_checks: bool = True) -> pandera.DataFrameSchema:
    """The pandera schema of one table. With a context, cross-table rules are included.

    ``row_checks=False`` leaves out the row-level rules: the validator runs those itself
    (:func:`row_errors`), because pandera reports a failed DataFrame check once per column and
    row, which takes gigabytes when a large file fails it everywhere."""
    import pandera.pandas as pandera

    ctx = ctx or Context(decl)
    fields = {f.name: pandera.Column(nullable=True, checks=_column_checks(decl, table, f, ctx), required=True,
                                     name=f.name) for f in table.fields}
    checks = [_wrap(table, "primary-key", _key_rule(table), ctx)] if len(table.primary_key) > 1 else []
    if row_checks:
        checks += [_wrap(table, rule, fn, ctx) for rule, fn, _ in _kernels(table)]
    return pandera.DataFrameSchema(fields, checks=checks, name=table.name, strict=True)


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def row_errors(decl: Declaration, table: Table, data: pa.Table, ctx: Context,
               first_line: int = FIRST_LINE) -> list[ValidationError]:
    """The row-level rules, evaluated directly (vectorised), at most MAX_ERRORS_PER_RULE each."""
    errors = []
    for rule, fn, column in _kernels(table):
        result = fn(data, ctx)
        if result is None:
            continue
        if not isinstance(result, np.ndarray) and pc.all(result).as_py() is not False:
            continue  # every row passes (null counts as passing): no mask to build
        failed = np.flatnonzero(~to_mask(result))
        if not len(failed):
            continue
        text = message(rule, table, column, None, decl)

        def texts(shown: np.ndarray, text: str = text) -> list[str]:
            keys = [data[k].take(pa.array(shown)).to_pylist() for k in table.primary_key]
            return [f"{', '.join(_shown(values[n]) for values in keys)}: {text}" for n in range(len(shown))]
        errors += capped(table.path, column, rule, failed, texts, first_line=first_line,
                         limit=MAX_ERRORS_PER_RULE)
    return errors


def run_vectorised(decl: Declaration, table: Table, data: pa.Table | pd.DataFrame, ctx: Context,
                   first_line: int = FIRST_LINE) -> list[ValidationError]:
    """The semantic layer of one table without pandas or pandera (seconds, not minutes, at a
    million rows): the column rules that :func:`pandera_schema` declares, run directly by
    :func:`vectorised.column_errors`, then the row rules. A pandas frame (index = line number)
    is converted first. Tested to report the same (row, column, rule) cells as
    :func:`run_pandera`."""
    if not isinstance(data, pa.Table):
        first_line = int(data.index[0]) if len(data) else first_line
        data = frame_to_arrow(table, data)
    return _column_part(decl, table, data, ctx, first_line) + row_errors(decl, table, data, ctx, first_line)


def _column_part(decl: Declaration, table: Table, data: pa.Table, ctx: Context,
                 first_line: int = FIRST_LINE) -> list[ValidationError]:
    tables = {name: ctx.table(name) for name in decl.tables if ctx.has(name)}
    shared = ctx.memo if ctx.tables.get(table.name) is data else None  # the memo describes ctx's tables
    return column_errors(
        decl, table, data, tables, first_line=first_line, limit=MAX_ERRORS_PER_RULE, memo=shared,
        message=lambda rule, column, value: message(rule, table, column, value, decl),
    )


def _no_errors(_: object) -> list[ValidationError]:
    return []


def lookup_together(ctx: Context, sources: list[tuple[str, str]], target: str, key: str) -> list[np.ndarray]:
    """:func:`index_of` of several columns (``(table, column)``) that reference the same key, as
    one lookup: the key's hash table (~0.2 s for a million keys) is built once, not per column.
    Each result is remembered in ``ctx.memo`` as the column's own lookup."""
    columns = [ctx.tables[name][column] for name, column in sources]
    keys = [("index_of", name, column, target, key) for name, column in sources]

    def compute() -> list[np.ndarray]:
        if len({c.type for c in columns}) > 1:  # one lookup needs one type
            return [index_of(c, ctx.tables[target][key]) for c in columns]
        chunks = [chunk for c in columns for chunk in (c.chunks if isinstance(c, pa.ChunkedArray) else [c])]
        found = index_of(pa.chunked_array(chunks, columns[0].type), ctx.tables[target][key])
        return np.split(found, np.cumsum([len(c) for c in columns])[:-1])

    return ctx.memo.get_many(keys, compute)


@dataclass(frozen=True)
class Task:
    """One unit of the vectorised semantic layer: ``run()`` gives its errors. ``cost`` is a rough
    estimate of its CPU time in nanoseconds, ``first`` marks the lookups that other tasks wait
    for: the runner starts those first, then the rest costliest first, so the workers finish
    together."""

    name: str
    cost: int
    run: Callable[[], list[ValidationError]]
    first: bool = False


# Nanoseconds per row, measured at 1M events (benchmarks/README.md): a lookup per value and twice
# that per key (the hash table's build); a column rule per cell; a row rule per row.
_NS_LOOKUP, _NS_CELL, _NS_ROW_RULE = 130, 22, 30


def vectorised_tasks(decl: Declaration, ctx: Context) -> list[Task]:
    """:func:`run_vectorised` of every table in ``ctx`` as smaller tasks (each table's column
    rules, then its row rules), in the order whose concatenated results are the same report;
    two workers then share the largest table's work instead of one doing all of it."""
    tasks: list[Task] = []
    # First the foreign-key lookups, which column and row rules of several tables share:
    # computed side by side instead of one after another inside one table's task, the columns
    # that reference the same key in one lookup.
    lookups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for name in ctx.tables:
        for column, (target, key) in foreign_keys(decl.tables[name]).items():
            if target in ctx.tables:
                lookups.setdefault((target, key), []).append((name, column))
    for (target, key), sources in lookups.items():
        rows = sum(ctx.tables[name].num_rows for name, _ in sources) + 2 * ctx.tables[target].num_rows
        tasks.append(Task(f"lookup {target}.{key}", rows * _NS_LOOKUP,
                          lambda s=sources, t=target, k=key: _no_errors(lookup_together(ctx, s, t, k)), first=True))
    for name, data in ctx.tables.items():
        table = decl.tables[name]
        cells, checks = data.num_rows * len(table.fields), len(_kernels(table))
        tasks.append(Task(f"{name} columns", cells * _NS_CELL, lambda t=table, d=data: _column_part(decl, t, d, ctx)))
        tasks.append(Task(f"{name} rows", data.num_rows * checks * _NS_ROW_RULE,
                          lambda t=table, d=data: row_errors(decl, t, d, ctx)))
    return tasks


def run_pandera(decl: Declaration, table: Table, frame: pd.DataFrame, ctx: Context) -> list[ValidationError]:
    """The semantic layer of one table run by pandera itself: the generated schema, with the
    cross-field and cross-table rules as DataFrame checks, validated lazily (every failure)."""
    import pandas as pd
    from pandera.errors import SchemaError, SchemaErrors

    schema = pandera_schema(decl, table, ctx, row_checks=True)
    try:
        schema.validate(frame, lazy=True)
        return []
    except SchemaErrors as exc:
        cases = exc.failure_cases
    except SchemaError as exc:  # lazy mode collects; stay safe all the same
        return [ValidationError(table.path, None, None, "semantic", str(exc), "semantic")]
    # The rules checked on whole rows (pandera lists a failed DataFrame check once per column of
    # the row: each is reported once), with the column each names and its kernel.
    by_rows = {rule: (column, fn) for rule, fn, column in _kernels(table)}
    if len(table.primary_key) > 1:
        by_rows["primary-key"] = (None, _key_rule(table))
    found: dict[tuple, list[tuple[int | None, str]]] = {}  # (column, rule) -> (line, message), in order
    seen_rows: set[tuple] = set()
    for rec in cases.to_dict("records"):
        check = str(rec.get("check"))
        rule = check if check in RULES else "semantic"
        index = rec.get("index")
        row = None if index is None or pd.isna(index) else int(index)
        column = rec.get("column")
        column = None if column is None or pd.isna(column) or column == table.name else str(column)
        if rule in by_rows:
            if (row, rule) in seen_rows:
                continue
            seen_rows.add((row, rule))
            if rule == "primary-key":  # a composite key's duplicate: one error per key column, as vectorised
                for k in table.primary_key:
                    value = None if row is None or pd.isna(frame.at[row, k]) else frame.at[row, k]
                    found.setdefault((k, rule), []).append((row, message(rule, table, k, value, decl)))
                continue
            column = by_rows[rule][0]
            key = ", ".join(str(frame.at[row, k]) for k in table.primary_key) if row is not None else ""
            text = f"{key}: {message(rule, table, column, None, decl)}"
        elif rule == "semantic":
            text = f"check {check!r} failed on {rec.get('failure_case')!r}"
        else:
            text = message(rule, table, column, rec.get("failure_case"), decl)
        found.setdefault((column, rule), []).append((row, text))
    errors: list[ValidationError] = []
    for (column, rule), listed in found.items():
        total = None
        if len(listed) > MAX_ERRORS_PER_RULE and rule in by_rows:
            # pandera kept only the first rows (n_failure_cases): count them all with the kernel.
            result = by_rows[rule][1](frame_to_arrow(table, frame), ctx)
            total = 0 if result is None else int((~to_mask(result)).sum())
        errors += capped(table.path, column, rule, [row for row, _ in listed],
                         lambda shown, listed=listed: [text for _, text in listed[:len(shown)]], total=total,
                         limit=MAX_ERRORS_PER_RULE)
    return errors
