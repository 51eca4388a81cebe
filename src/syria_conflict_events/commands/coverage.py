"""sce coverage [PATH]: events per day and per front over the span declared in
schemas/package.yaml; exit 1 when a day has no event."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..exceptions import CommandError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("coverage", help="events per day and per front; fails on a day without events",
                       description=__doc__)
    p.add_argument("path", nargs="?", type=Path, help="package directory (default: the bundled/repo package)")
    p.add_argument("--format", choices=("markdown", "csv"), default="markdown")
    return p


def run(args: argparse.Namespace) -> int:
    from ..coverage import coverage, to_markdown

    try:
        matrix, empty = coverage(args.path)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read events: {exc}") from exc
    print(to_markdown(matrix) if args.format == "markdown" else matrix.to_csv(lineterminator="\n"), end="")
    if empty:
        print(f"days without any event: {', '.join(empty)}")
        return 1
    return 0
