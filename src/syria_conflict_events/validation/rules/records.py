"""The package's records of itself: rows in primary-key order, retired identifiers never
reused, tombstones' replacements and external identifiers pointing at live rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...declaration import Table
from ..arrays import key_order, to_mask
from .masks import has
from .rule import ROW_LEVEL, RowCheck, Runs, rule

if TYPE_CHECKING:
    from ..context import Context


def _tables_named(t: pa.Table) -> set[str]:
    return set(pc.unique(t["table_name"].drop_null()).to_pylist())


def retired_id_in_use(t: pa.Table, ctx: Context) -> np.ndarray:
    ok = np.ones(t.num_rows, dtype=bool)
    named = _tables_named(t)  # only the tables the rows name
    for name, table in ctx.decl.tables.items():
        if name in named and ctx.has(name) and len(table.primary_key) == 1:
            live = ctx.table(name)[table.primary_key[0]]
            ok &= ~to_mask(pc.and_(pc.equal(t["table_name"], name), has(t["retired_id"], live)), False)
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
            ok |= rows & to_mask(has(t[id_col], ctx.table(name)[table.primary_key[0]]), False)
        return ok
    return check


def row_order(table: Table) -> RowCheck:
    """Only the first row out of canonical (primary key) order fails: one fix sorts them all."""
    def check(t: pa.Table, ctx: Context) -> np.ndarray | None:
        keys = list(table.primary_key)
        in_order = (ctx.memo.get(("key_order", table.name, *keys), key_order, t, keys)
                    if ctx.tables.get(table.name) is t else key_order(t, keys))
        if in_order[0]:  # linear; sorting is n log n
            return None
        from ...row_order import canonical_positions  # the same sort as `sce fmt` writes

        ordered = canonical_positions(t.select(keys).to_pandas())
        ok = np.ones(t.num_rows, dtype=bool)
        mismatch = ordered != np.arange(t.num_rows)
        if mismatch.any():
            ok[mismatch.argmax()] = False
        return ok
    return check


RULES = [
    rule("retired-id-in-use", "semantic", "a retired ID appears again in its table",
        "Retired IDs are never reused: take the next free ID (`sce new`).",
        reads="retired_ids.table_name retired_ids.retired_id",
        runs=(Runs("retired_ids", retired_id_in_use, "retired_id"),)),
    rule("replaced-by-missing", "semantic", "a tombstone's replacement does not exist",
        "replaced_by must be a live row of the same table (or empty for a withdrawal).",
        reads="retired_ids.table_name retired_ids.replaced_by",
        runs=(Runs("retired_ids", _entity_exists("replaced_by"), "replaced_by"),)),
    rule("entity-missing", "semantic", "an external ID points to a row that does not exist",
        "entity_id must be a live ID of the table named by table_name.",
        reads="external_ids.table_name external_ids.entity_id",
        runs=(Runs("external_ids", _entity_exists("entity_id"), "entity_id"),)),
    rule("row-order", "semantic", "rows are not sorted by the primary key",
        "Run `sce fmt` to sort the rows (values are not changed).",
        runs=(Runs(ROW_LEVEL, row_order, None),)),
    rule("semantic", "semantic", "a semantic check failed in another way",
        "Read the message; it names the check."),
]
