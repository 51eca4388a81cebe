"""Release diffs and the SemVer check: rows added, removed and changed by primary key with the
changed cells; schema and vocabulary changes; the version a change requires; identifiers never
lost or reused; `sce diff` on directories and zips; `sce build --previous` refusing too small a
version and writing the diff into the release.

The column-wise release diff against the row-by-row definition it replaced, on generated
tables (keys of one and two fields whose cells hold ``:``, ``|``, quotes, commas and line breaks;
rows added, removed, changed and reordered; a column added or removed), in memory and through
CSV files; the lazy row lists; and every bad input a previous release can hold: a clear error,
exit 2, never a traceback.

The column-wise release diff says exactly what the row-by-row one said: a hand-made case
(rows added, removed and changed, in a one-field and a two-field key whose cells hold the ``:``
and ``|`` a joined key could confuse; vocabulary codes added and removed; columns added and
removed; a type and a primary key changed; tables added and removed; a lost, a reused and a
removed tombstone) whose JSON and Markdown were written by the earlier implementation and frozen
here; the same case read from CSV files in a directory and a zip, through `sce diff`."""

# ruff: noqa: E501  (the frozen Markdown keeps its long lines)

from __future__ import annotations

import copy
import csv
import io
import json
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.diff import rows as diff_module
from syria_conflict_events.diff import snapshot as snapshot_module
from syria_conflict_events.diff.rows import Changes, Rows, diff_snapshots, to_markdown
from syria_conflict_events.diff.semver import bump, parse, version_problem
from syria_conflict_events.diff.snapshot import Snapshot, TableSnapshot, open_snapshot, read_csv_text
from syria_conflict_events.formats import json_text
from syria_conflict_events.generate import dumps, generated_files
from syria_conflict_events.release import ReleaseError, build_release

# --- from test_diff.py ----------------------------------------

REPO = Path(__file__).resolve().parents[1]
BASE_VERSION = load_declaration().version
QUIET = {"update_registry": False, "progress": lambda _: None}


def versioned_package(root: Path, version: str, edit=None) -> Path:
    """The small valid package with its own declaration at ``version`` (after ``edit(rows)``)."""
    from conftest import VALID_ROWS, csv_bytes

    rows = copy.deepcopy(VALID_ROWS)
    if edit:
        edit(rows)
    shutil.copytree(REPO / "schemas", root / "schemas")
    package_yaml = root / "schemas" / "package.yaml"
    text = package_yaml.read_text(encoding="utf-8")
    package_yaml.write_text(re.sub(r'(?m)^version: "[^"]*"', f'version: "{version}"', text), encoding="utf-8")
    decl = load_declaration(root / "schemas")
    (root / "datapackage.json").write_text(generated_files(decl)["datapackage.json"], encoding="utf-8")
    (root / "data").mkdir()
    for table, table_rows in rows.items():
        (root / "data" / f"{table}.csv").write_bytes(csv_bytes(table, table_rows))
    return root


def _new_event(rows: dict) -> None:
    rows["events"].append({**rows["events"][0], "event_id": "SCE-000003", "summary": "A third event in the city."})
    rows["claims"].append({**rows["claims"][0], "claim_id": "CLM-000003", "event_id": "SCE-000003"})
    rows["event_actors"].append({**rows["event_actors"][0], "event_id": "SCE-000003"})


def _correct_summary(rows: dict) -> None:
    rows["events"][1]["summary"] = "Fighting on the western edge of Aleppo city."


