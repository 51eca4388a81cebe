"""The rules of the territorial-control table: who held a place over which days, and the event
behind each change. Each check takes the typed control table and the validation context and
returns a mask (True = the row passes) or None when its inputs are unavailable, like every row kernel
(:mod:`.rule`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrays import index_of, take, to_mask
from .rule import Runs, rule

if TYPE_CHECKING:
    from ..context import Context

# The sub-event types that record a change of control (ACLED's territorial transfers).
CHANGE_OF_CONTROL = pa.array(["non_state_actor_overtakes_territory", "government_regains_territory",
                              "non_violent_transfer_of_territory"], type=pa.string())
_DAY = np.timedelta64(1, "D")


def _days(values: pa.ChunkedArray | pa.Array, missing: np.datetime64) -> np.ndarray:
    return np.where(to_mask(pc.is_null(values), False), missing,
                    pc.fill_null(pc.cast(values, pa.date32()), 0).to_numpy(zero_copy_only=False)
                    .astype("datetime64[D]"))


def date_order(t: pa.Table, ctx: Context) -> pa.Array:
    return pc.fill_null(pc.less_equal(t["date_from"], t["date_to"]), True)


def actor_matches_state(t: pa.Table, ctx: Context) -> pa.Array:
    unknown = pc.fill_null(pc.equal(t["control_state"], "unknown"), False)
    return pc.equal(unknown, pc.is_null(t["actor_id"]))


def basis(t: pa.Table, ctx: Context) -> pa.Array:
    """A period stands on an event, a claim or a report; one that starts in the record, on an event."""
    some = pc.or_(pc.or_(pc.is_valid(t["event_id"]), pc.is_valid(t["claim_id"])), pc.is_valid(t["source_id"]))
    return pc.and_(some, pc.or_(pc.is_null(t["date_from"]), pc.is_valid(t["event_id"])))


def event_type(t: pa.Table, ctx: Context) -> pa.Array | None:
    if not ctx.has("events"):
        return None
    events = ctx.table("events")
    kind = take(events["sub_event_type"], index_of(t["event_id"], events["event_id"]))
    return pc.or_(pc.is_null(kind), pc.is_in(kind, value_set=CHANGE_OF_CONTROL))


def before_event(t: pa.Table, ctx: Context) -> pa.Array | None:
    if not ctx.has("events"):
        return None
    events = ctx.table("events")
    start = take(events["date_start"], index_of(t["event_id"], events["event_id"]))
    return pc.fill_null(pc.greater_equal(t["date_from"], start), True)


def overlap(t: pa.Table, ctx: Context) -> np.ndarray:
    """Held periods of one place never overlap: each held row (in order of its start) must begin
    after the previous held row of its place has ended. The later row of a pair fails."""
    ok = np.ones(t.num_rows, dtype=bool)
    held = np.flatnonzero(to_mask(pc.equal(t["control_state"], "held"), False))
    if len(held) < 2:
        return ok
    place = t["place_id"].take(pa.array(held)).to_numpy(zero_copy_only=False).astype(object)
    start = _days(t["date_from"].take(pa.array(held)), np.datetime64("0001-01-01"))
    end = _days(t["date_to"].take(pa.array(held)), np.datetime64("9999-12-31"))
    order = np.lexsort((start, place))
    place, start, end, rows = place[order], start[order], end[order], held[order]
    # The latest end so far within each place: a later start on or before it overlaps.
    same = np.r_[False, place[1:] == place[:-1]]
    latest = end.copy()
    for i in range(1, len(latest)):  # linear; a place has a handful of periods
        if same[i]:
            latest[i] = max(latest[i], latest[i - 1])
    clash = same & np.r_[False, start[1:] <= latest[:-1]]
    ok[rows[clash]] = False
    return ok


def place_kind(t: pa.Table, ctx: Context) -> pa.Array | None:
    """A place whose control is recorded is a point, or an area with a known parent."""
    if not ctx.has("places"):
        return None
    places = ctx.table("places")
    where = index_of(t["place_id"], places["place_id"])
    located = pc.or_(pc.is_valid(take(places["latitude"], where)), pc.is_valid(take(places["parent_place_id"], where)))
    return pc.or_(pc.fill_null(located, False), pc.equal(pa.array(where >= 0), False))


RULES = [
    rule("control-date-order", "semantic", "a control period ends before it starts",
        "date_from <= date_to; leave date_to empty while the period lasts beyond the record.",
        reads="control.date_from control.date_to",
        runs=(Runs("control", date_order, "date_to"),)),
    rule("control-actor", "semantic", "a control period's actor does not fit its state",
        "A held or contested period names its actor; an unknown one names none.",
        reads="control.control_state control.actor_id",
        runs=(Runs("control", actor_matches_state, "actor_id"),)),
    rule("control-basis", "semantic", "a control period stands on nothing, or starts without an event",
        "Give the change-of-control event that started the period (event_id); a period that began before the "
        "record gives the claim (claim_id) or report (source_id) that says who held the place.",
        reads="control.event_id control.claim_id control.source_id control.date_from",
        runs=(Runs("control", basis, "event_id"),)),
    rule("control-event-type", "semantic", "a control period's event is not a change of control",
        "Point event_id at an event whose sub_event_type is non_state_actor_overtakes_territory, "
        "government_regains_territory or non_violent_transfer_of_territory.",
        reads="control.event_id events.event_id events.sub_event_type",
        runs=(Runs("control", event_type, "event_id"),)),
    rule("control-before-event", "semantic", "a control period starts before its event",
        "date_from is on or after the event's date_start.",
        reads="control.event_id control.date_from events.event_id events.date_start",
        runs=(Runs("control", before_event, "date_from"),)),
    rule("control-overlap", "semantic", "two held periods of one place overlap",
        "End the earlier period the day before the later one starts, or mark the disputed span contested.",
        reads="control.control_state control.place_id control.date_from control.date_to",
        runs=(Runs("control", overlap, "date_from"),)),
    rule("control-place", "semantic", "a control period's place has neither a point nor a parent",
        "Record control of places with a point, or of areas placed in the hierarchy (parent_place_id).",
        reads="control.place_id places.place_id places.latitude places.parent_place_id",
        runs=(Runs("control", place_kind, "place_id"),)),
]
