"""The tables the semantic rules read (:class:`Context`), in the validator's Arrow form or the
loader's pandas form, each converted to the other on first use. Below the rule families and the
engines that run them, so a rule module never imports an engine."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from ..arrow_types import arrow_type
from ..declaration import Declaration, Table
from .arrays import Memo, series_to_arrow

if TYPE_CHECKING:
    import pandas as pd

FIRST_LINE = 2


def frame_to_arrow(table: Table, frame: pd.DataFrame) -> pa.Table:
    """A typed pandas frame (the validator's or the loader's) as the Arrow table the rules take."""
    columns = {}
    for f in table.fields:
        if f.name not in frame.columns:
            continue
        arr = series_to_arrow(frame[f.name])
        if arr.type != arrow_type(f):
            # A frame of the wrong dtype stays as it is: the rules say what breaks.
            with contextlib.suppress(pa.ArrowInvalid, pa.ArrowNotImplementedError):
                arr = pc.cast(arr, arrow_type(f), safe=False)
        columns[f.name] = arr
    return pa.table(columns) if columns else pa.table({"": pa.nulls(len(frame))}).drop_columns([""])


def arrow_to_frame(table: Table, data: pa.Table, first_line: int = FIRST_LINE) -> pd.DataFrame:
    """The typed Arrow table as the validator's pandas frame (index = line number)."""
    import pandas as pd

    from ..typed import to_pandas_values

    index = pd.RangeIndex(first_line, first_line + data.num_rows)
    return pd.DataFrame({f.name: to_pandas_values(data.column(f.name), f, index) for f in table.fields}, index=index)


@dataclass
class Context:
    """The typed tables that passed the file layer, by name: Arrow ``tables`` (the validator's)
    or pandas ``frames`` (the loader's); each is converted to the other form on first use."""

    decl: Declaration
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    tables: dict[str, pa.Table] = field(default_factory=dict)
    memo: Memo = field(default_factory=Memo)

    def has(self, *names: str) -> bool:
        return all(n in self.tables or n in self.frames for n in names)

    def table(self, name: str) -> pa.Table:
        data = self.tables.get(name)
        if data is None:
            data = self.tables[name] = frame_to_arrow(self.decl.tables[name], self.frames[name])
        return data

    def frame(self, name: str) -> pd.DataFrame:
        frame = self.frames.get(name)
        if frame is None:
            frame = self.frames[name] = arrow_to_frame(self.decl.tables[name], self.tables[name])
        return frame
