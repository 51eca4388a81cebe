"""The sourcing rules: what an event's claims and sources must give before a reader can check it.

Two event columns are computed from the claims rather than set by hand, and the validator
recomputes them (the methodology page states both rules):

- ``verification``: contested when a claim denies or disputes the event; otherwise corroborated
  when asserting claims come from two or more independent origins (a source's credited agency,
  else its publisher, else the source itself), single_source with one origin, background_only
  when only reference works support it.
- ``fatalities_low`` / ``_best`` / ``_high``: from the figures that claims give for the event
  itself (figure_scope ``event``; claims that deny the event do not count): low is the lowest
  figure or range end, high the highest, best the lower median of the point figures, so every
  figure is one a claim gives; empty when no claim gives one.

Each check takes a typed Arrow table and the validation context and returns a mask (True = the
row passes) or None when its inputs are unavailable, like every row kernel (:mod:`.rule`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrays import index_of, take
from .rule import Runs, rule

if TYPE_CHECKING:
    from ..context import Context

DISPUTING = pa.array(["denies", "disputes"], type=pa.string())


def _claim_origins(ctx: Context) -> tuple[pa.Table, pa.Array]:
    """The claims table and, per claim, its origin (null where its source is unknown)."""
    claims, sources = ctx.table("claims"), ctx.table("sources")
    where = index_of(claims["source_id"], sources["source_id"])
    origin = pc.coalesce(take(sources["credited_agency"], where), take(sources["publisher"], where),
                         take(sources["source_id"], where))
    # Publishers are compared as written, ignoring case and surrounding space ("AFP" = "afp").
    return claims, pc.utf8_lower(pc.utf8_trim_whitespace(origin))


def computed_verification(ctx: Context) -> tuple[pa.Array, pa.Array]:
    """(event ids, their verification code by the rule) for every event that has a claim."""
    claims, origin = _claim_origins(ctx)
    sources = ctx.table("sources")
    kind = take(sources["source_type"], index_of(claims["source_id"], sources["source_id"]))
    reference = pc.fill_null(pc.equal(kind, "reference"), False)
    disputing = pc.fill_null(pc.is_in(claims["stance"], value_set=DISPUTING), False)
    asserting = pc.and_(pc.invert(disputing), pc.invert(reference))
    frame = pa.table({"event_id": claims["event_id"], "disputing": disputing,
                      "origin": pc.if_else(asserting, origin, pa.scalar(None, pa.string()))})
    frame = frame.filter(pc.is_valid(frame["event_id"]))
    agg = frame.group_by("event_id").aggregate([("disputing", "any"), ("origin", "count_distinct")])
    n = agg["origin_count_distinct"]
    code = pc.if_else(agg["disputing_any"], "contested",
                      pc.if_else(pc.greater_equal(n, 2), "corroborated",
                                 pc.if_else(pc.equal(n, 1), "single_source", "background_only")))
    return agg["event_id"], code


def verification_rule(t: pa.Table, ctx: Context) -> pa.Array | None:
    if not ctx.has("claims", "sources"):
        return None
    ids, code = computed_verification(ctx)
    expected = take(code, index_of(t["event_id"], ids))
    # An event without claims fails event-without-claim instead.
    return pc.fill_null(pc.equal(t["verification"], expected), True)


def _event_figures(ctx: Context, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(event ids, figures) of the claims' ``column`` that count for their event: scope ``event``,
    stance not ``denies``; sorted by event, then figure."""
    claims = ctx.table("claims")
    keep = pc.and_(pc.and_(pc.is_valid(claims[column]), pc.is_valid(claims["event_id"])),
                   pc.and_(pc.fill_null(pc.equal(claims["figure_scope"], "event"), False),
                           pc.invert(pc.fill_null(pc.equal(claims["stance"], "denies"), False))))
    figures = pa.table({"event_id": claims["event_id"], "n": pc.cast(claims[column], pa.int64())}).filter(keep)
    figures = figures.sort_by([("event_id", "ascending"), ("n", "ascending")])
    return (figures["event_id"].to_numpy(zero_copy_only=False),
            figures["n"].to_numpy(zero_copy_only=False).astype(np.int64))


