"""`sce new`: one correctly formed row with the next free ID, checked before it is written;
nothing else in the file changes, and a refused row writes nothing.

`sce new` at scale: the file is read by the validator's reader and the new line goes in at its
sorted place when the file is canonical (checked exactly), else the file is rewritten canonically;
keys, the next ID and the position come from Arrow compute; the checks read only the tables and
columns they need, and say which tables could not be read.

`sce new` writes the same bytes as the implementation that rewrote the whole table (commit
0fccad8): each case adds one row to a copy of the bundled data as it was then
(tests/fixtures/new/data/) and compares the table file with the one that code wrote
(tests/fixtures/new/expected/<case>.csv). The rows are test rows, not facts.

To freeze the expected files again from the code on the path (only when the canonical form
itself changes on purpose):

    PYTHONPATH=<old checkout>/src python tests/test_new_frozen.py"""

from __future__ import annotations

import contextlib
import io
import random
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from syria_conflict_events import new_row
from syria_conflict_events.canonical import format_bytes, to_bytes
from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.generate import generated_files
from syria_conflict_events.new_row import NewRowError, next_id, position, read_target, resolve_table
from syria_conflict_events.text_rules import slug
from syria_conflict_events.validation import render, validate_package

# --- from test_new.py ----------------------------------------

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
    assert capsys.readouterr().out == "ma-arrat-al-nu-man\n"
    (line,) = _added_lines(before, path.read_bytes())
    assert line.startswith("ma-arrat-al-nu-man,Ma'arrat al-Nu'mān,".encode())


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


def test_slug():
    assert slug("Hayat Tahrir al-Sham") == "hayat-tahrir-al-sham"
    assert slug("  Dayr az-Zawr  (city) ") == "dayr-az-zawr-city"
    assert slug("Ḥamā") == "hama"
    assert slug("Ma'arrat al-Nu'mān") == "ma-arrat-al-nu-man"  # an apostrophe separates, as the importers' ids do
    assert slug("Straße") == "strae"  # a character with no ASCII form is dropped
    assert slug("—") == "" and slug("حلب") == ""
    assert slug("word " * 30) == ("word-" * 12).rstrip("-")  # at most 60 characters, no '-' at the end



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


# --- from test_new_arrow.py ----------------------------------------

CLAIM = ["event_id=SCE-000001", "source_id=news-report", "claimant_actor_id=syrian-state-media",
         "claim=A test claim, said twice.", "stance=asserts"]


# --- which path: in place or rewritten ----------------------------------------------------------

def test_a_canonical_file_is_read_as_canonical(valid_package):
    for table in DECL.tables.values():
        data = (valid_package / table.path).read_bytes()
        assert read_target(data, table).canonical, table.name


@pytest.mark.parametrize("change", [
    lambda d: d.replace(b"\n", b"\r\n"),  # CRLF
    lambda d: b"\xef\xbb\xbf" + d,  # BOM
    lambda d: d.rstrip(b"\n"),  # no final newline
    lambda d: d.replace(b",rebel_group,", b',"rebel_group",', 1),  # a cell quoted that needs no quotes
    lambda d: d.replace(b"\n", b"\n\n", 2),  # a blank line
])
def test_a_file_that_is_not_canonical_is_rewritten_canonically(valid_package, capsys, change):
    path = valid_package / "data" / "actors.csv"
    table = DECL.tables["actors"]
    path.write_bytes(change(path.read_bytes()))
    assert not read_target(path.read_bytes(), table).canonical
    assert sce_new(valid_package, "actor", "name=Test Group", "actor_type=rebel_group") == 0
    written = path.read_bytes()
    assert format_bytes(written, table, table.path) == written  # canonical now
    assert b"\ntest-group,Test Group," in written


def test_quoted_cells_are_kept_when_canonical(make_package, capsys):
    root = make_package(lambda rows: rows["actors"][0].update(notes='Said "so", then left.'))
    path = root / "data" / "actors.csv"
    assert b'"Said ""so"", then left."' in path.read_bytes()
    assert read_target(path.read_bytes(), DECL.tables["actors"]).canonical
    before = path.read_bytes()
    assert sce_new(root, "actor", "name=Aaa Test Group", "actor_type=rebel_group") == 0
    header, rest = before.split(b"\n", 1)
    assert path.read_bytes() == header + b"\naaa-test-group,Aaa Test Group,,,,rebel_group,,,,,\n" + rest


