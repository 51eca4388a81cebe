"""Deterministic zip and checksums: sorted entries, fixed timestamps and permissions, fixed
compression, so the same files always give the same archive bytes.

The bytes are those ``zipfile`` writes for :func:`write_zip_reference` (the definition). To use
both cores, :class:`Packer` deflates and hashes each release file in a worker thread as soon as it
is written (zlib and hashlib release the GIL), while the build goes on; :func:`write_zip` then
lays the prepared streams out with the same headers. Deflate's output depends only on the bytes
and the level, not on how the input is split, so the archive is the same byte for byte."""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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


def sha256sums(directory: Path, exclude: set[str], hash_file: Callable[[Path], str] = sha256_file) -> str:
    """``sha256sum``-compatible lines (``<hex>  <path>``) for every file, sorted by path."""
    return "".join(f"{hash_file(directory / rel)}  {rel}\n" for rel in release_files(directory)
                   if rel not in exclude)


def _info(name: str, date: tuple[int, ...], mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date)
    info.external_attr = mode << 16
    info.create_system = 3  # Unix, whatever the building machine is
    return info


def _directories(files: list[str]) -> list[str]:
    parents = {p.as_posix() for rel in files for p in Path(rel).parents if p.as_posix() != "."}
    return ["", *sorted(parents)]


def write_zip_reference(directory: Path, target: Path, prefix: str) -> None:
    """Zip every file of ``directory`` under ``prefix/`` (directory entries first, then files)
    with ``zipfile``, one file after the other: the bytes :func:`write_zip` must give."""
    date = zip_date()
    files = release_files(directory)
    with zipfile.ZipFile(target, "w") as zf:
        for d in _directories(files):
            info = _info(f"{prefix}/{d}/" if d else f"{prefix}/", date, 0o40755)
            info.external_attr |= 0x10  # MS-DOS directory flag
            zf.writestr(info, b"")
        for rel in files:
            info = _info(f"{prefix}/{rel}", date, 0o100644)
            info.compress_type = zipfile.ZIP_DEFLATED
            with (directory / rel).open("rb") as src, zf.open(info, "w") as dst:
                while chunk := src.read(_CHUNK):
                    dst.write(chunk)


@dataclass(frozen=True)
class Deflated:
    """A file's raw deflate stream (as ``zipfile`` writes it) kept in ``path``, with what the zip
    headers and the checksums need; ``stamp`` tells whether the file changed since."""

    path: Path
    size: int
    compressed_size: int
    crc: int
    sha256: str
    stamp: tuple[int, int]


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _deflate(src: Path, out: BinaryIO) -> tuple[int, int, int, str]:
    """(size, compressed size, CRC-32, SHA-256) of ``src`` while writing its deflate stream to ``out``."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)  # zipfile's
    digest, crc, size, written = hashlib.sha256(), 0, 0, 0
    with src.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            size += len(chunk)
            crc = zlib.crc32(chunk, crc)
            digest.update(chunk)
            data = compressor.compress(chunk)
            out.write(data)
            written += len(data)
    data = compressor.flush()
    out.write(data)
    return size, written + len(data), crc, digest.hexdigest()


class Packer:
    """Deflates and hashes release files in worker threads as they are added (bounded memory:
    each worker streams one file in 1 MiB chunks into a scratch file)."""

    def __init__(self, directory: Path, scratch: Path, workers: int = 2):
        self.directory, self.scratch = directory, scratch
        scratch.mkdir(parents=True, exist_ok=True)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deflate")
        self._jobs: dict[str, Future[Deflated]] = {}
        self._lock = threading.Lock()

    def add(self, rel: str) -> None:
        with self._lock:
            n = len(self._jobs)
            self._jobs[rel] = self._pool.submit(self._run, rel, self.scratch / f"{n}.deflate")

    def _run(self, rel: str, out_path: Path) -> Deflated:
        src = self.directory / rel
        stamp = _stamp(src)
        with out_path.open("wb") as out:
            size, csize, crc, sha = _deflate(src, out)
        return Deflated(out_path, size, csize, crc, sha, stamp)

    def prepared(self, rel: str) -> Deflated | None:
        """The file's prepared stream, if it was added and has not changed since (waits for it)."""
        job = self._jobs.get(rel)
        if job is None:
            return None
        done = job.result()
        return done if _stamp(self.directory / rel) == done.stamp else None

    def sha256(self, path: Path) -> str:
        done = self.prepared(path.relative_to(self.directory).as_posix())
        return done.sha256 if done is not None else sha256_file(path)

    def members(self) -> dict[str, Deflated]:
        return {rel: d for rel in list(self._jobs) if (d := self.prepared(rel)) is not None}

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_LIMIT = zipfile.ZIP64_LIMIT
_VERSION = 20  # zipfile's default "version needed": deflate


