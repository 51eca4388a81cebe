"""Which package a command acts on (not a subcommand: cli.py skips modules whose name starts
with an underscore).

A path on the command line wins; otherwise the nearest directory at or above the current one that
holds a ``datapackage.json`` (as git finds its repository); only outside any package does a
command fall back to the bundled copy (or, for commands that edit files, the source checkout),
and it says so. Each command prints the package it read on stderr, so a contributor running
``sce validate`` in a fork sees that the fork was validated."""

from __future__ import annotations

import sys
from pathlib import Path

from ..exceptions import CommandError


def _announce(command: str, message: str) -> None:
    print(f"sce {command}: {message}", file=sys.stderr, flush=True)


def package_root(command: str, given: Path | None, *, edits: bool = False) -> Path:
    """The package directory ``command`` acts on, announced on stderr.

    ``edits``: the command rewrites files, so outside any package it falls back to the source
    checkout only (never an installed copy) and fails with a clear message when there is none."""
    from ..paths import find_package, repo_root, resource_root

    if given is not None:
        _announce(command, f"package {given}")
        return given
    found = find_package()
    if found is not None:
        _announce(command, f"package {found} (the nearest datapackage.json at or above the current directory)")
        return found
    if edits:
        checkout = repo_root()
        if checkout is None:
            raise CommandError("no datapackage.json in the current directory or above it; run the command "
                               "inside the package directory or give its path (it rewrites files, so it never "
                               "touches an installed copy)")
        _announce(command, f"no datapackage.json in the current directory or above it: using the source "
                           f"checkout {checkout}")
        return checkout
    bundled = resource_root()
    _announce(command, f"no datapackage.json in the current directory or above it: using the bundled copy "
                       f"{bundled}")
    return bundled
