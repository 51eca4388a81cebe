"""The events table's own rules: dates and fatalities in order, the sub-event type under its
event type, and every event standing on a claim and an actor."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrays import Column, duplicated, index_of, key_order, take, to_mask
from .masks import all_of, has, le, same_or_missing
from .rule import Runs, rule

if TYPE_CHECKING:
    from ..context import Context


def fatalities_order(t: pa.Table, ctx: Context) -> Column:
    lo, best, hi = t["fatalities_low"], t["fatalities_best"], t["fatalities_high"]
    return all_of(le(lo, best), le(best, hi), le(lo, hi))


def civilian_fatalities(t: pa.Table, ctx: Context) -> Column:
    return le(t["civilian_fatalities"], pc.coalesce(t["fatalities_high"], t["fatalities_best"]))


def date_order(t: pa.Table, ctx: Context) -> Column:
    return le(t["date_start"], t["date_end"])


def sub_event_type(t: pa.Table, ctx: Context) -> Column:
    vocab = ctx.decl.vocabularies["sub_event_type"]
    codes = pa.array([c.code for c in vocab.codes], type=pa.string())
    parents = pa.array([c.extra[vocab.parent] for c in vocab.codes], type=pa.string())
    parent = take(parents, pc.fill_null(pc.index_in(t["sub_event_type"], value_set=codes), -1)
                  .to_numpy(zero_copy_only=False))
    return same_or_missing(parent, t["event_type"])


def _referenced(t: pa.Table, ctx: Context, source: str, where: Column | None = None) -> np.ndarray | None:
    """Events rows (of ``t``) that rows of ``source`` name in their event_id, where ``where``
    holds. Reuses the lookup of that foreign key when ``t`` is the context's events table and
    its ids are unique (then "named by a row" is "its id is among those rows' ids"); None
    otherwise, for the caller to test membership directly."""
    if ctx.tables.get("events") is not t:
        return None
    order = ctx.memo.get(("key_order", "events", "event_id"), key_order, t, ["event_id"])
    if ctx.memo.get(("duplicated", "events", "event_id"), duplicated, t, ["event_id"], order).any():
        return None
    rows = ctx.memo.get(("index_of", source, "event_id", "events", "event_id"),
                        index_of, ctx.table(source)["event_id"], t["event_id"])
    if where is not None:
        rows = rows[to_mask(where, False)]
    hit = np.zeros(t.num_rows, dtype=bool)
    hit[rows[rows >= 0]] = True
    return hit


def _named_by(t: pa.Table, ctx: Context, source: str, where: Column | None = None) -> np.ndarray:
    """Rows of ``t`` whose event_id some row of ``source`` (where ``where`` holds) names."""
    hit = _referenced(t, ctx, source, where)
    if hit is not None:
        return hit
    ids = ctx.table(source)["event_id"]
    return to_mask(has(t["event_id"], ids if where is None else ids.filter(where)), False)


def event_without_claim(t: pa.Table, ctx: Context) -> np.ndarray | None:
    if not ctx.has("claims"):
        return None
    return _named_by(t, ctx, "claims") | to_mask(pc.is_null(t["event_id"]), False)


def event_without_actor(t: pa.Table, ctx: Context) -> np.ndarray | None:
    if not ctx.has("event_actors"):
        return None
    return _named_by(t, ctx, "event_actors") | to_mask(pc.is_null(t["event_id"]), False)


def fatalities_without_figure(t: pa.Table, ctx: Context) -> np.ndarray | None:
    if not ctx.has("claims"):
        return None
    cols = ["fatalities_low", "fatalities_best", "fatalities_high", "civilian_fatalities"]
    has_any = pc.or_(pc.or_(pc.is_valid(t[cols[0]]), pc.is_valid(t[cols[1]])),
                     pc.or_(pc.is_valid(t[cols[2]]), pc.is_valid(t[cols[3]])))
    if not pc.any(has_any).as_py():
        return None
    claims = ctx.table("claims")
    # Only a figure for the event itself counts: a running toll is not this event's fatalities.
    given = pc.or_(pc.is_valid(claims["fatalities_claimed"]), pc.or_(
        pc.is_valid(claims["fatalities_claimed_low"]), pc.is_valid(claims["fatalities_claimed_high"])))
    with_figure = pc.and_(given, pc.fill_null(pc.equal(claims["figure_scope"], "event"), False))
    return ~to_mask(has_any, False) | _named_by(t, ctx, "claims", with_figure)


RULES = [
    rule("date-order", "semantic", "the end date is before the start date",
        "date_start <= date_end; for a one-day event both are the same day.",
        reads="events.date_start events.date_end",
        runs=(Runs("events", date_order, "date_end"),)),
    rule("fatalities-order", "semantic", "fatalities are not ordered low <= best <= high",
        "Set fatalities_low <= fatalities_best <= fatalities_high (leave unknown ones empty).",
        reads="events.fatalities_low events.fatalities_best events.fatalities_high",
        runs=(Runs("events", fatalities_order, "fatalities_best"),)),
    rule("civilian-fatalities", "semantic", "civilian fatalities exceed the high estimate of all fatalities",
        "civilian_fatalities cannot exceed fatalities_high (or fatalities_best when no high is given).",
        reads="events.civilian_fatalities events.fatalities_high events.fatalities_best",
        runs=(Runs("events", civilian_fatalities, "civilian_fatalities"),)),
    rule("sub-event-type", "semantic", "the sub-event type does not belong to the event type",
        "Pick a sub_event_type listed under the event_type in the data dictionary.",
        reads="events.sub_event_type events.event_type",
        runs=(Runs("events", sub_event_type, "sub_event_type"),)),
    rule("event-without-claim", "semantic", "an event has no claim",
        "Every event needs at least one row in claims.csv naming its source and claimant.",
        reads="events.event_id claims.event_id",
        runs=(Runs("events", event_without_claim, "event_id"),)),
    rule("event-without-actor", "semantic", "an event has no actor",
        "Every event needs at least one row in event_actors.csv.",
        reads="events.event_id event_actors.event_id",
        runs=(Runs("events", event_without_actor, "event_id"),)),
    rule("fatalities-without-figure", "semantic", "an event gives fatalities but none of its claims gives a number",
        "A figure belongs to a source's claim: put it in claims.fatalities_claimed or leave the figures empty.",
        reads=("events.event_id events.fatalities_low events.fatalities_best events.fatalities_high "
               "events.civilian_fatalities claims.event_id claims.fatalities_claimed "
               "claims.fatalities_claimed_low claims.fatalities_claimed_high claims.figure_scope"),
        runs=(Runs("events", fatalities_without_figure, "fatalities_best"),)),
]
