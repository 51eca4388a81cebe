"""Reproducible builds: two builds of the same inputs give byte-identical files and zip, whatever
the output directory, the clock or the files' modification times."""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from pathlib import Path

import pytest
from conftest import dist_view

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.formats.zipping import DEFAULT_DATE, zip_date
from syria_conflict_events.release import build_release
from syria_conflict_events.release.build import release_name

pytestmark = pytest.mark.release_build

NAME = release_name(load_declaration())


def _hashes(dist: Path) -> dict[str, str]:
    """Every file dist/ shows (through its links), but the registry."""
    return {path: digest for path, digest in dist_view(dist).items() if path != "releases.json"}


def test_two_builds_are_byte_identical(tmp_path, valid_package, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = build_release(valid_package, tmp_path / "a", update_registry=False, progress=lambda _: None)
    # Touch the inputs and let the clock move: neither may leak into the release.
    later = time.time() + 3600
    for p in (valid_package / "data").iterdir():
        os.utime(p, (later, later))
    time.sleep(1.1)
    second = build_release(valid_package, tmp_path / "b", update_registry=False, progress=lambda _: None)
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert a == b
    assert len([k for k in a if k.startswith(NAME + "/")]) > 30
    for new in ("stata/events.dta", "stata/places.dta", "excel/syria-conflict-events.xlsx", "CITATION.cff"):
        assert f"{NAME}/{new}" in a  # the Stata files, the workbook and the citation are compared too
    assert first.read_bytes() == second.read_bytes()


def test_rebuilding_in_place_gives_the_same_zip(tmp_path, valid_package):
    first = build_release(valid_package, tmp_path / "d", update_registry=False, progress=lambda _: None)
    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    second = build_release(valid_package, tmp_path / "d", update_registry=False, progress=lambda _: None)
    assert hashlib.sha256(second.read_bytes()).hexdigest() == digest


def test_zip_entries_are_sorted_with_fixed_metadata(tmp_path, valid_package):
    zip_path = build_release(valid_package, tmp_path / "d", update_registry=False, progress=lambda _: None)
    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()
    dirs = [i.filename for i in infos if i.is_dir()]
    files = [i.filename for i in infos if not i.is_dir()]
    assert [i.filename for i in infos] == dirs + files
    assert dirs == sorted(dirs) and files == sorted(files)
    assert {i.date_time for i in infos} == {DEFAULT_DATE}
    assert {i.external_attr >> 16 for i in infos if not i.is_dir()} == {0o100644}
    assert {i.create_system for i in infos} == {3}


def test_source_date_epoch_sets_the_zip_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1733011200")  # 2024-12-01T00:00:00Z
    assert zip_date() == (2024, 12, 1, 0, 0, 0)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # before 1980: zip cannot store it
    assert zip_date() == DEFAULT_DATE
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    assert zip_date() == DEFAULT_DATE
