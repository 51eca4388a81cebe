"""Options shared by commands that read a package: the bundled copy, a directory, or a pinned
release (not a subcommand: cli.py skips modules whose name starts with an underscore)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..exceptions import CommandError

T = TypeVar("T")


def add_source_arguments(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--package", type=Path, metavar="DIR",
                       help="a package directory (datapackage.json and data/) instead of the bundled data")
    group.add_argument("--version", metavar="X.Y.Z",
                       help="a published release, downloaded once and verified (see `sce info` for the "
                            "bundled version)")
    p.add_argument("--base-url", help="where releases are downloaded from (default: $SCE_BASE_URL, else the "
                                      "project's GitHub releases)")
    p.add_argument("--cache-dir", type=Path, help="download cache (default: $SCE_CACHE_DIR, else the user cache)")


def source_kwargs(args: argparse.Namespace) -> dict:
    return {"version": args.version, "root": args.package, "base_url": args.base_url, "cache_dir": args.cache_dir}


def guarded(action: Callable[[], T]) -> T:
    """Run ``action``, turning the loader's user-facing failures into a CommandError (exit 2)."""
    from ..exceptions import ReleaseError
    from ..loader import PackageError

    try:
        return action()
    except (PackageError, ReleaseError) as exc:
        raise CommandError(str(exc)) from exc
    except KeyError as exc:  # unknown table: the message lists the tables
        raise CommandError(str(exc.args[0]) if exc.args else str(exc)) from exc
