"""Issue 15's control map: a page per day of the control window, each place coloured by who held
it that day (the periods in force, as ``sce.control_on(day)`` reads them), drawn over Syria's
border, and a table linking each place's period to the event and claims behind it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..markdown_text import plain
from .event_text import Records, source_link
from .geo import ATTRIBUTION, attr, border_path, drawn_at, projection, read_border

WINDOW = (dt.date(2024, 11, 27), dt.date(2024, 12, 8))
COLOURS = ["#2e8b57", "#c0392b", "#1b6ca8", "#e3a21a", "#7a5195", "#17becf", "#8c564b", "#6c757d", "#bcbd22",
           "#e377c2"]


def days() -> list[str]:
    first, last = WINDOW
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def periods_on(records: Records, day: str) -> list[dict[str, Any]]:
    """The control periods in force on ``day``, sorted as ``control_on`` sorts them."""
    on = [c for c in records.control
          if (c.get("date_from") is None or c["date_from"] <= day) and (c.get("date_to") is None or c["date_to"] >= day)]
    return sorted(on, key=lambda c: (c["place_id"], c["control_state"], c["control_id"]))


def _colours(records: Records) -> dict[str | None, str]:
    counts: dict[str | None, int] = {}
    for c in records.control:
        counts[c["actor_id"]] = counts.get(c["actor_id"], 0) + 1
    ranked = sorted(counts, key=lambda a: (-counts[a], a or ""))
    return {a: COLOURS[i] if i < len(COLOURS) else "#999999" for i, a in enumerate(ranked)}


def _actor(records: Records, actor_id: str | None) -> str:
    if actor_id is None:
        return "no controller recorded"
    return plain(records.actors.get(actor_id, {}).get("name") or actor_id)


def _svg(records: Records, docs_dir: Path, on: list[dict[str, Any]], colours: dict[str | None, str]) -> str:
    border = read_border(docs_dir)
    proj = projection(border)
    marks = []
    for c in on:
        kind, where = drawn_at(c["place_id"], records.places)
        if kind != "point":
            continue
        place = records.places[where]
        x, y = proj.xy(place["longitude"], place["latitude"])
        contested = c["control_state"] != "held"
        marks.append(f'<circle class="sce-control" cx="{x:g}" cy="{y:g}" r="5" data-r="5" '
                     f'fill="{colours.get(c["actor_id"], "#999")}" '
                     f'stroke-dasharray="{"2 1.5" if contested else "none"}" data-place="{attr(c["place_id"])}" '
                     f'data-actor="{attr(c["actor_id"] or "")}" data-state="{attr(c["control_state"])}">'
                     f'<title>{plain(records.places[c["place_id"]]["name"])}: {_actor(records, c["actor_id"])} '
                     f'({plain(c["control_state"])})</title></circle>')
    return (f'<div class="sce-map"><div class="sce-map-controls">'
            '<button type="button" data-zoom="in" aria-label="Zoom in">+</button>'
            '<button type="button" data-zoom="out" aria-label="Zoom out">−</button>'
            '<button type="button" data-zoom="reset" aria-label="Reset the view">⟲</button></div>'
            f'<svg class="sce-map-svg" viewBox="{proj.view_box}" role="img" aria-label="Control map">'
            f'<g class="sce-layer"><path class="sce-border" d="{border_path(border, proj)}"/>{"".join(marks)}</g></svg>'
            f'<p class="sce-attribution">{ATTRIBUTION}</p></div>')


def day_page(records: Records, docs_dir: Path, day: str) -> str:
    on = periods_on(records, day)
    colours = _colours(records)
    all_days = days()
    i = all_days.index(day)
    nav = " · ".join(f"**{d[5:]}**" if d == day else f"[{d[5:]}]({d}.md)" for d in all_days)
    legend = " ".join(f'<span style="background:{colours[a]}"></span>{_actor(records, a)}'
                      for a in sorted({c["actor_id"] for c in on}, key=lambda a: (list(colours).index(a), a or "")))
    rows = ["| place | controller | state | since | event | claims |", "|---|---|---|---|---|---|"]
    for c in on:
        place = records.places.get(c["place_id"], {})
        kind, _ = drawn_at(c["place_id"], records.places)
        event = f"[{plain(c['event_id'])}](../events/{c['event_id']}.md)" if c.get("event_id") else "—"
        claim_ids = [c["claim_id"]] if c.get("claim_id") else []
        if c.get("event_id"):
            claim_ids += [x["claim_id"] for x in records.claims_of.get(c["event_id"], [])][:3]
        claims = "<br>".join(f"{plain(k)}: {source_link(records, records.claims.get(k, {}).get('source_id'))}"
                             for k in dict.fromkeys(claim_ids))
        if not claims and c.get("source_id"):
            claims = source_link(records, c["source_id"])
        where = plain(place.get("name") or c["place_id"]) + ("" if kind == "point" else " (area, not drawn)")
        rows.append(f"| {where} | {_actor(records, c['actor_id'])} | {plain(c['control_state'])} | "
                    f"{plain(c.get('date_from') or 'before the window')} | {event} | {claims or '—'} |")
    prev_next = " ".join(x for x in [f"[← {all_days[i - 1]}]({all_days[i - 1]}.md)" if i else "",
                                     f"[{all_days[i + 1]} →]({all_days[i + 1]}.md)" if i + 1 < len(all_days) else ""] if x)
    return "\n".join([
        f"# Control on {day}", "", nav, "",
        f"Who held each place on {day}: {len(on)} control periods in force. Each circle is a place, coloured by "
        "its controller; a dashed outline marks a contested or unknown state. Places that are areas are listed "
        "in the table but not drawn (the site holds no governorate boundaries). See the "
        "[methodology](../../methodology.md) for how control is coded.", "",
        f'<p class="sce-legend">{legend}</p>', "", _svg(records, docs_dir, on, colours), "", prev_next, "",
        *rows, "",
    ])


def index_page() -> str:
    links = [f"- [{d}]({d}.md)" for d in days()]
    return "\n".join(["# Control map, day by day", "",
                      "Who held each place on each day of the offensive, with the event and claims behind each "
                      "change:", "", *links, ""])


def control_pages(records: Records, docs_dir: Path) -> dict[str, str]:
    pages = {"index.md": index_page()}
    for day in days():
        pages[f"{day}.md"] = day_page(records, docs_dir, day)
    return pages
