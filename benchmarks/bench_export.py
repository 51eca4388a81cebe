"""Benchmark `sce export TABLE --format F --package /tmp/bench/sce-N --out FILE` per format, against
its floor, at a given size.

Each measurement is a fresh subprocess (wall time, CPU time = user + system of all its threads,
peak resident memory from the child's rusage), the fastest of --repeat:

* floor - ``pyarrow.csv.read_csv`` of the table's file as text columns (jemalloc): the reading no
  export can avoid;
* export F - the command as a user runs it, writing FILE under --workdir (removed after each run);
* with --old-src DIR, the same command by the package at DIR/src (e.g. a git worktree of an earlier
  commit), alternating with the current code so both see the same load.

    .venv/bin/python benchmarks/bench_export.py --size 100000
    .venv/bin/python benchmarks/bench_export.py --size 100000 --old-src /tmp/old --repeat 3
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

PYTHON = sys.executable
from _measure import Run, fastest, measure, package_of_size  # noqa: E402  (benchmarks/ is the script's own directory)

FORMATS = ("csv", "json", "parquet")
FLOOR = """
import csv, sys
import pyarrow as pa, pyarrow.csv as c
pa.set_memory_pool(pa.jemalloc_memory_pool())
with open(sys.argv[1], encoding="utf-8") as fh:
    names = next(csv.reader(fh))
t = c.read_csv(sys.argv[1], convert_options=c.ConvertOptions(column_types={n: pa.string() for n in names}))
print(t.num_rows)
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=100_000, help="events (the package PACKAGES/sce-N, else generated)")
    p.add_argument("--table", default="events", help="the table exported")
    p.add_argument("--format", dest="formats", action="append", choices=FORMATS,
                   help="a format to measure (repeatable; default all)")
    p.add_argument("--packages", type=Path, default=Path("/tmp/bench"), help="where sce-N packages are looked for")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "bench-export",
                   help="where outputs (and a generated package) go")
    p.add_argument("--repeat", type=int, default=1, help="runs per measurement (the fastest is kept)")
    p.add_argument("--old-src", type=Path, help="also run the exports with the package at OLD_SRC/src")
    args = p.parse_args(argv)

    n = args.size
    pkg = package_of_size(n, args.packages, args.workdir)
    args.workdir.mkdir(parents=True, exist_ok=True)
    source = pkg / "data" / f"{args.table}.csv"
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; N = {n:,} events; {args.table}.csv "
          f"{source.stat().st_size / 2**20:,.0f} MiB; repeat={args.repeat}; load average {os.getloadavg()[0]:.1f}")

    results: dict[str, Run] = {}
    sizes: dict[str, int] = {}
    results["floor: read_csv as text"] = fastest([measure([PYTHON, "-c", FLOOR, str(source)])
                                                  for _ in range(args.repeat)])
    codes = {"new": None, "old": args.old_src}
    for fmt in args.formats or FORMATS:
        out = args.workdir / f"{args.table}.{fmt}"
        runs: dict[str, list[Run]] = {k: [] for k, v in codes.items() if k == "new" or v}
        for _ in range(args.repeat):
            for label in runs:
                # env(1) execs Python in the same process, so the rusage measured is Python's
                path = ["env", f"PYTHONPATH={args.old_src / 'src'}"] if label == "old" else []
                runs[label].append(measure([*path, PYTHON, "-m", "syria_conflict_events", "export", args.table,
                                            "--format", fmt, "--package", str(pkg), "--out", str(out)]))
                if out.exists():
                    sizes[fmt] = out.stat().st_size
                    out.unlink()
        for label, rs in runs.items():
            results[f"export {fmt} ({label})" if args.old_src else f"export {fmt}"] = fastest(rs)

    floor = results["floor: read_csv as text"]
    print(f"{'measurement':<26} {'wall s':>8} {'cpu s':>7} {'peak MiB':>9} {'x floor':>8} {'cpu x':>6} {'out MiB':>8}")
    for what, run in results.items():
        fmt = what.split()[1] if what.startswith("export") else ""
        size = f"{sizes[fmt] / 2**20:8.0f}" if fmt in sizes else ""
        note = "" if run.code == 0 else f"  (exit {run.code}: {run.stderr.strip().splitlines()[-1:]})"
        print(f"{what:<26} {run.wall:8.2f} {run.cpu:7.2f} {run.peak_mib:9.0f} {run.wall / floor.wall:8.1f} "
              f"{run.cpu / max(floor.cpu, 1e-9):6.1f} {size}{note}")
    print("\ncpu s: user + system time of the child (all threads); x floor / cpu x: wall / CPU time over the "
          "floor's, measured in the same run.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
