"""Benchmark `sce import ucdp-ged` on the real UCDP GED sample against its floor.

Each figure is measured in a fresh subprocess (wall time; peak resident memory from the child's
own rusage, os.wait4), the fastest of --repeat runs kept:

* pandas.read_csv - reading the same file into a frame of strings (the floor: Python start-up,
  importing pandas, parsing the CSV);
* sce import - a first import into an empty directory (what the issue's goal times);
* sce import again - the same file into the package it just wrote (idempotent: nothing changes).

and prints the figures with the ratio to the floor. A script, not a test: figures depend on the
machine and its load (printed); run it on a quiet machine.

    .venv/bin/python benchmarks/bench_import.py                       # the sample in ../shared
    .venv/bin/python benchmarks/bench_import.py path/to/ged.csv --repeat 5
    .venv/bin/python benchmarks/bench_import.py --times 20 --repeat 1   # the sample 20 times over

--times K writes a K-fold copy of the file into a temporary directory (each copy's UCDP ids
shifted, so every event is new): 20 times the Syria sample is 331k events, the size of the
global GED, for the importer's memory at that size. The copy is removed afterwards.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO.parent / "shared" / "samples" / "ucdp-ged-syria-2016-2019.csv"
PYTHON = sys.executable
from _measure import Run, fastest, measure  # noqa: E402  (benchmarks/ is the script's own directory)

FLOOR = """
import sys
import pandas as pd
print(len(pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)))
"""


def _times(sample: Path, k: int, dest: Path) -> Path:
    """``sample``'s rows ``k`` times, the ids of copy i shifted by i * 10**7 (UCDP ids are smaller)."""
    out = dest / f"{sample.stem}-x{k}.csv"
    with sample.open(encoding="utf-8", newline="") as src, out.open("w", encoding="utf-8", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
        header = next(reader)
        rows = list(reader)
        writer.writerow(header)
        i = header.index("id")
        for copy in range(k):
            writer.writerows([*row[:i], str(int(row[i]) + copy * 10**7), *row[i + 1:]] for row in rows)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sample", type=Path, nargs="?", default=SAMPLE, help=f"UCDP GED CSV (default: {SAMPLE})")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement (the fastest is kept)")
    p.add_argument("--times", type=int, default=1, help="import a copy of the file this many times over")
    args = p.parse_args(argv)
    if not args.sample.is_file():
        print(f"no UCDP GED sample at {args.sample}: give the path of a UCDP GED CSV "
              "(the shared samples folder sits beside the repository)", file=sys.stderr)
        return 2
    if args.repeat < 1 or args.times < 1:
        p.error("--repeat and --times must be at least 1")

    sce = str(Path(PYTHON).with_name("sce"))
    work = Path(tempfile.mkdtemp(prefix="sce-bench-import-"))
    if args.times > 1:
        args.sample = _times(args.sample, args.times, work)
    with args.sample.open("rb") as fh:
        rows = max(0, sum(1 for _ in fh) - 1)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; repeat={args.repeat}; "
          f"load average {os.getloadavg()[0]:.1f} at start")
    print(f"sample {args.sample} ({args.sample.stat().st_size / 2**20:.1f} MiB, {rows:,} lines)")
    out = work / "package"
    imported = [args.sample.as_posix(), "--out", str(out)]
    results: dict[str, Run] = {}
    try:
        results["pandas.read_csv (floor)"] = fastest([measure([PYTHON, "-c", FLOOR, str(args.sample)])
                                                      for _ in range(args.repeat)])
        first = []
        for _ in range(args.repeat):
            shutil.rmtree(out, ignore_errors=True)
            first.append(measure([sce, "import", "ucdp-ged", *imported]))
        results["sce import"] = fastest(first)
        results["sce import again"] = fastest([measure([sce, "import", "ucdp-ged", *imported])
                                               for _ in range(args.repeat)])
    finally:
        shutil.rmtree(work, ignore_errors=True)

    floor = results["pandas.read_csv (floor)"].wall
    print(f"\n{'what':<26} {'wall s':>8} {'peak MiB':>9} {'x floor':>8}")
    for name, run in results.items():
        note = "" if run.code == 0 else f"  (exit {run.code}: {run.stderr.strip().splitlines()[-1:]})"
        print(f"{name:<26} {run.wall:8.2f} {run.peak_mib:9.0f} {run.wall / floor:8.1f}{note}")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end; x floor: wall time / pandas.read_csv of the same "
          "file in the same run. Goal (issue 7): the first import in < 5 s.")
    return 0 if all(r.code == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
