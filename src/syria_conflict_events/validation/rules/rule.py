"""What a rule is: its id, layer, title and hint, and where its kernel runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

    from ..arrays import Column
    from ..context import Context

# A row-level kernel: a typed Arrow table and the context -> a boolean column or mask, True where
# the row passes (null counts as passing), or None when its inputs are unavailable.
RowCheck = Callable[["pa.Table", "Context"], "Column | np.ndarray | None"]

ROW_LEVEL = "*"  # the table of a kernel that runs on every table (it takes the table, see Runs)


@dataclass(frozen=True)
class Runs:
    """Where a rule's kernel runs: on the rows of ``table``, its errors naming ``column``. With
    ``table`` ROW_LEVEL, ``check`` takes the declared Table and gives the kernel for it."""

    table: str
    check: Callable
    column: str | None


@dataclass(frozen=True)
class Rule:
    id: str
    layer: str  # file | json-schema | table-schema | semantic: which layer reports it
    title: str
    hint: str
    reads: tuple[str, ...] = ()  # "table.column" that the kernel reads
    runs: tuple[Runs, ...] = ()  # where the kernel runs (row-level rules)


def rule(id: str, layer: str, title: str, hint: str, *, reads: str = "", runs: tuple[Runs, ...] = ()) -> Rule:
    """A Rule; ``reads`` as one string of space-separated table.column names."""
    return Rule(id, layer, title, hint, tuple(reads.split()), runs)
