"""Deterministic zip and checksums: sorted entries, fixed timestamps and permissions, fixed
compression, so the same files always give the same archive bytes."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

from ..hashing import sha256_file

# The zip format cannot store dates before 1980; SOURCE_DATE_EPOCH (reproducible-builds.org)
# overrides the default when set.
DEFAULT_DATE = (1980, 1, 1, 0, 0, 0)

_CHUNK = 1 << 20


def zip_date() -> tuple[int, int, int, int, int, int]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return DEFAULT_DATE
    try:
        t = time.gmtime(max(int(epoch), 315532800))  # 1980-01-01T00:00:00Z
    except (ValueError, OverflowError):
        return DEFAULT_DATE
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)




def release_files(directory: Path) -> list[str]:
    """Every file under ``directory`` as sorted POSIX relative paths."""
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def sha256sums(directory: Path, exclude: set[str]) -> str:
    """``sha256sum``-compatible lines (``<hex>  <path>``) for every file, sorted by path."""
    return "".join(f"{sha256_file(directory / rel)}  {rel}\n" for rel in release_files(directory)
                   if rel not in exclude)


def _info(name: str, date: tuple[int, ...], mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date)
    info.external_attr = mode << 16
    info.create_system = 3  # Unix, whatever the building machine is
    return info


def write_zip(directory: Path, target: Path, prefix: str) -> None:
    """Zip every file of ``directory`` under ``prefix/`` (directory entries first, then files)."""
    date = zip_date()
    files = release_files(directory)
    parents = {p.as_posix() for rel in files for p in Path(rel).parents if p.as_posix() != "."}
    with zipfile.ZipFile(target, "w") as zf:
        for d in ["", *sorted(parents)]:
            info = _info(f"{prefix}/{d}/" if d else f"{prefix}/", date, 0o40755)
            info.external_attr |= 0x10  # MS-DOS directory flag
            zf.writestr(info, b"")
        for rel in files:
            info = _info(f"{prefix}/{rel}", date, 0o100644)
            info.compress_type = zipfile.ZIP_DEFLATED
            with (directory / rel).open("rb") as src, zf.open(info, "w") as dst:
                while chunk := src.read(_CHUNK):
                    dst.write(chunk)
