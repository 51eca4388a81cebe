"""Territorial control (issue 15): the table's rules, each proven by a package that breaks it, and
the loader's control_on against the bundled data."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from syria_conflict_events.validation import render, validate_package

C = "data/control.csv"


def _taken(rows: dict) -> None:
    """An event in which the HTS-led side takes Aleppo on 29 Nov, and the period it starts."""
    rows["events"].append({"event_id": "SCE-000003", "date_start": "2024-11-29", "date_end": "2024-11-29",
                           "date_precision": "day", "event_type": "battles",
                           "sub_event_type": "non_state_actor_overtakes_territory", "place_id": "aleppo",
                           "location_precision": "1", "summary": "Insurgents took the city from the army.",
                           "confidence": "medium", "verification": "single_source"})
    rows["claims"].append({"claim_id": "CLM-000003", "event_id": "SCE-000003", "source_id": "news-report",
                           "claimant_actor_id": "syrian-state-media", "claim": "State media said the city fell.",
                           "stance": "asserts"})
    rows["event_actors"].append({"event_id": "SCE-000003", "actor_id": "hayat-tahrir-al-sham", "role": "side_a"})
    rows["control"].append({"control_id": "CTL-000002", "place_id": "aleppo", "actor_id": "hayat-tahrir-al-sham",
                            "control_state": "held", "date_from": "2024-11-29", "date_precision": "day",
                            "event_id": "SCE-000003"})


def _with(*edits: Callable[[dict], None]) -> Callable[[dict], None]:
    def edit(rows: dict) -> None:
        _taken(rows)
        for e in edits:
            e(rows)
    return edit


def _period(n: int, **cells: str) -> Callable[[dict], None]:
    def edit(rows: dict) -> None:
        rows["control"][n].update(cells)
    return edit


def test_a_change_backed_by_its_event_is_valid(make_package):
    report = validate_package(make_package(_with()))
    assert report.valid, render(report)


CASES = [
    ("overlapping-held-periods", _with(_period(0, date_to="2024-11-30")), (C, 3, "date_from", "control-overlap")),
    ("contested-may-overlap", None, None),
    ("end-before-start", _with(_period(1, date_to="2024-11-20")), (C, 3, "date_to", "control-date-order")),
    ("unknown-with-actor", _with(_period(1, control_state="unknown")), (C, 3, "actor_id", "control-actor")),
    ("held-without-actor", _with(_period(1, actor_id="")), (C, 3, "actor_id", "control-actor")),
    ("change-without-event", _with(_period(1, event_id="", claim_id="CLM-000003")),
     (C, 3, "event_id", "control-basis")),
    ("before-period-without-basis", _with(_period(0, claim_id="")), (C, 2, "event_id", "control-basis")),
    ("event-of-another-kind", _with(_period(1, event_id="SCE-000002")), (C, 3, "event_id", "control-event-type")),
    ("starts-before-its-event", _with(_period(1, date_from="2024-11-28"), _period(0, date_to="2024-11-27")),
     (C, 3, "date_from", "control-before-event")),
    ("unknown-place", _with(_period(1, place_id="atlantis")), (C, 3, "place_id", "foreign-key")),
]


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in CASES if c[1]], ids=[c[0] for c in CASES if c[1]])
def test_rule(make_package, edit, expected):
    root = make_package(edit)
    found = {(e.path, e.row, e.column, e.rule) for e in validate_package(root).errors}
    assert expected in found, found


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in CASES if c[1]], ids=[c[0] for c in CASES if c[1]])
def test_both_engines_agree(make_package, edit, expected):
    root = make_package(edit)
    cells = [{(e.path, e.row, e.column, e.rule) for e in validate_package(root, frictionless="never",
                                                                          pandera=engine).errors}
             for engine in ("always", "never")]
    assert cells[0] == cells[1] and expected in cells[0]


def test_a_contested_period_may_overlap_a_held_one(make_package):
    def contested(rows: dict) -> None:
        rows["control"].append({"control_id": "CTL-000003", "place_id": "aleppo", "actor_id": "syrian-arab-army",
                                "control_state": "contested", "date_from": "2024-11-29", "date_to": "2024-11-30",
                                "date_precision": "day", "event_id": "SCE-000003"})
    report = validate_package(make_package(_with(contested)))
    assert report.valid, render(report)


def test_control_on_gives_one_held_controller_per_place_each_day():
    import pandas as pd

    import syria_conflict_events as sce

    for day in pd.date_range("2024-11-26", "2024-12-08", freq="D"):
        on = sce.control_on(day.date())
        held = on[on["control_state"] == "held"]
        assert not held["place_id"].duplicated().any(), day
        assert on["place_id"].is_monotonic_increasing


def test_control_on_follows_the_changes_in_the_record():
    import syria_conflict_events as sce

    periods = sce.load("control")
    change = periods.dropna(subset=["date_from"]).query("control_state == 'held'").iloc[0]
    before = sce.control_on(change["date_from"].date() - __import__("datetime").timedelta(days=1))
    after = sce.control_on(change["date_from"].date())
    place = change["place_id"]
    assert change["actor_id"] in set(after.loc[after["place_id"] == place, "actor_id"])
    assert change["control_id"] not in set(before["control_id"])
    assert sce.control_on("2024-11-20", states=("unknown",)).empty
