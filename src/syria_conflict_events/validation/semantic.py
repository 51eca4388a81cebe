"""Layer (b): the semantic rules of DATA-MODEL.md (column rules from the declaration, cross-field
and cross-table row rules), written once as Arrow compute kernels and run two ways: directly
(:func:`run_vectorised`, seconds at a million rows, no pandas) and through pandera schemas
generated from the declaration (:func:`pandera_schema`, whose checks wrap the same functions;
the loader's models reuse them).

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
from ..constraints import BY_RULE
from ..declaration import Declaration, Field, Table
from ..text_rules import forbidden_character
from . import control_rules
from . import sourcing_rules as sourcing
from .context import FIRST_LINE, Context, arrow_to_frame, frame_to_arrow
from .errors import MAX_ERRORS_PER_RULE, ValidationError
from .vectorised import (
    CONTROL,
    FORMULA_START,
    Column,
    column_errors,
    column_rules,
    duplicated,
    foreign_keys,
    index_of,
    isin,
    key_order,
    series_to_arrow,
    take,
    to_mask,
)

if TYPE_CHECKING:  # pandas and pandera only for the pandera engine: `sce validate` at scale runs without them
    import pandas as pd
    import pandera.pandas as pandera

__all__ = ["CONTROL", "FORMULA_START", "Context", "Task", "isin", "pandera_schema", "run_pandera",
           "run_vectorised", "typed_table", "validation_frame", "vectorised_tasks"]

def _more(table: Table, column: str | None, rule: str, total: int) -> ValidationError:
    """The line that stands for the errors past MAX_ERRORS_PER_RULE."""
    return ValidationError(table.path, None, column, rule,
                           f"{total - MAX_ERRORS_PER_RULE:,} more rows break this rule (only the first "
                           f"{MAX_ERRORS_PER_RULE:,} of {total:,} are listed)", "semantic")


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
        positions = np.flatnonzero(to_mask(bad, False))
        for pos in positions[:MAX_ERRORS_PER_RULE]:
            errors.append(ValidationError(table.path, first_line + int(pos), f.name, "type",
                                          f"{text[int(pos)].as_py()!r} is not a valid {f.type}", "semantic"))
        if len(positions) > MAX_ERRORS_PER_RULE:
            errors.append(_more(table, f.name, "type", len(positions)))
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


# --- row and cross-table checks --------------------------------------------------------------
# Each takes a typed Arrow table and returns a boolean column or mask (True = the row passes;
# null counts as passing), or `None` when its inputs are unavailable.

RowCheck = Callable[[pa.Table, Context], "Column | np.ndarray | None"]
# The column each row-level rule points at in messages.
RULE_COLUMN: dict[str, str] = {
    "fatalities-order": "fatalities_best", "civilian-fatalities": "civilian_fatalities",
    "fatalities-without-figure": "fatalities_best", "date-order": "date_end",
    "agreement-date-order": "date_effective", "sub-event-type": "sub_event_type",
    "event-without-claim": "event_id", "event-without-actor": "event_id",
    "verification-rule": "verification", "fatalities-rule": "fatalities_best",
    "figure-scope": "figure_scope", "source-before-event": "source_id",
    "source-unopenable": "url", "url-without-publisher": "publisher",
    "coordinates-without-source": "coordinates_source_id", "name-ar-without-source": "name_ar_source_id",
    **control_rules.COLUMNS,
    "violates-before-effective": "agreement_id",
    "claim-event-mismatch": "claim_id", "parent-country": "country_iso3",
    "coordinates-outside-country": "latitude", "coordinates-incomplete": "longitude",
    "retired-id-in-use": "retired_id", "replaced-by-missing": "replaced_by",
    "entity-missing": "entity_id", "row-order": None,  # type: ignore[dict-item]
}


def _le(a: Column, b: Column) -> Column:
    """a <= b where both are known."""
    return pc.fill_null(pc.less_equal(a, b), True)


def _same_or_missing(a: Column, b: Column) -> Column:
    return pc.fill_null(pc.equal(a, b), True)


def _all(*masks: Column) -> Column:
    out = masks[0]
    for m in masks[1:]:
        out = pc.and_(out, m)
    return out


def fatalities_order(t: pa.Table, ctx: Context) -> Column:
    lo, best, hi = t["fatalities_low"], t["fatalities_best"], t["fatalities_high"]
    return _all(_le(lo, best), _le(best, hi), _le(lo, hi))


def civilian_fatalities(t: pa.Table, ctx: Context) -> Column:
    return _le(t["civilian_fatalities"], pc.coalesce(t["fatalities_high"], t["fatalities_best"]))


def date_order(t: pa.Table, ctx: Context) -> Column:
    return _le(t["date_start"], t["date_end"])


def agreement_date_order(t: pa.Table, ctx: Context) -> Column:
    s, e, x = t["date_signed"], t["date_effective"], t["date_ended"]
    return _all(_le(s, e), _le(e, x), _le(s, x))


def sub_event_type(t: pa.Table, ctx: Context) -> Column:
    vocab = ctx.decl.vocabularies["sub_event_type"]
    codes = pa.array([c.code for c in vocab.codes], type=pa.string())
    parents = pa.array([c.extra[vocab.parent] for c in vocab.codes], type=pa.string())
    parent = take(parents, pc.fill_null(pc.index_in(t["sub_event_type"], value_set=codes), -1)
                  .to_numpy(zero_copy_only=False))
    return _same_or_missing(parent, t["event_type"])


def _has(values: Column, keys: Column) -> Column:
    """isin, a missing value counting as not found."""
    return pc.fill_null(isin(values, keys), False)


def _referenced(t: pa.Table, ctx: Context, source: str, where: Column | None = None) -> np.ndarray | None:
    """Events rows (of ``t``) that rows of ``source`` name in their event_id, where ``where``
    holds. Reuses the lookup of that foreign key when ``t`` is the context's events table and
    its ids are unique (then "named by a row" is "its id is among those rows' ids"); None
    otherwise, for the caller to test membership directly."""
    if ctx.tables.get("events") is not t:
        return None
    order = ctx.memo.get(("key_order", "events", "event_id"), key_order, t, ["event_id"])
    if ctx.memo.get(("duplicated", "events", "event_id"), duplicated, t, ["event_id"], order).any():
        return None
    rows = ctx.memo.get(("index_of", source, "event_id", "events", "event_id"),
                        index_of, ctx.table(source)["event_id"], t["event_id"])
    if where is not None:
        rows = rows[to_mask(where, False)]
    hit = np.zeros(t.num_rows, dtype=bool)
    hit[rows[rows >= 0]] = True
    return hit


def _named_by(t: pa.Table, ctx: Context, source: str, where: Column | None = None) -> np.ndarray:
    """Rows of ``t`` whose event_id some row of ``source`` (where ``where`` holds) names."""
    hit = _referenced(t, ctx, source, where)
    if hit is not None:
        return hit
    ids = ctx.table(source)["event_id"]
    return to_mask(_has(t["event_id"], ids if where is None else ids.filter(where)), False)


def event_without_claim(t: pa.Table, ctx: Context) -> np.ndarray | None:
    if not ctx.has("claims"):
        return None
    return _named_by(t, ctx, "claims") | to_mask(pc.is_null(t["event_id"]), False)


def event_without_actor(t: pa.Table, ctx: Context) -> np.ndarray | None:
    if not ctx.has("event_actors"):
        return None
    return _named_by(t, ctx, "event_actors") | to_mask(pc.is_null(t["event_id"]), False)


def fatalities_without_figure(t: pa.Table, ctx: Context) -> np.ndarray | None:
    if not ctx.has("claims"):
        return None
    cols = ["fatalities_low", "fatalities_best", "fatalities_high", "civilian_fatalities"]
    has_any = pc.or_(pc.or_(pc.is_valid(t[cols[0]]), pc.is_valid(t[cols[1]])),
                     pc.or_(pc.is_valid(t[cols[2]]), pc.is_valid(t[cols[3]])))
    if not pc.any(has_any).as_py():
        return None
    claims = ctx.table("claims")
    # Only a figure for the event itself counts: a running toll is not this event's fatalities.
    given = pc.or_(pc.is_valid(claims["fatalities_claimed"]), pc.or_(
        pc.is_valid(claims["fatalities_claimed_low"]), pc.is_valid(claims["fatalities_claimed_high"])))
    with_figure = pc.and_(given, pc.fill_null(pc.equal(claims["figure_scope"], "event"), False))
    return ~to_mask(has_any, False) | _named_by(t, ctx, "claims", with_figure)


def violates_before_effective(t: pa.Table, ctx: Context) -> Column | None:
    if not ctx.has("events", "agreements"):
        return None
    events, agreements = ctx.table("events"), ctx.table("agreements")
    end = take(events["date_end"], index_of(t["event_id"], events["event_id"]))
    effective = take(agreements["date_effective"], index_of(t["agreement_id"], agreements["agreement_id"]))
    too_early = pc.and_(pc.fill_null(pc.equal(t["relation"], "violates"), False),
                        pc.fill_null(pc.less(end, effective), False))
    return pc.invert(too_early)


def claim_event_mismatch(t: pa.Table, ctx: Context) -> Column | None:
    if not ctx.has("claims"):
        return None
    claims = ctx.table("claims")
    return _same_or_missing(take(claims["event_id"], index_of(t["claim_id"], claims["claim_id"])), t["event_id"])


def _in_cycle(ids: Column, parents: Column) -> np.ndarray:
    """True for rows whose parent chain returns to themselves (pointer chasing, vectorised)."""
    parent_of = index_of(parents, ids)  # row of each row's parent, -1 for none
    rows = np.arange(len(parent_of))
    current = parent_of.copy()
    in_cycle = np.zeros(len(parent_of), dtype=bool)
    for _ in range(len(parent_of) + 1):
        live = (current >= 0) & ~in_cycle
        if not live.any():
            break
        in_cycle |= live & (current == rows)
        current = np.where(live, parent_of[np.maximum(current, 0)], -1)
    return in_cycle


def _cycle_check(id_col: str, parent_col: str) -> RowCheck:
    def check(t: pa.Table, ctx: Context) -> np.ndarray:
        return ~_in_cycle(t[id_col], t[parent_col])
    return check


def parent_country(t: pa.Table, ctx: Context) -> Column:
    parent = take(t["country_iso3"], index_of(t["parent_place_id"], t["place_id"]))
    return _same_or_missing(parent, t["country_iso3"])


def coordinates_incomplete(t: pa.Table, ctx: Context) -> Column:
    return pc.equal(pc.is_null(t["latitude"]), pc.is_null(t["longitude"]))


def coordinates_outside_country(t: pa.Table, ctx: Context) -> Column:
    boxes = {c.code: c.extra.get("bbox") for c in ctx.decl.vocabularies["country"].codes}
    boxes = {k: v for k, v in boxes.items() if v}
    where = index_of(t["country_iso3"], pa.array(list(boxes), type=pa.string()))
    lon0, lat0, lon1, lat1 = (take(pa.array([float(v[i]) for v in boxes.values()], type=pa.float64()), where)
                              for i in range(4))
    lat, lon = t["latitude"], t["longitude"]
    inside = _all(pc.greater_equal(lat, lat0), pc.less_equal(lat, lat1),
                  pc.greater_equal(lon, lon0), pc.less_equal(lon, lon1))
    return pc.fill_null(inside, True)


def _tables_named(t: pa.Table) -> set[str]:
    return set(pc.unique(t["table_name"].drop_null()).to_pylist())


def retired_id_in_use(t: pa.Table, ctx: Context) -> np.ndarray:
    ok = np.ones(t.num_rows, dtype=bool)
    named = _tables_named(t)  # only the tables the rows name
    for name, table in ctx.decl.tables.items():
        if name in named and ctx.has(name) and len(table.primary_key) == 1:
            live = ctx.table(name)[table.primary_key[0]]
            ok &= ~to_mask(pc.and_(pc.equal(t["table_name"], name), _has(t["retired_id"], live)), False)
    return ok


def _entity_exists(id_col: str) -> RowCheck:
    def check(t: pa.Table, ctx: Context) -> np.ndarray:
        ok = to_mask(pc.is_null(t[id_col]))
        named = _tables_named(t)  # only the tables the rows name
        for name, table in ctx.decl.tables.items():
            if len(table.primary_key) != 1 or name not in named:
                continue
            rows = to_mask(pc.equal(t["table_name"], name), False)
            if not ctx.has(name):
                ok |= rows  # cannot check: the table is broken already
                continue
            ok |= rows & to_mask(_has(t[id_col], ctx.table(name)[table.primary_key[0]]), False)
        return ok
    return check


ROW_CHECKS: dict[str, list[tuple[str, RowCheck]]] = {
    "events": [
        ("date-order", date_order), ("fatalities-order", fatalities_order),
        ("civilian-fatalities", civilian_fatalities), ("sub-event-type", sub_event_type),
        ("event-without-claim", event_without_claim), ("event-without-actor", event_without_actor),
        ("fatalities-without-figure", fatalities_without_figure),
        ("fatalities-rule", sourcing.fatalities_rule), ("verification-rule", sourcing.verification_rule),
    ],
    "claims": [("figure-scope", sourcing.figure_scope), ("source-before-event", sourcing.source_before_event)],
    "sources": [("source-unopenable", sourcing.source_unopenable),
                ("url-without-publisher", sourcing.url_without_publisher)],
    "actors": [("parent-cycle", _cycle_check("actor_id", "parent_actor_id")),
               ("name-ar-without-source", sourcing.name_ar_without_source)],
    "places": [
        ("parent-cycle", _cycle_check("place_id", "parent_place_id")),
        ("parent-country", parent_country), ("coordinates-incomplete", coordinates_incomplete),
        ("coordinates-outside-country", coordinates_outside_country),
        ("coordinates-without-source", sourcing.coordinates_without_source),
        ("name-ar-without-source", sourcing.name_ar_without_source),
    ],
    "agreements": [
        ("parent-cycle", _cycle_check("agreement_id", "supersedes_agreement_id")),
        ("agreement-date-order", agreement_date_order),
    ],
    "event_agreements": [
        ("violates-before-effective", violates_before_effective),
        ("claim-event-mismatch", claim_event_mismatch),
    ],
    "retired_ids": [
        ("retired-id-in-use", retired_id_in_use), ("replaced-by-missing", _entity_exists("replaced_by")),
    ],
    "external_ids": [("entity-missing", _entity_exists("entity_id"))],
    "control": control_rules.CHECKS,
}
ROW_RULES = {rule for checks in ROW_CHECKS.values() for rule, _ in checks} | {"row-order"}
RULE_COLUMN["parent-cycle"] = None  # type: ignore[assignment]  # set per table below
_CYCLE_COLUMN = {"actors": "parent_actor_id", "places": "parent_place_id",
                 "agreements": "supersedes_agreement_id"}


def row_order(table: Table) -> RowCheck:
    """Only the first row out of canonical (primary key) order fails: one fix sorts them all."""
    def check(t: pa.Table, ctx: Context) -> np.ndarray | None:
        keys = list(table.primary_key)
        in_order = (ctx.memo.get(("key_order", table.name, *keys), key_order, t, keys)
                    if ctx.tables.get(table.name) is t else key_order(t, keys))
        if in_order[0]:  # linear; sorting is n log n
            return None
        from ..row_order import canonical_positions  # the same sort as `sce fmt` writes

        ordered = canonical_positions(t.select(keys).to_pandas())
        ok = np.ones(t.num_rows, dtype=bool)
        mismatch = ordered != np.arange(t.num_rows)
        if mismatch.any():
            ok[mismatch.argmax()] = False
        return ok
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


def _column_checks(decl: Declaration, f: Field) -> list[pandera.Check]:
    """pandera checks of one field: the functions of vectorised.arrow_rules (one definition for
    the pandera schema and the validator's direct run)."""
    import pandera.pandas as pandera

    return [pandera.Check(check, name=rule, error=rule, ignore_na=True) for rule, check in column_rules(decl, f)]


def _fk_check(ctx: Context, target: str, key: str) -> pandera.Check | None:
    if not ctx.has(target):
        return None
    import pandas as pd
    import pandera.pandas as pandera

    keys = ctx.table(target)[key]
    return pandera.Check(lambda s: pd.Series(to_mask(isin(series_to_arrow(s), keys)), index=s.index),
                         name="foreign-key", ignore_na=True)


def pandera_schema(decl: Declaration, table: Table, ctx: Context | None = None, *,
                   row_checks: bool = True) -> pandera.DataFrameSchema:
    """The pandera schema of one table. With a context, cross-table rules are included.

    ``row_checks=False`` leaves out the row-level rules: the validator runs those itself
    (:func:`row_errors`), because pandera reports a failed DataFrame check once per column and
    row, which takes gigabytes when a large file fails it everywhere."""
    import pandera.pandas as pandera

    ctx = ctx or Context(decl)
    fk_targets = {fk.fields[0]: (fk.table, fk.reference[0]) for fk in table.foreign_keys}
    columns = {}
    for f in table.fields:
        checks = _column_checks(decl, f)
        if f.name in fk_targets:
            target, key = fk_targets[f.name]
            fk = _fk_check(ctx, target, key)
            if fk is not None:
                checks.append(fk)
        unique = len(table.primary_key) == 1 and table.primary_key[0] == f.name
        columns[f.name] = pandera.Column(nullable=not f.required, unique=unique, checks=checks,
                                         required=True, name=f.name, report_duplicates="exclude_first")
    checks = [_wrap(table, rule, fn, ctx) for rule, fn in ROW_CHECKS.get(table.name, [])]
    checks.append(_wrap(table, "row-order", row_order(table), ctx))
    return pandera.DataFrameSchema(
        columns, checks=checks if row_checks else [], name=table.name, strict=True,
        unique=list(table.primary_key) if len(table.primary_key) > 1 else None,
        report_duplicates="exclude_first",
    )


_PANDERA_RULES = {"not_nullable": "required", "field_uniqueness": "primary-key",
                  "multiple_fields_uniqueness": "primary-key"}


def _message(rule: str, table: Table, column: str | None, value: object, decl: Declaration) -> str:
    f = table.field(column) if column and column in table.field_names else None
    shown = "" if value is None or (isinstance(value, float) and value != value) else repr(value)  # NaN
    kind = BY_RULE.get(rule)
    if kind is not None and f is not None and kind.present(f):
        return kind.message(shown, f)
    if rule == "required":
        return f"{column} is required"
    if rule == "primary-key":
        return f"duplicate key {shown}"
    if rule == "foreign-key" and column:
        return f"{shown} is not a known {column}"
    if rule == "forbidden-character" and isinstance(value, str):
        return f"{shown} holds {forbidden_character(value) or 'a forbidden character'}"
    if rule == "not-nfc" and shown:
        return f"{shown} is not in Unicode normal form C (decomposed characters); `sce fmt` composes them"
    if rule == "row-order":
        return f"rows are not sorted by {', '.join(table.primary_key)}; this is the first row out of place"
    if rule == "parent-cycle":
        return f"the {column} chain starting here returns to this row"
    if shown:
        return f"{shown}: {_RULE_TITLE(rule)}"
    return _RULE_TITLE(rule)


def _RULE_TITLE(rule: str) -> str:
    from .rules import RULES
    return RULES[rule].title


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def row_errors(decl: Declaration, table: Table, data: pa.Table, ctx: Context,
               first_line: int = FIRST_LINE) -> list[ValidationError]:
    """The row-level rules, evaluated directly (vectorised), at most MAX_ERRORS_PER_RULE each."""
    errors = []
    for rule, fn in [*ROW_CHECKS.get(table.name, []), ("row-order", row_order(table))]:
        result = fn(data, ctx)
        if result is None:
            continue
        if not isinstance(result, np.ndarray) and pc.all(result).as_py() is not False:
            continue  # every row passes (null counts as passing): no mask to build
        failed = np.flatnonzero(~to_mask(result))
        if not len(failed):
            continue
        column = _CYCLE_COLUMN.get(table.name) if rule == "parent-cycle" else RULE_COLUMN.get(rule)
        text = _message(rule, table, column, None, decl)
        shown = failed[:MAX_ERRORS_PER_RULE]
        keys = [data[k].take(pa.array(shown)).to_pylist() for k in table.primary_key]
        for n, pos in enumerate(shown):
            key = ", ".join(_shown(values[n]) for values in keys)
            errors.append(ValidationError(table.path, first_line + int(pos), column, rule, f"{key}: {text}",
                                          "semantic"))
        if len(failed) > MAX_ERRORS_PER_RULE:
            errors.append(_more(table, column, rule, len(failed)))
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
        message=lambda rule, column, value: _message(rule, table, column, value, decl),
        more=lambda column, rule, total: _more(table, column, rule, total),
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
        cells, checks = data.num_rows * len(table.fields), 1 + len(ROW_CHECKS.get(name, []))
        tasks.append(Task(f"{name} columns", cells * _NS_CELL, lambda t=table, d=data: _column_part(decl, t, d, ctx)))
        tasks.append(Task(f"{name} rows", data.num_rows * checks * _NS_ROW_RULE,
                          lambda t=table, d=data: row_errors(decl, t, d, ctx)))
    return tasks


def run_pandera(decl: Declaration, table: Table, frame: pd.DataFrame, ctx: Context) -> list[ValidationError]:
    """The semantic layer of one table run by pandera itself: the generated schema, with the
    cross-field and cross-table rules as DataFrame checks, validated lazily (every failure)."""
    import pandas as pd
    from pandera.errors import SchemaError, SchemaErrors

    from .rules import RULES

    schema = pandera_schema(decl, table, ctx, row_checks=True)
    try:
        schema.validate(frame, lazy=True)
        return []
    except SchemaErrors as exc:
        cases = exc.failure_cases
    except SchemaError as exc:  # lazy mode collects; stay safe all the same
        return [ValidationError(table.path, None, None, "semantic", str(exc), "semantic")]
    errors: list[ValidationError] = []
    counts: dict[tuple, int] = {}
    seen_rows: set[tuple] = set()
    for rec in cases.to_dict("records"):
        check = str(rec.get("check"))
        rule = _PANDERA_RULES.get(check, check)
        rule = rule if rule in RULES else "semantic"
        index = rec.get("index")
        row = None if index is None or pd.isna(index) else int(index)
        column = rec.get("column")
        column = None if column is None or pd.isna(column) or column == table.name else str(column)
        if rule in ROW_RULES:
            # pandera lists a failed DataFrame check once per column of the row: report it once.
            if (row, rule) in seen_rows:
                continue
            seen_rows.add((row, rule))
            column = _CYCLE_COLUMN.get(table.name) if rule == "parent-cycle" else RULE_COLUMN.get(rule)
            key = ", ".join(str(frame.at[row, k]) for k in table.primary_key) if row is not None else ""
            message = f"{key}: {_message(rule, table, column, None, decl)}"
        elif rule == "primary-key" and column is None:
            column = table.primary_key[-1]  # a composite key's duplicate: name its last column
            message = _message(rule, table, column, None, decl)
        elif rule == "semantic":
            message = f"check {check!r} failed on {rec.get('failure_case')!r}"
        else:
            message = _message(rule, table, column, rec.get("failure_case"), decl)
        n = counts[(column, rule)] = counts.get((column, rule), 0) + 1
        if n <= MAX_ERRORS_PER_RULE:
            errors.append(ValidationError(table.path, row, column, rule, message, "semantic"))
    row_checks = dict([*ROW_CHECKS.get(table.name, []), ("row-order", row_order(table))])
    for (column, rule), n in counts.items():
        if n > MAX_ERRORS_PER_RULE:
            if rule in row_checks:  # pandera kept only the first rows (n_failure_cases): count them all
                result = row_checks[rule](frame_to_arrow(table, frame), ctx)
                n = 0 if result is None else int((~to_mask(result)).sum())
            errors.append(_more(table, column, rule, n))
    return errors
