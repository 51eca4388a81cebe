"""The home page's "at a glance" snippet: what the release holds, computed from its data when the
site is built (counts, date span, verification shares, fatality figures, who held how many places
at the start and end of the control window)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..declaration import Declaration
from .control_map import days, periods_on
from .event_text import Records
from .templates import render

COUNTED = ("events", "claims", "sources", "places", "actors")
FATALITY_FIELDS = ("fatalities_low", "fatalities_best", "fatalities_high")


@dataclass(frozen=True)
class Share:
    code: str
    label: str
    count: int
    percent: str


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "—"


def _shares(decl: Declaration, events: list[dict[str, Any]]) -> list[Share]:
    counts = Counter(e.get("verification") for e in events)
    vocab = decl.vocabularies.get("verification")
    codes = [(c.code, c.label) for c in vocab.codes] if vocab else [(k, k) for k in sorted(counts, key=str) if k]
    return [Share(code, label, counts.get(code, 0), _percent(counts.get(code, 0), len(events))) for code, label in codes]


def _control(records: Records) -> tuple[str, str, list[tuple[str, int, int]]]:
    """(first day, last day, [(controller name, places held on the first, on the last)]):
    places whose state that day is ``held``; contested or unknown states are one row of their own."""
    window = days()
    first, last = window[0], window[-1]

    def tally(day: str) -> Counter[str]:
        out: Counter[str] = Counter()
        for c in periods_on(records, day):
            if c["control_state"] == "held":
                out[records.actors.get(c["actor_id"] or "", {}).get("name") or (c["actor_id"] or "unknown")] += 1
            else:
                out[f"({c['control_state']})"] += 1
        return out

    a, b = tally(first), tally(last)
    names = sorted(set(a) | set(b), key=lambda n: (n.startswith("("), -b[n], -a[n], n))
    return first, last, [(n, a[n], b[n]) for n in names]


def glance(decl: Declaration, rows: dict[str, list[dict[str, Any]]], records: Records) -> str:
    events = rows.get("events", [])
    starts = [e["date_start"] for e in events]
    ends = [e["date_end"] for e in events]
    with_figure = sum(1 for e in events if any(e.get(k) is not None for k in FATALITY_FIELDS))
    claims_with_figure = sum(1 for c in rows.get("claims", []) if c.get("fatalities_claimed") is not None)
    span = decl.package.get("coverage") or {}
    in_span = sum(1 for e in events if span.get("from", "") <= e["date_start"] and e["date_end"] <= span.get("to", "9"))
    first, last, control = _control(records) if records.control else ("", "", [])
    return render("home_glance.md.j2", version=decl.version,
                  counts=[(name, len(rows.get(name, []))) for name in COUNTED],
                  first=min(starts, default=""), last=max(ends, default=""),
                  coverage=span, in_span=in_span, events=len(events),
                  shares=_shares(decl, events), with_figure=with_figure,
                  with_figure_percent=_percent(with_figure, len(events)), claims_with_figure=claims_with_figure,
                  control_first=first, control_last=last, control=control,
                  control_periods=len(records.control),
                  control_places=len({c["place_id"] for c in records.control}))
