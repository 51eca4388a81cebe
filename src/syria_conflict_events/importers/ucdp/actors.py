"""UCDP GED actors: side_a / side_b (their type guessed from the name), UCDP itself as the
compiler, and the publishers of the sources UCDP lists."""

from __future__ import annotations

import functools

from ...declaration import Declaration
from ..common import ActorSpec, country_code

UCDP_NAME = "Uppsala Conflict Data Program"
UCDP_ACTOR = ActorSpec(("name", UCDP_NAME), UCDP_NAME, "compiler",
                       notes="Compiler of the UCDP GED; claimant of the figures UCDP codes per event.")


_ACTORS: dict[tuple, ActorSpec] = {}


def side_actor(decl: Declaration, name: str, ucdp_id: str, gw: str) -> ActorSpec:
    key = (id(decl), name, ucdp_id, gw)
    if key not in _ACTORS:
        _ACTORS[key] = _make_actor(decl, name, ucdp_id, gw)
    return _ACTORS[key]


def _make_actor(decl: Declaration, name: str, ucdp_id: str, gw: str) -> ActorSpec:
    iso3 = ""
    if name.startswith("Government of "):
        actor_type = "state_armed_force"
        gw_first = gw.split(",")[0].strip()
        iso3 = country_code(decl, name=name[len("Government of "):], attribute="ucdp", value=gw_first) or ""
    elif name.casefold() == "civilians":
        actor_type = "civilians"
    else:
        actor_type = "rebel_group"
    key = ("ucdp_actor", ucdp_id) if ucdp_id else ("name", name)
    return ActorSpec(key, name, actor_type, iso3, external_ids=(("ucdp_actor", ucdp_id),) if ucdp_id else (),
                     notes="Actor type set by the UCDP GED importer from the actor's name; review it.")


@functools.cache
def publisher_actor(office: str) -> ActorSpec:
    return ActorSpec(("name", office), office, "media",
                     notes="Publisher of a source UCDP GED lists; actor type assumed by the importer.")
