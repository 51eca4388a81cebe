"""Small mask helpers the row kernels of several families share."""

from __future__ import annotations

import pyarrow.compute as pc

from ..arrays import Column, isin


def le(a: Column, b: Column) -> Column:
    """a <= b where both are known."""
    return pc.fill_null(pc.less_equal(a, b), True)


def same_or_missing(a: Column, b: Column) -> Column:
    return pc.fill_null(pc.equal(a, b), True)


def all_of(*masks: Column) -> Column:
    out = masks[0]
    for m in masks[1:]:
        out = pc.and_(out, m)
    return out


def has(values: Column, keys: Column) -> Column:
    """isin, a missing value counting as not found."""
    return pc.fill_null(isin(values, keys), False)
