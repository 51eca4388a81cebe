"""Benchmark `sce new` of a claim, an event and an actor on a copy of the package of N events,
against its floor, at a given size.

Each measurement is a fresh subprocess (wall time, CPU time = user + system of all its threads,
peak resident memory from the child's rusage), the fastest of --repeat:

* floor - ``pyarrow.csv.read_csv`` as text columns of the files that row's command reads (its
  table and the tables its foreign keys name): the reading no check of the new row can avoid;
* new KIND - the command as a user runs it, on a copy of the package under --workdir (the table
  it changed is copied back after each run, outside the measurement; the copy is removed at the end);
* with --old-src DIR, the same command by the package at DIR/src (e.g. a git worktree of an earlier
  commit), alternating with the current code so both see the same load.

    .venv/bin/python benchmarks/bench_new.py --size 100000
    .venv/bin/python benchmarks/bench_new.py --size 100000 --old-src /tmp/old --repeat 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

PYTHON = sys.executable
from _measure import Run, fastest, measure, package_of_size  # noqa: E402  (benchmarks/ is the script's own directory)

# The rows added: names of the synthetic package of generate_package.py (its first event, source,
# actor and place exist at every size).
ROWS: dict[str, list[str]] = {
    "claim": ["event_id=SCE-000001", "source_id=source-000001", "claimant_actor_id=actor-000001",
              "claim=A benchmark claim about the event.", "stance=asserts"],
    "event": ["date_start=2024-12-01", "date_end=2024-12-02", "date_precision=range", "event_type=battles",
              "sub_event_type=armed_clash", "place_id=place-000001", "location_precision=2",
              "summary=A benchmark event, added by bench_new.", "confidence=low", "verification=unverified"],
    "actor": ["name=Benchmark Test Actor", "actor_type=rebel_group", "verification=unverified"],
}
FLOOR = """
import csv, sys
import pyarrow as pa, pyarrow.csv as c
pa.set_memory_pool(pa.jemalloc_memory_pool())
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as fh:
        names = next(csv.reader(fh))
    t = c.read_csv(path, convert_options=c.ConvertOptions(column_types={n: pa.string() for n in names}))
    print(path, t.num_rows)
    del t
"""


def _read_by(kind: str) -> list[str]:
    """The table a KIND row goes to, then the tables its foreign keys name (their files' names)."""
    from syria_conflict_events.declaration import load_declaration
    from syria_conflict_events.new_row import resolve_table

    decl = load_declaration()
    table = resolve_table(decl, kind)
    names = [table.name, *(fk.table for fk in table.foreign_keys if fk.table != table.name)]
    return [decl.tables[n].path for n in dict.fromkeys(names)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=100_000, help="events (the package PACKAGES/sce-N, else generated)")
    p.add_argument("--kind", dest="kinds", action="append", choices=sorted(ROWS),
                   help="a kind of row to add (repeatable; default all)")
    p.add_argument("--packages", type=Path, default=Path("/tmp/bench"), help="where sce-N packages are looked for")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "bench-new",
                   help="where the package is copied (and generated when absent)")
    p.add_argument("--repeat", type=int, default=1, help="runs per measurement (the fastest is kept)")
    p.add_argument("--old-src", type=Path, help="also run the commands with the package at OLD_SRC/src")
    args = p.parse_args(argv)

    n = args.size
    args.workdir.mkdir(parents=True, exist_ok=True)
    pkg = package_of_size(n, args.packages, args.workdir)
    copy = args.workdir / f"copy-{n}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(pkg, copy)
    size = sum(f.stat().st_size for f in (pkg / "data").iterdir())
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; N = {n:,} events; data/ {size / 2**20:,.0f} MiB; "
          f"repeat={args.repeat}; load average {os.getloadavg()[0]:.1f}")

    results: dict[str, tuple[Run, Run]] = {}
    codes = {"new": None, "old": args.old_src}
    try:
        for kind in args.kinds or sorted(ROWS):
            files = _read_by(kind)
            floor = fastest([measure([PYTHON, "-c", FLOOR, *(str(copy / f) for f in files)])
                             for _ in range(args.repeat)])
            runs: dict[str, list[Run]] = {k: [] for k, v in codes.items() if k == "new" or v}
            command = ["-m", "syria_conflict_events", "new", kind, "--path", str(copy),
                       *(a for s in ROWS[kind] for a in ("--set", s))]
            for _ in range(args.repeat):
                for label in runs:
                    # env(1) execs Python in the same process, so the rusage measured is Python's
                    path = ["env", f"PYTHONPATH={args.old_src / 'src'}"] if label == "old" else []
                    runs[label].append(measure([*path, PYTHON, *command]))
                    shutil.copyfile(pkg / files[0], copy / files[0])  # the row is added again next time
            for label, rs in runs.items():
                results[f"new {kind} ({label})" if args.old_src else f"new {kind}"] = (fastest(rs), floor)
            results[f"floor {kind}: {len(files)} files"] = (floor, floor)
    finally:
        shutil.rmtree(copy, ignore_errors=True)

    print(f"{'measurement':<26} {'wall s':>8} {'cpu s':>7} {'peak MiB':>9} {'x floor':>8} {'cpu x':>6} {'mem x':>6}")
    for what, (run, floor) in results.items():
        note = "" if run.code == 0 else f"  (exit {run.code}: {run.stderr.strip().splitlines()[-1:]})"
        print(f"{what:<26} {run.wall:8.2f} {run.cpu:7.2f} {run.peak_mib:9.0f} {run.wall / floor.wall:8.1f} "
              f"{run.cpu / max(floor.cpu, 1e-9):6.1f} {run.peak_mib / max(floor.peak_mib, 1e-9):6.1f}{note}")
    print("\ncpu s: user + system time of the child (all threads); x floor / cpu x / mem x: wall, CPU time and "
          "peak memory over the floor's (reading the same files as text), measured in the same run.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
