"""Downloads (issue 18): extraction is bounded by what the release can plausibly hold (a multiple of
its zip's size, itself verified against the registry), not only by the 4 GiB ceiling: a 2.6 MB zip
that unpacks one 2.5 GiB member is refused before anything is written."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from syria_conflict_events.download import MAX_RATIO, MIN_EXTRACT_LIMIT, UnsafeArchiveError, extract_limit, safe_extract


def _zeros_zip(path: Path, size: int) -> Path:
    chunk = b"\0" * (64 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf, \
            zf.open("syria-conflict-events-0.1.0/data/events.csv", "w", force_zip64=True) as fh:
        for _ in range(size // len(chunk)):
            fh.write(chunk)
        fh.write(b"\0" * (size % len(chunk)))
    return path


@pytest.mark.slow
def test_small_zip_with_a_huge_member_is_refused_before_writing(tmp_path):
    archive = _zeros_zip(tmp_path / "bomb.zip", 2560 * 1024**2)  # 2.5 GiB of zeros
    assert archive.stat().st_size < 3 * 1024**2
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeArchiveError, match="bytes uncompressed"):
        safe_extract(archive, dest)
    assert list(dest.rglob("*")) == []  # nothing written


def test_member_beyond_the_ratio_is_refused(tmp_path):
    archive = _zeros_zip(tmp_path / "z.zip", MIN_EXTRACT_LIMIT + 1)
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeArchiveError, match=f"limit {MIN_EXTRACT_LIMIT:,}"):
        safe_extract(archive, dest)
    assert list(dest.rglob("*")) == []


def test_limit_follows_the_zip_size(tmp_path):
    small = tmp_path / "s.zip"
    small.write_bytes(b"x" * 1000)
    assert extract_limit(small) == MIN_EXTRACT_LIMIT
    big = tmp_path / "b.zip"
    with big.open("wb") as fh:
        fh.truncate(100 * 1024**2)
    assert extract_limit(big) == 100 * 1024**2 * MAX_RATIO
    assert extract_limit(big, max_bytes=10) == 10


def test_real_release_still_extracts(tmp_path, valid_package):
    from syria_conflict_events.release import build_release

    archive = build_release(valid_package, tmp_path / "dist", update_registry=False, progress=lambda _: None)
    dest = tmp_path / "out"
    dest.mkdir()
    safe_extract(archive, dest)
    assert any(dest.rglob("datapackage.json"))
