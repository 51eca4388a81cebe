"""Coverage of the promised span: events per day and per front. An event counts on every day
of its span (date_start..date_end), so a range-dated event covers each day it may fall on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .declaration import Declaration, load_declaration
from .markdown_text import plain
from .typed import to_typed
from .validation.structure import read_raw_table

NO_FRONT = "(none)"


def read_events(root: Path, decl: Declaration) -> pd.DataFrame:
    table = decl.tables["events"]
    raw, errors = read_raw_table(root, table)
    if raw is None:
        raise ValueError("; ".join(e.to_text() for e in errors))
    typed, _ = to_typed(decl, table, raw.frame)
    return typed


def coverage_matrix(events: pd.DataFrame, start: str, end: str, fronts: list[str]) -> pd.DataFrame:
    """Rows: every day of [start, end]; columns: fronts (declared order), events without a front
    (only when there are any) and the total. Counted with one difference array per column
    (+1 on the first day of a span, -1 after its last), so the cost is linear in events + days."""
    import numpy as np

    days = pd.date_range(start, end, freq="D")
    columns = [*fronts, NO_FRONT]
    front = events["front"].astype("str").fillna(NO_FRONT)
    unknown = sorted(set(front.unique()) - set(columns))
    if unknown:
        raise ValueError(f"front {', '.join(map(repr, unknown))} is not declared in the front vocabulary")
    first, last = np.datetime64(start, "D"), np.datetime64(end, "D")
    begins = events["date_start"].to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT"))
    ends = events["date_end"].to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT"))
    begins, ends = np.maximum(begins, first), np.minimum(ends, last)  # NaT stays NaT
    kept = ~(np.isnat(begins) | np.isnat(ends)) & (begins <= ends)
    column = pd.Categorical(front, categories=columns).codes[kept]
    diff = np.zeros((len(columns), len(days) + 1), dtype=np.int64)
    np.add.at(diff, (column, (begins[kept] - first).astype(np.int64)), 1)
    np.add.at(diff, (column, (ends[kept] - first).astype(np.int64) + 1), -1)
    counts = pd.DataFrame(np.cumsum(diff, axis=1)[:, : len(days)].T, index=days, columns=columns)
    counts = counts.loc[:, (counts.sum() > 0) | counts.columns.isin(fronts)]
    counts["all"] = counts.sum(axis=1)
    counts.index = counts.index.strftime("%Y-%m-%d")
    counts.index.name = "day"
    return counts


def read_table(root: Path, decl: Declaration, name: str) -> pd.DataFrame:
    table = decl.tables[name]
    raw, errors = read_raw_table(root, table)
    if raw is None:
        raise ValueError("; ".join(e.to_text() for e in errors))
    return to_typed(decl, table, raw.frame)[0]


def coverage(root: Path | None = None, decl: Declaration | None = None) -> tuple[pd.DataFrame, list[str]]:
    """(matrix, days without any event) for the span declared in package.yaml. The matrix has a
    ``single-day`` column: events whose whole span is that one day (counted once)."""
    from .paths import resource_root

    decl = decl or load_declaration()
    span = decl.package["coverage"]
    events = read_events(Path(root) if root else resource_root(), decl)
    matrix = coverage_matrix(events, span["from"], span["to"], decl.vocabularies["front"].values)
    one_day = events[events["date_start"] == events["date_end"]]["date_start"].dt.strftime("%Y-%m-%d")
    matrix["single-day"] = one_day.value_counts().reindex(matrix.index, fill_value=0).astype("int64")
    empty = [day for day, n in matrix["all"].items() if n == 0]
    return matrix, empty


@dataclass(frozen=True)
class Goal:
    name: str
    value: float
    goal: float | None  # None: reported, no goal declared

    @property
    def met(self) -> bool:
        return self.goal is None or self.value >= self.goal


def density(root: Path | None = None, decl: Declaration | None = None,
            matrix: pd.DataFrame | None = None) -> list[Goal]:
    """The figures package.yaml's coverage goals name, for the events dated within the span,
    each against its goal; plus the share of those events that have a point (reported)."""
    from .paths import resource_root

    decl = decl or load_declaration()
    root = Path(root) if root else resource_root()
    span = decl.package["coverage"]
    goals = span.get("goals") or {}
    events = read_events(root, decl)
    inside = events[(events["date_start"] >= pd.Timestamp(span["from"]))
                    & (events["date_end"] <= pd.Timestamp(span["to"]))]
    claims = read_table(root, decl, "claims")
    sources = read_table(root, decl, "sources")
    places = read_table(root, decl, "places")
    cited = claims[claims["event_id"].isin(inside["event_id"])]
    reports = sources[sources["source_id"].isin(cited["source_id"])]
    if matrix is None:
        matrix, _ = coverage(root, decl)
    per_front = inside["front"].value_counts()
    located = places.loc[places["latitude"].notna(), "place_id"]
    figures = {
        "events": len(inside), "claims": len(cited), "reports": reports["source_id"].nunique(),
        "publishers": reports["publisher"].dropna().nunique(),
        "single_day_events_per_day": int(matrix["single-day"].min()) if len(matrix) else 0,
        "contested_events": int((inside["verification"].astype("str") == "contested").sum()),
        "events_per_front": int(min((per_front.get(f, 0) for f in decl.vocabularies["front"].values), default=0)),
    }
    out = [Goal(name, float(value), None if goals.get(name) is None else float(goals[name]))
           for name, value in figures.items()]
    share = float(inside["place_id"].isin(located).mean()) if len(inside) else 0.0
    out.append(Goal("share_of_events_with_a_point", round(share, 3), goals.get("share_of_events_with_a_point")))
    return out


def goals_markdown(figures: list[Goal]) -> str:
    lines = ["| figure | value | goal | met |", "|---|---|---|---|"]
    for g in figures:
        value = f"{g.value:.0%}" if g.name.startswith("share") else f"{g.value:,.0f}"
        goal = "" if g.goal is None else (f"{g.goal:.0%}" if g.name.startswith("share") else f"{g.goal:,.0f}")
        met = "" if g.goal is None else ("yes" if g.met else "no")
        lines.append(f"| {g.name.replace('_', ' ')} | {value} | {goal} | {met} |")
    return "\n".join(lines) + "\n"


def to_markdown(matrix: pd.DataFrame, decl: Declaration | None = None) -> str:
    decl = decl or load_declaration()
    labels = {c.code: c.label for c in decl.vocabularies["front"].codes}
    head = ["day", *[plain(labels.get(c, c)) for c in matrix.columns]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for day, row in matrix.iterrows():
        lines.append("| " + " | ".join([str(day), *[str(v) if v else "" for v in row]]) + " |")
    return "\n".join(lines) + "\n"
