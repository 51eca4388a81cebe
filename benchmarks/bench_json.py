"""Time the release's JSON records and GeoJSON writers on a package, against two baselines measured
in the same process: writing the same number of bytes from memory into the same directory (the
floor: what the files cost the disk), and ``json.dumps`` per record (the reference encoder, on a
prefix of the events, per row).

    .venv/bin/python benchmarks/bench_json.py /tmp/bench/sce-100000 [--out DIR] [--repeat 3] [--threads 2]

Prints wall and CPU seconds (user + system, all threads) of the fastest of ``--repeat`` runs."""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

from syria_conflict_events.formats import json_text
from syria_conflict_events.formats.geojson import has_geo_tables, write_events_geojson, write_places_geojson
from syria_conflict_events.formats.json_records import write_json_records
from syria_conflict_events.release.build import declaration_for
from syria_conflict_events.release.columns import read_typed_tables

REFERENCE_ROWS = 50_000


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(work) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    work()
    return time.perf_counter() - wall, _cpu() - cpu


def _best(work, repeat: int) -> tuple[float, float]:
    runs = [_timed(work) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path)
    parser.add_argument("--out", type=Path, help="directory for the files (default: a new one under /tmp)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=json_text.THREADS)
    args = parser.parse_args()
    json_text.THREADS = args.threads
    out = Path(tempfile.mkdtemp(prefix="bench-json-", dir=args.out))
    try:
        decl = declaration_for(args.package)
        tables = read_typed_tables(args.package, decl, {})

        def records() -> None:
            for t in decl.tables.values():
                write_json_records(decl, t, tables[t.name], out / f"{t.name}.json")

        def geojson() -> None:
            if has_geo_tables(decl):
                write_places_geojson(decl, tables["places"], out / "places.geojson")
                write_events_geojson(decl, tables["events"], tables["places"], out / "events.geojson")

        figures = {"JSON records": _best(records, args.repeat), "GeoJSON": _best(geojson, args.repeat)}
        written = sum(p.stat().st_size for p in out.iterdir())
        block = b"x" * (1 << 24)

        def floor() -> None:
            with (out / "floor.bin").open("wb") as f:
                for _ in range(written // len(block) + 1):
                    f.write(block)
            (out / "floor.bin").unlink()

        figures["floor: write the same bytes"] = _best(floor, args.repeat)
        events = tables["events"].slice(0, REFERENCE_ROWS)
        reference = _best(lambda: [json_text.compact(r) for r in events.to_pylist()], 1)
        per_row = reference[1] / max(1, events.num_rows)
        estimate = per_row * tables["events"].num_rows
        figures["reference: json.dumps per event, all events"] = (estimate, estimate)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    total_wall = figures["JSON records"][0] + figures["GeoJSON"][0]
    total_cpu = figures["JSON records"][1] + figures["GeoJSON"][1]
    print(f"{args.package}: {written / 1e6:,.0f} MB of JSON and GeoJSON, {args.threads} thread(s), "
          f"fastest of {args.repeat}")
    print(f"{'':46} {'wall s':>8} {'cpu s':>8}")
    for name, (wall, cpu) in figures.items():
        print(f"{name:46} {wall:8.2f} {cpu:8.2f}")
    print(f"{'JSON + GeoJSON':46} {total_wall:8.2f} {total_cpu:8.2f}")
    floor_wall, floor_cpu = figures["floor: write the same bytes"]
    reference_cpu = figures["reference: json.dumps per event, all events"][1]
    print(json.dumps({"x floor (wall)": round(total_wall / floor_wall, 2),
                      "x floor (cpu)": round(total_cpu / floor_cpu, 2),
                      "events json.dumps cpu / all JSON+GeoJSON cpu": round(reference_cpu / total_cpu, 2)}))


if __name__ == "__main__":
    main()
