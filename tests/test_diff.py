"""Release diffs and the SemVer check: rows added, removed and changed by primary key with the
changed cells; schema and vocabulary changes; the version a change requires; identifiers never
lost or reused; `sce diff` on directories and zips; `sce build --previous` refusing too small a
version and writing the diff into the release."""

from __future__ import annotations

import copy
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.diff.rows import diff_snapshots, to_markdown
from syria_conflict_events.diff.semver import bump, parse, version_problem
from syria_conflict_events.diff.snapshot import Snapshot, TableSnapshot, open_snapshot
from syria_conflict_events.generate import generated_files
from syria_conflict_events.release import ReleaseError, build_release

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


def test_build_refuses_a_version_smaller_than_the_change(previous, tmp_path):
    root = versioned_package(tmp_path / "pkg", "0.1.1", _new_event)
    with pytest.raises(ReleaseError, match="refusing") as info:
        build_release(root, tmp_path / "dist", previous=previous, **QUIET)
    assert any("at least 0.2.0" in line for line in info.value.details)
    assert not (tmp_path / "dist").exists()


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
