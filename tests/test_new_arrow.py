"""`sce new` at scale: the file is read by the validator's reader and the new line goes in at its
sorted place when the file is canonical (checked exactly), else the file is rewritten canonically;
keys, the next ID and the position come from Arrow compute; the checks read only the tables and
columns they need, and say which tables could not be read."""

from __future__ import annotations

import random
import re

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_new import _snapshot, sce_new

from syria_conflict_events import new_row
from syria_conflict_events.canonical import format_bytes, to_bytes
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.new_row import next_id, position, read_target

DECL = load_declaration()
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
