"""Coverage report: per day and per front; a day without events fails."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO
from hypothesis import given
from hypothesis import strategies as st

from syria_conflict_events.coverage import coverage, coverage_matrix


def _events(*spans: tuple[str, str, str | None]) -> pd.DataFrame:
    return pd.DataFrame({
        "date_start": pd.to_datetime([s for s, _, _ in spans]),
        "date_end": pd.to_datetime([e for _, e, _ in spans]),
        "front": pd.Series([f for _, _, f in spans], dtype="str"),
    })


def test_range_dated_event_counts_on_each_day_of_its_span():
    m = coverage_matrix(_events(("2024-11-27", "2024-11-29", "northwest"), ("2024-11-28", "2024-11-28", "south")),
                        "2024-11-27", "2024-11-30", ["northwest", "south"])
    assert m["northwest"].tolist() == [1, 1, 1, 0]
    assert m["south"].tolist() == [0, 1, 0, 0]
    assert m["all"].tolist() == [1, 2, 1, 0]


def test_events_without_front_are_counted_apart():
    m = coverage_matrix(_events(("2024-11-27", "2024-11-27", None)), "2024-11-27", "2024-11-27", ["northwest"])
    assert m.loc["2024-11-27", "(none)"] == 1 and m.loc["2024-11-27", "all"] == 1


def test_repository_covers_every_day_of_the_declared_span():
    matrix, empty = coverage(REPO)
    assert empty == []
    assert matrix.index[0] == "2024-11-27" and matrix.index[-1] == "2024-12-08"


def test_command_fails_on_a_day_without_events(valid_package):
    result = subprocess.run([sys.executable, "-m", "syria_conflict_events", "coverage", str(valid_package)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "days without any event: 2024-11-30" in result.stdout


def _by_definition(spans: list[tuple[str | None, str | None, str | None]], start: str, end: str,
                   fronts: list[str]) -> dict[str, list[int]]:
    """The matrix's meaning, day by day: an event counts on every day of its span."""
    days = [d.strftime("%Y-%m-%d") for d in pd.date_range(start, end, freq="D")]
    out = {f: [sum(1 for s, e, g in spans if s and e and s <= d <= e and (g or "(none)") == f) for d in days]
           for f in [*fronts, "(none)"]}
    if not any(out["(none)"]):
        del out["(none)"]
    out["all"] = [sum(col[i] for col in out.values()) for i in range(len(days))]
    return out


DAY = st.dates(min_value=dt.date(2024, 11, 20), max_value=dt.date(2024, 12, 15)).map(dt.date.isoformat)


@given(st.lists(st.tuples(st.none() | DAY, st.none() | DAY, st.sampled_from([None, "northwest", "south", "damascus"])),
                max_size=30))
def test_the_counts_follow_the_definition(spans):
    """Spans before, across and after the declared period, missing dates, ends before starts."""
    events = pd.DataFrame({
        "date_start": pd.to_datetime(pd.Series([s for s, _, _ in spans], dtype="object")),
        "date_end": pd.to_datetime(pd.Series([e for _, e, _ in spans], dtype="object")),
        "front": pd.Series([f for _, _, f in spans], dtype="str"),
    })
    fronts = ["northwest", "south", "damascus"]
    m = coverage_matrix(events, "2024-11-27", "2024-12-08", fronts)
    assert {c: m[c].tolist() for c in m.columns} == _by_definition(spans, "2024-11-27", "2024-12-08", fronts)
    assert list(m.index) == [d.strftime("%Y-%m-%d") for d in pd.date_range("2024-11-27", "2024-12-08")]


def test_an_undeclared_front_is_an_error_not_a_crash():
    with pytest.raises(ValueError, match="'atlantis' is not declared"):
        coverage_matrix(_events(("2024-11-27", "2024-11-27", "atlantis")), "2024-11-27", "2024-11-28", ["south"])
