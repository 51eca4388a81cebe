"""sce diff OLD [NEW] [--format markdown|json]: what changed between two releases (directories or
zips, or a source package directory): per table, rows added, removed and changed by primary key
with the changed cells, schema and vocabulary changes, and the SemVer level they require.
NEW defaults to the package in the current directory or above it.
Exit 0 when the diff is printed (even if it shows problems), 2 when a release cannot be read."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..exceptions import CommandError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("diff", help="compare two releases row by row", description=__doc__)
    p.add_argument("old", type=Path, help="the earlier release (directory or zip)")
    p.add_argument("new", type=Path, nargs="?",
                   help="the later release (directory or zip; default: the package in the current directory "
                        "or above it)")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    return p


def run(args: argparse.Namespace) -> int:
    from ..diff.rows import diff_snapshots, to_markdown
    from ..diff.snapshot import open_snapshot
    from ..memory_pool import prefer_jemalloc
    from ..release import ReleaseError
    from ._package import package_root

    new = package_root("diff", args.new)
    prefer_jemalloc()  # as sce build: the releases' tables pass through Arrow
    try:
        diff = diff_snapshots(open_snapshot(args.old), open_snapshot(new))
    except ReleaseError as exc:
        raise CommandError(str(exc)) from exc
    if args.format == "json":
        for chunk in diff.json_chunks():  # a long diff is written as it is made, never held whole
            sys.stdout.write(chunk)
    else:
        sys.stdout.write(to_markdown(diff))
    return 0
