"""Figures for the documentation site, drawn from the data at build time (matplotlib, Agg):
a timeline of events per day by event type, and a map of events and places.

SVG output is deterministic: fixed hash salt for element ids, no date or creator metadata, text
as paths (the same glyphs in every browser). Nothing is drawn that the data does not hold: the map
plots the places' own coordinates on longitude/latitude axes, with the country's bounding box
from the declaration (a validation aid, labelled as such), not a border."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..declaration import Declaration

SVG_METADATA = {"Date": None, "Creator": None}
TYPE_COLOURS = ["#1b6ca8", "#e3a21a", "#7a5195", "#c0392b", "#2e8b57", "#6c757d", "#17becf", "#8c564b"]
MAX_LABELS = 15
LABEL_OFFSETS = [((6, 3), "left"), ((-6, 3), "right"), ((6, -11), "left"), ((-6, -11), "right"),
                 ((0, 9), "center"), ((0, -17), "center")]


@dataclass
class FigureNote:
    """What a figure shows and leaves out, for its caption."""

    path: Path
    shown: int
    left_out: int
    detail: str = ""


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # text.usetex off: contributor text must never reach a TeX run (see _literal for mathtext).
    plt.rcParams.update({"svg.hashsalt": "sce", "svg.fonttype": "path", "font.size": 9, "text.usetex": False,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def _literal(fig: Any) -> None:
    """Every text of the figure is drawn as written: a place name or label holding `$...$` is not
    parsed as mathtext (which fails on malformed TeX, and would draw well-formed TeX as maths)."""
    for text in fig.findobj(lambda artist: hasattr(artist, "set_parse_math")):
        text.set_parse_math(False)


def _save(fig: Any, path: Path) -> None:
    _literal(fig)
    fig.savefig(path, format="svg", metadata=SVG_METADATA, bbox_inches="tight")


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def timeline(decl: Declaration, events: list[dict[str, Any]], path: Path) -> FigureNote:
    """Events per day of the declared coverage span, stacked by event type. An event counts on
    every day of its span (date_start..date_end), as `sce coverage` counts it."""
    plt = _pyplot()
    span = decl.package.get("coverage") or {}
    starts = [dt.date.fromisoformat(e["date_start"]) for e in events]
    ends = [dt.date.fromisoformat(e["date_end"]) for e in events]
    first = dt.date.fromisoformat(span["from"]) if span.get("from") else min(starts, default=dt.date(2024, 1, 1))
    last = dt.date.fromisoformat(span["to"]) if span.get("to") else max(ends, default=first)
    days = _days(first, last)
    types = decl.vocabularies["event_type"].codes
    counts = {t.code: [0] * len(days) for t in types}
    shown = 0
    for e, s, f in zip(events, starts, ends, strict=True):
        hit = False
        for i, day in enumerate(days):
            if s <= day <= f:
                counts[e["event_type"]][i] += 1
                hit = True
        shown += hit
    fig, ax = plt.subplots(figsize=(9, 3.6))
    bottom = [0] * len(days)
    x = list(range(len(days)))
    for colour, t in zip(TYPE_COLOURS, types, strict=False):
        values = counts[t.code]
        if not any(values):
            continue
        ax.bar(x, values, bottom=bottom, color=colour, label=t.label, width=0.8)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(x, [d.strftime("%d %b") for d in days], rotation=45, ha="right")
    ax.set_ylabel("events (counted on each day of their span)")
    ax.set_title(f"Events per day by type, {first.day} {first:%B %Y} – {last.day} {last:%B %Y}")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    _save(fig, path)
    plt.close(fig)
    return FigureNote(path, shown, len(events) - shown, f"{first.isoformat()} to {last.isoformat()}")


def _label(fig: Any, ax: Any, labels: list[tuple[str, float, float]]) -> None:
    """Label points, most important first, on the first side where the text overlaps no earlier
    label; a label that fits nowhere is left out (its circle still shows the count)."""
    renderer = fig.canvas.get_renderer()
    boxes: list[Any] = []
    for text, x, y in labels:
        for (dx, dy), ha in LABEL_OFFSETS:
            note = ax.annotate(text, (x, y), xytext=(dx, dy), ha=ha, textcoords="offset points", fontsize=8,
                               zorder=4, parse_math=False)
            box = note.get_window_extent(renderer).expanded(1.05, 1.1)
            if not any(box.overlaps(b) for b in boxes):
                boxes.append(box)
                break
            note.remove()


def _bbox(decl: Declaration, country: str) -> list[float] | None:
    vocab = decl.vocabularies.get("country")
    code = vocab.get(country) if vocab else None
    box = code.extra.get("bbox") if code else None
    return [float(v) for v in box] if box and len(box) == 4 else None


def event_map(decl: Declaration, events: list[dict[str, Any]], places: list[dict[str, Any]], path: Path,
              country: str = "SYR") -> FigureNote:
    """Places with coordinates (grey) and the number of events at each (circles by count)."""
    plt = _pyplot()
    located = {p["place_id"]: p for p in places if p.get("latitude") is not None and p.get("longitude") is not None}
    per_place = Counter(e["place_id"] for e in events if e["place_id"] in located)
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    lons = [p["longitude"] for p in located.values()]
    lats = [p["latitude"] for p in located.values()]
    ax.scatter(lons, lats, s=12, color="#888888", zorder=2, label="place")
    ids = sorted(per_place, key=lambda k: (-per_place[k], k))
    if ids:
        ax.scatter([located[k]["longitude"] for k in ids], [located[k]["latitude"] for k in ids],
                   s=[40 + 60 * per_place[k] for k in ids], color="#c0392b", alpha=0.55, edgecolor="#7b241c",
                   zorder=3, label="events at a place (area ∝ count)")
        _label(fig, ax, [(f"{located[k]['name']} ({per_place[k]})", located[k]["longitude"], located[k]["latitude"])
                         for k in ids[:MAX_LABELS]])
    box = _bbox(decl, country)
    if box:
        west, south, east, north = box
        ax.plot([west, east, east, west, west], [south, south, north, north, south], linestyle="--",
                color="#1b6ca8", linewidth=0.8, label=f"{country} bounding box (validation aid, not a border)")
    mean_lat = sum(lats) / len(lats) if lats else 35.0
    ax.set_aspect(1 / math.cos(math.radians(mean_lat)))
    ax.set_xlabel("longitude (° E)")
    ax.set_ylabel("latitude (° N)")
    ax.set_title("Events and places (WGS84 points from places.csv)")
    ax.grid(True, linewidth=0.3, color="#dddddd")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=8, frameon=False, ncols=2)
    _save(fig, path)
    plt.close(fig)
    unplaced = sum(1 for e in events if e["place_id"] not in located)
    return FigureNote(path, len(events) - unplaced, unplaced, f"{len(located)} of {len(places)} places have a point")
