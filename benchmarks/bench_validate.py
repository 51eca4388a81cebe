"""Benchmark `sce validate` against its floor and the standard tool, at growing sizes.

For each N (events) it generates the deterministic package of benchmarks/generate_package.py and
measures, each in a fresh subprocess (wall time; peak resident memory from the child's rusage):

* raw read  - pyarrow.csv.read_csv of every data/*.csv (the floor: parsing, no checks), with
  pyarrow's default allocator and with jemalloc (which `sce validate` and `sce build` use);
* sce validate - all layers, as a user runs it (`auto`: the Frictionless layer and the pandera
  engine run on packages up to 200,000 rows, the same rules vectorised on Arrow above); where
  that included them, also `--frictionless never --pandera never` ("vect.": the vectorised
  engine alone);
* frictionless validate - the standard's own tool on the same datapackage.json;
* sce build - the release build (only with --build; it writes every format).

and prints the figures with the ratios against the raw read and against frictionless. This is a
script, not a test: figures depend on the machine and its load; run it on a quiet machine.

    .venv/bin/python benchmarks/bench_validate.py                  # N = 10k, 100k, 1M
    .venv/bin/python benchmarks/bench_validate.py --sizes 10000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
from _measure import Run, fastest, measure  # noqa: E402  (benchmarks/ is the script's own directory)

RAW_READ = """
import sys, glob
import pyarrow.csv as c
rows = sum(c.read_csv(p).num_rows for p in sorted(glob.glob(sys.argv[1] + "/data/*.csv")))
print(rows)
"""
# The same read with jemalloc, the allocator `sce validate` and `sce build` choose (memory_pool.py):
# the floor for the same allocator, shown next to pyarrow's default.
RAW_READ_JEMALLOC = "import pyarrow as pa\npa.set_memory_pool(pa.jemalloc_memory_pool())\n" + RAW_READ


def best_of(cmd: list[str], repeat: int, cwd: Path | None = None) -> Run:
    return fastest([measure(cmd, cwd) for _ in range(repeat)])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    p.add_argument("--repeat", type=int, default=1, help="runs per measurement (the fastest is kept)")
    p.add_argument("--frictionless-max", type=int, default=1_000_000,
                   help="largest N at which `frictionless validate` runs (once); it needs minutes at 1M")
    p.add_argument("--build", action="store_true", help="also time `sce build` (writes a release to a temp dir)")
    p.add_argument("--workdir", type=Path, help="where packages are generated (default: a temp dir, removed)")
    args = p.parse_args(argv)

    sce = str(Path(PYTHON).with_name("sce"))
    frictionless = str(Path(PYTHON).with_name("frictionless"))
    work = args.workdir or Path(tempfile.mkdtemp(prefix="sce-bench-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; repeat={args.repeat}; "
          f"load average {os.getloadavg()[0]:.1f}")
    header = (f"{'N events':>10} {'rows':>10} {'tool':<22} {'wall s':>8} {'cpu s':>7} {'peak MiB':>9} "
              f"{'x raw':>7} {'fl/x':>7}")
    lines = []
    try:
        for n in args.sizes:
            pkg = work / f"sce-{n}"
            if not (pkg / "datapackage.json").is_file():
                subprocess.run([PYTHON, str(HERE / "generate_package.py"), str(n), str(pkg)], check=True,
                               stdout=subprocess.DEVNULL)
            rows = sum(max(0, sum(1 for _ in f.open("rb")) - 1) for f in (pkg / "data").glob("*.csv"))
            results: dict[str, Run] = {}
            results["raw pyarrow read"] = best_of([PYTHON, "-c", RAW_READ, str(pkg)], args.repeat)
            results["raw read (jemalloc)"] = best_of([PYTHON, "-c", RAW_READ_JEMALLOC, str(pkg)], args.repeat)
            results["sce validate"] = best_of([sce, "validate", str(pkg)], args.repeat)
            if n * 4.5 <= 200_000:  # auto ran Frictionless and pandera too: show the vectorised engine alone
                results["sce validate (vect.)"] = best_of([sce, "validate", str(pkg), "--frictionless", "never",
                                                           "--pandera", "never"], args.repeat)
            if n <= args.frictionless_max:
                results["frictionless validate"] = measure([frictionless, "validate", "datapackage.json"], cwd=pkg)
            if args.build:
                dist = work / f"dist-{n}"
                results["sce build"] = best_of([sce, "build", str(pkg), "--dist", str(dist), "--no-site",
                                                "--no-registry"], args.repeat)
                shutil.rmtree(dist, ignore_errors=True)
            raw = results["raw pyarrow read"].wall
            fl = results.get("frictionless validate")
            for tool, run in results.items():
                ratio_fl = f"{fl.wall / run.wall:7.1f}" if fl and fl.code in (0, 1) else "      -"
                note = "" if run.code == 0 else f"  (exit {run.code})"
                lines.append(f"{n:>10,} {rows:>10,} {tool:<22} {run.wall:8.2f} {run.cpu:7.2f} {run.peak_mib:9.0f} "
                             f"{run.wall / raw:7.1f} {ratio_fl}{note}")
            print(header if len(lines) == len(results) else "", *lines[-len(results):], sep="\n", flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print("\ncpu s: user + system time of the process (all threads); x raw: wall time / raw pyarrow read of "
          "the same files; fl/x: frictionless validate wall time / "
          "this tool's (how many times faster than the standard tool).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
