"""The rows the columnar readers send down the exact row-by-row path because of a cell
(arrow_read.guarded) are exactly those whose cells guard_cells changes or reports
(common.needs_guard); a cell that is merely not ASCII stays column-wise."""

from __future__ import annotations

import pyarrow as pa

from syria_conflict_events.importers.arrow_read import guarded
from syria_conflict_events.importers.common import MAX_CELL_CHARS, guard_cells, needs_guard

CELLS = [
    "", "plain", "Ḥamā", "Ma’arrat al-Nu’mān", "حلب", "café",  # ordinary, ASCII or not
    "=cmd", "+1", "-5", " -5 ", "  @who", "\t=x", "\x1c+x", "-", "12.5", "-3.",  # formula characters, numbers
    "\u00a0=x", "\u3000@x", "x\ufeffy", "Ha\u0301ma", "private \ue000", "line\u2028sep",  # not ASCII
    "a" * MAX_CELL_CHARS, "a" * (MAX_CELL_CHARS + 1), "é" * (MAX_CELL_CHARS // 2 + 1), "é" * (MAX_CELL_CHARS + 1),
]


def test_guarded_rows_are_those_guard_cells_touches():
    column = pa.array(CELLS, pa.string())
    other = pa.array(["ordinary"] * len(CELLS), pa.string())
    expected = [i for i, cell in enumerate(CELLS) if guard_cells("f", 2, {"c": cell, "o": "ordinary"})
                or needs_guard(cell)]
    assert guarded([other, column], len(CELLS)) == expected
    assert CELLS.index("Ḥamā") not in expected and CELLS.index("\u00a0=x") in expected


def test_needs_guard_is_guard_cells_own_verdict():
    for cell in CELLS:
        row = {"c": cell}
        notes = guard_cells("f", 2, row)
        assert needs_guard(cell) == (bool(notes) or row["c"] != cell), repr(cell)
