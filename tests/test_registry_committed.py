"""The release registry is committed (README says so) and lists the published releases; a wheel
built from a fresh clone carries it (tests/test_wheel.py), and `sce.versions()` says plainly when
nothing has been published."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import REPO

import syria_conflict_events as sce
from syria_conflict_events import download
from syria_conflict_events.loader.api import NOTHING_PUBLISHED

REGISTRY = REPO / "src" / "syria_conflict_events" / "releases.json"


def test_registry_is_committed_and_well_formed():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files", "--error-unmatch", str(REGISTRY)],
                             capture_output=True, text=True)
    assert tracked.returncode == 0, "src/syria_conflict_events/releases.json must be committed"
    data = json.loads(REGISTRY.read_text(encoding="utf-8"))
    assert isinstance(data["releases"], dict)
    assert download.REGISTRY_PATH == REGISTRY
    assert list(sce.versions()) == list(download.read_registry(REGISTRY))


def test_readme_describes_the_committed_registry():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "src/syria_conflict_events/releases.json" in readme
    assert "published" in readme


def test_versions_says_plainly_when_nothing_is_published(tmp_path, monkeypatch):
    empty = tmp_path / "releases.json"
    empty.write_text('{"releases": {}}\n', encoding="utf-8")
    monkeypatch.setattr(download, "REGISTRY_PATH", empty)
    found = sce.versions()
    assert found == [] and isinstance(found, list)
    assert "no release has been published yet" in repr(found)
    assert str(found) == NOTHING_PUBLISHED
    with pytest.raises(sce.UnknownVersionError, match="no release has been published yet"):
        sce.load("events", version="9.9.9")


def test_versions_with_releases_is_a_plain_list(tmp_path, monkeypatch):
    registry = tmp_path / "releases.json"
    registry.write_text(json.dumps({"releases": {"1.0.0": {"file": "x-1.0.0.zip", "sha256": "a" * 64}}}))
    monkeypatch.setattr(download, "REGISTRY_PATH", registry)
    assert sce.versions() == ["1.0.0"]
    assert repr(sce.versions()) == "['1.0.0']"
