"""sce build [--dist DIR] [--previous OLD] [--no-site]: validate, then build the release (every
format, checksums, zip, the loader's registry) and the documentation site. Nothing is built when
validation fails; the errors are printed and the exit code is 1."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..exceptions import CommandError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("build", help="validate, then build the release and the documentation site",
                       description=__doc__)
    p.add_argument("path", nargs="?", type=Path,
                   help="package directory (default: the one in the current directory or above it, else the "
                        "bundled copy)")
    p.add_argument("--dist", type=Path, default=None, help="output directory (default: dist/ in the package directory)")
    p.add_argument("--previous", type=Path, default=None, metavar="OLD",
                   help="previous release (directory or zip): write the release diff and refuse a version "
                        "smaller than the changes require")
    p.add_argument("--no-site", action="store_true", help="skip the documentation site")
    p.add_argument("--no-registry", action="store_true",
                   help="do not update the committed src/syria_conflict_events/releases.json")
    return p


def run(args: argparse.Namespace) -> int:
    from ..declaration import DeclarationError
    from ..memory_pool import prefer_jemalloc
    from ..release import ReleaseError, build_release
    from ..site.pages import SITE

    prefer_jemalloc()

    def progress(message: str) -> None:
        print(message, flush=True)

    from ..paths import repo_root, resource_root

    checkout = repo_root()
    with_site = not args.no_site and checkout is not None and (checkout / "mkdocs.yml").is_file()
    if not args.no_site and not with_site:
        progress("note: no source checkout with mkdocs.yml here, so the documentation site is skipped")
    from ._extras import needs_extras
    from ._package import package_root

    root = package_root("build", args.path)
    dist = args.dist
    if dist is None and args.path is None and root != resource_root():
        dist = root / "dist"  # a package found from the current directory builds into its own dist/
    try:
        needs_extras("build", lambda: build_release(root, dist, previous=args.previous,
                                                    site=SITE if with_site else None,
                                                    update_registry=not args.no_registry, progress=progress))
    except DeclarationError as exc:
        raise CommandError(str(exc)) from exc
    except ReleaseError as exc:
        for line in exc.details:
            print(line, file=sys.stderr)
        raise CommandError(str(exc), exit_code=exc.exit_code) from exc
    return 0
