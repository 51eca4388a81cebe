"""The tables the site's event pages and maps read, indexed (``Records``), and an event's dates as
one text. How an event is written (its claims, each linked to its source) is the templates'
business: ``templates/_map.html.j2``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any



@dataclass
class Records:
    """The tables the site's pages read, indexed."""

    events: dict[str, dict[str, Any]]
    places: dict[str, dict[str, Any]]
    actors: dict[str, dict[str, Any]]
    sources: dict[str, dict[str, Any]]
    claims: dict[str, dict[str, Any]]
    claims_of: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    actors_of: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    control: list[dict[str, Any]] = field(default_factory=list)


def index(rows: dict[str, list[dict[str, Any]]]) -> Records:
    claims_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in sorted(rows.get("claims", []), key=lambda c: c["claim_id"]):
        claims_of[c["event_id"]].append(c)
    actors_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in rows.get("event_actors", []):
        actors_of[a["event_id"]].append(a)
    return Records(
        events={e["event_id"]: e for e in sorted(rows.get("events", []), key=lambda e: e["event_id"])},
        places={p["place_id"]: p for p in rows.get("places", [])},
        actors={a["actor_id"]: a for a in rows.get("actors", [])},
        sources={s["source_id"]: s for s in rows.get("sources", [])},
        claims={c["claim_id"]: c for c in rows.get("claims", [])},
        claims_of=dict(claims_of), actors_of=dict(actors_of),
        control=sorted(rows.get("control", []), key=lambda c: c["control_id"]))


def dates(event: dict[str, Any]) -> str:
    start, end = event["date_start"], event["date_end"]
    return start if start == end else f"{start} to {end}"
