"""ACLED listing itself as a publisher in ``source``.

Actors are one per name, so a publisher named exactly as ACLED's compiler actor ("Armed Conflict
Location & Event Data (ACLED)") is that actor: its claim in the export is the compiler's own claim
(with the figure), not a second claim by the same actor in the same source, which repeated the
claim id and left a package that did not validate. The short name "ACLED" is another name, so
another publisher actor with a claim of its own (as for any publisher). The columnar path, the
rows it sends row by row, and a file read row by row write the same package.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from csv_rows import write_rows

from syria_conflict_events.cli import main
from syria_conflict_events.importers import acled
from syria_conflict_events.validation import render, validate_package

FIXTURE = Path(__file__).parent / "fixtures" / "acled_small.csv"
COMPILER = "armed-conflict-location-event-data-acled"
SOURCES = {  # acled event id -> its source cell
    "SYR90001": f"{acled.ACLED_NAME}; Example Agency",
    "SYR90002": acled.ACLED_NAME,
    "SYR90003": "ACLED; Example Agency",
    "SYR90004": f" {acled.ACLED_NAME} ;Example Monitor; {acled.ACLED_NAME}",
}
ODD = "SYR90004"  # in the "mixed" file a cell sends it row by row from the columnar path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _export(path: Path, *, crlf: bool = False, odd: bool = False) -> Path:
    rows = _rows(FIXTURE)
    for r in rows:
        r["source"] = SOURCES.get(r["event_id_cnty"], r["source"])
        if odd and r["event_id_cnty"] == ODD:
            r["location"] = "Delta\u0301"  # not NFC: guard_cells composes it, row by row
    return write_rows(path, rows, crlf=crlf)


def _import(source: Path, out: Path, monkeypatch) -> set[str]:
    """Import; the ACLED ids of the rows mapped row by row (AcledRows.map)."""
    by_row: set[str] = set()
    mapper = acled.AcledRows.map

    def spy(self, line, row, **kw):
        by_row.add(row.get("event_id_cnty", ""))
        return mapper(self, line, row, **kw)

    monkeypatch.setattr(acled.AcledRows, "map", spy)
    assert main(["import", "acled", str(source), "--out", str(out)]) == 0
    return by_row


def _claims_by_acled_id(out: Path) -> dict[str, list[dict[str, str]]]:
    data = out / "data"
    event_of = {r["entity_id"]: r["value"] for r in _rows(data / "external_ids.csv") if r["scheme"] == "acled_event"}
    claims: dict[str, list[dict[str, str]]] = {}
    for c in _rows(data / "claims.csv"):
        claims.setdefault(event_of[c["event_id"]], []).append(c)
    return claims


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "data").glob("*.csv"))}


def _check(out: Path, capsys) -> None:
    report = validate_package(out)
    assert report.valid, render(report)
    capsys.readouterr()
    assert main(["validate", str(out)]) == 0, capsys.readouterr()
    claims = _rows(out / "data" / "claims.csv")
    assert [k for k, n in Counter(c["claim_id"] for c in claims).items() if n > 1] == []
    triples = Counter((c["event_id"], c["source_id"], c["claimant_actor_id"]) for c in claims)
    assert [k for k, n in triples.items() if n > 1] == []
    by_event = _claims_by_acled_id(out)
    claimants = {k: sorted(c["claimant_actor_id"] for c in v) for k, v in by_event.items()}
    assert claimants["SYR90001"] == [COMPILER, "example-agency"]
    assert claimants["SYR90002"] == [COMPILER]
    assert claimants["SYR90003"] == ["acled", COMPILER, "example-agency"]
    assert claimants["SYR90004"] == [COMPILER, "example-monitor"]
    for acled_id, expected in (("SYR90001", "3"), ("SYR90002", "0")):  # ACLED's claim keeps the figure
        (own,) = [c for c in by_event[acled_id] if c["claimant_actor_id"] == COMPILER]
        assert own["fatalities_claimed"] == expected
        assert own["claim"].startswith("ACLED codes the event with")
    actors = {r["actor_id"]: r for r in _rows(out / "data" / "actors.csv")}
    assert actors[COMPILER]["actor_type"] == "compiler"
    assert (actors["acled"]["name"], actors["acled"]["actor_type"]) == ("ACLED", "media")


@pytest.mark.parametrize("path", ["columnar", "mixed", "rows"])
def test_acled_as_its_own_publisher_gives_a_valid_package(tmp_path, capsys, monkeypatch, path):
    source = _export(tmp_path / "export.csv", crlf=path == "rows", odd=path == "mixed")
    out = tmp_path / "pkg"
    by_row = _import(source, out, monkeypatch)
    # The path each case is meant to take (rows 6-7 of the fixture always go row by row).
    imported = set(SOURCES)
    assert {"columnar": not by_row & imported, "mixed": by_row & imported == {ODD},
            "rows": imported <= by_row}[path], sorted(by_row)
    _check(out, capsys)
    # A re-import changes nothing.
    before = _files(out)
    capsys.readouterr()
    assert main(["import", "acled", str(source), "--out", str(out)]) == 0
    assert "0 file(s) written" in capsys.readouterr().out
    assert _files(out) == before


@pytest.mark.parametrize("odd", [False, True])
def test_the_columnar_and_row_by_row_paths_write_the_same_package(tmp_path, capsys, monkeypatch, odd):
    lf = _export(tmp_path / "lf.csv", odd=odd)
    crlf = _export(tmp_path / "crlf.csv", crlf=True, odd=odd)
    _import(lf, tmp_path / "columnar", monkeypatch)
    _import(crlf, tmp_path / "rows", monkeypatch)
    assert _files(tmp_path / "columnar") == _files(tmp_path / "rows")
