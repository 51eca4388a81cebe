"""sce import acled: a small hand-written fixture in ACLED's export column layout (no ACLED data
is in this repository), re-import, the older numeric inter codes, and bad input."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from syria_conflict_events.cli import main
from syria_conflict_events.validation import render, validate_package

FIXTURE = Path(__file__).parent / "fixtures" / "acled_small.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _import(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["import", "acled", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _events_by_acled_id(out: Path) -> dict[str, dict[str, str]]:
    ext = {r["value"]: r["entity_id"] for r in _rows(out / "data" / "external_ids.csv") if r["scheme"] == "acled_event"}
    events = {r["event_id"]: r for r in _rows(out / "data" / "events.csv")}
    return {acled_id: events[eid] for acled_id, eid in ext.items()}


def test_fixture_imports_to_a_valid_package(tmp_path, capsys):
    out = tmp_path / "pkg"
    code, stdout, stderr = _import(capsys, str(FIXTURE), "--out", str(out))
    assert code == 0, stderr
    report = validate_package(out)
    assert report.valid, render(report)
    events = _events_by_acled_id(out)
    assert sorted(events) == ["LBN90007", "SYR90001", "SYR90002", "SYR90003", "SYR90004"]
    assert f"{FIXTURE}:6:sub_event_type:" in stderr and f"{FIXTURE}:7:latitude:" in stderr
    assert "2 row(s) not mapped" in stdout


def test_crosswalk_from_the_declaration(tmp_path, capsys):
    out = tmp_path / "pkg"
    _import(capsys, str(FIXTURE), "--out", str(out))
    events = _events_by_acled_id(out)
    e1, e2, e3, e4 = (events[f"SYR9000{i}"] for i in range(1, 5))
    assert (e1["event_type"], e1["sub_event_type"], e1["date_precision"]) == ("battles", "armed_clash", "day")
    assert e2["sub_event_type"] == "shelling_artillery_missile_attack"
    assert (e2["date_start"], e2["date_precision"], e2["location_precision"]) == ("2024-11-30", "week", "2")
    assert (e3["date_precision"], e3["location_precision"], e3["place_id"]) == ("month", "4", "idlib-governorate")
    assert e4["event_type"] == "protests" and e1["fatalities_best"] == "3"
    assert e1["fatalities_low"] == e1["fatalities_high"] == "3"  # one figure: low, best and high
    actors = {r["actor_id"]: r for r in _rows(out / "data" / "actors.csv")}
    assert (actors["example-state-forces"]["actor_type"], actors["example-state-forces"]["acled_inter_code"]) == \
        ("state_armed_force", "1")
    assert actors["civilians-syria"]["actor_type"] == "civilians"
    assert actors["protesters-syria"]["actor_type"] == "protesters"
    roles = {(r["event_id"], r["actor_id"]): r["role"] for r in _rows(out / "data" / "event_actors.csv")}
    assert roles[(e3["event_id"], "example-allied-militia")] == "associated"
    assert roles[(e3["event_id"], "example-armed-group")] == "side_a"


def test_no_acled_text_is_copied(tmp_path, capsys):
    out = tmp_path / "pkg"
    _import(capsys, str(FIXTURE), "--out", str(out))
    note = _rows(FIXTURE)[0]["notes"]
    for path in (out / "data").glob("*.csv"):
        assert note not in path.read_text(encoding="utf-8")


def test_claims_carry_the_figure_and_the_publishers(tmp_path, capsys):
    out = tmp_path / "pkg"
    _import(capsys, str(FIXTURE), "--out", str(out))
    eid = _events_by_acled_id(out)["SYR90001"]["event_id"]
    claims = [c for c in _rows(out / "data" / "claims.csv") if c["event_id"] == eid]
    by = {c["claimant_actor_id"]: c for c in claims}
    assert set(by) == {"armed-conflict-location-event-data-acled", "example-monitor", "example-agency"}
    assert by["armed-conflict-location-event-data-acled"]["fatalities_claimed"] == "3"
    assert by["example-monitor"]["fatalities_claimed"] == ""


def test_reimport_changes_nothing_and_numeric_inter_codes_give_the_same_package(tmp_path, capsys):
    out = tmp_path / "pkg"
    _import(capsys, str(FIXTURE), "--out", str(out))
    before = {p.name: p.read_bytes() for p in (out / "data").glob("*.csv")}
    code, stdout, _ = _import(capsys, str(FIXTURE), "--out", str(out))
    assert code == 0 and "0 file(s) written" in stdout
    assert {p.name: p.read_bytes() for p in (out / "data").glob("*.csv")} == before
    # The older export layout gives inter codes as digits.
    labels = {"State forces": "1", "Rebel group": "2", "Protesters": "6", "Civilians": "7"}
    rows = _rows(FIXTURE)
    for r in rows:
        r["inter1"], r["inter2"] = labels.get(r["inter1"], r["inter1"]), labels.get(r["inter2"], r["inter2"])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    numeric = tmp_path / "numeric.csv"
    numeric.write_text(buf.getvalue(), encoding="utf-8")
    _import(capsys, str(numeric), "--out", str(tmp_path / "numeric"))
    assert {p.name: p.read_bytes() for p in (tmp_path / "numeric" / "data").glob("*.csv")} == before


def test_country_filter_and_strict(tmp_path, capsys):
    out = tmp_path / "pkg"
    code, _, _ = _import(capsys, str(FIXTURE), "--out", str(out), "--country", "Syria")
    assert code == 0
    assert "LBN90007" not in _events_by_acled_id(out)
    code, _, stderr = _import(capsys, str(FIXTURE), "--out", str(tmp_path / "strict"), "--strict")
    assert code == 1 and not (tmp_path / "strict").exists()
    code, _, stderr = _import(capsys, str(FIXTURE), "--out", str(tmp_path / "x"), "--country", "Atlantis")
    assert code == 2 and "not in the country vocabulary" in stderr


def test_missing_column_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("event_id_cnty,event_date\nSYR1,2024-01-01\n", encoding="utf-8")
    code, _, stderr = _import(capsys, str(bad), "--out", str(tmp_path / "pkg"))
    assert code == 2 and "missing column(s) event_type" in stderr
    assert not (tmp_path / "pkg").exists()


def test_output_inside_the_repository_is_refused(capsys):
    repo = Path(__file__).resolve().parents[1]
    out = repo / "acled-output-must-not-exist"
    code, _, stderr = _import(capsys, str(FIXTURE), "--out", str(out))
    assert code == 2 and "inside the SCE repository" in stderr
    assert not out.exists()
