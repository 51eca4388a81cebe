"""Coverage of the promised span: events per day and per front. An event counts on every day
of its span (date_start..date_end), so a range-dated event covers each day it may fall on."""

from __future__ import annotations

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
    head = ["day", *[plain(labels.get(c, c)) for c in matrix.columns]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for day, row in matrix.iterrows():
        lines.append("| " + " | ".join([str(day), *[str(v) if v else "" for v in row]]) + " |")
    return "\n".join(lines) + "\n"
