"""Benchmark the release zip's compression on a built release directory: CPU seconds and bytes of
every member as the build compresses it (ISA-L deflate, Parquet stored), against zlib's default
level (the build's codec before) and zlib's fastest level, measured in the same process.

    .venv/bin/sce build /tmp/bench/sce-1000000 --dist /tmp/rel --no-site
    .venv/bin/python benchmarks/bench_zip.py /tmp/rel/syria-conflict-events-0.1.0

Single thread, files read from the page cache (read once before timing); the build runs the same
work on two worker threads while the writers run. A script, not a test: figures depend on the
machine and its load."""

from __future__ import annotations

import argparse
import os
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from isal import isal_zlib

from syria_conflict_events.formats.zipping import DEFLATE_LEVEL, method_for, release_files

CHUNK = 1 << 20


def _deflated_size(path: Path, make: Callable[[], object] | None) -> int:
    if make is None:
        return path.stat().st_size
    compressor = make()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            size += len(compressor.compress(chunk))  # type: ignore[attr-defined]
    return size + len(compressor.flush())  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("release", type=Path, help="a built release directory")
    args = p.parse_args(argv)
    files = [args.release / rel for rel in release_files(args.release)]
    total = sum(f.stat().st_size for f in files)
    for f in files:  # into the page cache
        with f.open("rb") as fh:
            while fh.read(CHUNK):
                pass
    codecs: dict[str, Callable[[Path], Callable[[], object] | None]] = {
        "zlib level 6, every member (before)": lambda f: lambda: zlib.compressobj(6, zlib.DEFLATED, -15),
        "zlib level 1, every member": lambda f: lambda: zlib.compressobj(1, zlib.DEFLATED, -15),
        f"isal level {DEFLATE_LEVEL}, Parquet stored (now)": lambda f: (
            None if method_for(f.name) == zipfile.ZIP_STORED
            else (lambda: isal_zlib.compressobj(DEFLATE_LEVEL, isal_zlib.DEFLATED, -15))),
    }
    print(f"{args.release}: {total / 1e6:,.0f} MB in {len(files)} files; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    base: tuple[float, int] | None = None
    for name, codec in codecs.items():
        start = time.process_time()
        size = sum(_deflated_size(f, codec(f)) for f in files)
        cpu = time.process_time() - start
        base = base or (cpu, size)
        print(f"{name:40s} {cpu:7.2f} s CPU ({cpu / base[0]:5.2f}x)  {size / 1e6:8.1f} MB "
              f"({size / base[1]:5.2f}x, {size / total:6.1%} of the files)  {total / 1e6 / cpu:6.0f} MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