def _per_event(ids: np.ndarray, values: np.ndarray, pick: str) -> tuple[pa.Array, np.ndarray]:
    """One figure per event from sorted (ids, values): the lowest, the highest or the lower median."""
    if not len(ids):
        return pa.array([], type=pa.string()), np.array([], dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    counts = np.diff(np.r_[starts, len(ids)])
    at = {"low": starts, "high": starts + counts - 1, "median": starts + (counts - 1) // 2}[pick]
    return pa.array(ids[starts], type=pa.string()), values[at]


def computed_fatalities(ctx: Context) -> dict[str, tuple[pa.Array, np.ndarray]]:
    """Per stored column, (event ids, figure) for the events whose claims give one: low is the
    lowest of the claims' low ends and figures, high the highest of their high ends and figures,
    best the lower median of their figures (a figure some claim gives)."""
    point = _event_figures(ctx, "fatalities_claimed")
    lows, highs = _event_figures(ctx, "fatalities_claimed_low"), _event_figures(ctx, "fatalities_claimed_high")

    def merged(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        ids, values = np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]])
        order = np.lexsort((values, ids))
        return ids[order], values[order]

    return {"fatalities_low": _per_event(*merged(point, lows), "low"),
            "fatalities_best": _per_event(*point, "median"),
            "fatalities_high": _per_event(*merged(point, highs), "high")}


def fatalities_rule(t: pa.Table, ctx: Context) -> np.ndarray | None:
    if not ctx.has("claims"):
        return None
    ok = np.ones(t.num_rows, dtype=bool)
    expected = computed_fatalities(ctx)
    figured = np.zeros(t.num_rows, dtype=bool)
    for ids, _ in expected.values():
        figured |= index_of(t["event_id"], ids) >= 0
    for column, (ids, values) in expected.items():
        where = index_of(t["event_id"], ids)
        stored = pc.fill_null(pc.cast(t[column], pa.int64()), -1).to_numpy(zero_copy_only=False)
        want = np.where(where >= 0, values[np.maximum(where, 0)] if len(values) else -1, -1)
        # Events with no event figure at all are fatalities-without-figure's to report.
        ok &= ~figured | (stored == want)
    return ok


FIGURES = ("fatalities_claimed", "fatalities_claimed_low", "fatalities_claimed_high", "displaced_claimed")


def figure_scope(t: pa.Table, ctx: Context) -> pa.Array:
    has_figure = pc.is_valid(t[FIGURES[0]])
    for column in FIGURES[1:]:
        has_figure = pc.or_(has_figure, pc.is_valid(t[column]))
    return pc.equal(has_figure, pc.is_valid(t["figure_scope"]))


def source_before_event(t: pa.Table, ctx: Context) -> pa.Array | None:
    if not ctx.has("events", "sources"):
        return None
    events, sources = ctx.table("events"), ctx.table("sources")
    start = take(events["date_start"], index_of(t["event_id"], events["event_id"]))
    published = take(sources["published_date"], index_of(t["source_id"], sources["source_id"]))
    kind = take(sources["source_type"], index_of(t["source_id"], sources["source_id"]))
    # Reference works describe earlier events by design; a report cannot. Reports a compiled
    # dataset lists (unspecified) keep the dates it gives, right or wrong: the import reports them.
    exempt = pc.fill_null(pc.is_in(kind, value_set=pa.array(["reference", "unspecified"])), False)
    too_early = pc.and_(pc.fill_null(pc.less(published, start), False), pc.invert(exempt))
    return pc.invert(too_early)


def source_unopenable(t: pa.Table, ctx: Context) -> pa.Array:
    # A compiled dataset is cited by name and version, and a report it lists by publisher and
    # headline only (unspecified) is traced through it; the bundled data cites neither without
    # an address (tests/test_content.py).
    listed = pc.fill_null(pc.is_in(t["source_type"], value_set=pa.array(["unspecified", "compilation"])), False)
    return pc.or_(pc.or_(pc.is_valid(t["url"]), pc.is_valid(t["archive_file"])), listed)


