#!/usr/bin/env python3
"""Build the documentation site: generate the pages and figures from the declaration and the data,
then run `mkdocs build --strict`.

    python scripts/build_docs.py [--site-dir DIR] [--release DIR]
    python scripts/build_docs.py --generate-only   # write docs/generated/ for `mkdocs serve`
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from syria_conflict_events.paths import repo_root
from syria_conflict_events.release import ReleaseError
from syria_conflict_events.release.build import declaration_for
from syria_conflict_events.site.pages import build_site, write_generated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site-dir", type=Path, default=None, help="output (default: dist/site)")
    parser.add_argument("--release", type=Path, default=None,
                        help="a built release directory, for its file list and release diff")
    parser.add_argument("--generate-only", action="store_true",
                        help="only write docs/generated/ (gitignored) in the checkout")
    args = parser.parse_args(argv)
    root = repo_root()
    if root is None:
        print("build_docs.py runs in a source checkout", file=sys.stderr)
        return 2
    try:
        if args.generate_only:
            for rel in write_generated(root / "docs", root, declaration_for(root), args.release):
                print(f"wrote docs/{rel}")
            return 0
        build_site(root, args.site_dir or root / "dist" / "site", release_dir=args.release)
    except ReleaseError as exc:
        for line in exc.details:
            print(line, file=sys.stderr)
        print(f"build_docs.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
