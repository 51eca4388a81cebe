"""The filters users of the ACLED and UCDP clients expect on :func:`load`: a date range, event
types and places (a place includes the places within it). They select events; a table that refers
to events (claims, event_actors, ...) keeps the rows of the selected events."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd



@dataclass(frozen=True)
class EventFilter:
    """``start``/``end``: keep events whose span overlaps [start, end] (inclusive, either open);
    ``event_type``: one code or several; ``place``: one place ID or several, with their child places."""

    start: object = None
    end: object = None
    event_type: str | Iterable[str] | None = None
    place: str | Iterable[str] | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.start, self.end, self.event_type, self.place))

    def tables_needed(self, table: str) -> list[str]:
        """The tables to read besides ``table`` to apply the filter."""
        return [n for n in ("events", *(("places",) if self.place is not None else ())) if n != table]


def _codes(value: str | Iterable[str], what: str) -> list[str]:
    try:
        items = [value] if isinstance(value, str) else list(value)
    except TypeError:
        items = []
    if not items or not all(isinstance(v, str) for v in items):
        raise ValueError(f"{what} must be a string or a list of strings, got {value!r}")
    return items


def _unknown(values: list[str], known: Iterable[str], what: str) -> None:
    known = sorted(set(known))
    for v in values:
        if v not in known:
            near = difflib.get_close_matches(v, known, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(near)}?" if near else f"; known: {', '.join(known[:20])}" + (
                ", ..." if len(known) > 20 else "")
            raise ValueError(f"unknown {what} {v!r}{hint}")


def _day(value: object, what: str) -> pd.Timestamp:
    import datetime as dt
    import re

    import pandas as pd

    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError(f"{what}={value!r} is not a date in the form YYYY-MM-DD (2024-11-29)")
    if not isinstance(value, str | dt.date | pd.Timestamp):
        raise ValueError(f"{what}={value!r} is not a date; give YYYY-MM-DD text, a date or a Timestamp")
    try:
        day = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"{what}={value!r} is not a date; write it as YYYY-MM-DD") from exc
    if day is pd.NaT:
        raise ValueError(f"{what}={value!r} is not a date; write it as YYYY-MM-DD")
    return day.normalize()


def descendants(places: pd.DataFrame, roots: list[str]) -> set[str]:
    """``roots`` and every place within them (following parent_place_id down; a cycle ends)."""
    children: dict[str, list[str]] = {}
    for child, parent in zip(places["place_id"], places["parent_place_id"], strict=True):
        if isinstance(parent, str):
            children.setdefault(parent, []).append(child)
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        place = todo.pop()
        if place not in seen:
            seen.add(place)
            todo.extend(children.get(place, ()))
    return seen


def select_events(events: pd.DataFrame, places: pd.DataFrame | None, f: EventFilter) -> pd.Series:
    """A boolean mask over ``events`` for the filter."""
    import pandas as pd

    mask = pd.Series(True, index=events.index)
    start = _day(f.start, "start") if f.start is not None else None
    end = _day(f.end, "end") if f.end is not None else None
    if start is not None and end is not None and start > end:
        raise ValueError(f"start={f.start!r} is after end={f.end!r}")
    first = events["date_start"]
    last = events["date_end"].fillna(first)
    if start is not None:
        mask &= (last >= start).fillna(False)
    if end is not None:
        mask &= (first <= end).fillna(False)
    if f.event_type is not None:
        types = _codes(f.event_type, "event_type")
        column = events["event_type"]
        known = column.cat.categories if hasattr(column, "cat") else column.dropna().unique()
        _unknown(types, known, "event_type")
        mask &= column.astype("object").isin(types).fillna(False)
    if f.place is not None:
        wanted = _codes(f.place, "place")
        assert places is not None
        _unknown(wanted, places["place_id"].dropna(), "place")
        mask &= events["place_id"].astype("object").isin(descendants(places, wanted)).fillna(False)
    return mask.astype(bool)


def apply(table: str, frame: pd.DataFrame, frames: dict[str, pd.DataFrame], f: EventFilter) -> pd.DataFrame:
    """``frame`` (the table ``table``) restricted to the selected events."""
    if table != "events" and "event_id" not in frame.columns:
        raise ValueError(f"start, end, event_type and place select events: they apply to events and to the tables "
                         f"with an event_id column, not to {table}")
    events = frames["events"]
    mask = select_events(events, frames.get("places"), f)
    if table == "events":
        out = frame[mask.to_numpy()]
    else:
        chosen = set(events.loc[mask, "event_id"])
        out = frame[frame["event_id"].astype("object").isin(chosen).fillna(False).to_numpy()]
    out = out.reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out
