"""sce import ucdp-ged|acled FILE --out DIR: convert a UCDP GED or ACLED export CSV into an SCE
package in DIR. Importing the same file again changes nothing; a newer file keeps the SCE ids of
events already imported (matched through external_ids), retires the ones it no longer holds, and
the change report says what changed. Rows that cannot be mapped are reported as
file:row:column: reason and counted; --strict then exits 1 and writes nothing.
Exit 0: imported; 1: --strict and rows were not mapped; 2: unreadable input or bad usage."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from ..exceptions import CommandError

MAX_PRINTED = 200


def _date(text: str) -> str:
    from ..importers.common import parse_date

    value = parse_date(text)
    if value is None or len(text.strip()) != 10:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)")
    return value


def _outside_checkout(out: Path) -> None:
    """ACLED's licence forbids redistribution: never write its rows where they could be committed."""
    from ..paths import repo_root

    root = repo_root()
    if root is not None and out.resolve().is_relative_to(root.resolve()):
        raise CommandError(f"{out}: inside the SCE repository; ACLED data must stay outside it "
                           "(its licence forbids redistribution): choose a directory elsewhere")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("import", help="convert a UCDP GED or ACLED export into an SCE package",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    kinds = p.add_subparsers(dest="kind", metavar="SOURCE", required=True)
    for kind, help_text in (("ucdp-ged", "a UCDP Georeferenced Event Dataset CSV (any published column set)"),
                            ("acled", "an ACLED export CSV you hold under your own ACLED licence (the output "
                                      "stays on your machine; never commit it)")):
        k = kinds.add_parser(kind, help=help_text, description=help_text)
        k.add_argument("file", type=Path, help="the CSV export")
        k.add_argument("--out", type=Path, required=True, help="package directory to write (created if needed)")
        k.add_argument("--country", help="keep only events in this country (ISO3 code, name, or UCDP GW code)")
        k.add_argument("--from", dest="date_from", type=_date, help="keep events starting on or after this date")
        k.add_argument("--to", dest="date_to", type=_date, help="keep events starting on or before this date")
        k.add_argument("--scheme-version", default="", help="the dataset's version, recorded in external_ids")
        k.add_argument("--strict", action="store_true", help="exit 1 and write nothing if any row cannot be mapped")
        k.add_argument("--changes", type=Path, help="write the change report (JSON) to this file")
    return p


def run(args: argparse.Namespace) -> int:
    # The import builds millions of small objects that form no reference cycles; the cyclic
    # collector would walk them again and again as they pile up (about a sixth of the time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if enabled:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    from ..declaration import load_declaration
    from ..importers.common import ImporterError, assemble, changes_json, read_existing, write_package

    decl = load_declaration()
    try:
        if args.kind == "ucdp-ged":
            from ..importers.ucdp_ged import SCHEME, Options, read_ucdp

            options = Options(args.country, args.date_from, args.date_to, args.scheme_version)
            records, problems, filtered = read_ucdp(args.file, decl, options)
            importer = "UCDP GED"
        else:
            from ..importers.acled import SCHEME, Options, read_acled  # type: ignore[assignment]

            options = Options(args.country, args.date_from, args.date_to, args.scheme_version)
            records, problems, filtered = read_acled(args.file, decl, options)
            importer = "ACLED"
        for problem in problems[:MAX_PRINTED]:
            print(problem.text(), file=sys.stderr)
        if len(problems) > MAX_PRINTED:
            print(f"... and {len(problems) - MAX_PRINTED} more", file=sys.stderr)
        unmapped = [p for p in problems if not p.warning]
        if unmapped and args.strict:
            raise CommandError(f"{len(unmapped)} row(s) could not be mapped (--strict): nothing written", 1)
        if args.out.exists() and not args.out.is_dir():
            raise CommandError(f"{args.out}: not a directory")
        if args.kind == "acled":
            _outside_checkout(args.out)
        existing = read_existing(args.out, decl)
        result = assemble(decl, records, existing, event_scheme=SCHEME, scheme_version=args.scheme_version,
                          importer=importer)
        result.written = write_package(args.out, decl, result.rows)
    except ImporterError as exc:
        raise CommandError(str(exc), exc.exit_code) from exc
    except OSError as exc:
        raise CommandError(f"{exc.filename or args.out}: {exc.strerror}") from exc
    if args.changes:
        args.changes.write_text(changes_json(result), encoding="utf-8")
    print(f"{args.out}: {len(records):,} events imported from {args.file} "
          f"({len(result.added):,} added, {len(result.changed):,} changed, {len(result.retired):,} retired, "
          f"{result.unchanged:,} unchanged); {len(unmapped):,} row(s) not mapped, "
          f"{len(problems) - len(unmapped):,} warning(s); {filtered:,} filtered out; "
          f"{len(result.written)} file(s) written")
    return 0