def _retire_event_2(rows: dict, tombstones: bool = True) -> None:
    rows["events"] = [r for r in rows["events"] if r["event_id"] != "SCE-000002"]
    rows["claims"] = [r for r in rows["claims"] if r["event_id"] != "SCE-000002"]
    rows["event_actors"] = [r for r in rows["event_actors"] if r["event_id"] != "SCE-000002"]
    rows["event_agreements"] = [r for r in rows["event_agreements"] if r["event_id"] != "SCE-000002"]
    if tombstones:
        rows["retired_ids"] = [
            {"table_name": "claims", "retired_id": "CLM-000002", "retired_in_version": "0.2.0",
             "reason": "Withdrawn with its event SCE-000002."},
            {"table_name": "events", "retired_id": "SCE-000002", "retired_in_version": "0.2.0",
             "reason": "Withdrawn: the fighting is recorded elsewhere."},
        ]


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built release of the small package at 0.1.0 (its zip)."""
    base = tmp_path_factory.mktemp("previous")
    root = versioned_package(base / "pkg", "0.1.0")
    return build_release(root, base / "dist", **QUIET)


# --- SemVer -------------------------------------------------------------------------------------


def test_semver_bumps():
    assert bump("1.2.3", "major") == "2.0.0"
    assert bump("1.2.3", "minor") == "1.3.0"
    assert bump("1.2.3", "patch") == "1.2.4"
    assert bump("1.2.3", "none") == "1.2.3"
    assert parse("10.0.1") == (10, 0, 1)
    for bad in ("1.2", "v1.2.3", "01.2.3", "1.2.3-rc1", ""):
        with pytest.raises(ValueError):
            parse(bad)


def test_version_problem():
    assert version_problem("0.1.0", "0.2.0", "minor") is None
    assert version_problem("0.1.0", "1.0.0", "minor") is None
    assert "at least 0.2.0" in version_problem("0.1.0", "0.1.1", "minor")
    assert "at least 1.0.0" in version_problem("0.9.3", "0.10.0", "major")
    assert version_problem("0.1.0", "0.1.0", "none") is None
    assert "older" in version_problem("0.2.0", "0.1.0", "none")
    assert "at least 0.1.1" in version_problem("0.1.0", "0.1.0", "patch")


# --- schema changes on synthetic snapshots --------------------------------------------------------


def _snap(version: str, fields: list[str], enums: dict | None = None, types: dict | None = None,
          rows: list[dict] | None = None) -> Snapshot:
    table = TableSnapshot.of_rows("t", fields, ["id"], rows or [], types, enums)
    return Snapshot(version, "pkg", version, {"t": table})


@pytest.mark.parametrize(("old", "new", "level"), [
    (_snap("1", ["id", "a"]), _snap("2", ["id"]), "major"),                      # column removed
    (_snap("1", ["id", "a"]), _snap("2", ["id", "b"]), "major"),                 # column renamed
    (_snap("1", ["id", "a"], types={"a": "integer"}), _snap("2", ["id", "a"]), "major"),  # type changed
    (_snap("1", ["id", "a"], {"a": ["x", "y"]}), _snap("2", ["id", "a"], {"a": ["x"]}), "major"),  # code removed
    (_snap("1", ["id"]), _snap("2", ["id", "a"]), "minor"),                      # column added
    (_snap("1", ["id", "a"], {"a": ["x"]}), _snap("2", ["id", "a"], {"a": ["x", "y"]}), "minor"),  # code added
    (_snap("1", ["id", "a"], rows=[{"id": "1", "a": "p"}]),
     _snap("2", ["id", "a"], rows=[{"id": "1", "a": "q"}]), "patch"),            # correction
    (_snap("1", ["id", "a"], rows=[{"id": "1", "a": "p"}]),
     _snap("2", ["id", "a"], rows=[{"id": "1", "a": "p"}]), "none"),
])
def test_change_levels(old, new, level):
    assert diff_snapshots(old, new).level == level


def test_removed_table_is_major_and_added_table_minor():
    old = _snap("1", ["id"])
    new = Snapshot("2", "pkg", "2", {})
    assert diff_snapshots(old, new).level == "major"
    assert diff_snapshots(new, old).level == "minor"


# --- real releases --------------------------------------------------------------------------------


@pytest.mark.release_build
def test_rows_added_and_changed_between_releases(previous, tmp_path):
    def edit(rows):
        _new_event(rows)
        _correct_summary(rows)

    new = build_release(versioned_package(tmp_path / "pkg", "0.2.0", edit), tmp_path / "dist", **QUIET)
    diff = diff_snapshots(open_snapshot(previous), open_snapshot(new))
    events = next(t for t in diff.tables if t.name == "events")
    assert [r["event_id"] for r in events.added] == ["SCE-000003"]
    assert events.removed == []
    assert events.changed == [{"key": {"event_id": "SCE-000002"}, "cells": {"summary": {
        "old": "Fighting on the western edge of the city.", "new": "Fighting on the western edge of Aleppo city."}}}]
    assert diff.level == "minor"
    md = to_markdown(diff)
    assert "| events | 1 | 0 | 1 | 0 |" in md
    assert "SCE-000003" in md and "western edge of Aleppo city" in md


def test_directory_and_zip_give_the_same_diff(previous):
    folder = previous.with_suffix("")
    assert diff_snapshots(open_snapshot(previous), open_snapshot(folder)).to_json() == \
        diff_snapshots(open_snapshot(folder), open_snapshot(folder)).to_json()


@pytest.mark.release_build
def test_build_refuses_a_version_smaller_than_the_change(previous, tmp_path):
    root = versioned_package(tmp_path / "pkg", "0.1.1", _new_event)
    with pytest.raises(ReleaseError, match="refusing") as info:
        build_release(root, tmp_path / "dist", previous=previous, **QUIET)
    assert any("at least 0.2.0" in line for line in info.value.details)
    assert not (tmp_path / "dist").exists()


@pytest.mark.release_build
def test_build_with_previous_writes_the_diff_into_the_release(previous, tmp_path):
    root = versioned_package(tmp_path / "pkg", "0.1.1", _correct_summary)
    zip_path = build_release(root, tmp_path / "dist", previous=previous, **QUIET)
    out = zip_path.with_suffix("")
    diff = json.loads((out / "release-diff.json").read_text(encoding="utf-8"))
    assert diff["level"] == "patch" and diff["old_version"] == "0.1.0" and diff["new_version"] == "0.1.1"
    assert diff["tables"]["events"]["rows_changed"] == 1
    assert "# Release diff: 0.1.0 → 0.1.1" in (out / "RELEASE-DIFF.md").read_text(encoding="utf-8")
    described = {r["path"] for r in json.loads((out / "datapackage.json").read_text())["resources"]}
    assert {"RELEASE-DIFF.md", "release-diff.json"} <= described


@pytest.mark.release_build
def test_removed_id_must_be_retired(previous, tmp_path):
    root = versioned_package(tmp_path / "a", "0.2.0", lambda rows: _retire_event_2(rows, tombstones=False))
    with pytest.raises(ReleaseError, match="refusing") as info:
        build_release(root, tmp_path / "dist-a", previous=previous, **QUIET)
    assert any("SCE-000002" in line and "retired_ids" in line for line in info.value.details)
    assert any("CLM-000002" in line for line in info.value.details)

    root = versioned_package(tmp_path / "b", "0.2.0", _retire_event_2)
    zip_path = build_release(root, tmp_path / "dist-b", previous=previous, **QUIET)
    diff = json.loads((zip_path.with_suffix("") / "release-diff.json").read_text(encoding="utf-8"))
    assert diff["level"] == "minor" and diff["problems"] == []
    assert [r["event_id"] for r in diff["tables"]["events"]["removed"]] == ["SCE-000002"]


@pytest.mark.release_build
def test_tombstones_are_never_removed_nor_ids_reused(tmp_path):
    old_root = versioned_package(tmp_path / "old", "0.2.0", _retire_event_2)
    old = build_release(old_root, tmp_path / "d-old", **QUIET)
    # 0.3.0 brings SCE-000002 back and drops the tombstones.
    new_root = versioned_package(tmp_path / "new", "0.3.0")
    with pytest.raises(ReleaseError) as info:
        build_release(new_root, tmp_path / "d-new", previous=old, **QUIET)
    text = "\n".join(info.value.details)
    assert "tombstone of events SCE-000002 was removed" in text
    assert "SCE-000002 was retired before 0.3.0 and is used again" in text


@pytest.mark.release_build
def test_previous_release_of_another_package_is_refused(previous, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(previous.with_suffix(""), other)
    descriptor = json.loads((other / "datapackage.json").read_text(encoding="utf-8"))
    (other / "datapackage.json").write_text(json.dumps({**descriptor, "name": "another-package"}), encoding="utf-8")
    root = versioned_package(tmp_path / "pkg", "0.2.0")
    with pytest.raises(ReleaseError, match="another-package"):
        build_release(root, tmp_path / "dist", previous=other, **QUIET)


# --- sce diff -----------------------------------------------------------------------------------


def test_cli_diff_markdown_and_json(previous, tmp_path, capsys):
    new = build_release(versioned_package(tmp_path / "pkg", "0.2.0", _new_event), tmp_path / "dist", **QUIET)
    assert main(["diff", str(previous), str(new)]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Release diff: 0.1.0 → 0.2.0") and "**minor**" in md
    assert main(["diff", str(previous), str(new.with_suffix("")), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tables"]["events"]["rows_added"] == 1
    assert data["tables"]["claims"]["added"][0]["claim_id"] == "CLM-000003"


def test_cli_diff_against_a_source_package(previous, capsys):
    # The repository's own layout (schemas by reference) is readable too.
    assert main(["diff", str(previous), str(REPO)]) == 0
    assert capsys.readouterr().out.startswith("# Release diff: 0.1.0 → ")


@pytest.mark.parametrize("make_bad", ["missing", "not_zip", "two_packages", "escape", "bad_json", "bad_csv",
                                      "linked_out", "table_missing"])
def test_cli_diff_unreadable_input_is_exit_2(previous, tmp_path, capsys, make_bad):
    bad = tmp_path / "bad.zip"
    folder = previous.with_suffix("")
    if make_bad == "missing":
        bad = tmp_path / "nothing-here.zip"
    elif make_bad == "not_zip":
        bad.write_bytes(b"this is not a zip")
    elif make_bad == "two_packages":
        with zipfile.ZipFile(bad, "w") as zf:
            zf.writestr("a/datapackage.json", "{}")
            zf.writestr("b/datapackage.json", "{}")
    else:
        bad = tmp_path / "bad"
        shutil.copytree(folder, bad)
        descriptor = json.loads((bad / "datapackage.json").read_text(encoding="utf-8"))
        if make_bad == "escape":
            descriptor["resources"][0]["path"] = "../../etc/passwd.csv"
            (bad / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        elif make_bad == "bad_json":
            (bad / "datapackage.json").write_text("{", encoding="utf-8")
        elif make_bad == "linked_out":  # a table linked to a file outside the release is never read
            outside = tmp_path / "secret.csv"
            outside.write_text("event_id\nSECRET-1\n", encoding="utf-8")
            (bad / "data" / "events.csv").unlink()
            (bad / "data" / "events.csv").symlink_to(outside)
        elif make_bad == "table_missing":
            (bad / "data" / "events.csv").unlink()
        else:
            (bad / "data" / "events.csv").write_text("event_id\nSCE-000001\n", encoding="utf-8")
    assert main(["diff", str(previous), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sce diff: ") and "Traceback" not in err
    assert "SECRET" not in err
    if make_bad == "linked_out":
        assert "outside the package" in err
    if make_bad == "table_missing":
        assert "cannot read data/events.csv" in err


# --- from test_diff_columnwise.py ----------------------------------------

def reference_rows(old: TableSnapshot, old_rows: list[dict], new: TableSnapshot, new_rows: list[dict]) -> dict:
    def key(row: dict) -> tuple[str, ...]:
        return tuple(row[k] for k in new.primary_key)

    before = {key(r): r for r in old_rows}
    after = {key(r) for r in new_rows}
    common = [f for f in new.fields if f in old.fields]
    added, changed = [], []
    for row in new_rows:
        was = before.get(key(row))
        if was is None:
            added.append(row)
            continue
        cells = {f: {"old": was[f], "new": row[f]} for f in common if was[f] != row[f]}
        if cells:
            changed.append({"key": dict(zip(new.primary_key, key(row), strict=True)), "cells": cells})
    return {"added": added, "removed": [r for r in old_rows if key(r) not in after], "changed": changed}


# --- generated tables -----------------------------------------------------------------------------

KEY_CELLS = st.sampled_from(["1", "a", "a:1", "1:a", "b|c", "x y", '"q"', "é", ""])
CELLS = st.sampled_from(["", "a", "b", "a,b", 'say "hi"', "l1\nl2", "c\r\nd", "سوريا", " pad ", "1:a", "t\tb\\s\x01"])


@st.composite
def versions(draw) -> tuple[list[str], list[str], list[str], list[dict], list[dict]]:
    """(primary key, old fields, new fields, old rows, new rows), keys unique in each version."""
    pk = ["k1", "k2"][: draw(st.integers(1, 2))]
    old_fields = [*pk, "a", "b"]
    new_fields = draw(st.sampled_from([old_fields, [*pk, "a"], [*pk, "a", "b", "c"], [*pk, "b", "a"]]))

    def rows(fields: list[str]) -> st.SearchStrategy[list[dict]]:
        row = st.fixed_dictionaries({f: KEY_CELLS if f in pk else CELLS for f in fields})
        return st.lists(row, max_size=12, unique_by=lambda r: tuple(r[k] for k in pk))

    return pk, old_fields, new_fields, draw(rows(old_fields)), draw(rows(new_fields))


def _tables_json(diff) -> dict:
    t = diff.to_json()["tables"]["t"]
    return {k: t[k] for k in ("added", "removed", "changed")}


@pytest.fixture(params=["fixed-width keys", "hashed keys"])
def matching(request, monkeypatch):
    """Both ways of matching keys: as fixed-width bytes (binary search) and by hashing."""
    if request.param == "hashed keys":
        monkeypatch.setattr(diff_module, "MAX_FIXED_KEY_BYTES", -1)
    return request.param


@given(case=versions())
def test_same_rows_as_the_definition_in_memory(matching, case):
    pk, old_fields, new_fields, old_rows, new_rows = case
    old = TableSnapshot.of_rows("t", old_fields, pk, old_rows)
    new = TableSnapshot.of_rows("t", new_fields, pk, new_rows)
    diff = diff_snapshots(Snapshot("o", "p", "1.0.0", {"t": old}), Snapshot("n", "p", "1.1.0", {"t": new}))
    assert _tables_json(diff) == reference_rows(old, old_rows, new, new_rows)
    assert "".join(diff.json_chunks()) == dumps(diff.to_json())


@given(case=versions(), crlf=st.booleans())
def test_same_rows_as_the_definition_through_csv_files(matching, case, crlf):
    pk, old_fields, new_fields, old_rows, new_rows = case
    old = TableSnapshot.of_rows("t", old_fields, pk, old_rows)
    new = TableSnapshot.of_rows("t", new_fields, pk, new_rows)
    with tempfile.TemporaryDirectory() as tmp:
        before = write_release(Snapshot("o", "p", "1.0.0", {"t": old}), Path(tmp) / "old", crlf=crlf)
        after = write_release(Snapshot("n", "p", "1.1.0", {"t": new}), Path(tmp) / "new")
        diff = diff_snapshots(open_snapshot(zipped(before)), open_snapshot(after))
    assert _tables_json(diff) == reference_rows(old, old_rows, new, new_rows)


def test_keys_that_would_join_to_the_same_text_stay_apart(matching):
    fields = ["k1", "k2", "v"]
    old = TableSnapshot.of_rows("t", fields, ["k1", "k2"], [{"k1": "a:1", "k2": "b", "v": "x"},
                                                           {"k1": "ab", "k2": "", "v": "x"}])
    new = TableSnapshot.of_rows("t", fields, ["k1", "k2"], [{"k1": "a", "k2": "1:b", "v": "x"},
                                                           {"k1": "a", "k2": "b", "v": "x"}])
    diff = diff_snapshots(Snapshot("o", "p", "1", {"t": old}), Snapshot("n", "p", "2", {"t": new}))
    (t,) = diff.tables
    assert [(r["k1"], r["k2"]) for r in t.added] == [("a", "1:b"), ("a", "b")]
    assert [(r["k1"], r["k2"]) for r in t.removed] == [("a:1", "b"), ("ab", "")] and not t.changed


def test_keys_with_nul_or_long_cells_are_matched_exactly():
    fields = ["id", "v"]
    long = "x" * (diff_module.MAX_FIXED_KEY_BYTES + 1)
    old = TableSnapshot.of_rows("t", fields, ["id"], [{"id": "a", "v": "1"}, {"id": long, "v": "1"}])
    for odd in ("a\x00", long + "y"):
        new = TableSnapshot.of_rows("t", fields, ["id"], [{"id": "a", "v": "2"}, {"id": odd, "v": "1"}])
        (t,) = diff_snapshots(Snapshot("o", "p", "1", {"t": old}), Snapshot("n", "p", "2", {"t": new})).tables
        assert [r["id"] for r in t.added] == [odd] and [r["id"] for r in t.removed] == [long]
        assert t.changed == [{"key": {"id": "a"}, "cells": {"v": {"old": "1", "new": "2"}}}]


# --- the lazy row lists -----------------------------------------------------------------------------


def test_rows_read_like_a_list(monkeypatch):
    monkeypatch.setattr(diff_module, "BATCH_ROWS", 2)
    rows = [{"id": str(i), "v": f"v{i}"} for i in range(5)]
    lazy = Rows(TableSnapshot.of_rows("t", ["id", "v"], ["id"], rows).read())
    assert len(lazy) == 5 and lazy == rows and rows == lazy and list(lazy) == rows
    assert lazy[0] == rows[0] and lazy[-1] == rows[-1] and lazy[1:3] == rows[1:3] and lazy[::2] == rows[::2]
    assert lazy[4:2] == [] and lazy != rows[:4] and lazy != "12345"
    with pytest.raises(IndexError):
        lazy[5]
    assert Rows() == [] and not Rows() and len(Changes()) == 0 and Changes() == []


def test_changes_read_like_a_list(monkeypatch):
    monkeypatch.setattr(diff_module, "BATCH_ROWS", 2)
    fields = ["id", "a", "b"]
    old = TableSnapshot.of_rows("t", fields, ["id"], [{"id": str(i), "a": "x", "b": "y"} for i in range(5)])
    new = TableSnapshot.of_rows("t", fields, ["id"], [{"id": str(i), "a": "x" if i % 2 else "X", "b": "y" if i else "Y"}
                                                     for i in range(5)])
    (t,) = diff_snapshots(Snapshot("o", "p", "1", {"t": old}), Snapshot("n", "p", "2", {"t": new})).tables
    expected = [{"key": {"id": "0"}, "cells": {"a": {"old": "x", "new": "X"}, "b": {"old": "y", "new": "Y"}}},
                {"key": {"id": "2"}, "cells": {"a": {"old": "x", "new": "X"}}},
                {"key": {"id": "4"}, "cells": {"a": {"old": "x", "new": "X"}}}]
    assert t.changed == expected and t.changed[-1] == expected[-1] and t.changed[1:] == expected[1:]
    assert t.changed[::2] == expected[::2] and t.changed[::-1] == expected[::-1]


# --- the CSV reader --------------------------------------------------------------------------------


def test_reader_keeps_exact_text_and_skips_blank_lines():
    data = '\ufeffid,v\r\n1," a, ""b""\n c "\n\n2,\r\n3,NA\n4,null\n'.encode()
    table = read_csv_text(io.BytesIO(data), ["id", "v"], "t.csv")
    assert table.to_pylist() == [{"id": "1", "v": ' a, "b"\n c '}, {"id": "2", "v": ""},
                                 {"id": "3", "v": "NA"}, {"id": "4", "v": "null"}]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "header does not match"),
    (b"id,w\n1,2\n", "header does not match"),
    (b"id,v\n1,2,SECRET\n", "Expected 2 columns, got 3"),
    (b"id,v\n1\n", "Expected 2 columns, got 1"),
    (b"id,v\n1,\xff\n", "UTF8"),
])
def test_reader_refuses_bad_csv_clearly(data, message):
    with pytest.raises(ReleaseError, match=message) as info:
        read_csv_text(io.BytesIO(data), ["id", "v"], "t.csv")
    assert "SECRET" not in str(info.value)


def test_reader_stops_past_the_size_limit():
    stream = snapshot_module._BoundedReader(io.BytesIO(b"id,v\n" + b"1,2\n" * 1000), 100, "t.csv is too large")
    with pytest.raises(ReleaseError, match="too large"):
        read_csv_text(stream, ["id", "v"], "t.csv")


# --- bad previous releases through sce diff ---------------------------------------------------------


def _small(tmp_path: Path) -> tuple[Path, Path]:
    fields = ["id", "k2", "v"]
    rows = [{"id": "E1", "k2": "a", "v": "x"}, {"id": "E2", "k2": "a", "v": "y"}]
    new = write_release(Snapshot("n", "p", "1.1.0", {
        "t": TableSnapshot.of_rows("t", fields, ["id"], rows),
        "pairs": TableSnapshot.of_rows("pairs", fields, ["id", "k2"], rows)}), tmp_path / "new")
    old = write_release(Snapshot("o", "p", "1.0.0", {
        "t": TableSnapshot.of_rows("t", fields, ["id"], rows),
        "pairs": TableSnapshot.of_rows("pairs", fields, ["id", "k2"], rows)}), tmp_path / "old")
    return old, new


def _descriptor(root: Path) -> dict:
    return json.loads((root / "datapackage.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("bad", "message"), [
    ("repeated_key", "data/t.csv repeats the primary key E1"),
    ("repeated_pair", "data/pairs.csv repeats the primary key E2 | a"),
    ("extra_cell", "data/t.csv: CSV parse error: Expected 3 columns, got 4"),
    ("not_utf8", "data/t.csv"),
    ("field_twice", "table t names a field twice"),
    ("too_large", "data/t.csv is larger than 64 bytes"),
    ("zip_too_large", "data/t.csv is larger than 64 bytes"),
    ("not_a_file", "cannot read data/t.csv: no such file"),
    ("no_key", "table t has no usable primary key"),
])
def test_bad_previous_release_is_exit_2(tmp_path, capsys, monkeypatch, bad, message):
    old, new = _small(tmp_path)
    table = old / "data" / "t.csv"
    if bad == "repeated_key":
        table.write_text("id,k2,v\nE1,a,x\nE1,b,y\n", encoding="utf-8")
    elif bad == "repeated_pair":
        (old / "data" / "pairs.csv").write_text("id,k2,v\nE2,a,x\nE1,a,x\nE2,a,z\n", encoding="utf-8")
    elif bad == "extra_cell":
        table.write_text("id,k2,v\nE1,a,x\nE2,a,y,SECRET\n", encoding="utf-8")
    elif bad == "not_utf8":
        table.write_bytes(b"id,k2,v\nE1,a,\xff\n")
    elif bad in ("field_twice", "no_key"):
        descriptor = _descriptor(old)
        schema = descriptor["resources"][0]["schema"]
        if bad == "field_twice":
            schema["fields"].append(schema["fields"][0])
        else:
            schema["primaryKey"] = ["nope"]
        (old / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    elif bad in ("too_large", "zip_too_large"):
        monkeypatch.setattr(snapshot_module, "MAX_FILE_BYTES", 64)
        table.write_text("id,k2,v\n" + "".join(f"E{i},a,x\n" for i in range(20)), encoding="utf-8")
        if bad == "zip_too_large":
            old = zipped(old)
    elif bad == "not_a_file":
        table.unlink()
        table.mkdir()
    assert main(["diff", str(old), str(new)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sce diff: ") and message in err, err
    assert "Traceback" not in err and "SECRET" not in err


def test_zip_member_larger_than_it_claims_is_refused(tmp_path, capsys, monkeypatch):
    """The limit counts the bytes inflated, not the size the zip's directory states."""
    old, new = _small(tmp_path)
    (old / "data" / "t.csv").write_text("id,k2,v\n" + "".join(f"E{i},a,x\n" for i in range(50)), encoding="utf-8")
    archive = zipped(old)
    monkeypatch.setattr(snapshot_module, "MAX_FILE_BYTES", 100)
    real_getinfo = zipfile.ZipFile.getinfo

    def lying_getinfo(self, name):
        info = real_getinfo(self, name)
        if name.endswith("t.csv"):
            info.file_size = 10  # what a crafted zip could claim
        return info

    monkeypatch.setattr(zipfile.ZipFile, "getinfo", lying_getinfo)
    assert main(["diff", str(archive), str(new)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sce diff: ") and "Traceback" not in err


def test_corrupt_zip_member_is_exit_2(tmp_path, capsys):
    old, new = _small(tmp_path)
    (old / "data" / "t.csv").write_text("id,k2,v\n" + "".join(f"E{i},a,x\n" for i in range(50)), encoding="utf-8")
    archive = zipped(old)
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("old/data/t.csv")
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start:start + 8] = b"\xff" * 8  # no valid deflate block starts so
    archive.write_bytes(bytes(data))
    assert main(["diff", str(archive), str(new)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sce diff: ") and "cannot read data/t.csv" in err and "Traceback" not in err


# --- from test_diff_frozen.py ----------------------------------------

def table(name, fields, pk, rows, enums=None, types=None):
    return TableSnapshot.of_rows(name, fields, pk, rows, types, enums)


RET = ["table_name", "retired_id", "retired_in_version", "replaced_by", "reason"]


def tomb(*cells: str) -> dict[str, str]:
    return dict(zip(RET, cells, strict=True))


def snapshots() -> tuple[Snapshot, Snapshot]:
    old = Snapshot("old", "pkg", "1.0.0", {
        "events": table("events", ["event_id", "kind", "note"], ["event_id"], [
            {"event_id": "E1", "kind": "battle", "note": "first"},
            {"event_id": "E2", "kind": "riot", "note": 'with "quotes", commas\nand a line'},
            {"event_id": "E3", "kind": "battle", "note": ""},
            {"event_id": "E4", "kind": "battle", "note": "gone without a tombstone"},
        ], enums={"kind": ["battle", "riot"]}),
        "links": table("links", ["event_id", "actor", "role"], ["event_id", "actor"], [
            {"event_id": "E1", "actor": "a:1", "role": "x"},
            {"event_id": "E1:a", "actor": "1", "role": "y"},
            {"event_id": "E2", "actor": "b", "role": "z"},
        ]),
        "old_only": table("old_only", ["id"], ["id"], [{"id": "o1"}, {"id": "o2"}]),
        "places": table("places", ["place_id", "lat", "kind", "gone"], ["place_id"], [
            {"place_id": "p1", "lat": "36.2", "kind": "a", "gone": "x"},
        ], enums={"kind": ["a", "b"]}, types={"lat": "number"}),
        "keyed": table("keyed", ["id", "v"], ["id"], [{"id": "k1", "v": "1"}]),
        "retired_ids": table("retired_ids", RET, ["table_name", "retired_id"], [
            tomb("events", "E0", "0.9.0", "", "dup"),
            tomb("links", "L9", "0.9.0", "", "x"),
        ]),
    })
    new = Snapshot("new", "pkg", "1.1.0", {
        "events": table("events", ["event_id", "kind", "note", "extra"], ["event_id"], [
            {"event_id": "E5", "kind": "protest", "note": "new first", "extra": "é"},
            {"event_id": "E1", "kind": "battle", "note": "first, corrected", "extra": ""},
            {"event_id": "E2", "kind": "battle", "note": 'with "quotes", commas\nand a line', "extra": "سوريا"},
            {"event_id": "E0", "kind": "riot", "note": "a retired id used again", "extra": ""},
        ], enums={"kind": ["battle", "riot", "protest"]}),
        "links": table("links", ["event_id", "actor", "role"], ["event_id", "actor"], [
            {"event_id": "E1:a", "actor": "1", "role": "y2"},
            {"event_id": "E1", "actor": "a:1", "role": "x"},
            {"event_id": "E2", "actor": "c", "role": "z"},
        ]),
        "places": table("places", ["place_id", "lat", "kind"], ["place_id"], [
            {"place_id": "p1", "lat": "36.20", "kind": "a"},
        ], enums={"kind": ["a"]}),
        "keyed": table("keyed", ["id", "v"], ["id", "v"], [{"id": "k1", "v": "2"}]),
        "new_only": table("new_only", ["id", "v"], ["id"], [{"id": "n1", "v": "1"}]),
        "retired_ids": table("retired_ids", RET, ["table_name", "retired_id"], [
            tomb("events", "E0", "0.9.0", "", "dup"),
            tomb("events", "E3", "1.1.0", "E1", "merged"),
        ]),
    })
    return old, new


# Written by the row-by-row implementation (commit 7ceb8a2) for snapshots(); never regenerate
# these from the code under test.
EXPECTED_JSON = r'''{
  "old_version": "1.0.0",
  "new_version": "1.1.0",
  "level": "major",
  "reasons": [
    {
      "level": "minor",
      "change": "events.extra added"
    },
    {
      "level": "minor",
      "change": "events.kind: code protest added"
    },
    {
      "level": "minor",
      "change": "events: 2 rows added"
    },
    {
      "level": "minor",
      "change": "events: 2 rows removed (retired)"
    },
    {
      "level": "patch",
      "change": "events: 2 rows corrected"
    },
    {
      "level": "minor",
      "change": "links: 1 rows added"
    },
    {
      "level": "minor",
      "change": "links: 1 rows removed (retired)"
    },
    {
      "level": "patch",
      "change": "links: 1 rows corrected"
    },
    {
      "level": "major",
      "change": "places.gone removed or renamed"
    },
    {
      "level": "major",
      "change": "places.lat changed type number -> string"
    },
    {
      "level": "major",
      "change": "places.kind: code b removed or renamed"
    },
    {
      "level": "patch",
      "change": "places: 1 rows corrected"
    },
    {
      "level": "major",
      "change": "keyed: primary key changed"
    },
    {
      "level": "minor",
      "change": "table new_only added"
    },
    {
      "level": "minor",
      "change": "retired_ids: 1 rows added"
    },
    {
      "level": "minor",
      "change": "retired_ids: 1 rows removed (retired)"
    },
    {
      "level": "major",
      "change": "table old_only removed"
    }
  ],
  "problems": [
    "events E4 was released in 1.0.0 and is gone, but is not in retired_ids (record it there with the reason)",
    "retired_ids: the tombstone of links L9 was removed (tombstones stay forever)",
    "events E0 was retired before 1.1.0 and is used again"
  ],
  "tables": {
    "events": {
      "status": "common",
      "primary_key": [
        "event_id"
      ],
      "rows_added": 2,
      "rows_removed": 2,
      "rows_changed": 2,
      "columns_added": [
        "extra"
      ],
      "columns_removed": [],
      "type_changes": [],
      "codes_added": {
        "kind": [
          "protest"
        ]
      },
      "codes_removed": {},
      "key_changed": false,
      "added": [
        {
          "event_id": "E5",
          "kind": "protest",
          "note": "new first",
          "extra": "é"
        },
        {
          "event_id": "E0",
          "kind": "riot",
          "note": "a retired id used again",
          "extra": ""
        }
      ],
      "removed": [
        {
          "event_id": "E3",
          "kind": "battle",
          "note": ""
        },
        {
          "event_id": "E4",
          "kind": "battle",
          "note": "gone without a tombstone"
        }
      ],
      "changed": [
        {
          "key": {
            "event_id": "E1"
          },
          "cells": {
            "note": {
              "old": "first",
              "new": "first, corrected"
            }
          }
        },
        {
          "key": {
            "event_id": "E2"
          },
          "cells": {
            "kind": {
              "old": "riot",
              "new": "battle"
            }
          }
        }
      ]
    },
    "links": {
      "status": "common",
      "primary_key": [
        "event_id",
        "actor"
      ],
      "rows_added": 1,
      "rows_removed": 1,
      "rows_changed": 1,
      "columns_added": [],
      "columns_removed": [],
      "type_changes": [],
      "codes_added": {},
      "codes_removed": {},
      "key_changed": false,
      "added": [
        {
          "event_id": "E2",
          "actor": "c",
          "role": "z"
        }
      ],
      "removed": [
        {
          "event_id": "E2",
          "actor": "b",
          "role": "z"
        }
      ],
      "changed": [
        {
          "key": {
            "event_id": "E1:a",
            "actor": "1"
          },
          "cells": {
            "role": {
              "old": "y",
              "new": "y2"
            }
          }
        }
      ]
    },
    "places": {
      "status": "common",
      "primary_key": [
        "place_id"
      ],
      "rows_added": 0,
      "rows_removed": 0,
      "rows_changed": 1,
      "columns_added": [],
      "columns_removed": [
        "gone"
      ],
      "type_changes": [
        {
          "field": "lat",
          "old": "number",
          "new": "string"
        }
      ],
      "codes_added": {},
      "codes_removed": {
        "kind": [
          "b"
        ]
      },
      "key_changed": false,
      "added": [],
      "removed": [],
      "changed": [
        {
          "key": {
            "place_id": "p1"
          },
          "cells": {
            "lat": {
              "old": "36.2",
              "new": "36.20"
            }
          }
        }
      ]
    },
    "keyed": {
      "status": "common",
      "primary_key": [
        "id",
        "v"
      ],
      "rows_added": 0,
      "rows_removed": 0,
      "rows_changed": 0,
      "columns_added": [],
      "columns_removed": [],
      "type_changes": [],
      "codes_added": {},
      "codes_removed": {},
      "key_changed": true,
      "added": [],
      "removed": [],
      "changed": []
    },
    "new_only": {
      "status": "added",
      "primary_key": [
        "id"
      ],
      "rows_added": 1,
      "rows_removed": 0,
      "rows_changed": 0,
      "columns_added": [],
      "columns_removed": [],
      "type_changes": [],
      "codes_added": {},
      "codes_removed": {},
      "key_changed": false,
      "added": [
        {
          "id": "n1",
          "v": "1"
        }
      ],
      "removed": [],
      "changed": []
    },
    "retired_ids": {
      "status": "common",
      "primary_key": [
        "table_name",
        "retired_id"
      ],
      "rows_added": 1,
      "rows_removed": 1,
      "rows_changed": 0,
      "columns_added": [],
      "columns_removed": [],
      "type_changes": [],
      "codes_added": {},
      "codes_removed": {},
      "key_changed": false,
      "added": [
        {
          "table_name": "events",
          "retired_id": "E3",
          "retired_in_version": "1.1.0",
          "replaced_by": "E1",
          "reason": "merged"
        }
      ],
      "removed": [
        {
          "table_name": "links",
          "retired_id": "L9",
          "retired_in_version": "0.9.0",
          "replaced_by": "",
          "reason": "x"
        }
      ],
      "changed": []
    },
    "old_only": {
      "status": "removed",
      "primary_key": [
        "id"
      ],
      "rows_added": 0,
      "rows_removed": 2,
      "rows_changed": 0,
      "columns_added": [],
      "columns_removed": [],
      "type_changes": [],
      "codes_added": {},
      "codes_removed": {},
      "key_changed": false,
      "added": [],
      "removed": [
        {
          "id": "o1"
        },
        {
          "id": "o2"
        }
      ],
      "changed": []
    }
  }
}
'''

EXPECTED_MARKDOWN = r'''# Release diff: 1.0.0 → 1.1.0

Change level: **major** (SemVer: removing or renaming a column or a code is major; new rows, columns or codes are minor; corrections are patch).

Problems:

- events E4 was released in 1.0.0 and is gone, but is not in retired_ids (record it there with the reason)
- retired_ids: the tombstone of links L9 was removed (tombstones stay forever)
- events E0 was retired before 1.1.0 and is used again

| table | rows added | rows removed | rows changed | schema changes |
|---|---|---|---|---|
| events | 2 | 2 | 2 | 2 |
| links | 1 | 1 | 1 | 0 |
| places | 0 | 0 | 1 | 3 |
| keyed | 0 | 0 | 0 | 1 |
| new_only | 1 | 0 | 0 | 1 |
| retired_ids | 1 | 1 | 0 | 0 |
| old_only | 0 | 2 | 0 | 1 |

## Changes by level

- **major**: places.gone removed or renamed
- **major**: places.lat changed type number -> string
- **major**: places.kind: code b removed or renamed
- **major**: keyed: primary key changed
- **major**: table old_only removed
- **minor**: events.extra added
- **minor**: events.kind: code protest added
- **minor**: events: 2 rows added
- **minor**: events: 2 rows removed (retired)
- **minor**: links: 1 rows added
- **minor**: links: 1 rows removed (retired)
- **minor**: table new_only added
- **minor**: retired_ids: 1 rows added
- **minor**: retired_ids: 1 rows removed (retired)
- **patch**: events: 2 rows corrected
- **patch**: links: 1 rows corrected
- **patch**: places: 1 rows corrected

## Tables

### events

- Column added: `extra`
- `kind` codes added: <code>protest</code>

Rows added (2):

- <code>E5</code>
- <code>E0</code>

Rows removed (2):

- <code>E3</code>
- <code>E4</code>

Rows changed (2):

- <code>E1</code>: `note` <code>first</code> → <code>first&#44; corrected</code>
- <code>E2</code>: `kind` <code>riot</code> → <code>battle</code>

### links

Rows added (1):

- <code>E2 &#124; c</code>

Rows removed (1):

- <code>E2 &#124; b</code>

Rows changed (1):

- <code>E1&#58;a &#124; 1</code>: `role` <code>y</code> → <code>y2</code>

### places

- Column removed: `gone`
- Type of `lat`: number → string
- `kind` codes removed: <code>b</code>

Rows changed (1):

- <code>p1</code>: `lat` <code>36&#46;2</code> → <code>36&#46;20</code>

### keyed

- Primary key changed: rows are not compared

### new_only

Table added (1 rows).

### retired_ids

Rows added (1):

- <code>events &#124; E3</code>

Rows removed (1):

- <code>links &#124; L9</code>

### old_only

Table removed (2 rows).
'''


def test_frozen_json_and_markdown():
    old, new = snapshots()
    diff = diff_snapshots(old, new)
    assert dumps(diff.to_json()) == EXPECTED_JSON
    assert "".join(diff.json_chunks()) == EXPECTED_JSON
    assert to_markdown(diff) == EXPECTED_MARKDOWN


def test_frozen_json_in_batches_of_one_row(monkeypatch):
    monkeypatch.setattr(diff_module, "BATCH_ROWS", 1)  # changed rows, made into dicts
    monkeypatch.setattr(json_text, "BATCH_ROWS", 1)  # added and removed rows, made into text by Arrow
    old, new = snapshots()
    assert "".join(diff_snapshots(old, new).json_chunks()) == EXPECTED_JSON


def write_release(snapshot: Snapshot, root: Path, crlf: bool = False) -> Path:
    """The snapshot as a package directory: datapackage.json with inline schemas, CSV tables."""
    resources = []
    (root / "data").mkdir(parents=True)
    for t in snapshot.tables.values():
        fields = []
        for f in t.fields:
            field = {"name": f, "type": t.types[f]}
            if f in t.enums:
                field["constraints"] = {"enum": t.enums[f]}
            fields.append(field)
        path = f"data/{t.name}.csv"
        resources.append({"name": t.name, "path": path, "format": "csv",
                          "schema": {"fields": fields, "primaryKey": t.primary_key}})
        with (root / path).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, t.fields, lineterminator="\r\n" if crlf else "\n")
            writer.writeheader()
            writer.writerows(t.read().to_pylist())
    descriptor = {"name": snapshot.name, "version": snapshot.version, "resources": resources}
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return root


def zipped(folder: Path) -> Path:
    out = folder.with_suffix(".zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.rglob("*")):
            zf.write(f, f"{folder.name}/{f.relative_to(folder).as_posix()}")
    return out


@pytest.mark.parametrize("as_zip", [False, True])
def test_frozen_case_from_files_through_the_cli(tmp_path, capsys, as_zip):
    old, new = snapshots()
    before = write_release(old, tmp_path / "old", crlf=True)
    after = write_release(new, tmp_path / "new")
    if as_zip:
        before = zipped(before)
    assert main(["diff", str(before), str(after), "--format", "json"]) == 0
    assert capsys.readouterr().out == EXPECTED_JSON
    assert main(["diff", str(before), str(after)]) == 0
    assert capsys.readouterr().out == EXPECTED_MARKDOWN
