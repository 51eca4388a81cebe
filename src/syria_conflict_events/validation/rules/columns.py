"""The Table Schema's column rules. Required, primary-key and foreign-key have their kernels
here, run by both engines (``vectorised.column_errors`` directly, the pandera models as checks);
the field constraints' kernels (enum, pattern, minimum, ...) are built per field from the
declaration by ``validation.vectorised.arrow_rules``, and ``type`` is checked as cells are typed
(``semantic.typed_table``)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...constraints import CONSTRAINTS
from ..arrays import Column, Memo, duplicated, index_of, key_order, to_mask
from .rule import rule


def missing(values: Column) -> np.ndarray:
    """required: True where the cell is empty."""
    return to_mask(pc.is_null(values), False)


def repeated(table: str, data: pa.Table, keys: list[str], memo: Memo) -> np.ndarray:
    """primary-key: True where a row repeats an earlier row's key (the first occurrence passes);
    remembered in ``memo`` (the row rules reuse the key order and whether ids repeat)."""
    order = memo.get(("key_order", table, *keys), key_order, data, keys)
    return memo.get(("duplicated", table, *keys), duplicated, data, keys, order)


def unfound(values: Column, keys: Column, rows: np.ndarray | None = None) -> np.ndarray:
    """foreign-key: True where a value is not among ``keys`` (a missing value is not a broken
    reference). ``rows`` is :func:`index_of` of the values when it is known already."""
    rows = index_of(values, keys) if rows is None else rows
    return (rows < 0) & to_mask(pc.is_valid(values), False) if values.null_count else rows < 0


RULES = [
    rule("type", "table-schema", "a cell is not of the field's type",
        "Dates are YYYY-MM-DD and must exist (no 2024-02-30); integers are digits only; numbers use a dot."),
    rule("required", "table-schema", "a required cell is empty",
        "Fill the cell; the data dictionary says what it holds."),
    # enum, pattern, minimum, maximum, min-length, format: each declared with its constraint kind
    *(rule(kind.rule, "table-schema", kind.title, kind.hint) for kind in CONSTRAINTS),
    rule("primary-key", "table-schema", "a primary key value is duplicated",
        "IDs are unique and never reused: take the next free ID (`sce new`), and retire, never recycle, old ones."),
    rule("foreign-key", "table-schema", "a reference points to a row that does not exist",
        "Add the referenced row first, or fix the ID's spelling; IDs are case-sensitive."),
    rule("table-schema", "table-schema", "the Table Schema check failed in another way",
        "Read the message; it comes from the Frictionless validator."),
]