class _NeedsZip64(Exception):
    pass


@dataclass
class _Entry:
    name: bytes
    flags: int
    method: int
    mode: int
    crc: int = 0
    compressed_size: int = 0
    size: int = 0
    offset: int = 0


def _dos(date: tuple[int, ...]) -> tuple[int, int]:
    return (date[3] << 11 | date[4] << 5 | date[5] // 2), ((date[0] - 1980) << 9 | date[1] << 5 | date[2])


def _name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800  # zipfile's UTF-8 name flag


def _write_classic(directory: Path, target: Path, prefix: str, prepared: Mapping[str, Deflated]) -> None:
    dostime, dosdate = _dos(zip_date())
    files = release_files(directory)
    entries: list[_Entry] = []
    with target.open("wb") as out:

        def local(e: _Entry) -> None:
            if max(e.size, e.compressed_size, e.offset) > _LIMIT:
                raise _NeedsZip64
            out.write(_LOCAL.pack(b"PK\x03\x04", _VERSION, 0, e.flags, e.method, dostime, dosdate, e.crc,
                                  e.compressed_size, e.size, len(e.name), 0) + e.name)

        for d in _directories(files):
            name, flags = _name(f"{prefix}/{d}/" if d else f"{prefix}/")
            e = _Entry(name, flags, zipfile.ZIP_STORED, (0o40755 << 16) | 0x10, offset=out.tell())
            local(e)
            entries.append(e)
        for rel in files:
            name, flags = _name(f"{prefix}/{rel}")
            e = _Entry(name, flags, zipfile.ZIP_DEFLATED, 0o100644 << 16, offset=out.tell())
            done = prepared.get(rel)
            if done is None:  # small files written late (documents, checksums): deflate them here
                out.seek(_LOCAL.size + len(name), os.SEEK_CUR)
                e.size, e.compressed_size, e.crc, _ = _deflate(directory / rel, out)
                end = out.tell()
                out.seek(e.offset)
                local(e)
                out.seek(end)
            else:
                e.size, e.compressed_size, e.crc = done.size, done.compressed_size, done.crc
                local(e)
                with done.path.open("rb") as src:
                    shutil.copyfileobj(src, out, _CHUNK)
            entries.append(e)
        start = out.tell()
        for e in entries:
            out.write(_CENTRAL.pack(b"PK\x01\x02", _VERSION, 3, _VERSION, 0, e.flags, e.method, dostime, dosdate,
                                    e.crc, e.compressed_size, e.size, len(e.name), 0, 0, 0, 0, e.mode, e.offset)
                      + e.name)
        size = out.tell() - start
        if len(entries) > zipfile.ZIP_FILECOUNT_LIMIT or start > _LIMIT or size > _LIMIT:
            raise _NeedsZip64
        out.write(_END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), size, start, 0))


def write_zip(directory: Path, target: Path, prefix: str, prepared: Mapping[str, Deflated] | None = None) -> None:
    """The bytes of :func:`write_zip_reference`, from streams deflated ahead where ``prepared``
    has them. An archive that needs ZIP64 records is left to ``zipfile``."""
    try:
        _write_classic(directory, target, prefix, prepared or {})
    except _NeedsZip64:
        write_zip_reference(directory, target, prefix)
