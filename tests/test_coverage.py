"""Coverage report: per day and per front; a day without events fails."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
from conftest import REPO

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
