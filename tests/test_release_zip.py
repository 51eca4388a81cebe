"""The release zip written from streams deflated ahead (in worker threads) is byte for byte the zip
``zipfile`` writes file by file, whatever was prepared, and a file changed after it was prepared is
zipped as it is now."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from syria_conflict_events.release import zipping
from syria_conflict_events.release.zipping import Packer, sha256sums, write_zip, write_zip_reference


def _tree(root: Path) -> Path:
    (root / "json").mkdir(parents=True)
    (root / "sqlite").mkdir()
    (root / "README.md").write_text("# Read me\n", encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    (root / "json" / "big.json").write_bytes(os.urandom(300_000) + b"[1, 2, 3]\n" * 200_000)
    (root / "json" / "é-ü.json").write_text('{"name": "حلب"}\n', encoding="utf-8")
    (root / "sqlite" / "db.sqlite").write_bytes(bytes(range(256)) * 5000)
    return root


@pytest.mark.parametrize("epoch", [None, "1733011200"])
def test_prepared_zip_equals_the_zipfile_reference(tmp_path, monkeypatch, epoch):
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    root = _tree(tmp_path / "rel")
    write_zip_reference(root, tmp_path / "ref.zip", "pkg-1.0.0")
    packer = Packer(root, tmp_path / "scratch")
    try:
        for rel in ("json/big.json", "empty.txt", "json/é-ü.json"):  # the others are deflated while zipping
            packer.add(rel)
        write_zip(root, tmp_path / "fast.zip", "pkg-1.0.0", packer.members())
        assert packer.sha256(root / "json" / "big.json") == hashlib.sha256(
            (root / "json" / "big.json").read_bytes()).hexdigest()
        assert sha256sums(root, set(), packer.sha256) == sha256sums(root, set())
    finally:
        packer.close()
    write_zip(root, tmp_path / "plain.zip", "pkg-1.0.0")
    reference = (tmp_path / "ref.zip").read_bytes()
    assert (tmp_path / "fast.zip").read_bytes() == reference
    assert (tmp_path / "plain.zip").read_bytes() == reference
    with zipfile.ZipFile(tmp_path / "fast.zip") as zf:
        assert zf.testzip() is None
        assert zf.read("pkg-1.0.0/json/é-ü.json") == (root / "json" / "é-ü.json").read_bytes()


def test_a_file_changed_after_it_was_prepared_is_zipped_as_it_is(tmp_path):
    root = _tree(tmp_path / "rel")
    packer = Packer(root, tmp_path / "scratch")
    try:
        packer.add("README.md")
        packer.members()  # wait for it
        (root / "README.md").write_text("# Read me, rewritten at another length\n", encoding="utf-8")
        write_zip(root, tmp_path / "fast.zip", "p", packer.members())
        assert packer.sha256(root / "README.md") == hashlib.sha256((root / "README.md").read_bytes()).hexdigest()
    finally:
        packer.close()
    write_zip_reference(root, tmp_path / "ref.zip", "p")
    assert (tmp_path / "fast.zip").read_bytes() == (tmp_path / "ref.zip").read_bytes()


def test_an_archive_beyond_the_classic_limits_is_left_to_zipfile(tmp_path, monkeypatch):
    root = _tree(tmp_path / "rel")
    monkeypatch.setattr(zipping, "_LIMIT", 1000)  # as if the files were larger than 2 GiB
    calls = []
    monkeypatch.setattr(zipping, "write_zip_reference", lambda *a: calls.append(a))
    write_zip(root, tmp_path / "x.zip", "p")
    assert calls == [(root, tmp_path / "x.zip", "p")]