def test_a_file_read_leniently_but_not_canonical_is_not_taken_for_canonical(make_package, capsys):
    """`"p,"q` is as long as `"p,q"` and Arrow's reader takes it for the same cell; the lossless
    reader refuses it, as the whole-table rewrite did: exit 2, nothing written."""
    root = make_package(lambda rows: rows["actors"][0].update(notes="p,q"))
    path = root / "data" / "actors.csv"
    path.write_bytes(path.read_bytes().replace(b'"p,q"', b'"p,"q'))
    before = _snapshot(root)
    assert sce_new(root, "actor", "name=Test Group", "actor_type=rebel_group") == 2
    assert "cannot be parsed" in capsys.readouterr().err
    assert _snapshot(root) == before


def test_positions_first_middle_last(valid_package, capsys):
    path = valid_package / "data" / "actors.csv"
    ids = [line.split(b",", 1)[0] for line in path.read_bytes().splitlines()[1:]]
    assert ids == sorted(ids) and len(ids) >= 2
    for name in ["A Test Group", "Mm Test Group", "Zz Test Group"]:
        assert sce_new(valid_package, "actor", f"name={name}", "actor_type=rebel_group") == 0
    got = [line.split(b",", 1)[0] for line in path.read_bytes().splitlines()[1:]]
    assert got == sorted([*ids, b"a-test-group", b"mm-test-group", b"zz-test-group"])
    assert got[0] == b"a-test-group" and got[-1] == b"zz-test-group"


def test_a_composite_key_goes_to_its_place(valid_package, capsys):
    path = valid_package / "data" / "event_actors.csv"
    before = path.read_bytes()
    assert sce_new(valid_package, "event-actor", "event_id=SCE-000001", "actor_id=syrian-state-media",
                   "role=associated") == 0
    table = DECL.tables["event_actors"]
    lines = before.splitlines(keepends=True)
    expected = to_bytes(table, [r.rstrip(b"\n").decode().split(",") for r in lines[1:]]
                        + [["SCE-000001", "syrian-state-media", "associated", ""]])
    assert path.read_bytes() == expected


def test_an_empty_table_gets_its_first_row(make_package, capsys):
    root = make_package()
    path = root / "data" / "retired_ids.csv"
    assert path.read_bytes().count(b"\n") == 1
    assert sce_new(root, "retired-id", "table_name=actors", "retired_id=gone-test-actor",
                   "retired_in_version=0.1.0", "reason=A test tombstone.") == 0
    assert path.read_bytes().splitlines()[1] == b"actors,gone-test-actor,0.1.0,,A test tombstone."


