"""Atomic builds: validation runs first and an invalid package builds nothing; a build that fails
half way leaves no half release and no temporary files, keeps the previous release intact, and
never touches data/."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import dist_leftovers, dist_names, dist_view

from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.release import ReleaseError, build_release
from syria_conflict_events.release import build as build_module
from syria_conflict_events.release.build import release_name

pytestmark = pytest.mark.release_build

NAME = release_name(load_declaration())


def _tree(path: Path) -> dict[str, str]:
    return {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def _invalid(rows: dict) -> None:
    rows["events"][0]["event_type"] = "not_a_type"


def test_invalid_package_builds_nothing_and_lists_the_errors(tmp_path, make_package):
    root = make_package(_invalid)
    before = _tree(root)
    with pytest.raises(ReleaseError, match="validation failed") as info:
        build_release(root, tmp_path / "dist", update_registry=False, progress=lambda _: None)
    assert any("event_type" in line for line in info.value.details)
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())
    assert _tree(root) == before


def test_a_dangling_foreign_key_builds_nothing(tmp_path, make_package):
    """The SQLite writer trusts the build's validation for the foreign keys (it skips its own
    proof), so validation must be what refuses a row that references nothing."""
    root = make_package(lambda rows: rows["event_actors"][0].update(actor_id="no-such-actor"))
    with pytest.raises(ReleaseError, match="validation failed") as info:
        build_release(root, tmp_path / "dist", update_registry=False, progress=lambda _: None)
    assert any("event_actors.csv:2:actor_id: foreign-key" in line for line in info.value.details), info.value.details
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


def test_cli_prints_validation_errors_and_exits_1(tmp_path, make_package, capsys):
    root = make_package(_invalid)
    code = main(["build", str(root), "--dist", str(tmp_path / "dist"), "--no-site", "--no-registry"])
    captured = capsys.readouterr()
    assert code == 1
    assert "event_type" in captured.err and "validation failed" in captured.err
    assert not (tmp_path / "dist" / f"{NAME}.zip").exists()


def test_failure_half_way_leaves_nothing_behind(tmp_path, valid_package, monkeypatch):
    data_before = _tree(valid_package)

    def broken(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(build_module, "write_sqlite", broken)
    dist = tmp_path / "dist"
    with pytest.raises(OSError, match="simulated"):
        build_release(valid_package, dist, update_registry=False, progress=lambda _: None)
    assert list(dist.iterdir()) == []
    assert _tree(valid_package) == data_before


def test_failed_rebuild_keeps_the_previous_release(tmp_path, valid_package, monkeypatch):
    dist = tmp_path / "dist"
    build_release(valid_package, dist, update_registry=False, progress=lambda _: None)
    before = dist_view(dist)

    def broken(*args, **kwargs):
        raise KeyboardInterrupt  # an interrupted build

    monkeypatch.setattr(build_module, "write_zip", broken)
    with pytest.raises(KeyboardInterrupt):
        build_release(valid_package, dist, update_registry=False, progress=lambda _: None)
    assert dist_view(dist) == before
    assert dist_names(dist) == sorted([NAME, f"{NAME}.zip", "releases.json"]) and dist_leftovers(dist) == []


@pytest.mark.parametrize("writer", ["write_sqlite", "write_json_records", "write_places_geojson",
                                    "write_events_geojson", "write_parquet"])
def test_any_writer_failing_leaves_dist_untouched(tmp_path, valid_package, monkeypatch, writer):
    """The writers run in several threads at once: a failure in any of them aborts the build, the
    others' files are discarded with it and the previous release stays as it was."""
    dist = tmp_path / "dist"
    build_release(valid_package, dist, update_registry=False, progress=lambda _: None)
    before = dist_view(dist)

    def broken(*args, **kwargs):
        raise OSError(f"{writer} failed (simulated)")

    monkeypatch.setattr(build_module, writer, broken)
    lines: list[str] = []
    with pytest.raises(OSError, match=f"{writer} failed"):
        build_release(valid_package, dist, update_registry=False, progress=lines.append)
    assert dist_view(dist) == before
    assert dist_names(dist) == sorted([NAME, f"{NAME}.zip", "releases.json"]) and dist_leftovers(dist) == []
    assert not any("zip" in line or "switch dist/" in line for line in lines)


def test_dist_inside_data_is_refused(valid_package):
    with pytest.raises(ReleaseError, match="must not be built into"):
        build_release(valid_package, valid_package / "data" / "out", update_registry=False, progress=lambda _: None)
    assert not (valid_package / "data" / "out").exists()


def test_missing_package_is_a_clear_error(tmp_path, capsys):
    code = main(["build", str(tmp_path / "nowhere"), "--dist", str(tmp_path / "d"), "--no-site", "--no-registry"])
    assert code == 2
    assert "nowhere" in capsys.readouterr().err
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())
