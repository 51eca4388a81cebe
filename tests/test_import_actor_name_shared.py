"""A publisher named as an actor of the events: two actors, kept apart by every import.

The first import gives a publisher (an ``ActorSpec`` keyed by its name, typed media) an actor of
its own when an event's actor (keyed by ACLED's actor name or UCDP's actor id) has the same name:
``example-state-forces`` and ``example-state-forces-2``. A re-import found the package's actors by
name, so the publisher took whichever actor of that name came first in actors.csv, the event's
actor: claims.csv was rewritten with another claimant and new claim ids. Now a name finds only
an actor that no scheme's external id holds, and each spec finds its own actor again, on the
columnar path and row by row, whichever of the two was met first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from csv_rows import read_rows as _rows
from csv_rows import write_rows as _write

from syria_conflict_events.cli import main
from syria_conflict_events.importers import acled
from syria_conflict_events.importers.common import ACTOR_KEY_SCHEMES
from syria_conflict_events.importers.ucdp import rows as ucdp_rows
from syria_conflict_events.validation import render, validate_package

FIXTURES = Path(__file__).parent / "fixtures"

# name -> (the acled event id whose source names it as a publisher, that source cell, the publisher's
# actor id, the event actor's id). "Example State Forces" is an actor of SYR90001, met before the
# publisher in SYR90002; "Protesters (Syria)" is a publisher in SYR90001 before it is SYR90004's actor.
ACLED_CASES = {
    "actor first": ("SYR90002", "Example State Forces; Example Monitor",
                    "example-state-forces-2", "example-state-forces"),
    "publisher first": ("SYR90001", "Protesters (Syria); Example Monitor; Example Agency",
                        "protesters-syria", "protesters-syria-2"),
}
# The same for UCDP GED: (event id, source_office cell, publisher's id, the side actor's id).
UCDP_CASES = {
    "actor first": ("900004", "Government of Syria;Example Wire", "government-of-syria-2", "government-of-syria"),
    "publisher first": ("900001", "Example Front;Example Wire", "example-front", "example-front-2"),
}




def _acled_export(path: Path, case: str, *, path_kind: str = "columnar") -> Path:
    event, cell, _, _ = ACLED_CASES[case]
    rows = _rows(FIXTURES / "acled_small.csv")
    for r in rows:
        if r["event_id_cnty"] == event:
            r["source"] = cell
            if path_kind == "mixed":
                r["location"] = "Delta\u0301"  # not NFC: guard_cells composes it, so this row goes row by row
    return _write(path, rows, crlf=path_kind == "rows")


def _ucdp_export(path: Path, case: str, *, crlf: bool = False) -> Path:
    event, offices, _, _ = UCDP_CASES[case]
    rows = _rows(FIXTURES / "ucdp_ged_small.csv")
    for r in rows:
        if r["id"] == event:
            r["source_office"] = offices  # source_headline has as many items: the headlines still split
    return _write(path, rows, crlf=crlf)


def _spy(monkeypatch, cls) -> set[str]:
    """The dataset ids of the rows mapped row by row (``cls.map``)."""
    seen: set[str] = set()
    mapper = cls.map

    def spy(self, line, row, **kw):
        seen.add(row.get("event_id_cnty") or row.get("id") or "")
        return mapper(self, line, row, **kw)

    monkeypatch.setattr(cls, "map", spy)
    return seen


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))
            if p.is_file()}


def _files(root: Path) -> dict[str, bytes]:
    return {k: v for k, (v, _) in _snapshot(root).items()}


def _valid(out: Path, capsys) -> None:
    report = validate_package(out)
    assert report.valid, render(report)
    capsys.readouterr()
    assert main(["validate", str(out)]) == 0, capsys.readouterr()


def _check_actors(out: Path, *, scheme: str, name: str, publisher: str, actor: str, event: str,
                  event_scheme: str) -> None:
    """Two actors of that name: the publisher (media, no external id) claims in ``event``'s source
    list, and the event's actor (its external id, its type) takes part in events."""
    data = out / "data"
    actors = {r["actor_id"]: r for r in _rows(data / "actors.csv")}
    assert sorted(a for a, r in actors.items() if r["name"] == name) == sorted([publisher, actor])
    assert actors[publisher]["actor_type"] == "media"
    assert actors[actor]["actor_type"] not in ("media", "")
    external = _rows(data / "external_ids.csv")
    assert [r["entity_id"] for r in external if r["table_name"] == "actors" and r["entity_id"] in
            (publisher, actor)] == [actor]
    assert any(r["entity_id"] == actor and r["scheme"] == scheme for r in external)
    sce_event = next(r["entity_id"] for r in external if r["scheme"] == event_scheme and r["value"] == event)
    assert publisher in {c["claimant_actor_id"] for c in _rows(data / "claims.csv") if c["event_id"] == sce_event}
    assert actor not in {c["claimant_actor_id"] for c in _rows(data / "claims.csv")}
    assert publisher not in {r["actor_id"] for r in _rows(data / "event_actors.csv")}
    assert actor in {r["actor_id"] for r in _rows(data / "event_actors.csv")}


