"""Contributed symbolic links: a pull request can replace a table (or data/ itself) with a link
to a file of the CI machine. The validator, `sce fmt` and `sce new` must refuse to read through
it, and never quote the target's contents in their output; links inside the package are fine."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from syria_conflict_events.cli import main
from syria_conflict_events.validation import render, validate_package

SECRET = "TOP-SECRET-TOKEN-4f1c"
pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symlinks")


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "secret.csv"
    path.parent.mkdir()
    path.write_text(f"{SECRET},x\n{SECRET},y\n", encoding="utf-8")
    return path


def _outputs(root: Path) -> str:
    report = validate_package(root)
    return "".join(render(report, fmt) for fmt in ("text", "json", "github"))


def _link(path: Path, target: Path) -> None:
    path.unlink()
    path.symlink_to(target)


def test_table_linked_outside_is_refused_unread(valid_package, secret_file):
    _link(valid_package / "data" / "events.csv", secret_file)
    report = validate_package(valid_package)
    assert report.exit_code == 1
    (error,) = [e for e in report.errors if e.path == "data/events.csv"]
    assert error.rule == "unsafe-path" and "outside the package" in error.message
    assert SECRET not in _outputs(valid_package)


def test_data_directory_linked_outside_is_refused(valid_package, secret_file):
    outside = secret_file.parent / "data"
    (valid_package / "data").rename(outside)
    (valid_package / "data").symlink_to(outside)
    report = validate_package(valid_package)
    assert report.exit_code == 1
    assert {e.rule for e in report.errors} == {"unsafe-path"}


def test_descriptor_linked_outside_is_unreadable(valid_package, secret_file):
    _link(valid_package / "datapackage.json", secret_file)
    report = validate_package(valid_package)
    assert report.exit_code == 2
    assert [e.rule for e in report.errors] == ["descriptor-unreadable"]
    assert SECRET not in _outputs(valid_package)


def test_json_table_linked_outside_is_refused(valid_package, secret_file):
    (valid_package / "data" / "events.json").symlink_to(secret_file)
    report = validate_package(valid_package, frictionless="never")
    (error,) = report.errors
    assert error.path == "data/events.json" and "outside the package" in error.message
    assert SECRET not in _outputs(valid_package)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="no /proc")
def test_link_to_proc_is_refused(valid_package, monkeypatch):
    monkeypatch.setenv("SCE_TEST_SECRET", SECRET)
    _link(valid_package / "data" / "actors.csv", Path("/proc/self/environ"))
    assert SECRET not in _outputs(valid_package)
    assert [e.rule for e in validate_package(valid_package).errors] == ["unsafe-path"]


def test_link_loop_is_a_structured_error(valid_package):
    path = valid_package / "data" / "places.csv"
    path.unlink()
    path.symlink_to(path)
    report = validate_package(valid_package)
    assert report.exit_code == 1
    assert [e.path for e in report.errors] == ["data/places.csv"]


def test_link_inside_the_package_is_followed(valid_package):
    kept = valid_package / "kept" / "events.csv"
    kept.parent.mkdir()
    (valid_package / "data" / "events.csv").rename(kept)
    (valid_package / "data" / "events.csv").symlink_to(Path("..") / "kept" / "events.csv")
    report = validate_package(valid_package)
    assert report.valid, render(report)


def test_fmt_and_new_refuse_a_link_outside(valid_package, secret_file, capsys):
    _link(valid_package / "data" / "actors.csv", secret_file)
    assert main(["fmt", str(valid_package), "--check"]) == 2
    assert main(["fmt", str(valid_package)]) == 2
    assert main(["new", "actor", "--path", str(valid_package), "--set", "name=Some group",
                 "--set", "actor_type=rebel_group", "--set", "verification=unverified"]) == 2
    out = capsys.readouterr()
    assert "outside the package" in out.err
    assert SECRET not in out.out + out.err
    assert secret_file.read_text(encoding="utf-8") == f"{SECRET},x\n{SECRET},y\n"
    assert json.loads((valid_package / "datapackage.json").read_text(encoding="utf-8"))
