"""sce coverage [PATH]: events per day and per front over the span declared in
schemas/package.yaml, then the density figures against the goals declared there (events,
claims, reports, publishers, single-day events per day, contested events, events per front);
exit 1 when a day has no event or a goal is not met."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..exceptions import CommandError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("coverage", help="events per day and per front, and the density goals; "
                                     "fails on a day without events or a missed goal",
                       description=__doc__)
    p.add_argument("path", nargs="?", type=Path,
                   help="package directory (default: the one in the current directory or above it)")
    p.add_argument("--format", choices=("markdown", "csv"), default="markdown")
    return p


def run(args: argparse.Namespace) -> int:
    from ..coverage import coverage, density, goals_markdown, to_markdown
    from ..declaration import DeclarationError, package_declaration
    from ._package import package_root

    root = package_root("coverage", args.path)
    try:
        decl = package_declaration(root)
        matrix, empty = coverage(root, decl)
        figures = density(root, decl, matrix=matrix)
    except (OSError, ValueError, DeclarationError) as exc:
        raise CommandError(f"cannot read the package: {exc}") from exc
    print(to_markdown(matrix) if args.format == "markdown" else matrix.to_csv(lineterminator="\n"), end="")
    if args.format == "markdown":
        print("\n" + goals_markdown(figures), end="")
    missed = [g for g in figures if not g.met]
    if empty:
        print(f"days without any event: {', '.join(empty)}")
    for g in missed:
        print(f"goal not met: {g.name.replace('_', ' ')} is {g.value:,.0f}, the goal is {g.goal:,.0f}")
    return 1 if empty or missed else 0
