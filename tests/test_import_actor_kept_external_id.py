"""An actor the package holds but a newer export does not name keeps its external id, so the
import after that finds it again by its key instead of making a second actor of the same name."""

from __future__ import annotations

from pathlib import Path

from csv_rows import read_rows, write_rows

from syria_conflict_events.cli import main
from syria_conflict_events.validation import validate_package

FIXTURE = Path(__file__).parent / "fixtures" / "acled_small.csv"
ACTOR = "Example Armed Group"
ACTOR_COLUMNS = ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2")


def _external(out: Path) -> list[dict[str, str]]:
    rows = read_rows(out / "data" / "external_ids.csv")
    return [r for r in rows if r["table_name"] == "actors" and r["value"] == ACTOR]


def test_an_actor_left_out_of_a_newer_export_is_found_again(tmp_path, capsys):
    rows = read_rows(FIXTURE)
    assert any(ACTOR in (r[c] for c in ACTOR_COLUMNS) for r in rows)
    full = write_rows(tmp_path / "full.csv", rows)
    newer = write_rows(tmp_path / "newer.csv", [r for r in rows if ACTOR not in (r[c] for c in ACTOR_COLUMNS)])
    out = tmp_path / "pkg"
    assert main(["import", "acled", str(full), "--out", str(out)]) == 0
    first = _external(out)
    assert [r["entity_id"] for r in first] == ["example-armed-group"]
    assert main(["import", "acled", str(newer), "--out", str(out)]) == 0
    assert _external(out) == first  # kept as it was, scheme version included
    assert main(["import", "acled", str(full), "--out", str(out)]) == 0
    named = [r["actor_id"] for r in read_rows(out / "data" / "actors.csv") if r["name"] == ACTOR]
    assert named == ["example-armed-group"]  # no second actor of the same name
    assert _external(out) == first
    assert validate_package(out).valid
    capsys.readouterr()
