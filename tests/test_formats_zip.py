"""The release zip: a standard archive (zipfile and Info-ZIP's unzip read it and its CRCs check),
the same bytes whether the members were prepared in worker threads or while zipping, a file changed
after it was prepared zipped as it is now, Parquet stored and text deflated, and ZIP64 records
where sizes or offsets need them."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

from syria_conflict_events.formats import zipping
from syria_conflict_events.formats.zipping import Packer, sha256sums, write_zip

UNZIP = shutil.which("unzip")


def _tree(root: Path) -> Path:
    (root / "json").mkdir(parents=True)
    (root / "sqlite").mkdir()
    (root / "parquet").mkdir()
    (root / "README.md").write_text("# Read me\n", encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    (root / "json" / "big.json").write_bytes(os.urandom(300_000) + b"[1, 2, 3]\n" * 200_000)
    (root / "json" / "é-ü.json").write_text('{"name": "حلب"}\n', encoding="utf-8")
    (root / "sqlite" / "db.sqlite").write_bytes(bytes(range(256)) * 5000)
    (root / "parquet" / "t.parquet").write_bytes(b"PAR1" + bytes(range(256)) * 40 + b"PAR1")
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _check_archive(path: Path, root: Path, prefix: str) -> None:
    """Every file is in the archive with its bytes, every CRC checks, and unzip agrees."""
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        members = {i.filename: i for i in zf.infolist()}
        for rel, data in _files(root).items():
            assert zf.read(f"{prefix}/{rel}") == data
            method = zipfile.ZIP_STORED if rel.endswith(".parquet") else zipfile.ZIP_DEFLATED
            assert members[f"{prefix}/{rel}"].compress_type == method
    if UNZIP:
        done = subprocess.run([UNZIP, "-t", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "No errors detected" in done.stdout


@pytest.mark.parametrize("epoch", [None, "1733011200"])
def test_prepared_zip_equals_the_zip_prepared_while_zipping(tmp_path, monkeypatch, epoch):
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    root = _tree(tmp_path / "rel")
    packer = Packer(root, tmp_path / "scratch")
    try:
        for rel in ("json/big.json", "empty.txt", "json/é-ü.json", "parquet/t.parquet"):  # the rest while zipping
            packer.add(rel)
        write_zip(root, tmp_path / "fast.zip", "pkg-1.0.0", packer.members())
        assert packer.sha256(root / "json" / "big.json") == hashlib.sha256(
            (root / "json" / "big.json").read_bytes()).hexdigest()
        assert sha256sums(root, set(), packer.sha256) == sha256sums(root, set())
    finally:
        packer.close()
    write_zip(root, tmp_path / "plain.zip", "pkg-1.0.0")
    assert (tmp_path / "fast.zip").read_bytes() == (tmp_path / "plain.zip").read_bytes()
    _check_archive(tmp_path / "fast.zip", root, "pkg-1.0.0")
    with zipfile.ZipFile(tmp_path / "fast.zip") as zf:
        date = zipping.zip_date()
        assert {i.date_time for i in zf.infolist()} == {date}
        assert [i.filename for i in zf.infolist()][:4] == ["pkg-1.0.0/", "pkg-1.0.0/json/", "pkg-1.0.0/parquet/",
                                                          "pkg-1.0.0/sqlite/"]
        big = zf.getinfo("pkg-1.0.0/json/big.json")
        assert big.compress_size < big.file_size // 2


def test_a_file_changed_after_it_was_prepared_is_zipped_as_it_is(tmp_path):
    root = _tree(tmp_path / "rel")
    packer = Packer(root, tmp_path / "scratch")
    try:
        packer.add("README.md")
        packer.add("parquet/t.parquet")
        packer.members()  # wait for them
        (root / "README.md").write_text("# Read me, rewritten at another length\n", encoding="utf-8")
        (root / "parquet" / "t.parquet").write_bytes(b"PAR1 rewritten PAR1")
        write_zip(root, tmp_path / "fast.zip", "p", packer.members())
        assert packer.sha256(root / "README.md") == hashlib.sha256((root / "README.md").read_bytes()).hexdigest()
    finally:
        packer.close()
    write_zip(root, tmp_path / "plain.zip", "p")
    assert (tmp_path / "fast.zip").read_bytes() == (tmp_path / "plain.zip").read_bytes()
    _check_archive(tmp_path / "fast.zip", root, "p")


def test_zip64_records_where_sizes_and_offsets_need_them(tmp_path, monkeypatch):
    root = _tree(tmp_path / "rel")
    monkeypatch.setattr(zipping, "_LIMIT", 1000)  # as if the files were larger than 2 GiB
    write_zip(root, tmp_path / "x.zip", "p")
    data = (tmp_path / "x.zip").read_bytes()
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data  # the ZIP64 end record and its locator
    _check_archive(tmp_path / "x.zip", root, "p")


def test_deflated_members_are_plain_raw_deflate(tmp_path):
    root = _tree(tmp_path / "rel")
    done = zipping.prepare(root / "json" / "big.json", zipfile.ZIP_DEFLATED, tmp_path / "s.deflate")
    data = (root / "json" / "big.json").read_bytes()
    assert zlib.decompress((tmp_path / "s.deflate").read_bytes(), -15) == data
    assert (done.size, done.crc, done.compressed_size) == (len(data), zlib.crc32(data),
                                                           (tmp_path / "s.deflate").stat().st_size)


def test_members_copied_in_python_where_the_kernel_cannot(tmp_path, monkeypatch):
    root = _tree(tmp_path / "rel")
    write_zip(root, tmp_path / "kernel.zip", "p")

    def unsupported(*args):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(zipping.os, "copy_file_range", unsupported, raising=False)
    write_zip(root, tmp_path / "python.zip", "p")
    assert (tmp_path / "python.zip").read_bytes() == (tmp_path / "kernel.zip").read_bytes()
    _check_archive(tmp_path / "python.zip", root, "p")
