"""The event map page: events over Syria's border as an SVG the reader can pan and zoom
(docs/assets/map/sce-map.js), a popup per place or area with its events and their claims.
An event at a point place is a circle at that point (area proportional to its events); an event
at an area (a governorate, district, region or the country) is drawn as the country's outline,
the only area the site holds, and its popup lists the events by area."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..markdown_text import plain
from .event_text import Records, event_html
from .geo import ATTRIBUTION, attr, border_path, drawn_at, projection, read_border

MAX_LABELS = 25


def _popup(pid: str, title: str, body: str) -> str:
    return (f'<div class="sce-popup-content" id="popup-{attr(pid)}" hidden><h3>{title}</h3>{body}</div>')


def map_html(records: Records, docs_dir: Path, events_url: str) -> tuple[str, dict[str, int]]:
    """The map's HTML block and its counts: events drawn at points and as areas."""
    border = read_border(docs_dir)
    proj = projection(border)
    at_point: dict[str, list[str]] = defaultdict(list)
    at_area: dict[str, list[str]] = defaultdict(list)
    for eid, e in records.events.items():
        kind, where = drawn_at(e["place_id"], records.places)
        (at_point if kind == "point" else at_area)[where].append(eid)
    circles, labels, popups = [], [], []
    order = sorted(at_point, key=lambda p: (-len(at_point[p]), p))
    for rank, pid in enumerate(order):
        place = records.places[pid]
        x, y = proj.xy(place["longitude"], place["latitude"])
        n = len(at_point[pid])
        r = round(3 + 2.2 * math.sqrt(n), 1)
        name = plain(place["name"])
        circles.append(f'<circle class="sce-point" cx="{x:g}" cy="{y:g}" r="{r:g}" data-r="{r:g}" '
                       f'data-popup="popup-{attr(pid)}" tabindex="0" role="button" '
                       f'aria-label="{name}: {n} events"><title>{name}: {n} events</title></circle>')
        if rank < MAX_LABELS:
            labels.append(f'<text class="sce-label" x="{x + r + 2:g}" y="{y + 3:g}" data-x="{x:g}" data-r="{r:g}" '
                          f'data-rank="{rank}">{name} ({n})</text>')
        body = "".join(event_html(records, records.events[e], events_url) for e in at_point[pid])
        popups.append(_popup(pid, f"{name}: {n} events", body))
    area_total = sum(len(v) for v in at_area.values())
    sections = []
    for aid in sorted(at_area, key=lambda a: (-len(at_area[a]), a)):
        area_name = plain(records.places.get(aid, {}).get("name", aid))
        sections.append(f'<h4>{area_name} ({len(at_area[aid])})</h4>' +
                        "".join(event_html(records, records.events[e], events_url) for e in at_area[aid]))
    popups.append(_popup("areas", f"Events located at an area: {area_total}", "".join(sections)))
    svg = (f'<svg class="sce-map-svg" viewBox="{proj.view_box}" role="img" '
           f'aria-label="Map of Syria with the events of this release">'
           f'<g class="sce-layer"><path class="sce-border" d="{border_path(border, proj)}" '
           f'data-popup="popup-areas" tabindex="0" role="button" aria-label="Events located at an area: '
           f'{area_total}"><title>Events located at an area (the country, a governorate, district or region): '
           f'{area_total}</title></path>{"".join(circles)}{"".join(labels)}</g></svg>')
    controls = ('<div class="sce-map-controls"><button type="button" data-zoom="in" aria-label="Zoom in">+</button>'
                '<button type="button" data-zoom="out" aria-label="Zoom out">−</button>'
                '<button type="button" data-zoom="reset" aria-label="Reset the view">⟲</button></div>')
    block = (f'<div class="sce-map" id="sce-event-map">{controls}{svg}'
             f'<div class="sce-popup" role="dialog" aria-live="polite" hidden>'
             f'<button type="button" class="sce-popup-close" aria-label="Close">×</button>'
             f'<div class="sce-popup-body"></div></div>{"".join(popups)}'
             f'<p class="sce-attribution">{ATTRIBUTION}</p></div>')
    return block, {"points": sum(len(v) for v in at_point.values()), "areas": area_total,
                   "places": len(at_point)}


def map_page(records: Records, docs_dir: Path) -> str:
    block, counts = map_html(records, docs_dir, "../events/")
    return "\n".join([
        "# Event map", "",
        f"Each red circle is a place with events ({counts['points']} events at {counts['places']} places; its area "
        "grows with the number of events). Drag to pan, use the wheel or the buttons to zoom, and select a circle "
        "for its events: date, type, verification, summary and every claim with a link to its source.", "",
        f"{counts['areas']} events are located at an area (a governorate, district, region or the whole country), "
        "not at a point: they are drawn as the country's outline; select the outline for them, grouped by area. "
        "Governorate boundaries are not drawn: no public-domain boundary layer of Syria's governorates is "
        "shipped with the site (Natural Earth publishes none at a scale this map can use), and the site "
        "draws no boundary it cannot source.", "",
        block, "",
    ])
