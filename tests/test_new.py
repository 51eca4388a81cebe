"""`sce new`: one correctly formed row with the next free ID, checked before it is written;
nothing else in the file changes, and a refused row writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.new_row import NewRowError, next_id, resolve_table, slugify
from syria_conflict_events.validation import render, validate_package

DECL = load_declaration()
EVENT = ["date_start=2024-12-01", "date_end=2024-12-02", "date_precision=range", "event_type=battles",
         "sub_event_type=armed_clash", "place_id=aleppo", "location_precision=2",
         "summary=Fighting was reported on the edge of the city.", "confidence=low",
         "verification=single_source"]


def sce_new(root: Path, kind: str, *sets: str, extra: tuple[str, ...] = ()) -> int:
    args = ["new", kind, "--path", str(root), *extra]
    for s in sets:
        args += ["--set", s]
    return main(args)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "data").iterdir())}


def _added_lines(before: bytes, after: bytes) -> list[bytes]:
    old, new = before.splitlines(), after.splitlines()
    assert all(line in new for line in old)  # nothing else changed or disappeared
    assert len(new) == len(old) + 1
    return [line for line in new if line not in old]


def test_new_event_gets_next_id_and_only_that_row_is_added(valid_package, capsys):
    path = valid_package / "data" / "events.csv"
    before = path.read_bytes()
    assert sce_new(valid_package, "event", *EVENT) == 0
    out = capsys.readouterr()
    assert out.out == "SCE-000003\n"
    assert "added SCE-000003 to data/events.csv" in out.err
    (line,) = _added_lines(before, path.read_bytes())
    assert line.startswith(b"SCE-000003,2024-12-01,2024-12-02,range,battles,")
    assert main(["fmt", str(valid_package), "--check"]) == 0  # written in canonical form


def test_a_full_contribution_made_with_sce_new_validates(valid_package, capsys):
    assert sce_new(valid_package, "events", *EVENT) == 0
    assert sce_new(valid_package, "claim", "event_id=SCE-000003", "source_id=news-report",
                   "claimant_actor_id=syrian-arab-army", "claim=The army said it repelled an attack.",
                   "stance=asserts") == 0
    assert sce_new(valid_package, "event-actor", "event_id=SCE-000003", "actor_id=syrian-arab-army",
                   "role=side_a") == 0
    assert capsys.readouterr().out.split() == ["SCE-000003", "CLM-000003", "SCE-000003,", "syrian-arab-army,",
                                               "side_a"]
    report = validate_package(valid_package)
    assert report.valid, render(report)


def test_retired_ids_are_never_reused(make_package, capsys):
    def edit(rows):
        rows["retired_ids"] = [
            {"table_name": "events", "retired_id": "SCE-000007", "retired_in_version": "0.1.0",
             "reason": "Withdrawn: the report described a different day."},
            {"table_name": "actors", "retired_id": "old-brigade", "retired_in_version": "0.1.0",
             "reason": "Merged into another actor after review."},
        ]

    root = make_package(edit)
    assert sce_new(root, "event", *EVENT) == 0
    assert capsys.readouterr().out == "SCE-000008\n"
    before = _snapshot(root)
    assert sce_new(root, "actor", "name=Old Brigade", "actor_type=rebel_group") == 1
    assert "'old-brigade' was retired and is never reused" in capsys.readouterr().err
    assert _snapshot(root) == before


def test_gaps_are_not_filled(make_package, capsys):
    root = make_package(lambda rows: rows["claims"][1].update(claim_id="CLM-000041"))
    assert sce_new(root, "claim", "event_id=SCE-000001", "source_id=news-report",
                   "claimant_actor_id=syrian-state-media", "claim=State media gave no figure this time.",
                   "stance=asserts") == 0
    assert capsys.readouterr().out == "CLM-000042\n"


def test_slug_comes_from_the_name(valid_package, capsys):
    path = valid_package / "data" / "places.csv"
    before = path.read_bytes()
    assert sce_new(valid_package, "place", "name=Ma'arrat al-Nu'mān", "place_type=town", "parent_place_id=syria",
                   "country_iso3=SYR", "latitude=35.64", "longitude=36.67", "coordinates_source_id=gazetteer") == 0
    assert capsys.readouterr().out == "maarrat-al-numan\n"
    (line,) = _added_lines(before, path.read_bytes())
    assert line.startswith("maarrat-al-numan,Ma'arrat al-Nu'mān,".encode())


@pytest.mark.parametrize(("kind", "sets", "message"), [
    ("actor", ["name=Syrian Arab Army", "actor_type=state_armed_force"],
     "actor_id 'syrian-arab-army' exists already in data/actors.csv"),
    ("event-actor", ["event_id=SCE-000001", "actor_id=hayat-tahrir-al-sham", "role=perpetrator"],
     "event_actors has a row with key SCE-000001, hayat-tahrir-al-sham, perpetrator already"),
])
def test_existing_keys_are_refused(valid_package, capsys, kind, sets, message):
    before = _snapshot(valid_package)
    assert sce_new(valid_package, kind, *sets) == 1
    assert message in capsys.readouterr().err
    assert _snapshot(valid_package) == before


@pytest.mark.parametrize(("change", "expected"), [
    ("event_type=battle", "event_type: enum:"),
    ("date_end=2024-02-30", "date_end: type:"),
    ("date_end=2024-11-01", "date_end: date-order:"),
    ("place_id=atlantis", "place_id: foreign-key: 'atlantis' is not a known place_id"),
    ("sub_event_type=air_drone_strike", "sub_event_type: sub-event-type:"),
    ("summary==HYPERLINK(x)", "summary: formula-cell:"),
    ("summary=Two spaces  inside the summary text.", "summary: whitespace:"),
    ("summary=Line one of it\nline two of it", "summary: control-character:"),
    ("fatalities_low=-1", "fatalities_low: minimum:"),
    ("confidence=", "confidence: required:"),
])
def test_invalid_fields_are_reported_and_nothing_is_written(valid_package, capsys, change, expected):
    name = change.split("=", 1)[0]
    sets = [s for s in EVENT if not s.startswith(name + "=")] + [change]
    before = _snapshot(valid_package)
    assert sce_new(valid_package, "event", *sets) == 1
    err = capsys.readouterr().err
    assert expected in err
    assert "hint:" in err and "nothing written" in err and "Traceback" not in err
    assert _snapshot(valid_package) == before


@pytest.mark.parametrize(("args", "message"), [
    (["new", "evnt"], "unknown kind 'evnt'; one of: event, "),
    (["new", "event", "--set", "colour=red"], "table events has no such field"),
    (["new", "event", "--set", "summary"], "write FIELD=VALUE"),
    (["new", "event", "--set", "notes=a", "--set", "notes=b"], "--set notes given twice"),
    (["new", "actor", "--set", "actor_type=media"], "give --set name=... (or --id)"),
    (["new", "actor", "--set", "name=حلب"], "cannot make a slug"),
    (["new", "event-actor", "--id", "x"], "composite key"),
])
def test_bad_usage_exits_2_and_writes_nothing(valid_package, capsys, args, message):
    before = _snapshot(valid_package)
    assert main([*args, "--path", str(valid_package)]) == 2
    assert message in capsys.readouterr().err
    assert _snapshot(valid_package) == before


def test_dry_run_prints_the_row_and_writes_nothing(valid_package, capsys):
    before = _snapshot(valid_package)
    assert sce_new(valid_package, "event", *EVENT, extra=("--dry-run",)) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].startswith("SCE-000003,")
    assert _snapshot(valid_package) == before


def test_an_explicit_id_is_checked_against_the_pattern(valid_package, capsys):
    before = _snapshot(valid_package)
    assert sce_new(valid_package, "actor", "name=Some Group", "actor_type=rebel_group",
                   extra=("--id", "Some_Group")) == 1
    assert "actor_id: pattern:" in capsys.readouterr().err
    assert _snapshot(valid_package) == before


def test_a_file_that_cannot_be_read_losslessly_is_not_touched(valid_package, capsys):
    path = valid_package / "data" / "events.csv"
    path.write_bytes(path.read_bytes() + b'SCE-000009,"unclosed\n')
    before = _snapshot(valid_package)
    assert sce_new(valid_package, "event", *EVENT) == 2
    assert "cannot be parsed" in capsys.readouterr().err
    assert _snapshot(valid_package) == before


def test_next_id_grows_past_six_digits_and_ignores_foreign_shapes():
    f = DECL.tables["events"].field("event_id")
    assert next_id(f, []) == "SCE-000001"
    assert next_id(f, ["SCE-000009", "SCE-000010", "CLM-000999", "bogus"]) == "SCE-000011"
    assert next_id(f, ["SCE-999999"]) == "SCE-1000000"


def test_kinds_are_the_declared_tables():
    for name, table in DECL.tables.items():
        assert resolve_table(DECL, name) is table
    assert resolve_table(DECL, "agreement_party").name == "agreement_parties"
    with pytest.raises(NewRowError):
        resolve_table(DECL, "")


def test_slugify():
    assert slugify("Hayat Tahrir al-Sham") == "hayat-tahrir-al-sham"
    assert slugify("  Dayr az-Zawr  (city) ") == "dayr-az-zawr-city"
    assert slugify("Ḥamā") == "hama"
    assert slugify("—") == ""



def test_retiring_a_row_with_sce_new(make_package, capsys):
    """The tombstone workflow of CONTRIBUTING.md: refused while the row is live, accepted after."""
    root = make_package(lambda rows: rows["actors"].append(
        {"actor_id": "syrian-army", "name": "Syrian army", "actor_type": "state_armed_force",
         "verification": "unverified"}))
    tomb = ["table_name=actors", "retired_id=syrian-army", "retired_in_version=0.2.0",
            "replaced_by=syrian-arab-army", "reason=Duplicate of syrian-arab-army, entered twice."]
    before = _snapshot(root)
    assert sce_new(root, "retired-id", *tomb) == 1
    assert "retired_id: retired-id-in-use:" in capsys.readouterr().err
    assert _snapshot(root) == before

    actors = root / "data" / "actors.csv"
    actors.write_bytes(b"".join(line for line in actors.read_bytes().splitlines(keepends=True)
                                if not line.startswith(b"syrian-army,")))
    assert sce_new(root, "retired-id", *[t for t in tomb if not t.startswith("replaced_by")],
                   "replaced_by=no-such-actor") == 1
    assert "replaced_by: replaced-by-missing:" in capsys.readouterr().err
    assert sce_new(root, "retired-id", *tomb) == 0
    report = validate_package(root)
    assert report.valid, render(report)
    assert sce_new(root, "actor", "name=Syrian Army", "actor_type=state_armed_force") == 1
    assert "'syrian-army' was retired and is never reused" in capsys.readouterr().err
