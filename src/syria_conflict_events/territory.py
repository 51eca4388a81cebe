"""Territorial control on a day: each place's controller according to the control table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def control_on(day: str | dt.date, *, version: str | None = None, root: str | Path | None = None,
               states: tuple[str, ...] = ("held", "contested", "unknown")) -> pd.DataFrame:
    """The control periods in force on ``day`` (ISO date or ``datetime.date``): one row per place
    and period whose span covers the day (a period without date_from began before the record,
    one without date_to lasts beyond it). A place may have a held and a contested row on the same
    day; ``states`` keeps only some states. Columns as in the control table, sorted by place.
    ``version`` and ``root`` as for :func:`syria_conflict_events.load`."""
    import pandas as pd

    from .loader import load

    when = pd.Timestamp(dt.date.fromisoformat(day) if isinstance(day, str) else day)
    periods = load("control", version=version, root=root)
    starts = periods["date_from"].isna() | (periods["date_from"] <= when)
    ends = periods["date_to"].isna() | (periods["date_to"] >= when)
    on = periods[starts & ends & periods["control_state"].astype("str").isin(states)]
    return on.sort_values(["place_id", "control_state", "control_id"]).reset_index(drop=True)
