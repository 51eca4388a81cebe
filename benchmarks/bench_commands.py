"""Every `sce` command a user runs on a package, at one size: wall time, CPU and peak memory
against the raw read of the same files, measured in the same run.

    .venv/bin/python benchmarks/bench_commands.py /tmp/bench/sce-1000000 [--repeat 1]

Each command runs in its own subprocess (peak memory from the child's own rusage, see
_measure.py), the fastest of --repeat kept. Commands that write work on copies in a temporary
directory, removed afterwards; the package itself is only read. The release for `sce diff` and
`sce export --package` is the one `sce build` writes in the same run. A script, not a test:
figures depend on the machine and its load (printed). The goal it reports against is issue 7's
memory bound, 2 GiB for every command at a million events."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from _measure import Run, fastest, measure  # benchmarks/ is the script's own directory

PYTHON = sys.executable
SCE = str(Path(PYTHON).with_name("sce"))
RAW_READ = """
import sys, glob
import pyarrow.csv as c
print(sum(c.read_csv(p).num_rows for p in sorted(glob.glob(sys.argv[1] + "/data/*.csv"))))
"""
GOAL_MIB = 2048


def _commands(pkg: Path, work: Path) -> list[tuple[str, list[str], Path | None]]:
    """(label, command, a directory to copy the package into first, or None)."""
    dist = work / "dist"
    release = dist / "syria-conflict-events-0.1.0"
    out = work / "out"
    return [
        ("sce validate", [SCE, "validate", str(pkg)], None),
        ("sce fmt --check", [SCE, "fmt", "--check", str(pkg)], None),
        ("sce coverage", [SCE, "coverage", str(pkg)], None),
        ("sce new claim (a copy)", [SCE, "new", "claim", "--path", str(work / "copy"),
                                    "--set", "event_id=SCE-000001", "--set", "source_id=source-000001",
                                    "--set", "claimant_actor_id=actor-000001", "--set", "stance=asserts",
                                    "--set", "claim=A claim added by the benchmark."], work / "copy"),
        ("sce build --no-site", [SCE, "build", str(pkg), "--dist", str(dist), "--no-site", "--no-registry"], None),
        ("sce diff (release vs itself)", [SCE, "diff", str(release), str(release)], None),
        ("sce export events --format csv", [SCE, "export", "events", "--format", "csv", "--package", str(pkg),
                                            "--out", str(out / "events.csv")], None),
        ("sce export events --format json", [SCE, "export", "events", "--format", "json", "--package", str(pkg),
                                             "--out", str(out / "events.json")], None),
        ("sce export events --format parquet", [SCE, "export", "events", "--format", "parquet",
                                                "--package", str(pkg), "--out", str(out / "events.parquet")], None),
    ]


def _ok(label: str) -> tuple[int, ...]:
    """Exit codes of a run that did its work: fmt --check and coverage say what they found with 1."""
    return (0, 1) if label in ("sce fmt --check", "sce coverage") else (0,)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("package", type=Path, help="an SCE package (benchmarks/generate_package.py N DIR makes one)")
    p.add_argument("--repeat", type=int, default=1, help="runs per command (the fastest is kept)")
    args = p.parse_args(argv)
    if not (args.package / "data").is_dir() or args.repeat < 1:
        p.error("give a package directory with data/, and --repeat of at least 1")
    work = Path(tempfile.mkdtemp(prefix="sce-bench-commands-"))
    (work / "out").mkdir()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; repeat={args.repeat}; "
          f"load average {os.getloadavg()[0]:.1f} at start; {args.package}")
    results: list[tuple[str, Run]] = []
    try:
        results.append(("raw pyarrow read (floor)",
                        fastest([measure([PYTHON, "-c", RAW_READ, str(args.package)]) for _ in range(args.repeat)])))
        for label, cmd, copy in _commands(args.package, work):
            runs = []
            for _ in range(args.repeat):
                if copy is not None:
                    shutil.rmtree(copy, ignore_errors=True)
                    shutil.copytree(args.package, copy)
                runs.append(measure(cmd))
            results.append((label, fastest(runs)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    floor = results[0][1].wall
    print(f"\n{'command':<36} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'x raw':>7}")
    for label, run in results:
        note = "" if run.code in _ok(label) else f"  (exit {run.code}: {run.stderr.strip().splitlines()[-1:]})"
        over = "  over 2 GiB" if run.peak_mib > GOAL_MIB else ""
        print(f"{label:<36} {run.wall:8.2f} {run.cpu:8.2f} {run.peak_mib:9.0f} {run.wall / floor:7.1f}{over}{note}")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end; x raw: wall time / the raw read in the same run; "
          "fmt --check and coverage exit 1 when they find something, which counts as a run.")
    return 0 if all(run.code in _ok(label) for label, run in results) else 1


if __name__ == "__main__":
    sys.exit(main())
