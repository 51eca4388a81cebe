"""Contributor messages: a reference typo suggests the nearest existing IDs, a date in another
layout its ISO form, an empty required reference names the table it refers to; the same advice
whichever engine (Frictionless or the vectorised kernel) found the error."""

from __future__ import annotations

import subprocess
import sys

import pytest

from syria_conflict_events.validation import validate_package
from syria_conflict_events.validation.suggestions import iso_date, nearest

ENGINES = ["always", "never"]


def _edit(column: str, value: str, row: int = 1):
    def edit(rows: dict) -> None:
        rows["events"][row][column] = value
    return edit


def _find(report, rule: str, column: str):
    found = [e for e in report.errors if e.rule == rule and e.column == column]
    assert found, [e.to_text() for e in report.errors]
    return found[0]


@pytest.mark.parametrize("engine", ENGINES)
def test_reference_typo_suggests_the_nearest_ids(make_package, engine):
    report = validate_package(make_package(_edit("place_id", "alepo")), frictionless=engine)
    e = _find(report, "foreign-key", "place_id")
    assert (e.path, e.row) == ("data/events.csv", 3)
    assert "did you mean aleppo" in e.message
    assert "refers to the places table" in e.message


@pytest.mark.parametrize("engine", ENGINES)
def test_reference_without_a_near_id_says_so(make_package, engine):
    report = validate_package(make_package(_edit("place_id", "zzzzzzzz")), frictionless=engine)
    e = _find(report, "foreign-key", "place_id")
    assert "which has no such row" in e.message and "did you mean" not in e.message


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("written", ["29/11/2024", "2024/11/29", "29 Nov 2024", "29 November 2024", "11/29/2024"])
def test_date_in_another_layout_suggests_iso(make_package, engine, written):
    report = validate_package(make_package(_edit("date_end", written)), frictionless=engine)
    e = _find(report, "type", "date_end")
    assert "2024-11-29" in e.message, e.message


@pytest.mark.parametrize("engine", ENGINES)
def test_required_reference_names_its_table(make_package, engine):
    report = validate_package(make_package(_edit("place_id", "")), frictionless=engine)
    e = _find(report, "required", "place_id")
    assert "refers to the places table" in e.message


def test_the_command_line_shows_the_advice(make_package):
    root = make_package(_edit("place_id", "alepo"))
    result = subprocess.run([sys.executable, "-m", "syria_conflict_events", "validate", str(root)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "did you mean aleppo" in result.stderr


@pytest.mark.parametrize(("text", "iso"), [
    ("29/11/2024", "2024-11-29"), ("2024/11/29", "2024-11-29"), ("29 Nov 2024", "2024-11-29"),
    ("Nov 29, 2024", "2024-11-29"), ("29.11.2024", "2024-11-29"), ("2024-11-29T10:00", "2024-11-29"),
    ("31/02/2024", None), ("soon", None), ("", None), ("9" * 500, None),
])
def test_iso_date(text, iso):
    assert iso_date(text) == iso


def test_nearest_is_case_insensitive_and_bounded():
    assert nearest("Aleppo-City", ["aleppo-city", "homs"]) == ["aleppo-city"]
    assert nearest("x" * 10_000, ["aleppo-city"]) == []
