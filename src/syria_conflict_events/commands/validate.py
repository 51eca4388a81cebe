"""sce validate [PATH]: three-layer validation; exit 0 valid, 1 invalid, 2 unreadable/bad usage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..exceptions import CommandError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("validate", help="validate a package (default: the one in the current directory or above it)",
                       description=__doc__)
    p.add_argument("path", nargs="?", type=Path, help="package directory (holds datapackage.json and data/)")
    p.add_argument("--format", choices=("text", "json", "github"), default="text",
                   help="github: annotations, and every error in the job summary ($GITHUB_STEP_SUMMARY)")
    p.add_argument("--frictionless", choices=("auto", "always", "never"), default="auto",
                   help="run the Frictionless layer (auto: only below 200,000 rows; the same rules "
                        "are checked vectorised at any size)")
    p.add_argument("--pandera", choices=("auto", "always", "never"), default="auto",
                   help="run the semantic rules through pandera (auto: only below 200,000 rows; above, "
                        "the same checks run vectorised)")
    p.add_argument("--max-bytes", type=int, default=None, help="largest CSV file accepted")
    p.add_argument("--schemas", type=Path, default=None,
                   help="validate against this declaration (a schemas/ directory) instead of the package's own "
                        "(or, when it has none, the installed one); CI names the base branch's")
    return p


def run(args: argparse.Namespace) -> int:
    from ..declaration import DeclarationError, load_declaration
    from ..memory_pool import prefer_jemalloc
    from ..validation import UsageError, render, validate_package
    from ..validation.structure import DEFAULT_MAX_BYTES
    from ._extras import needs_extras
    from ._package import package_root

    root = package_root("validate", args.path)
    prefer_jemalloc()
    try:
        decl = load_declaration(args.schemas) if args.schemas else None
        report = needs_extras("validate", lambda: validate_package(
            root, decl=decl, frictionless=args.frictionless, pandera=args.pandera,
            max_bytes=args.max_bytes or DEFAULT_MAX_BYTES))
    except (UsageError, DeclarationError) as exc:
        raise CommandError(str(exc)) from exc
    out = render(report, args.format)
    stream = sys.stdout if args.format != "text" or report.valid else sys.stderr
    stream.write(out)
    if args.format == "github":
        from ..validation.report import summary_markdown
        from ._github import append_step_summary, overflow_notice

        notice = overflow_notice(len(report.errors))
        if notice:
            print(notice)
        append_step_summary(summary_markdown(report, f"sce validate {root}"))
    return report.exit_code