def url_without_publisher(t: pa.Table, ctx: Context) -> pa.Array:
    return pc.or_(pc.is_null(t["url"]), pc.is_valid(t["publisher"]))


def coordinates_without_source(t: pa.Table, ctx: Context) -> pa.Array:
    return pc.or_(pc.is_null(t["latitude"]), pc.is_valid(t["coordinates_source_id"]))


def name_ar_without_source(t: pa.Table, ctx: Context) -> pa.Array:
    return pc.or_(pc.is_null(t["name_ar"]), pc.is_valid(t["name_ar_source_id"]))


RULES = [
    rule("fatalities-rule", "semantic", "the event's fatalities differ from the ones its claims give",
        "From the event's claims with figure_scope 'event' (claims that deny it do not count): fatalities_low "
        "is the lowest fatalities_claimed or fatalities_claimed_low, fatalities_high the highest "
        "fatalities_claimed or fatalities_claimed_high, fatalities_best the lower median of fatalities_claimed.",
        reads=("events.event_id events.fatalities_low events.fatalities_best events.fatalities_high "
               "claims.event_id claims.fatalities_claimed claims.fatalities_claimed_low "
               "claims.fatalities_claimed_high claims.figure_scope claims.stance"),
        runs=(Runs("events", fatalities_rule, "fatalities_best"),)),
    rule("verification-rule", "semantic", "the event's verification differs from the one its claims give",
        "Set it to what the rule gives (methodology page): contested if a claim denies or disputes, corroborated "
        "with asserting claims of two independent origins, single_source with one, background_only with reference "
        "works alone. The message names the computed value.",
        reads=("events.event_id events.verification claims.event_id claims.source_id claims.stance "
               "sources.source_id sources.source_type sources.credited_agency sources.publisher"),
        runs=(Runs("events", verification_rule, "verification"),)),
    rule("figure-scope", "semantic", "a claim gives a figure without its scope, or a scope without a figure",
        "Set figure_scope to 'event' (deaths or displaced in this event) or 'cumulative' (a running toll) "
        "exactly when the claim gives a figure (fatalities_claimed, its low or high end, or displaced_claimed).",
        reads=("claims.fatalities_claimed claims.fatalities_claimed_low claims.fatalities_claimed_high "
               "claims.displaced_claimed claims.figure_scope"),
        runs=(Runs("claims", figure_scope, "figure_scope"),)),
    rule("source-before-event", "semantic", "a claim's report is dated before the event it describes",
        "Check the report's published_date and the event's date_start; a report cannot describe a later event.",
        reads=("claims.event_id claims.source_id events.event_id events.date_start sources.source_id "
               "sources.published_date sources.source_type"),
        runs=(Runs("claims", source_before_event, "source_id"),)),
    rule("source-unopenable", "semantic", "a source has neither a URL nor an archived document",
        "Give the report's http(s) address, or archive_file naming the copy in the source archive; a reader "
        "must be able to open every source.",
        reads="sources.source_type sources.url sources.archive_file",
        runs=(Runs("sources", source_unopenable, "url"),)),
    rule("url-without-publisher", "semantic", "a source with a URL names no publisher",
        "Name the outlet whose site the address belongs to (publisher).",
        reads="sources.url sources.publisher",
        runs=(Runs("sources", url_without_publisher, "publisher"),)),
    rule("coordinates-without-source", "semantic", "a place has coordinates but no source for them",
        "Set coordinates_source_id to the gazetteer or report the point comes from (and coordinates_ref to its "
        "record), or leave latitude and longitude empty.",
        reads="places.latitude places.coordinates_source_id",
        runs=(Runs("places", coordinates_without_source, "coordinates_source_id"),)),
    rule("name-ar-without-source", "semantic", "an Arabic name has no source",
        "Set name_ar_source_id to the Arabic-language source that spells it, or leave name_ar empty.",
        reads="actors.name_ar actors.name_ar_source_id places.name_ar places.name_ar_source_id",
        runs=(Runs("actors", name_ar_without_source, "name_ar_source_id"),
             Runs("places", name_ar_without_source, "name_ar_source_id"),)),
]
