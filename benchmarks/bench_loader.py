"""Loader speed against plain ``pandas.read_csv`` of the same files, measured in one run.

1. Cold, bundled data: a fresh interpreter times ``import syria_conflict_events; load("events")``
   (and ``load_all()``) against ``import pandas; pandas.read_csv(...)`` of the same bundled
   files. Timed inside the process, so interpreter start-up (the same for both) is left out.
2. Warm, at scale: a synthetic package of N events (benchmarks/generate_package.py), loaded
   in-process, against ``pandas.read_csv`` of the same files (default inference, no dtypes: the
   plain read the loader has to keep up with) and ``read_csv(dtype=str)``.

Goal: load within 1.5x of the plain read. Rounds alternate which side runs first; prints median
times and the median of the per-round ratios; asserts nothing.

    .venv/bin/python benchmarks/bench_loader.py [--events 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

GOAL = 1.5


def _cold_once(code: str) -> float:
    """Seconds of ``code`` in a fresh interpreter (timed by the snippet itself)."""
    timed = f"import time\nt0 = time.perf_counter()\n{code}\nprint(time.perf_counter() - t0)\n"
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", timed], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _compare(ours: Callable[[], float], base: Callable[[], float], repeat: int) -> tuple[float, float, float]:
    """Median times and the median of per-round ratios; rounds alternate which side runs first,
    so load from other processes on the machine hits both sides alike."""
    pairs = []
    for i in range(repeat):
        if i % 2:
            b = base()
            o = ours()
        else:
            o = ours()
            b = base()
        pairs.append((o, b))
    return (statistics.median(o for o, _ in pairs), statistics.median(b for _, b in pairs),
            statistics.median(o / b for o, b in pairs))


def _row(label: str, result: tuple[float, float, float]) -> str:
    ours, base, ratio = result
    mark = "ok" if ratio <= GOAL else f"above the {GOAL}x goal"
    return f"  {label:<38} {ours * 1000:9.1f} ms  vs {base * 1000:9.1f} ms   ratio {ratio:5.2f}  {mark}"


def cold(repeat: int) -> list[str]:
    from syria_conflict_events.declaration import load_declaration
    from syria_conflict_events.paths import resource_root

    root = resource_root()
    paths = [str(root / t.path) for t in load_declaration().tables.values()]
    events = json.dumps(str(root / "data" / "events.csv"))
    one = _compare(lambda: _cold_once("import syria_conflict_events as sce\nsce.load('events')"),
                   lambda: _cold_once(f"import pandas as pd\npd.read_csv({events})"), repeat)
    every = _compare(lambda: _cold_once("import syria_conflict_events as sce\nsce.load_all()"),
                     lambda: _cold_once(f"import pandas as pd\n[pd.read_csv(p) for p in {json.dumps(paths)}]"),
                     repeat)
    return [
        f"cold (fresh interpreter, import included), bundled data at {root}, {repeat} rounds:",
        _row("import + load('events') / read_csv", one),
        _row("import + load_all() / read_csv each", every),
    ]


def warm(n: int, repeat: int) -> list[str]:
    import pandas as pd

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from generate_package import generate

    import syria_conflict_events as sce
    from syria_conflict_events.declaration import load_declaration

    tables = load_declaration().tables
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pkg"
        counts = generate(n, root)
        events = root / "data" / "events.csv"
        paths = [root / t.path for t in tables.values()]
        warnings.simplefilter("ignore")
        sce.load_all(root=root)  # first use: imports and page cache
        one = _compare(lambda: _timed(lambda: sce.load("events", root=root)),
                       lambda: _timed(lambda: pd.read_csv(events)), repeat)
        one_str = _compare(lambda: _timed(lambda: sce.load("events", root=root)),
                           lambda: _timed(lambda: pd.read_csv(events, dtype=str, keep_default_na=False)), repeat)
        every = _compare(lambda: _timed(lambda: sce.load_all(root=root)),
                         lambda: _timed(lambda: [pd.read_csv(p) for p in paths]), repeat)
        size = events.stat().st_size
    return [
        f"warm (in-process), synthetic package: {counts.get('events', n):,} events ({size / 1e6:.1f} MB), "
        f"{sum(counts.values()):,} rows in all tables, {repeat} rounds:",
        _row("load('events') / read_csv", one),
        _row("load('events') / read_csv(dtype=str)", one_str),
        _row("load_all() / read_csv of every file", every),
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=100_000, help="events in the synthetic package")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    print(f"goal: ratio <= {GOAL} (loader time / plain pandas.read_csv time)")
    for line in [*cold(args.repeat), *warm(args.events, args.repeat)]:
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
