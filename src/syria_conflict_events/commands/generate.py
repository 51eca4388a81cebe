"""sce generate [--check]: write the files generated from schemas/*.yaml (Table Schemas, JSON
Schemas, datapackage.json); --check fails when a committed copy differs."""

from __future__ import annotations

import argparse

from ..exceptions import CommandError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("generate", help="regenerate datapackage.json and schemas from the declaration",
                       description=__doc__)
    p.add_argument("--check", action="store_true", help="only check; exit 1 when files are stale")
    return p


def run(args: argparse.Namespace) -> int:
    from ..generate import stale_files, write_generated
    from ..paths import repo_root

    root = repo_root()
    if root is None:
        raise CommandError("generate works in a source checkout (schemas/ next to pyproject.toml)")
    if args.check:
        stale = stale_files(root)
        for rel in stale:
            print(f"{rel}: differs from what schemas/*.yaml generate (run `sce generate`)")
        return 1 if stale else 0
    for rel in write_generated(root):
        print(f"wrote {rel}")
    return 0
