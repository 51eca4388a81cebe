"""Benchmark the release diff (`sce diff OLD NEW`, and the comparison `sce build --previous` makes)
against its floor, at a given size.

From /tmp/bench-style packages (benchmarks/generate_package.py makes them) it builds, under
--workdir, the release of the N-event package and a changed copy of it: --changes rows changed,
added and removed (a third each, spread over events and event_actors, whose key has two fields;
the removed events get their tombstones in retired_ids), version 0.2.0. Then, each in a fresh
subprocess (wall time, CPU time, peak resident memory from the child's rusage), fastest of
--repeat:

* floor - ``pyarrow.csv.read_csv`` of every table of both releases as text columns (the reading the
  diff cannot avoid; every column a string, as the diff reads them);
* diff self - the release against itself, Markdown and JSON written to /dev/null;
* diff changed - the release against the changed copy, the same;
* with --all-added, an empty release (every table's header only) against the release: every row
  is added, the largest output a diff has (JSON and Markdown written to /dev/null);
* with --old-src DIR, the same diffs by the package at DIR/src (e.g. a git worktree of an
  earlier commit), in alternation with the current code.

    .venv/bin/python benchmarks/bench_diff.py --size 100000 --workdir /tmp/bench-diff
    .venv/bin/python benchmarks/bench_diff.py --size 100000 --workdir /tmp/bench-diff --old-src /tmp/old --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PYTHON = sys.executable
from _measure import Run, fastest, measure, package_of_size  # noqa: E402  (benchmarks/ is the script's own directory)

FLOOR = """
import json, sys
import pyarrow as pa, pyarrow.csv as c
pa.set_memory_pool(pa.jemalloc_memory_pool())
rows = 0
for release in sys.argv[1:]:
    for r in json.load(open(release + "/datapackage.json"))["resources"]:
        if r.get("format") != "csv":
            continue
        names = [f["name"] for f in r["schema"]["fields"]]
        t = c.read_csv(release + "/" + r["path"], read_options=c.ReadOptions(column_names=names, skip_rows=1),
                       convert_options=c.ConvertOptions(column_types={n: pa.string() for n in names},
                                                        strings_can_be_null=False))
        rows += t.num_rows
        del t
print(rows)
"""
# One diff as `sce diff` makes it (jemalloc as the command chooses it), both renderings to /dev/null.
DIFF = """
import sys
from syria_conflict_events.memory_pool import prefer_jemalloc
from syria_conflict_events.diff.rows import diff_snapshots, to_markdown
from syria_conflict_events.diff.snapshot import open_snapshot
from syria_conflict_events.generate import dumps
prefer_jemalloc()
diff = diff_snapshots(open_snapshot(sys.argv[1]), open_snapshot(sys.argv[2]))
with open("/dev/null", "w", encoding="utf-8") as out:
    out.write(to_markdown(diff))
    if hasattr(diff, "json_chunks"):
        for chunk in diff.json_chunks():
            out.write(chunk)
    else:
        out.write(dumps(diff.to_json()))
