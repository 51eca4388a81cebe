"""Places and the hierarchies of places, actors and agreements: no parent chain loops, a place
lies in its parent's country, and its coordinates are complete and inside its country."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrays import Column, index_of, take
from .masks import all_of, same_or_missing
from .rule import RowCheck, Runs, rule

if TYPE_CHECKING:
    from ..context import Context


def _in_cycle(ids: Column, parents: Column) -> np.ndarray:
    """True for rows whose parent chain returns to themselves (pointer chasing, vectorised)."""
    parent_of = index_of(parents, ids)  # row of each row's parent, -1 for none
    rows = np.arange(len(parent_of))
    current = parent_of.copy()
    in_cycle = np.zeros(len(parent_of), dtype=bool)
    for _ in range(len(parent_of) + 1):
        live = (current >= 0) & ~in_cycle
        if not live.any():
            break
        in_cycle |= live & (current == rows)
        current = np.where(live, parent_of[np.maximum(current, 0)], -1)
    return in_cycle


def _cycle_check(id_col: str, parent_col: str) -> RowCheck:
    def check(t: pa.Table, ctx: Context) -> np.ndarray:
        return ~_in_cycle(t[id_col], t[parent_col])
    return check


def parent_country(t: pa.Table, ctx: Context) -> Column:
    parent = take(t["country_iso3"], index_of(t["parent_place_id"], t["place_id"]))
    return same_or_missing(parent, t["country_iso3"])


def coordinates_incomplete(t: pa.Table, ctx: Context) -> Column:
    return pc.equal(pc.is_null(t["latitude"]), pc.is_null(t["longitude"]))


def coordinates_outside_country(t: pa.Table, ctx: Context) -> Column:
    boxes = {c.code: c.extra.get("bbox") for c in ctx.decl.vocabularies["country"].codes}
    boxes = {k: v for k, v in boxes.items() if v}
    where = index_of(t["country_iso3"], pa.array(list(boxes), type=pa.string()))
    lon0, lat0, lon1, lat1 = (take(pa.array([float(v[i]) for v in boxes.values()], type=pa.float64()), where)
                              for i in range(4))
    lat, lon = t["latitude"], t["longitude"]
    inside = all_of(pc.greater_equal(lat, lat0), pc.less_equal(lat, lat1),
                  pc.greater_equal(lon, lon0), pc.less_equal(lon, lon1))
    return pc.fill_null(inside, True)


RULES = [
    rule("parent-cycle", "semantic", "a parent chain loops back on itself",
        "Parent chains must end at a top-level row; fix parent_actor_id / parent_place_id / supersedes_agreement_id.",
        reads=("actors.actor_id actors.parent_actor_id places.place_id places.parent_place_id "
               "agreements.agreement_id agreements.supersedes_agreement_id"),
        runs=(Runs("actors", _cycle_check("actor_id", "parent_actor_id"), "parent_actor_id"),
             Runs("places", _cycle_check("place_id", "parent_place_id"), "parent_place_id"),
             Runs("agreements", _cycle_check("agreement_id", "supersedes_agreement_id"),
                  "supersedes_agreement_id"),)),
    rule("parent-country", "semantic", "a place's country differs from its parent's",
        "A place lies in the same country as the place it belongs to.",
        reads="places.place_id places.parent_place_id places.country_iso3",
        runs=(Runs("places", parent_country, "country_iso3"),)),
    rule("coordinates-incomplete", "semantic", "only one of latitude and longitude is given",
        "Give both or neither.",
        reads="places.latitude places.longitude",
        runs=(Runs("places", coordinates_incomplete, "longitude"),)),
    rule("coordinates-outside-country", "semantic", "the coordinates fall outside the country's bounding box",
        "Check for swapped latitude/longitude or a sign error; Syria's latitude is ~32-37, its longitude ~35.6-42.4.",
        reads="places.country_iso3 places.latitude places.longitude",
        runs=(Runs("places", coordinates_outside_country, "latitude"),)),
]
