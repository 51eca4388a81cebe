"""The timeline figure of the documentation site, drawn from the data at build time (matplotlib,
Agg): events by the day they began, stacked by event type. (The map is the interactive event map,
``event_map``.)

SVG output is deterministic: fixed hash salt for element ids, no date or creator metadata, text
as paths (the same glyphs in every browser)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..declaration import Declaration

SVG_METADATA = {"Date": None, "Creator": None}
TYPE_COLOURS = ["#1b6ca8", "#e3a21a", "#7a5195", "#c0392b", "#2e8b57", "#6c757d", "#17becf", "#8c564b"]


@dataclass
class FigureNote:
    """What a figure shows and leaves out, for its caption."""

    path: Path
    shown: int
    left_out: int
    detail: str = ""
    several_days: int = 0  # of the events shown, those whose span runs over more than one day


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
    """Events by the day they began, over the declared coverage span, stacked by event type. Each
    event is counted once, on its first day (``date_start``), however many days it spans."""
    plt = _pyplot()
    span = decl.package.get("coverage") or {}
    starts = [dt.date.fromisoformat(e["date_start"]) for e in events]
    ends = [dt.date.fromisoformat(e["date_end"]) for e in events]
    first = dt.date.fromisoformat(span["from"]) if span.get("from") else min(starts, default=dt.date(2024, 1, 1))
    last = dt.date.fromisoformat(span["to"]) if span.get("to") else max(ends, default=first)
    days = _days(first, last)
    position = {day: i for i, day in enumerate(days)}
    types = decl.vocabularies["event_type"].codes
    counts = {t.code: [0] * len(days) for t in types}
    shown = several = 0
    for e, s, f in zip(events, starts, ends, strict=True):
        if s in position and e["event_type"] in counts:
            counts[e["event_type"]][position[s]] += 1
            shown += 1
            several += f > s
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
    ax.set_ylabel("events, by the day they began")
    ax.set_title(f"Events by first day and type, {first.day} {first:%B %Y} – {last.day} {last:%B %Y}")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    _save(fig, path)
    plt.close(fig)
    return FigureNote(path, shown, len(events) - shown, f"{first.isoformat()} to {last.isoformat()}", several)
