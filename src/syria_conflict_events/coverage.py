"""Coverage of the promised span: events per day and per front. An event counts on every day
of its span (date_start..date_end), so a range-dated event covers each day it may fall on."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .declaration import Declaration, load_declaration
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
    """Rows: every day of [start, end]; columns: fronts (declared order) plus a total."""
    days = pd.date_range(start, end, freq="D")
    front = events["front"].astype("str").fillna(NO_FRONT)
    columns = [*fronts, NO_FRONT]
    counts = pd.DataFrame(0, index=days, columns=columns, dtype="int64")
    for f, s, e in zip(front, events["date_start"], events["date_end"], strict=True):
        if pd.isna(s) or pd.isna(e):
            continue
        span = (days >= s) & (days <= e)
        counts.loc[span, f] += 1
    counts = counts.loc[:, (counts.sum() > 0) | counts.columns.isin(fronts)]
    counts["all"] = [
        int(((events["date_start"] <= d) & (events["date_end"] >= d)).sum()) for d in days
    ]
    counts.index = counts.index.strftime("%Y-%m-%d")
    counts.index.name = "day"
    return counts


def coverage(root: Path | None = None, decl: Declaration | None = None) -> tuple[pd.DataFrame, list[str]]:
    """(matrix, days without any event) for the span declared in package.yaml."""
    from .paths import resource_root

    decl = decl or load_declaration()
    span = decl.package["coverage"]
    events = read_events(Path(root) if root else resource_root(), decl)
    matrix = coverage_matrix(events, span["from"], span["to"], decl.vocabularies["front"].values)
    empty = [day for day, n in matrix["all"].items() if n == 0]
    return matrix, empty


def to_markdown(matrix: pd.DataFrame, decl: Declaration | None = None) -> str:
    decl = decl or load_declaration()
    labels = {c.code: c.label for c in decl.vocabularies["front"].codes}
    head = ["day", *[labels.get(c, c) for c in matrix.columns]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for day, row in matrix.iterrows():
        lines.append("| " + " | ".join([str(day), *[str(v) if v else "" for v in row]]) + " |")
    return "\n".join(lines) + "\n"
