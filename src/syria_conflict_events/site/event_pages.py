"""A page per event (its summary, dates, type, place, actors, claims and linked sources) and an
index of every event, filterable as the reader types (docs/assets/map/sce-map.js). The pages' text
is the templates ``event.md.j2`` and ``events_index.md.j2``."""

from __future__ import annotations

from typing import Any

from .event_text import Records, dates
from .templates import render


def _place(records: Records, place_id: str) -> str:
    """The place and the places that enclose it, innermost first."""
    chain, seen = [], set()
    current = records.places.get(place_id)
    while current is not None and current["place_id"] not in seen:
        seen.add(current["place_id"])
        chain.append(str(current["name"]))
        current = records.places.get(current.get("parent_place_id") or "")
    return " › ".join(chain) or place_id


def event_page(records: Records, event: dict[str, Any]) -> str:
    facts = [
        ("dates", dates(event)), ("type", f"{event['event_type']} / {event.get('sub_event_type') or '—'}"),
        ("place", _place(records, event["place_id"])), ("front", event.get("front") or "—"),
        ("verification", event.get("verification") or "—"), ("confidence", event.get("confidence") or "—"),
        ("fatalities (low / best / high)", " / ".join("—" if event.get(k) is None else str(event[k])
                                                     for k in ("fatalities_low", "fatalities_best", "fatalities_high"))),
    ]
    actors = sorted(records.actors_of.get(event["event_id"], []), key=lambda a: (a["role"], a["actor_id"]))
    return render("event.md.j2", records=records, e=event, facts=facts, actors=actors)


def events_index(records: Records) -> str:
    return render("events_index.md.j2", records=records)


def event_pages(records: Records) -> dict[str, str]:
    pages = {"index.md": events_index(records)}
    for eid, e in records.events.items():
        pages[f"{eid}.md"] = event_page(records, e)
    return pages
