"""Importers within the package's limits (issue 18): a cell holding characters the validator
refuses, decomposed text, an over-long value or a leading formula character is handled and
reported per row (a warning naming the file, row and column); the import's output always passes
`sce validate`."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

from syria_conflict_events.cli import main
from syria_conflict_events.importers.common import MAX_CELL_CHARS, guard_cells
from syria_conflict_events.validation import render, validate_package

FIXTURE = Path(__file__).parent / "fixtures" / "acled_small.csv"


def _hostile_export(tmp_path: Path) -> Path:
    with FIXTURE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    first = rows[0]
    first["actor1"] = "=Example\ue000 Armed Group\u2028"
    first["location"] = unicodedata.normalize("NFD", "Café Alpha") + "\ufffe"
    first["source"] = "Example Monitor; " + "Long Publisher " * 300
    path = tmp_path / "acled.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(first))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_hostile_cells_are_reported_per_row_and_the_output_validates(tmp_path, capsys):
    export = _hostile_export(tmp_path)
    out = tmp_path / "pkg"
    code = main(["import", "acled", str(export), "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert f"{export}:2:actor1: warning: U+E000" in err
    assert f"{export}:2:actor1: warning: leading '='" in err
    assert f"{export}:2:location: warning: U+FFFE" in err
    assert f"{export}:2:source: warning: " in err and f"cut to {MAX_CELL_CHARS:,}" in err
    report = validate_package(out)
    assert report.valid, render(report)
    places = (out / "data" / "places.csv").read_text(encoding="utf-8")
    assert "Café Alpha" in places  # composed, not dropped


def test_guard_leaves_ordinary_cells_alone():
    row = {"a": "Aleppo", "b": "-1", "c": "حلب", "d": ""}
    assert guard_cells("x.csv", 2, row) == []
    assert row == {"a": "Aleppo", "b": "-1", "c": "حلب", "d": ""}


def test_guard_reports_a_formula_cell():
    row = {"actor1": "@Someone"}
    notes = guard_cells("x.csv", 7, row)
    assert [n.text() for n in notes] == ["x.csv:7:actor1: warning: leading '@' removed (a spreadsheet would run "
                                         "the cell as a formula)"]
