"""An event as HTML for the site's maps (its date, type, summary and claims, each claim linked to
its source), every data text escaped. Shared by the event map and the control map."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..markdown_text import plain
from .geo import attr, safe_url


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


def source_link(records: Records, source_id: str | None) -> str:
    source = records.sources.get(source_id or "")
    if source is None:
        return plain(source_id or "no source")
    label = plain(f"{source.get('publisher') or ''}, {source.get('published_date') or 'undated'}: "
                  f"{source.get('title') or source_id}")
    url = safe_url(source.get("url"))
    return f'<a href="{url}" rel="noreferrer">{label}</a>' if url else label


def claim_html(records: Records, claim: dict[str, Any]) -> str:
    claimant = records.actors.get(claim.get("claimant_actor_id") or "", {}).get("name") or "unnamed claimant"
    return (f'<li><span class="sce-claim-id">{plain(claim["claim_id"])}</span> {plain(claimant)} '
            f'({plain(claim.get("stance") or "")}): {plain(claim["claim"])} '
            f'<span class="sce-source">Source: {source_link(records, claim.get("source_id"))}</span></li>')


def event_html(records: Records, event: dict[str, Any], events_url: str) -> str:
    """One event for a popup: its ID linking to its page, date, type, summary and claims."""
    eid = event["event_id"]
    claims = "".join(claim_html(records, c) for c in records.claims_of.get(eid, []))
    return (f'<div class="sce-event"><p><a href="{attr(events_url + eid)}/"><strong>{plain(eid)}</strong></a> '
            f'{plain(dates(event))} · {plain(event["event_type"])} · {plain(event.get("verification") or "")}</p>'
            f'<p>{plain(event["summary"])}</p><ul class="sce-claims">{claims}</ul></div>')