def _reimport_changes_nothing(kind: str, source: Path, out: Path, capsys) -> None:
    before = _snapshot(out)
    capsys.readouterr()
    assert main(["import", kind, str(source), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "0 added, 0 changed, 0 retired" in printed and "0 file(s) written" in printed, printed
    assert _snapshot(out) == before  # every byte, and no file touched


@pytest.mark.parametrize("path_kind", ["columnar", "mixed", "rows"])
@pytest.mark.parametrize("case", sorted(ACLED_CASES))
def test_acled_publisher_named_as_an_actor_keeps_its_own_actor(tmp_path, capsys, monkeypatch, case, path_kind):
    event, cell, publisher, actor = ACLED_CASES[case]
    source = _acled_export(tmp_path / "export.csv", case, path_kind=path_kind)
    by_row = _spy(monkeypatch, acled.AcledRows)
    out = tmp_path / "pkg"
    assert main(["import", "acled", str(source), "--out", str(out)]) == 0
    # The path each case is meant to take (the fixture's rows 6-7 always go row by row).
    assert {"columnar": event not in by_row, "mixed": event in by_row and "SYR90003" not in by_row,
            "rows": {event, "SYR90003"} <= by_row}[path_kind], sorted(by_row)
    _valid(out, capsys)
    name = cell.split(";")[0]
    _check_actors(out, scheme="acled_actor", name=name, publisher=publisher, actor=actor, event=event,
                  event_scheme="acled_event")
    _reimport_changes_nothing("acled", source, out, capsys)
    _check_actors(out, scheme="acled_actor", name=name, publisher=publisher, actor=actor, event=event,
                  event_scheme="acled_event")
    _valid(out, capsys)


@pytest.mark.parametrize("case", sorted(ACLED_CASES))
def test_acled_columnar_and_row_by_row_write_the_same_package(tmp_path, capsys, case):
    for kind in ("columnar", "rows"):
        assert main(["import", "acled", str(_acled_export(tmp_path / f"{kind}.csv", case, path_kind=kind)),
                     "--out", str(tmp_path / kind)]) == 0
    assert _files(tmp_path / "columnar" / "data") == _files(tmp_path / "rows" / "data")


def test_acled_publisher_first_named_in_a_newer_export_gets_an_actor_of_its_own(tmp_path, capsys):
    """The package holds the event's actor; a newer export also lists a publisher of that name:
    the publisher gets a new actor (the package's actor keeps its id, type and events), as a
    fresh import of the newer export would give it."""
    out = tmp_path / "pkg"
    assert main(["import", "acled", str(FIXTURES / "acled_small.csv"), "--out", str(out)]) == 0
    before = {r["actor_id"]: r for r in _rows(out / "data" / "actors.csv")}
    newer = _acled_export(tmp_path / "newer.csv", "actor first")
    assert main(["import", "acled", str(newer), "--out", str(out)]) == 0
    _valid(out, capsys)
    event, cell, publisher, actor = ACLED_CASES["actor first"]
    _check_actors(out, scheme="acled_actor", name=cell.split(";")[0], publisher=publisher, actor=actor,
                  event=event, event_scheme="acled_event")
    after = {r["actor_id"]: r for r in _rows(out / "data" / "actors.csv")}
    assert {a: after[a] for a in before} == before and set(after) - set(before) == {publisher}
    fresh = tmp_path / "fresh"
    assert main(["import", "acled", str(newer), "--out", str(fresh)]) == 0
    # The same package but for the claims' numbers (a new claim is numbered after those kept).
    files, fresh_files = _files(out / "data"), _files(fresh / "data")
    del files["claims.csv"], fresh_files["claims.csv"]
    assert files == fresh_files

    def claims(root: Path) -> list[tuple[str, ...]]:
        return sorted(tuple(v for k, v in c.items() if k != "claim_id") for c in _rows(root / "data" / "claims.csv"))

    assert claims(out) == claims(fresh)
    _reimport_changes_nothing("acled", newer, out, capsys)


@pytest.mark.parametrize("crlf", [False, True], ids=["columnar", "rows"])
@pytest.mark.parametrize("case", sorted(UCDP_CASES))
def test_ucdp_publisher_named_as_a_side_keeps_its_own_actor(tmp_path, capsys, monkeypatch, case, crlf):
    event, offices, publisher, actor = UCDP_CASES[case]
    source = _ucdp_export(tmp_path / "ged.csv", case, crlf=crlf)
    by_row = _spy(monkeypatch, ucdp_rows.UcdpRows)
    out = tmp_path / "pkg"
    assert main(["import", "ucdp-ged", str(source), "--out", str(out)]) == 0
    assert (event in by_row) == crlf, sorted(by_row)
    _valid(out, capsys)
    name = offices.split(";")[0]
    _check_actors(out, scheme="ucdp_actor", name=name, publisher=publisher, actor=actor, event=event,
                  event_scheme="ucdp_ged")
    _reimport_changes_nothing("ucdp-ged", source, out, capsys)
    _check_actors(out, scheme="ucdp_actor", name=name, publisher=publisher, actor=actor, event=event,
                  event_scheme="ucdp_ged")


@pytest.mark.parametrize(("kind", "fixture"), [("acled", "acled_small.csv"), ("ucdp-ged", "ucdp_ged_small.csv")])
def test_every_scheme_an_importer_keys_actors_by_is_known_to_the_re_import(tmp_path, capsys, kind, fixture):
    """The re-import tells actors made for a scheme's key by common.ACTOR_KEY_SCHEMES: a scheme an
    importer writes for actors and the set lacked would let a publisher's name take such an actor."""
    out = tmp_path / "pkg"
    assert main(["import", kind, str(FIXTURES / fixture), "--out", str(out)]) == 0
    schemes = {r["scheme"] for r in _rows(out / "data" / "external_ids.csv") if r["table_name"] == "actors"}
    assert schemes and schemes <= ACTOR_KEY_SCHEMES
