"""The event map page: events over Syria's border as an SVG the reader can pan and zoom
(docs/assets/map/sce-map.js), a popup per place or area with its events and their claims.
An event at a point place is a circle at that point (area proportional to its events); an event
at an area is drawn as an area: a governorate, or a district or region inside one, as that
governorate's polygon (the reviewed link place -> feature is ``governorates.FEATURES``); the
country, a region across governorates or a place outside Syria as the country's outline. Each
area's popup lists its events by place. The page's text and markup are the templates
``map.md.j2`` and ``event_map.html.j2``."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .event_text import Records
from .geo import ATTRIBUTION, border_path, drawn_at, projection, read_border
from .governorates import Shape, enclosing_feature, read_layer, shapes
from .templates import render

MAX_LABELS = 25


@dataclass(frozen=True)
class Area:
    """A governorate's polygon (or the buffer zone's), with the events located at it or inside it,
    grouped by the place they are located at."""

    shape: Shape
    name: str
    groups: list[tuple[str, list[dict[str, Any]]]]

    @property
    def n(self) -> int:
        return sum(len(events) for _, events in self.groups)


@dataclass(frozen=True)
class Point:
    """A place with events, drawn as a circle; the first ``MAX_LABELS`` by rank are labelled."""

    pid: str
    name: str
    x: float
    y: float
    r: float
    rank: int
    events: list[dict[str, Any]]

    @property
    def n(self) -> int:
        return len(self.events)


def map_html(records: Records, docs_dir: Path, events_url: str) -> tuple[str, dict[str, int]]:
    """The map's HTML block and its counts: events drawn at points and as areas."""
    border = read_border(docs_dir)
    proj = projection(border)
    at_point: dict[str, list[str]] = defaultdict(list)
    at_area: dict[str, list[str]] = defaultdict(list)
    for eid, e in records.events.items():
        kind, where = drawn_at(e["place_id"], records.places)
        (at_point if kind == "point" else at_area)[where].append(eid)
    points = []
    for rank, pid in enumerate(sorted(at_point, key=lambda p: (-len(at_point[p]), p))):
        place = records.places[pid]
        x, y = proj.xy(place["longitude"], place["latitude"])
        r = round(3 + 2.2 * math.sqrt(len(at_point[pid])), 1)
        points.append(Point(pid, place["name"], x, y, r, rank, [records.events[e] for e in at_point[pid]]))
    groups: dict[str | None, list[tuple[str, list[dict[str, Any]]]]] = defaultdict(list)
    for aid in sorted(at_area, key=lambda a: (-len(at_area[a]), a)):
        groups[enclosing_feature(aid, records.places)].append(
            (records.places.get(aid, {}).get("name", aid), [records.events[e] for e in at_area[aid]]))
    areas = [Area(s, records.places.get(s.place_id, {}).get("name", s.place_id), groups.get(s.place_id, []))
             for s in shapes(read_layer(docs_dir), proj)]
    country_groups = groups.get(None, [])
    country_total = sum(len(events) for _, events in country_groups)
    block = render("event_map.html.j2", records=records, events_url=events_url, view_box=proj.view_box,
                   border=border_path(border, proj), points=points, max_labels=MAX_LABELS, areas=areas,
                   country_total=country_total, country_groups=country_groups, attribution=Markup(ATTRIBUTION))
    return block, {"points": sum(len(v) for v in at_point.values()), "areas": sum(len(v) for v in at_area.values()),
                   "places": len(at_point), "country": country_total,
                   "governorates": sum(a.n for a in areas if not a.shape.buffer_zone),
                   "buffer_zone": sum(a.n for a in areas if a.shape.buffer_zone),
                   "governorates_drawn": sum(1 for a in areas if a.n and not a.shape.buffer_zone)}


def map_page(records: Records, docs_dir: Path) -> str:
    block, counts = map_html(records, docs_dir, "../events/")
    return render("map.md.j2", counts=counts, block=block)
