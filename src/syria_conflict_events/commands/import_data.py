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
    from ..memory_pool import prefer_jemalloc

    # As sce validate and sce build: at 2.5M ACLED rows the peak was 630-670 MiB with jemalloc,
    # 670-710 MiB with mimalloc, in the same time (benchmarks/README.md).
    prefer_jemalloc()
    # The import builds millions of small objects that form no reference cycles; the cyclic
    # collector would walk them again and again as they pile up (about a sixth of the time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if enabled:
            gc.enable()


def _first_line(exc: BaseException) -> str:
    return next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)


def _run(args: argparse.Namespace) -> int:
    import json

    import duckdb

    from ..declaration import load_declaration
    from ..importers.assembly import assemble_and_write, resolve_duplicates
    from ..importers.common import ImporterError
    from ..importers.staging import Staging

    decl = load_declaration()
    try:
        with Staging(decl.tables["events"].field_names) as staging:
            if args.kind == "ucdp-ged":
                from ..importers.ucdp import SCHEME, Options, read_ucdp

                read_ucdp(args.file, decl, Options(args.country, args.date_from, args.date_to, args.scheme_version),
                          staging)
                importer, id_column, id_label = "UCDP GED", "id", "UCDP id"
            else:
                from ..importers.acled import SCHEME, Options, actor_specs  # type: ignore[assignment]
                from ..importers.acled_columnar import read_acled

                read_acled(args.file, decl, Options(args.country, args.date_from, args.date_to, args.scheme_version),
                           staging)
                actor_specs(decl, staging)
                importer, id_column, id_label = "ACLED", "event_id_cnty", "ACLED id"
            resolve_duplicates(staging, column=id_column, label=id_label, path=str(args.file))
            texts, total = staging.problem_texts(MAX_PRINTED)
            for text in texts:
                print(text, file=sys.stderr)
            if total > MAX_PRINTED:
                print(f"... and {total - MAX_PRINTED} more", file=sys.stderr)
            unmapped, warnings = staging.problem_counts()
            if unmapped and args.strict:
                raise CommandError(f"{unmapped} row(s) could not be mapped (--strict): nothing written", 1)
            if args.out.exists() and not args.out.is_dir():
                raise CommandError(f"{args.out}: not a directory")
            if args.kind == "acled":
                _outside_checkout(args.out)
            result = assemble_and_write(staging, decl, args.out, event_scheme=SCHEME,
                                        scheme_version=args.scheme_version, importer=importer,
                                        report=args.changes is not None)
            filtered = staging.filtered
    except ImporterError as exc:
        raise CommandError(str(exc), exc.exit_code) from exc
    except OSError as exc:  # an error DuckDB meets while Arrow streams its rows arrives as one, without strerror
        raise CommandError(f"{exc.filename or args.out}: {exc.strerror or _first_line(exc)}") from exc
    except duckdb.Error as exc:  # e.g. out of memory under its limit (nothing written: files go in place last)
        raise CommandError(f"{args.out}: the import's database failed, nothing written: {_first_line(exc)}") from exc
    if args.changes:
        args.changes.write_text(json.dumps(result.report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.out}: {result.events:,} events imported from {args.file} "
          f"({result.added:,} added, {result.changed:,} changed, {result.retired:,} retired, "
          f"{result.unchanged:,} unchanged); {unmapped:,} row(s) not mapped, "
          f"{warnings:,} warning(s); {filtered:,} filtered out; "
          f"{len(result.written)} file(s) written")
    return 0
