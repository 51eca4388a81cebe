"""Agreements and the events that relate to them: dates in order, no violation before the
agreement takes effect, and a link's claim about the link's own event."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from ..arrays import Column, index_of, take
from .masks import all_of, le, same_or_missing
from .rule import Runs, rule

if TYPE_CHECKING:
    from ..context import Context


def agreement_date_order(t: pa.Table, ctx: Context) -> Column:
    s, e, x = t["date_signed"], t["date_effective"], t["date_ended"]
    return all_of(le(s, e), le(e, x), le(s, x))


def violates_before_effective(t: pa.Table, ctx: Context) -> Column | None:
    if not ctx.has("events", "agreements"):
        return None
    events, agreements = ctx.table("events"), ctx.table("agreements")
    end = take(events["date_end"], index_of(t["event_id"], events["event_id"]))
    effective = take(agreements["date_effective"], index_of(t["agreement_id"], agreements["agreement_id"]))
    too_early = pc.and_(pc.fill_null(pc.equal(t["relation"], "violates"), False),
                        pc.fill_null(pc.less(end, effective), False))
    return pc.invert(too_early)


def claim_event_mismatch(t: pa.Table, ctx: Context) -> Column | None:
    if not ctx.has("claims"):
        return None
    claims = ctx.table("claims")
    return same_or_missing(take(claims["event_id"], index_of(t["claim_id"], claims["claim_id"])), t["event_id"])


RULES = [
    rule("agreement-date-order", "semantic", "an agreement's dates are out of order",
        "date_signed <= date_effective <= date_ended where they are known.",
        reads="agreements.date_signed agreements.date_effective agreements.date_ended",
        runs=(Runs("agreements", agreement_date_order, "date_effective"),)),
    rule("violates-before-effective", "semantic", "a 'violates' link predates the agreement taking effect",
        "An event can only violate an agreement on or after its date_effective; check both dates.",
        reads=("event_agreements.event_id event_agreements.agreement_id event_agreements.relation "
               "events.event_id events.date_end agreements.agreement_id agreements.date_effective"),
        runs=(Runs("event_agreements", violates_before_effective, "agreement_id"),)),
    rule("claim-event-mismatch", "semantic", "a link's claim belongs to another event",
        "claim_id in event_agreements must be a claim about the same event_id.",
        reads="event_agreements.claim_id event_agreements.event_id claims.claim_id claims.event_id",
        runs=(Runs("event_agreements", claim_event_mismatch, "claim_id"),)),
]
