"""The release's SQLite database: where ``write_sqlite`` spends its time, phase by phase.

    .venv/bin/python benchmarks/bench_sqlite.py /tmp/bench/sce-100000 [--repeat 3] [--floors]

Reads the package's typed tables once (timed: the floor every release writer starts from), then
writes the database ``--repeat`` times into a temporary directory and prints, for the fastest
run, the wall and CPU time (user + system of this process, all threads) of each phase, the file's
size and sha256, and the ratio to the read. Phases are timed by wrapping the module's own steps,
so the figures add up to the total. To compare with another checkout, run this script with
``PYTHONPATH=<checkout>/src`` in alternation (the phases an older version lacks print as 0)."""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.formats import sqlite as module
from syria_conflict_events.release.columns import read_typed_tables


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _wrap(name: str, wall: Counter, cpu: Counter, key: Callable[..., str] | None = None) -> None:
    inner = getattr(module, name, None)
    if inner is None:
        return

    def timed(*args: Any, **kwargs: Any) -> Any:
        w, c = time.perf_counter(), _cpu()
        try:
            return inner(*args, **kwargs)
        finally:
            label = key(*args) if key else name
            wall[label] += time.perf_counter() - w
            cpu[label] += _cpu() - c

    setattr(module, name, timed)


def _statement(_cur: Any, sql: str) -> str:
    return "  CREATE INDEX" if sql.startswith("CREATE INDEX") else "  other statements"


def _floors(decl: Any, tables: dict[str, Any]) -> list[tuple[str, float, float]]:
    """What any SQLite file of these rows costs, with the same driver and pragmas: the rows loaded
    into tables without keys or constraints, then into the DDL's tables (primary keys, no
    secondary indexes). The release file adds the CHECK proof and the foreign-key indexes."""
    import adbc_driver_sqlite.dbapi as adbc_sqlite
    import pyarrow as pa

    out = []
    for label, ddl in (("floor: rows into bare tables", lambda t: f"CREATE TABLE {module.ident(t.name)} "
                        f"({', '.join(module.ident(n) for n in t.field_names)})"),
                       ("floor: rows into keyed tables", lambda t: module.create_table_sql(decl, t))):
        with tempfile.TemporaryDirectory() as tmp:
            con = adbc_sqlite.connect(str(Path(tmp) / "floor.sqlite"), autocommit=True)
            cur = con.cursor()
            for pragma in module._PRAGMAS:
                cur.execute(f"PRAGMA {pragma}")
            cur.execute("BEGIN")
            w, c = time.perf_counter(), _cpu()
            for t in decl.tables.values():
                arrow = tables.get(t.name)
                cur.execute(ddl(t))
                if arrow is not None and arrow.num_rows:
                    cur.adbc_ingest(t.name, pa.table({n: module._plain(arrow.column(n)) for n in t.field_names}),
                                    mode="append")
            cur.execute("COMMIT")
            out.append((label, time.perf_counter() - w, _cpu() - c))
            cur.close()
            con.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--floors", action="store_true",
                        help="also time loading the rows into bare tables and into the keyed tables alone")
    args = parser.parse_args()
    decl = load_declaration()
    w, c = time.perf_counter(), _cpu()
    tables = read_typed_tables(args.package, decl, {})
    read_wall, read_cpu = time.perf_counter() - w, _cpu() - c
    rows = sum(t.num_rows for t in tables.values())
    wall: Counter = Counter()
    cpu: Counter = Counter()
    for name in ("_prove_foreign_keys", "_prove_checks", "_load"):
        _wrap(name, wall, cpu)
    _wrap("_sql", wall, cpu, _statement)
    best = None
    for _ in range(args.repeat):
        wall.clear()
        cpu.clear()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "db.sqlite"
            w, c = time.perf_counter(), _cpu()
            module.write_sqlite(decl, tables, path)
            total = (time.perf_counter() - w, _cpu() - c)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            size = path.stat().st_size
        if best is None or total[0] < best[0][0]:
            best = (total, dict(wall), dict(cpu), digest, size)
    assert best is not None
    (total_wall, total_cpu), wall_by, cpu_by, digest, size = best
    print(f"{args.package}: {rows:,} rows; load average {os.getloadavg()[0]:.2f}")
    print(f"{'phase':32} {'wall s':>8} {'cpu s':>8}")
    print(f"{'read typed tables (the floor)':32} {read_wall:8.2f} {read_cpu:8.2f}")
    for label in sorted(wall_by, key=lambda k: -wall_by[k]):
        print(f"{label:32} {wall_by[label]:8.2f} {cpu_by[label]:8.2f}")
    print(f"{'write_sqlite':32} {total_wall:8.2f} {total_cpu:8.2f}   "
          f"{total_wall / read_wall:.1f}x the read; {size / 1e6:.1f} MB, sha256 {digest}")
    if args.floors:
        for label, floor_wall, floor_cpu in _floors(decl, tables):
            print(f"{label:32} {floor_wall:8.2f} {floor_cpu:8.2f}   {floor_wall / read_wall:.1f}x the read")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
