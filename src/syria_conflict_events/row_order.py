"""The canonical row order, shared by ``sce fmt`` (which writes it) and the validator (whose
row-order rule checks it): rows sorted by their key columns compared as strings in code point
order, ties kept in file order. Below both rooms, so neither imports the other for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def canonical_positions(keys: pd.DataFrame) -> np.ndarray:
    """Positions (0-based) of the rows in canonical order: sorted by the key columns compared
    as strings in code point order, ties kept in file order. Missing keys sort as ""."""
    import numpy as np

    text = keys.reset_index(drop=True).astype("str").fillna("")
    if text.empty:
        return np.arange(len(text))
    return text.sort_values(list(text.columns), kind="stable").index.to_numpy()


def sorted_positions(keys: Sequence[Sequence[str]]) -> list[int]:
    """Positions (0-based) of rows in canonical order, from their key columns (each a sequence
    of strings, one per row): the order of :func:`canonical_positions`, without pandas."""
    if not keys:
        raise ValueError("a table has at least one key column")
    by: Any = keys[0].__getitem__ if len(keys) == 1 else list(zip(*keys, strict=True)).__getitem__
    return sorted(range(len(keys[0])), key=by)
