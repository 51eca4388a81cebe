"""Layer (b): pandera schemas generated from the declaration, with the cross-field and
cross-table rules of DATA-MODEL.md. Vectorised, so the same checks hold at a million rows: the
validator runs the schema's column rules directly (:mod:`.vectorised`, the functions the pandera
checks wrap) and the row rules below, without pandera's per-check machinery.

Every check is named by its rule id (rules.RULES); failures map back to file:line:column
because each frame's index is the line number in its CSV file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from ..canonical import canonical_positions
from ..declaration import Declaration, Field, Table
from ..typed import DATE_DTYPE as DATE
from ..typed import parse_column
from .errors import ValidationError
from .vectorised import CONTROL, FORMULA_START, column_errors, column_rules, isin, key_order

if TYPE_CHECKING:  # pandera is imported only to build a schema: `sce validate` runs without it
    import pandera.pandas as pa

__all__ = ["CONTROL", "FORMULA_START", "Context", "isin", "pandera_schema", "run_pandera", "run_vectorised",
           "validation_frame"]
# At most this many errors per file, column and rule are listed, then one line counts the rest:
# a hostile file with a million bad rows must not need gigabytes to report them.
MAX_ERRORS_PER_RULE = 1000


@dataclass
class Context:
    """Validation frames of the tables that passed the file layer, by name."""

    decl: Declaration
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def has(self, *names: str) -> bool:
        return all(n in self.frames for n in names)


def validation_frame(table: Table, raw: pd.DataFrame) -> tuple[pd.DataFrame, list[ValidationError]]:
    """Typed frame for checking (vocabulary fields stay plain values), plus type errors."""
    values, errors = {}, []
    for f in table.fields:
        col, bad = parse_column(raw[f.name], f)
        values[f.name] = col
        lines = bad[bad].index
        for line in lines[:MAX_ERRORS_PER_RULE]:
            errors.append(ValidationError(table.path, int(line), f.name, "type",
                                          f"{raw.at[line, f.name]!r} is not a valid {f.type}", "semantic"))
        if len(lines) > MAX_ERRORS_PER_RULE:
            errors.append(_more(table, f.name, "type", len(lines)))
    return pd.DataFrame(values, index=raw.index), errors


def _more(table: Table, column: str | None, rule: str, total: int) -> ValidationError:
    """The line that stands for the errors past MAX_ERRORS_PER_RULE."""
    return ValidationError(table.path, None, column, rule,
                           f"{total - MAX_ERRORS_PER_RULE:,} more rows break this rule (only the first "
                           f"{MAX_ERRORS_PER_RULE:,} of {total:,} are listed)", "semantic")


# --- column checks -------------------------------------------------------------------------

def _column_checks(decl: Declaration, f: Field) -> list[pa.Check]:
    """pandera checks of one field: the functions of vectorised.column_rules (one definition for
    the pandera schema and the validator's direct run)."""
    import pandera.pandas as pa

    return [pa.Check(check, name=rule, error=rule, ignore_na=True) for rule, check in column_rules(decl, f)]


def _fk_check(ctx: Context, target: str, key: str) -> pa.Check | None:
    if not ctx.has(target):
        return None
    keys = ctx.frames[target][key].dropna()
    import pandera.pandas as pa

    return pa.Check(lambda s: isin(s, keys), name="foreign-key", ignore_na=True)


# --- row and cross-table checks --------------------------------------------------------------
# Each returns a boolean Series (True = row passes); `None` when its inputs are unavailable.

RowCheck = Callable[[pd.DataFrame, Context], "pd.Series | None"]
# The column each row-level rule points at in messages.
RULE_COLUMN: dict[str, str] = {
    "fatalities-order": "fatalities_best", "civilian-fatalities": "civilian_fatalities",
    "fatalities-without-figure": "fatalities_best", "date-order": "date_end",
    "agreement-date-order": "date_effective", "sub-event-type": "sub_event_type",
    "event-without-claim": "event_id", "event-without-actor": "event_id",
    "verified-without-archive": "verification", "violates-before-effective": "agreement_id",
    "claim-event-mismatch": "claim_id", "parent-country": "country_iso3",
    "coordinates-outside-country": "latitude", "coordinates-incomplete": "longitude",
    "retired-id-in-use": "retired_id", "replaced-by-missing": "replaced_by",
    "entity-missing": "entity_id", "row-order": None,  # type: ignore[dict-item]
}


def _le(a: pd.Series, b: pd.Series) -> pd.Series:
    """a <= b where both are known (NaT compares False, so test missing values explicitly)."""
    return ((a <= b).fillna(False).astype(bool) | a.isna() | b.isna()).astype(bool)


def _same_or_missing(a: pd.Series, b: pd.Series) -> pd.Series:
    """a == b where both are known (str columns compare missing values as False, not NA)."""
    return ((a == b).fillna(False).astype(bool) | a.isna() | b.isna()).astype(bool)


def fatalities_order(df: pd.DataFrame, ctx: Context) -> pd.Series:
    lo, best, hi = df["fatalities_low"], df["fatalities_best"], df["fatalities_high"]
    return _le(lo, best) & _le(best, hi) & _le(lo, hi)


def civilian_fatalities(df: pd.DataFrame, ctx: Context) -> pd.Series:
    cap = df["fatalities_high"].fillna(df["fatalities_best"])
    return _le(df["civilian_fatalities"], cap)


def date_order(df: pd.DataFrame, ctx: Context) -> pd.Series:
    return _le(df["date_start"], df["date_end"])


def agreement_date_order(df: pd.DataFrame, ctx: Context) -> pd.Series:
    s, e, x = df["date_signed"], df["date_effective"], df["date_ended"]
    return _le(s, e) & _le(e, x) & _le(s, x)


def sub_event_type(df: pd.DataFrame, ctx: Context) -> pd.Series:
    vocab = ctx.decl.vocabularies["sub_event_type"]
    parent = {c.code: c.extra[vocab.parent] for c in vocab.codes}
    return _same_or_missing(df["sub_event_type"].map(parent), df["event_type"])


def _events_with(ctx: Context, table: str) -> pd.Series | None:
    return ctx.frames[table]["event_id"] if ctx.has(table) else None  # isin skips missing values


def event_without_claim(df: pd.DataFrame, ctx: Context) -> pd.Series | None:
    ids = _events_with(ctx, "claims")
    return None if ids is None else isin(df["event_id"], ids) | df["event_id"].isna()


def event_without_actor(df: pd.DataFrame, ctx: Context) -> pd.Series | None:
    ids = _events_with(ctx, "event_actors")
    return None if ids is None else isin(df["event_id"], ids) | df["event_id"].isna()


def fatalities_without_figure(df: pd.DataFrame, ctx: Context) -> pd.Series | None:
    if not ctx.has("claims"):
        return None
    claims = ctx.frames["claims"]
    with_figure = claims.loc[claims["fatalities_claimed"].notna(), "event_id"]
    cols = ["fatalities_low", "fatalities_best", "fatalities_high", "civilian_fatalities"]
    has_any = df[cols].notna().any(axis=1)
    return ~has_any | isin(df["event_id"], with_figure)


def verified_without_archive(df: pd.DataFrame, ctx: Context) -> pd.Series | None:
    if not ctx.has("claims", "sources"):
        return None
    sources = ctx.frames["sources"]
    held = sources.loc[sources["archive_file"].notna(), "source_id"]
    claims = ctx.frames["claims"]
    events = claims.loc[isin(claims["source_id"], held), "event_id"]
    return (df["verification"] != "verified").fillna(True).astype(bool) | isin(df["event_id"], events)


def _lookup(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """keys.map(mapping); an empty mapping of dates makes pandas try a float cast and fail."""
    if mapping.empty:
        return pd.Series(pd.NaT, index=keys.index, dtype=DATE)
    return keys.map(mapping)


def violates_before_effective(df: pd.DataFrame, ctx: Context) -> pd.Series | None:
    if not ctx.has("events", "agreements"):
        return None
    if df.empty:
        return pd.Series(True, index=df.index)
    end = _lookup(df["event_id"], ctx.frames["events"].set_index("event_id")["date_end"].dropna()
                  .groupby(level=0).first()).astype(DATE)
    effective = _lookup(
        df["agreement_id"],
        ctx.frames["agreements"].set_index("agreement_id")["date_effective"].groupby(level=0).first(),
    ).astype(DATE)
    too_early = (df["relation"] == "violates") & (end < effective).fillna(False).astype(bool)
    return ~too_early.fillna(False).astype(bool)


def claim_event_mismatch(df: pd.DataFrame, ctx: Context) -> pd.Series | None:
    if not ctx.has("claims"):
        return None
    if df.empty:  # nothing to check: skip indexing a million claims
        return pd.Series(True, index=df.index)
    claim_event = ctx.frames["claims"].set_index("claim_id")["event_id"].groupby(level=0).first()
    return _same_or_missing(df["claim_id"].map(claim_event), df["event_id"])


def _in_cycle(ids: pd.Series, parents: pd.Series) -> pd.Series:
    """True for rows whose parent chain returns to themselves (pointer chasing, vectorised)."""
    parent_of = pd.Series(parents.values, index=ids.values)
    parent_of = parent_of[~parent_of.index.duplicated()].dropna()
    current = parents.copy()
    in_cycle = pd.Series(False, index=ids.index)
    for _ in range(len(parent_of) + 1):
        live = current.notna() & ~in_cycle
        if not live.any():
            break
        in_cycle |= (current == ids).fillna(False).astype(bool) & live
        current = current.map(parent_of).where(live)
    return in_cycle


def _cycle_check(id_col: str, parent_col: str) -> RowCheck:
    def check(df: pd.DataFrame, ctx: Context) -> pd.Series:
        return ~_in_cycle(df[id_col], df[parent_col])
    return check


def parent_country(df: pd.DataFrame, ctx: Context) -> pd.Series:
    country = df.set_index("place_id")["country_iso3"].groupby(level=0).first()
    return _same_or_missing(df["parent_place_id"].map(country), df["country_iso3"])


def coordinates_incomplete(df: pd.DataFrame, ctx: Context) -> pd.Series:
    return df["latitude"].isna() == df["longitude"].isna()


def coordinates_outside_country(df: pd.DataFrame, ctx: Context) -> pd.Series:
    boxes = {c.code: c.extra.get("bbox") for c in ctx.decl.vocabularies["country"].codes}
    boxes = {k: v for k, v in boxes.items() if v}
    lon0 = df["country_iso3"].map({k: v[0] for k, v in boxes.items()})
    lat0 = df["country_iso3"].map({k: v[1] for k, v in boxes.items()})
    lon1 = df["country_iso3"].map({k: v[2] for k, v in boxes.items()})
    lat1 = df["country_iso3"].map({k: v[3] for k, v in boxes.items()})
    lat, lon = df["latitude"].astype("Float64"), df["longitude"].astype("Float64")
    inside = (lat >= lat0) & (lat <= lat1) & (lon >= lon0) & (lon <= lon1)
    return inside.fillna(True).astype(bool)


def retired_id_in_use(df: pd.DataFrame, ctx: Context) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    named = set(df["table_name"].dropna())  # only the tables the rows name
    for name, table in ctx.decl.tables.items():
        if name in named and name in ctx.frames and len(table.primary_key) == 1:
            live = ctx.frames[name][table.primary_key[0]].dropna()
            ok &= ~((df["table_name"] == name) & isin(df["retired_id"], live)).fillna(False).astype(bool)
    return ok


def _entity_exists(id_col: str) -> RowCheck:
    def check(df: pd.DataFrame, ctx: Context) -> pd.Series:
        ok = df[id_col].isna()
        named = set(df["table_name"].dropna())  # only the tables the rows name
        for name, table in ctx.decl.tables.items():
            if len(table.primary_key) != 1 or name not in named:
                continue
            rows = df["table_name"] == name
            if name not in ctx.frames:
                ok |= rows.fillna(False).astype(bool)  # cannot check: the table is broken already
                continue
            live = ctx.frames[name][table.primary_key[0]].dropna()
            ok |= (rows & isin(df[id_col], live)).fillna(False).astype(bool)
        return ok
    return check


ROW_CHECKS: dict[str, list[tuple[str, RowCheck]]] = {
    "events": [
        ("date-order", date_order), ("fatalities-order", fatalities_order),
        ("civilian-fatalities", civilian_fatalities), ("sub-event-type", sub_event_type),
        ("event-without-claim", event_without_claim), ("event-without-actor", event_without_actor),
        ("fatalities-without-figure", fatalities_without_figure),
        ("verified-without-archive", verified_without_archive),
    ],
    "actors": [("parent-cycle", _cycle_check("actor_id", "parent_actor_id"))],
    "places": [
        ("parent-cycle", _cycle_check("place_id", "parent_place_id")),
        ("parent-country", parent_country), ("coordinates-incomplete", coordinates_incomplete),
        ("coordinates-outside-country", coordinates_outside_country),
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
}
ROW_RULES = {rule for checks in ROW_CHECKS.values() for rule, _ in checks} | {"row-order"}
RULE_COLUMN["parent-cycle"] = None  # type: ignore[assignment]  # set per table below
_CYCLE_COLUMN = {"actors": "parent_actor_id", "places": "parent_place_id",
                 "agreements": "supersedes_agreement_id"}


def row_order(table: Table) -> RowCheck:
    """Only the first row out of canonical (primary key) order fails: one fix sorts them all."""
    def check(df: pd.DataFrame, ctx: Context) -> pd.Series:
        if key_order(df, list(table.primary_key))[0]:  # linear; sorting is n log n
            return pd.Series(True, index=df.index)
        # The same sort as `sce fmt` writes (one shared function).
        ordered = df.index[canonical_positions(df[list(table.primary_key)])]
        ok = pd.Series(True, index=df.index)
        mismatch = ordered != df.index
        if mismatch.any():
            ok[df.index[mismatch.argmax()]] = False
        return ok
    return check


def _wrap(rule: str, fn: RowCheck, ctx: Context) -> pa.Check | None:
    def run(df: pd.DataFrame) -> pd.Series:
        result = fn(df, ctx)
        return pd.Series(True, index=df.index) if result is None else result
    import pandera.pandas as pa

    # pandera lists a failed DataFrame check once per column of every failing row: a file that
    # fails a rule on 190,000 rows took 3.3 GB and 110 s. Keep one more row than is reported, so
    # that run_pandera knows when to count the rest itself.
    return pa.Check(run, name=rule, n_failure_cases=MAX_ERRORS_PER_RULE + 1)


def pandera_schema(decl: Declaration, table: Table, ctx: Context | None = None, *,
                   row_checks: bool = True) -> pa.DataFrameSchema:
    """The pandera schema of one table. With a context, cross-table rules are included.

    ``row_checks=False`` leaves out the row-level rules: the validator runs those itself
    (:func:`row_errors`), because pandera reports a failed DataFrame check once per column and
    row, which takes gigabytes when a large file fails it everywhere."""
    import pandera.pandas as pa

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
        columns[f.name] = pa.Column(nullable=not f.required, unique=unique, checks=checks,
                                    required=True, name=f.name, report_duplicates="exclude_first")
    checks = [_wrap(rule, fn, ctx) for rule, fn in ROW_CHECKS.get(table.name, [])]
    checks.append(_wrap("row-order", row_order(table), ctx))
    return pa.DataFrameSchema(
        columns, checks=checks if row_checks else [], name=table.name, strict=True,
        unique=list(table.primary_key) if len(table.primary_key) > 1 else None,
        report_duplicates="exclude_first",
    )


_PANDERA_RULES = {"not_nullable": "required", "field_uniqueness": "primary-key",
                  "multiple_fields_uniqueness": "primary-key"}


def _message(rule: str, table: Table, column: str | None, value: object, decl: Declaration) -> str:
    f = table.field(column) if column and column in table.field_names else None
    shown = "" if value is None or (isinstance(value, float) and pd.isna(value)) else repr(value)
    if rule == "enum" and f is not None:
        return f"{shown} is not a code of vocabulary {f.vocabulary!r}"
    if rule == "pattern" and f is not None:
        return f"{shown} does not match {f.pattern}"
    if rule in ("minimum", "maximum") and f is not None:
        return f"{shown} is {'below' if rule == 'minimum' else 'above'} {getattr(f, rule)}"
    if rule == "required":
        return f"{column} is required"
    if rule == "primary-key":
        return f"duplicate key {shown}"
    if rule == "foreign-key" and column:
        return f"{shown} is not a known {column}"
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


def row_errors(decl: Declaration, table: Table, frame: pd.DataFrame, ctx: Context) -> list[ValidationError]:
    """The row-level rules, evaluated directly (vectorised), at most MAX_ERRORS_PER_RULE each."""
    errors = []
    for rule, fn in [*ROW_CHECKS.get(table.name, []), ("row-order", row_order(table))]:
        result = fn(frame, ctx)
        if result is None:
            continue
        failed = frame.index[~result.fillna(True).to_numpy(dtype=bool)]
        column = _CYCLE_COLUMN.get(table.name) if rule == "parent-cycle" else RULE_COLUMN.get(rule)
        text = _message(rule, table, column, None, decl)
        for row in failed[:MAX_ERRORS_PER_RULE]:
            key = ", ".join(str(frame.at[row, k]) for k in table.primary_key)
            errors.append(ValidationError(table.path, int(row), column, rule, f"{key}: {text}", "semantic"))
        if len(failed) > MAX_ERRORS_PER_RULE:
            errors.append(_more(table, column, rule, len(failed)))
    return errors


def run_vectorised(decl: Declaration, table: Table, frame: pd.DataFrame, ctx: Context) -> list[ValidationError]:
    """The semantic layer of one table without pandera's per-check machinery (seconds, not
    minutes, at a million rows): the column rules that :func:`pandera_schema` declares, run
    directly by :func:`vectorised.column_errors`, then the row rules. Tested to report the same
    (row, column, rule) cells as :func:`run_pandera`."""
    errors = column_errors(
        decl, table, frame, ctx.frames, limit=MAX_ERRORS_PER_RULE,
        message=lambda rule, column, value: _message(rule, table, column, value, decl),
        more=lambda column, rule, total: _more(table, column, rule, total),
    )
    return errors + row_errors(decl, table, frame, ctx)


def run_pandera(decl: Declaration, table: Table, frame: pd.DataFrame, ctx: Context) -> list[ValidationError]:
    """The semantic layer of one table run by pandera itself: the generated schema, with the
    cross-field and cross-table rules as DataFrame checks, validated lazily (every failure)."""
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
                result = row_checks[rule](frame, ctx)
                n = 0 if result is None else int((~result.fillna(True).astype(bool)).sum())
            errors.append(_more(table, column, rule, n))
    return errors