print(diff.level, sum(len(t.added) + len(t.removed) + len(t.changed) for t in diff.tables))
"""


def build(pkg: Path, dist: Path) -> Path:
    release = dist / "syria-conflict-events-0.1.0"
    if not (release / "datapackage.json").is_file():
        subprocess.run([str(Path(PYTHON).with_name("sce")), "build", str(pkg), "--dist", str(dist), "--no-site",
                        "--no-registry"], check=True, stdout=subprocess.DEVNULL)
    return release


def _rewrite(src: Path, dst: Path, edit) -> None:
    """Copy a CSV row by row (streamed: any size), ``edit(i, row)`` returning the rows to write."""
    with src.open(encoding="utf-8", newline="") as fin, dst.open("w", encoding="utf-8", newline="") as fout:
        reader, writer = csv.reader(fin), csv.writer(fout, lineterminator="\n")
        writer.writerow(next(reader))
        for i, row in enumerate(reader):
            writer.writerows(edit(i, row))


def changed_copy(release: Path, out: Path, changes: int) -> Path:
    """A copy of the release's descriptor and tables with ``changes`` rows changed, added and removed."""
    if (out / "datapackage.json").is_file():
        return out
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "data").mkdir(parents=True)
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = "0.2.0"
    descriptor["resources"] = [r for r in descriptor["resources"] if r.get("format") == "csv"]
    (tmp / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    for r in descriptor["resources"]:
        shutil.copyfile(release / r["path"], tmp / r["path"])
    fields = {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in descriptor["resources"]}
    summary, notes = fields["events"].index("summary"), fields["event_actors"].index("notes")
    each = max(1, changes // 6)  # per kind and table: events and event_actors, changed/added/removed
    events = sum(1 for _ in (release / "data/events.csv").open("rb")) - 1
    step = max(3, events // (each + 1))
    retired: list[str] = []

    def event(i: int, row: list[str]) -> list[list[str]]:
        if i % step == 1 and i // step < each:
            return [[*row[:summary], row[summary] + " (corrected)", *row[summary + 1:]]]
        if i % step == 2 and i // step < each:
            retired.append(row[0])
            return []
        rows = [row]
        if i == events - 1:
            rows += [[f"SCE-X{k:06d}", *row[1:]] for k in range(each)]
        return rows

    def actor(i: int, row: list[str]) -> list[list[str]]:
        if i % step == 1 and i // step < each:
            return [[*row[:notes], row[notes] + " (corrected)", *row[notes + 1:]]]
        if i % step == 2 and i // step < each:
            return []
        return [row, *([[f"SCE-X{k:06d}", *row[1:]] for k in range(each)] if i == 2 * events - 1 else [])]

    _rewrite(release / "data/events.csv", tmp / "data/events.csv", event)
    _rewrite(release / "data/event_actors.csv", tmp / "data/event_actors.csv", actor)
    with (tmp / "data/retired_ids.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(
            ["events", rid, "0.2.0", "", "Withdrawn (benchmark)."] for rid in retired)
    tmp.rename(out)
    return out


def empty_copy(release: Path, out: Path) -> Path:
    """The release's descriptor and tables with no rows (headers only)."""
    if (out / "datapackage.json").is_file():
        return out
    (out / "data").mkdir(parents=True, exist_ok=True)
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = "0.0.1"
    descriptor["resources"] = [r for r in descriptor["resources"] if r.get("format") == "csv"]
    for r in descriptor["resources"]:
        with (release / r["path"]).open("rb") as fh:
            (out / r["path"]).write_bytes(fh.readline())
    (out / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    return out


def best_of(cmd: list[str], repeat: int) -> Run:
    return fastest([measure(cmd) for _ in range(repeat)])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=100_000, help="events (the package /tmp/bench/sce-N, else generated)")
    p.add_argument("--workdir", type=Path, required=True, help="where the releases are built and kept")
    p.add_argument("--packages", type=Path, default=Path("/tmp/bench"), help="where sce-N packages are looked for")
    p.add_argument("--changes", type=int, default=600, help="rows changed + added + removed in the changed copy")
    p.add_argument("--repeat", type=int, default=1, help="runs per measurement (the fastest is kept)")
    p.add_argument("--all-added", action="store_true", help="also diff an empty release against the release")
    p.add_argument("--old-src", type=Path, help="also run the diffs with the package at OLD_SRC/src")
    args = p.parse_args(argv)

    n = args.size
    pkg = package_of_size(n, args.packages, args.workdir)
    release = build(pkg, args.workdir / f"dist-{n}")
    changed = changed_copy(release, args.workdir / f"changed-{n}-{args.changes}", args.changes)

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; N = {n:,} events; repeat={args.repeat}; "
          f"load average {os.getloadavg()[0]:.1f}")
    codes = {"new": None, "old": args.old_src}
    results: dict[str, Run] = {"floor: read both as text": best_of([PYTHON, "-c", FLOOR, str(release), str(changed)],
                                                                    args.repeat)}
    cases = [("self", release, release), ("changed", release, changed)]
    if args.all_added:
        cases.append(("all added", empty_copy(release, args.workdir / f"empty-{n}"), release))
    for case, before, other in cases:
        runs: dict[str, list[Run]] = {k: [] for k, v in codes.items() if k == "new" or v}
        for _ in range(args.repeat):  # old and new alternate, so both see the same load
            for label in runs:
                # env(1) execs Python in the same process, so the rusage measured is Python's
                path = ["env", f"PYTHONPATH={args.old_src / 'src'}"] if label == "old" else []
                runs[label].append(measure([*path, PYTHON, "-c", DIFF, str(before), str(other)]))
        for label, rs in runs.items():
            results[f"diff {case} ({label})" if args.old_src else f"diff {case}"] = fastest(rs)
    floor = results["floor: read both as text"]
    print(f"{'measurement':<28} {'wall s':>8} {'cpu s':>7} {'peak MiB':>9} {'x floor':>8}")
    for what, run in results.items():
        note = "" if run.code == 0 else f"  (exit {run.code}: {run.stderr.strip().splitlines()[-1:]})"
        print(f"{what:<28} {run.wall:8.2f} {run.cpu:7.2f} {run.peak_mib:9.0f} {run.wall / floor.wall:8.1f}{note}")
    print("\ncpu s: user + system time of the child (all threads); x floor: wall time / the floor's. "
          f"Releases under {args.workdir} (kept for the next run).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
