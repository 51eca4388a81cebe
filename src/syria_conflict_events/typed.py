"""Typed pandas frames from the declaration: one dtype map for the validator, the release build
and the loader. Dates are datetimes, integers nullable, vocabulary codes categoricals with the
declared categories, everything else pandas 3 strings; identifiers are never coerced."""

from __future__ import annotations

import pandas as pd

from .declaration import Declaration, Field, Table

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
INTEGER_PATTERN = r"^-?[0-9]+$"
NUMBER_PATTERN = r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$"
DATE_DTYPE = "datetime64[s]"


def field_dtype(decl: Declaration, f: Field) -> object:
    enum = decl.enum(f)
    if enum is not None:
        return pd.CategoricalDtype(categories=enum, ordered=False)
    return {"string": "str", "integer": "Int64", "number": "Float64", "date": DATE_DTYPE}[f.type]


def pandas_dtypes(decl: Declaration, table: Table) -> dict[str, object]:
    return {f.name: field_dtype(decl, f) for f in table.fields}


def parse_column(raw: pd.Series, f: Field) -> tuple[pd.Series, pd.Series]:
    """Parse a column of raw text ("" = missing) to the field's type.

    Returns (values, bad) where ``bad`` marks non-empty cells that are not of the type; such
    cells become missing in ``values`` so later checks do not report them twice.
    """
    text = raw.astype("str").fillna("")
    present = text != ""
    if f.type == "string":
        return text.where(present, pd.NA).astype("str"), pd.Series(False, index=raw.index)
    if f.type == "date":
        shaped = text.str.fullmatch(DATE_PATTERN)
        parsed = pd.to_datetime(text.where(shaped & present), format="%Y-%m-%d", errors="coerce")
        bad = present & parsed.isna()
        return parsed.astype(DATE_DTYPE), bad
    pattern = INTEGER_PATTERN if f.type == "integer" else NUMBER_PATTERN
    shaped = text.str.fullmatch(pattern) & present
    numbers = pd.to_numeric(text.where(shaped), errors="coerce")
    bad = present & numbers.isna()
    if f.type == "integer":
        # Out-of-range integers would overflow Int64: treat them as type errors too.
        too_big = numbers.abs() > 2**53
        bad |= too_big.fillna(False)
        numbers = numbers.where(~too_big)
        return numbers.astype("Float64").round().astype("Int64"), bad
    return numbers.astype("Float64"), bad


def to_typed(decl: Declaration, table: Table, raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed frame plus a boolean frame of type errors, from a frame of raw strings.

    Codes outside a vocabulary become missing in the categorical column; the validator reports
    them from the raw text, so nothing is lost silently.
    """
    values: dict[str, pd.Series] = {}
    bad: dict[str, pd.Series] = {}
    for f in table.fields:
        col, err = parse_column(raw[f.name], f)
        enum = decl.enum(f)
        if enum is not None:
            col = col.astype(field_dtype(decl, f))
        values[f.name] = col
        bad[f.name] = err
    return pd.DataFrame(values, index=raw.index), pd.DataFrame(bad, index=raw.index)
