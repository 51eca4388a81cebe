"""Safe extraction of release zips: nothing may land outside the target directory, no links, no
zip bombs; a hostile archive is refused with a clear error and leaves nothing behind."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from syria_conflict_events import download
from syria_conflict_events.download import ReleaseError, UnsafeArchiveError, safe_extract


def _zip(path: Path, members: list[tuple[str, bytes, int | None]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name)
            if mode is not None:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return path


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.mark.parametrize(("name", "mode", "problem"), [
    ("../evil.txt", None, "leaves the extraction directory"),
    ("pkg/../../evil.txt", None, "leaves the extraction directory"),
    ("/tmp/evil.txt", None, "absolute or non-portable"),
    ("C:/evil.txt", None, "absolute or non-portable"),
    ("pkg\\..\\evil.txt", None, "absolute or non-portable"),
    ("pkg/link", stat.S_IFLNK | 0o777, "symbolic link"),
    ("pkg/fifo", stat.S_IFIFO | 0o644, "not a regular file"),
])
def test_hostile_members_are_refused(tmp_path, name, mode, problem):
    archive = _zip(tmp_path / "a.zip", [("pkg/datapackage.json", b"{}", None), (name, b"/etc/passwd", mode)])
    dest = tmp_path / "out" / "inner"
    dest.mkdir(parents=True)
    with pytest.raises(UnsafeArchiveError, match=problem):
        safe_extract(archive, dest)
    # Every member is checked before anything is written.
    assert _tree(tmp_path / "out") == {"inner"}
    assert not (tmp_path / "evil.txt").exists()


def test_total_size_is_bounded(tmp_path):
    archive = _zip(tmp_path / "bomb.zip", [("pkg/a.csv", b"0" * 5000, None), ("pkg/b.csv", b"0" * 5000, None)])
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeArchiveError, match=r"10,000 bytes uncompressed \(limit 8,000\)"):
        safe_extract(archive, dest, max_bytes=8000)
    assert _tree(dest) == set()


def test_size_is_counted_while_writing(tmp_path, monkeypatch):
    """Headers can understate sizes: reading stops at the declared size or fails, never runs on."""
    archive = _zip(tmp_path / "lying.zip", [("pkg/a.csv", b"0" * 5000, None)])
    real_infolist = zipfile.ZipFile.infolist

    def understated(self):
        infos = real_infolist(self)
        for info in infos:
            info.file_size = 10
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", understated)
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ReleaseError, match=r"a\.csv"):  # zipfile's CRC check or our byte count
        safe_extract(archive, dest, max_bytes=1000)
    assert all(p.stat().st_size <= 1000 for p in dest.rglob("*") if p.is_file())


def test_member_count_is_bounded(tmp_path):
    archive = _zip(tmp_path / "many.zip", [(f"pkg/{i}.txt", b"x", None) for i in range(5)])
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeArchiveError, match="5 members"):
        safe_extract(archive, dest, max_members=4)


def test_duplicate_member_is_refused(tmp_path):
    with pytest.warns(UserWarning, match="Duplicate name"):
        archive = _zip(tmp_path / "dup.zip", [("pkg/a.csv", b"1", None), ("pkg/a.csv", b"2", None)])
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeArchiveError, match="appears twice"):
        safe_extract(archive, dest)


def test_not_a_zip(tmp_path):
    bad = tmp_path / "x.zip"
    bad.write_bytes(b"not a zip at all")
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ReleaseError, match="not a readable zip"):
        safe_extract(bad, dest)


def test_regular_archive_extracts(tmp_path):
    archive = _zip(tmp_path / "ok.zip", [("pkg/", b"", stat.S_IFDIR | 0o755),
                                         ("pkg/data/a.csv", b"a\n1\n", stat.S_IFREG | 0o644)])
    dest = tmp_path / "out"
    dest.mkdir()
    safe_extract(archive, dest)
    assert (dest / "pkg" / "data" / "a.csv").read_bytes() == b"a\n1\n"


def test_release_without_datapackage_is_refused_and_cache_left_clean(tmp_path, monkeypatch):
    archive = _zip(tmp_path / "syria-conflict-events-1.0.0.zip", [("pkg/data/a.csv", b"a\n", None)])
    registry = tmp_path / "releases.json"
    registry.write_text(json.dumps({"releases": {"1.0.0": {
        "file": archive.name, "sha256": download.sha256_of(archive)}}}))
    monkeypatch.setattr(download, "REGISTRY_PATH", registry)
    cache = tmp_path / "cache"
    with pytest.raises(ReleaseError, match=r"no datapackage\.json"):
        download.extracted_release("1.0.0", base_url=tmp_path.as_uri(), cache_dir=cache)
    assert _tree(cache) == {archive.name}  # the verified zip stays; no half-extracted directory
