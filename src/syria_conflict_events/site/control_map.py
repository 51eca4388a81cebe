"""Issue 15's control map: a page per day of the control window, each place coloured by who held
it that day (the periods in force, as ``sce.control_on(day)`` reads them), drawn over Syria's
border and governorates, and a table linking each place's period to the event and claims behind it. The pages' text
and markup are the templates ``control_day.md.j2``, ``control_map.html.j2`` and
``control_index.md.j2``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..markdown_text import plain
from .event_text import Records
from .geo import ATTRIBUTION, Projection, border_path, drawn_at, projection, read_border
from .governorates import FEATURES, Shape, read_layer, shapes
from .templates import render

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


@dataclass(frozen=True)
class Mark:
    """A control period drawn as a circle at its place's point."""

    period: dict[str, Any]
    place_name: str
    actor: str
    colour: str
    x: float
    y: float

    @property
    def contested(self) -> bool:
        return self.period["control_state"] != "held"


@dataclass(frozen=True)
class AreaMark:
    """A control period at an area the map holds itself (a governorate, the Golan buffer zone),
    drawn as that area in its controller's colour."""

    period: dict[str, Any]
    place_name: str
    actor: str
    colour: str
    d: str

    @property
    def contested(self) -> bool:
        return self.period["control_state"] != "held"


@dataclass(frozen=True)
class Row:
    """A control period as a row of the day's table."""

    period: dict[str, Any]
    place_name: str
    actor: str
    drawn: bool
    claim_ids: list[str]


@dataclass(frozen=True)
class Base:
    """What every day's map shares: the projection, the border's path and the governorates'."""

    proj: Projection
    border: str
    shapes: list[Shape]


def base_map(docs_dir: Path) -> Base:
    border = read_border(docs_dir)
    proj = projection(border)
    return Base(proj, border_path(border, proj), shapes(read_layer(docs_dir), proj))


def _svg(records: Records, base: Base, on: list[dict[str, Any]], colours: dict[str | None, str]) -> str:
    by_place = {s.place_id: s for s in base.shapes}
    marks, areas = [], []
    for c in on:
        kind, where = drawn_at(c["place_id"], records.places)
        if c["place_id"] in by_place:  # only the area itself: never a governorate for a place inside it
            areas.append(AreaMark(c, records.places[c["place_id"]]["name"], _actor(records, c["actor_id"]),
                                  colours.get(c["actor_id"], "#999"), by_place[c["place_id"]].d))
        if kind != "point":
            continue
        place = records.places[where]
        x, y = base.proj.xy(place["longitude"], place["latitude"])
        marks.append(Mark(c, records.places[c["place_id"]]["name"], _actor(records, c["actor_id"]),
                          colours.get(c["actor_id"], "#999"), x, y))
    return render("control_map.html.j2", view_box=base.proj.view_box, border=base.border, marks=marks,
                  areas=areas, shapes=base.shapes, attribution=Markup(ATTRIBUTION))


def _row(records: Records, c: dict[str, Any]) -> Row:
    place = records.places.get(c["place_id"], {})
    kind, _ = drawn_at(c["place_id"], records.places)
    claim_ids = [c["claim_id"]] if c.get("claim_id") else []
    if c.get("event_id"):
        claim_ids += [x["claim_id"] for x in records.claims_of.get(c["event_id"], [])][:3]
    return Row(c, place.get("name") or c["place_id"], _actor(records, c["actor_id"]),
               kind == "point" or c["place_id"] in FEATURES,
               list(dict.fromkeys(claim_ids)))


def day_page(records: Records, docs_dir: Path, day: str, base: Base | None = None) -> str:
    on = periods_on(records, day)
    colours = _colours(records)
    all_days = days()
    i = all_days.index(day)
    legend = [(colours[a], _actor(records, a))
              for a in sorted({c["actor_id"] for c in on}, key=lambda a: (list(colours).index(a), a or ""))]
    previous = f"[← {all_days[i - 1]}]({all_days[i - 1]}.md)" if i else ""
    following = f"[{all_days[i + 1]} →]({all_days[i + 1]}.md)" if i + 1 < len(all_days) else ""
    return render("control_day.md.j2", records=records, day=day, all_days=all_days, periods=on, legend=legend,
                  svg=_svg(records, base or base_map(docs_dir), on, colours), previous=previous, next=following,
                  rows=[_row(records, c) for c in on])


def index_page() -> str:
    return render("control_index.md.j2", days=days())


def control_pages(records: Records, docs_dir: Path) -> dict[str, str]:
    pages = {"index.md": index_page()}
    base = base_map(docs_dir)  # read and projected once for every day
    for day in days():
        pages[f"{day}.md"] = day_page(records, docs_dir, day, base)
    return pages
