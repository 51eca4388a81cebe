"""A page per event (its summary, dates, type, place, actors, claims and linked sources) and an
index of every event, filterable as the reader types (docs/assets/map/sce-map.js)."""

from __future__ import annotations

from typing import Any

from ..markdown_text import plain
from .event_text import Records, dates, source_link


def _place(records: Records, place_id: str) -> str:
    chain, seen = [], set()
    current = records.places.get(place_id)
    while current is not None and current["place_id"] not in seen:
        seen.add(current["place_id"])
        chain.append(plain(current["name"]))
        current = records.places.get(current.get("parent_place_id") or "")
    return " › ".join(chain) or plain(place_id)


def event_page(records: Records, event: dict[str, Any]) -> str:
    eid = event["event_id"]
    fatal = event.get("fatalities_best")
    facts = [
        ("dates", plain(dates(event))), ("type", plain(f"{event['event_type']} / {event.get('sub_event_type') or '—'}")),
        ("place", _place(records, event["place_id"])), ("front", plain(event.get("front") or "—")),
        ("verification", plain(event.get("verification") or "—")), ("confidence", plain(event.get("confidence") or "—")),
        ("fatalities (low / best / high)", plain(" / ".join("—" if event.get(k) is None else str(event[k])
                                                         for k in ("fatalities_low", "fatalities_best", "fatalities_high")))),
    ]
    lines = [f"# {eid}", "", plain(event["summary"]), "", "| | |", "|---|---|",
             *[f"| {k} | {v} |" for k, v in facts], ""]
    if event.get("notes"):
        lines += [f"Editors' notes: {plain(event['notes'])}", ""]
    lines += ["## Actors", ""]
    lines += [f"- {plain(records.actors.get(a['actor_id'], {}).get('name') or a['actor_id'])} ({plain(a['role'])})"
              for a in sorted(records.actors_of.get(eid, []), key=lambda a: (a["role"], a["actor_id"]))] or ["None recorded."]
    lines += ["", "## Claims", ""]
    for c in records.claims_of.get(eid, []):
        claimant = records.actors.get(c.get("claimant_actor_id") or "", {}).get("name") or "unnamed claimant"
        figure = f" Fatalities claimed: {c['fatalities_claimed']}." if c.get("fatalities_claimed") is not None else ""
        lines += [f"- **{plain(c['claim_id'])}** — {plain(claimant)} ({plain(c.get('stance') or '')}): "
                  f"{plain(c['claim'])}{figure}  ", f"  Source: {source_link(records, c.get('source_id'))}"]
    lines += ["", "[All events](index.md) · [Event map](../map.md)", ""]
    return "\n".join(lines)


def events_index(records: Records) -> str:
    rows = ["| event | dates | type | place | verification | summary |", "|---|---|---|---|---|---|"]
    for eid, e in records.events.items():
        place = records.places.get(e["place_id"], {}).get("name") or e["place_id"]
        rows.append(f"| [{plain(eid)}]({eid}.md) | {plain(dates(e))} | {plain(e['event_type'])} | {plain(place)} | "
                    f"{plain(e.get('verification') or '')} | {plain(e['summary'])} |")
    return "\n".join([
        "# Events", "",
        f"All {len(records.events)} events of this release; each links to its page with its claims and sources. "
        "Type in the box to show only the rows that contain the text (an event ID, a place, a type, a word).", "",
        '<input type="search" class="sce-filter" placeholder="Filter events…" aria-label="Filter events">', "",
        *rows, ""])


def event_pages(records: Records) -> dict[str, str]:
    pages = {"index.md": events_index(records)}
    for eid, e in records.events.items():
        pages[f"{eid}.md"] = event_page(records, e)
    return pages