def test_a_failed_write_leaves_the_file_and_no_temporary(valid_package, capsys, monkeypatch):
    before = _snapshot(valid_package)

    def broken(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(new_row, "canonical_line", broken)
    assert sce_new(valid_package, "claim", *CLAIM) == 2
    assert "cannot write: No space left on device" in capsys.readouterr().err
    assert _snapshot(valid_package) == before  # the temporary file is gone too


# --- bad input: exit code, message, nothing written ---------------------------------------------

@pytest.mark.parametrize(("kind", "sets", "code", "message"), [
    ("claim", [s for s in CLAIM if not s.startswith("event_id")] + ["event_id=SCE-999999"], 1,
     "event_id: foreign-key: 'SCE-999999' is not a known event_id"),
    ("claim", [s for s in CLAIM if not s.startswith("source_id")] + ["source_id=no-such-source"], 1,
     "source_id: foreign-key: 'no-such-source' is not a known source_id"),
    ("claim", [s for s in CLAIM if not s.startswith("stance")] + ["stance=maybe"], 1, "stance: enum:"),
    ("event-actor", ["event_id=SCE-000001", "actor_id=no-such-actor", "role=side_a"], 1,
     "actor_id: foreign-key: 'no-such-actor' is not a known actor_id"),
    ("claim", [*CLAIM, "claim_id=CLM-000001"], 1, "claim_id 'CLM-000001' exists already in data/claims.csv"),
    ("claims", [*CLAIM, "fatalities_claimed=many"], 1, "fatalities_claimed: type:"),
    ("claimz", CLAIM, 2, "unknown kind 'claimz'"),
])
def test_bad_rows_are_refused_and_nothing_is_written(valid_package, capsys, kind, sets, code, message):
    before = _snapshot(valid_package)
    assert sce_new(valid_package, kind, *sets) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert _snapshot(valid_package) == before


def test_a_retired_sequential_id_is_refused(make_package, capsys):
    root = make_package(lambda rows: rows["retired_ids"].append(
        {"table_name": "claims", "retired_id": "CLM-000009", "retired_in_version": "0.1.0",
         "reason": "Withdrawn: a test tombstone."}))
    before = _snapshot(root)
    assert sce_new(root, "claim", *CLAIM, "claim_id=CLM-000009") == 1
    assert "'CLM-000009' was retired and is never reused" in capsys.readouterr().err
    assert _snapshot(root) == before
    assert sce_new(root, "claim", *CLAIM) == 0
    assert capsys.readouterr().out == "CLM-000010\n"  # counting the retired one


def test_a_table_that_cannot_be_read_is_named_and_its_references_are_not_checked(valid_package, capsys):
    sources = valid_package / "data" / "sources.csv"
    sources.write_bytes(b"\xef\xbb\xbf" + sources.read_bytes())
    assert sce_new(valid_package, "claim", *[s for s in CLAIM if not s.startswith("source_id")],
                   "source_id=not-checked") == 0
    err = capsys.readouterr().err
    assert "warning: data/sources.csv cannot be read (bom); references to it were not checked" in err
    assert "events.csv" not in err and "places.csv" not in err  # read, or not needed


def test_a_table_with_a_broken_row_is_named(valid_package, capsys):
    events = valid_package / "data" / "events.csv"
    events.write_bytes(events.read_bytes() + b"SCE-000099,2024-01-01\n")
    assert sce_new(valid_package, "claim", *CLAIM) == 0
    assert "warning: data/events.csv cannot be read (malformed-row)" in capsys.readouterr().err


# --- the parts --------------------------------------------------------------------------------

def _reference_next(used: list[str], prefix: str = "SCE-", digits: int = 6) -> str:
    """The definition: one more than the largest number of the IDs of the form PREFIX-digits."""
    numbers = [int(m.group(1)) for m in map(re.compile(rf"^{re.escape(prefix)}([0-9]+)$").match, used) if m]
    return f"{prefix}{max(numbers, default=0) + 1:0{digits}d}"


@given(st.lists(st.one_of(
    st.integers(0, 10**30).map(lambda n: f"SCE-{n:06d}"),
    st.integers(0, 999).map(lambda n: f"SCE-{n:0{random.Random(n).randint(1, 12)}d}"),
    st.text("SCE-0123456789xX ", max_size=12),
), max_size=30))
def test_next_id_agrees_with_its_definition(used):
    f = DECL.tables["events"].field("event_id")
    assert next_id(f, used) == _reference_next(used)
    assert next_id(f, pa.chunked_array([pa.array(used, pa.string())], pa.string())) == _reference_next(used)


@given(st.lists(st.tuples(st.text("ab-é", max_size=3), st.text("xy", max_size=2)), max_size=20),
       st.tuples(st.text("ab-é", max_size=3), st.text("xy", max_size=2)))
def test_position_is_after_every_key_not_greater(keys, new_key):
    keys = sorted(keys)
    table = pa.table({"a": pa.array([k[0] for k in keys], pa.string()),
                      "b": pa.array([k[1] for k in keys], pa.string())})
    at = position(table, new_key)
    assert sorted([*keys, new_key]) == [*keys[:at], new_key, *keys[at:]]
    assert all(k <= new_key for k in keys[:at]) and all(k > new_key for k in keys[at:])


@pytest.mark.parametrize("line", [1, 2, 3, 5])
def test_line_start(line):
    data = b"h\nab\n\ncd\n"
    assert new_row._line_start(data, line) == len(b"".join(data.splitlines(keepends=True)[:line - 1]))


def test_only_the_tables_the_rules_read_are_read_whole(valid_package):
    """A claim's foreign keys need only key columns (actors); its row rules (source-before-event)
    read the events and sources whole."""
    table = DECL.tables["claims"]
    target = read_target((valid_package / table.path).read_bytes(), table)
    row = pa.table({n: pa.array([None], pa.string()) for n in table.field_names})
    typed = new_row.typed_table(table, row)[0]
    ctx, warnings = new_row._context(DECL, valid_package, table, target, typed)
    assert not warnings
    assert {name: t.column_names for name, t in ctx.tables.items()} == {
        "events": DECL.tables["events"].field_names, "sources": DECL.tables["sources"].field_names,
        "actors": ["actor_id"]}


def test_a_claim_whose_report_predates_the_event_is_refused(make_package, capsys):
    root = make_package(lambda rows: rows["sources"][2].update(published_date="2024-11-20"))
    before = _snapshot(root)
    assert sce_new(root, "claim", "event_id=SCE-000002", "source_id=wire-report",
                   "claimant_actor_id=syrian-arab-army", "claim=The agency reported the clash.",
                   "stance=asserts") == 1
    assert "source_id: source-before-event:" in capsys.readouterr().err
    assert _snapshot(root) == before


def test_row_rules_that_read_other_tables_get_them(make_package, capsys):
    """An event_agreements row is checked against the event's end, the agreement's start and the
    claim's event: those tables are read whole (the rules ask for them)."""
    root = make_package(lambda rows: rows["agreements"][0].update(date_effective="2025-01-01"))
    before = _snapshot(root)
    assert sce_new(root, "event-agreement", "event_id=SCE-000001", "agreement_id=de-escalation-2019",
                   "relation=violates", "asserted_by_actor_id=syrian-arab-army", "claim_id=CLM-000002") == 1
    err = capsys.readouterr().err
    assert "agreement_id: violates-before-effective:" in err and "claim_id: claim-event-mismatch:" in err
    assert _snapshot(root) == before
    table = DECL.tables["event_agreements"]
    row = pa.table({n: pa.array([None], pa.string()) for n in table.field_names})
    needs = new_row._needs(DECL, table, new_row.typed_table(table, row)[0])
    assert {name for name, columns in needs.items() if columns is None} == {"events", "agreements", "claims"}
    assert needs["actors"] == ["actor_id"]


# --- from test_new_frozen.py ----------------------------------------

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "new"
NEWS = "source_id=news-report-2024-11-29-northwest-offensive"

# name -> (kind, --set values, --id or None, how the starting data is altered or None)
CASES: dict[str, tuple[str, list[str], str | None, str | None]] = {
    "claim-last": ("claim", ["event_id=SCE-000002", NEWS, "claimant_actor_id=syrian-arab-army",
                             'claim=A test claim, with a comma and "quotes".', "stance=asserts"], None, None),
    "event-last": ("event", ["date_start=2024-12-01", "date_end=2024-12-02", "date_precision=range",
                             "event_type=battles", "sub_event_type=armed_clash", "place_id=aleppo-city",
                             "location_precision=2", "summary=A test event at the edge of the city.",
                             "confidence=low", "verification=single_source"], None, None),
    "actor-first": ("actor", ["name=Aaron Test Brigade", "actor_type=rebel_group"],
                    None, None),
    "actor-middle": ("actor", ["name=Local Test Council", "actor_type=rebel_group",
                               "notes=A test row; its note has a comma, and ends here."], None, None),
    "actor-last-id": ("actor", ["name=Zz Test Group", "actor_type=rebel_group"],
                      "zz-test-group", None),
    "place-slug": ("place", ["name=Tall Abyaḍ Test", "name_ar=تل أبيض", f"name_ar_{NEWS}", "place_type=town",
                             "parent_place_id=syria", "country_iso3=SYR", "latitude=36.70", "longitude=38.95",
                             f"coordinates_{NEWS}"],
                   None, None),
    "source-title": ("source", ["title=A test source, \"quoted\" in its title", "language=en",
                                "publisher=Example News", "url=https://www.example.org/test-source",
                                "source_type=newspaper"], None, None),
    "event-actor-middle": ("event-actor", ["event_id=SCE-000002", "actor_id=syrian-arab-army", "role=side_b"],
                           None, None),
    "event-agreement": ("event-agreement", ["event_id=SCE-000003", "agreement_id=israel-hezbollah-ceasefire-2024",
                                            "relation=coincides", "asserted_by_actor_id=unidentified-news-outlet"],
                        None, None),
    "retired-into-empty": ("retired-id", ["table_name=actors", "retired_id=test-retired-actor",
                                          "retired_in_version=0.1.0", "reason=A test tombstone."], None, None),
    "event-crlf": ("event", ["date_start=2024-12-01", "date_end=2024-12-01", "date_precision=day",
                             "event_type=battles", "sub_event_type=armed_clash", "place_id=aleppo-city",
                             "location_precision=2", "summary=A test event in a file with CRLF endings.",
                             "confidence=low", "verification=single_source"], None, "crlf"),
    "actor-unsorted": ("actor", ["name=Middle Test Group", "actor_type=rebel_group"],
                       None, "unsorted"),
}


def _alter(path: Path, how: str | None) -> None:
    """Make the starting file non-canonical: CRLF line endings, or its first two rows swapped."""
    data = path.read_bytes()
    if how == "crlf":
        path.write_bytes(data.replace(b"\n", b"\r\n"))
    elif how == "unsorted":
        header, first, second, rest = data.split(b"\n", 3)
        path.write_bytes(b"\n".join([header, second, first, rest]))


def prepare(root: Path, case: str) -> Path:
    """A package at ``root`` with the frozen starting data, altered as the case says; the path of
    the file the case adds to."""
    kind, _, _, how = CASES[case]
    (root / "data").mkdir(parents=True)
    (root / "datapackage.json").write_text(generated_files()["datapackage.json"], encoding="utf-8")
    for src in sorted((FIXTURES / "data").iterdir()):
        shutil.copyfile(src, root / "data" / src.name)
    table = next(t for t in load_declaration().tables.values()
                 if kind.replace("-", "_") in (t.name, t.name.removesuffix("s")))
    path = root / table.path
    _alter(path, how)
    return path


def add(root: Path, case: str) -> int:
    kind, sets, given, _ = CASES[case]
    args = ["new", kind, "--path", str(root)] + (["--id", given] if given else [])
    for s in sets:
        args += ["--set", s]
    return main(args)


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_bytes_as_the_whole_table_rewrite(tmp_path, capsys, case):
    path = prepare(tmp_path / "pkg", case)
    others = {p.name: p.read_bytes() for p in (tmp_path / "pkg" / "data").iterdir() if p != path}
    assert add(tmp_path / "pkg", case) == 0, capsys.readouterr().err
    assert path.read_bytes() == (FIXTURES / "expected" / f"{case}.csv").read_bytes()
    assert {p.name: p.read_bytes() for p in (tmp_path / "pkg" / "data").iterdir() if p != path} == others
    assert not [p for p in (tmp_path / "pkg" / "data").iterdir() if p.name.startswith(".")]  # no temporary file


def _freeze() -> None:
    import tempfile

    from syria_conflict_events.paths import repo_root

    data = FIXTURES / "data"
    if not data.is_dir():  # the starting data: the bundled data as it is now
        shutil.copytree(Path(repo_root() or ".") / "data", data)
    (FIXTURES / "expected").mkdir(parents=True, exist_ok=True)
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            path = prepare(Path(tmp) / "pkg", case)
            err = io.StringIO()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                code = add(Path(tmp) / "pkg", case)
            if code != 0:
                raise SystemExit(f"{case}: exit {code}: {err.getvalue()}")
            shutil.copyfile(path, FIXTURES / "expected" / f"{case}.csv")
            print(case, "frozen")


if __name__ == "__main__":
    _freeze()
