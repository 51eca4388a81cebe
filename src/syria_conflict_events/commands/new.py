"""sce new KIND --set field=value ...: append one correctly formed row to a table, with the next
free identifier, then write the file in canonical form.

KIND is a table name, singular or plural (`event`, `claims`, `event_actor`, ...). Sequential
identifiers (SCE-000001, CLM-000001) are allocated as one more than the largest ever used, in
the table and in retired_ids, so a retired ID is never reused. Slugs (actors, places,
agreements, sources) are made from the row's name or title unless --id gives one; an existing
or retired slug is refused. The row is checked against the declaration (types, vocabularies,
patterns, references to other tables) before anything is written; prints the new row's key.
A canonical file gets the new line at its sorted place (the rest of the file is copied as it is);
a file that is not canonical is rewritten canonically, as `sce fmt` would."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..exceptions import CommandError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("new", help="append a row with the next free ID (events, claims, actors, places, ...)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", help="table to add to, singular or plural (see schemas/tables.yaml)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="FIELD=VALUE",
                   help="a cell of the new row (repeat for each field; the data dictionary says what each holds)")
    p.add_argument("--id", help="the identifier to use instead of an allocated one (slug tables)")
    p.add_argument("--path", type=Path,
                   help="package directory (default: the one in the current directory or above it)")
    p.add_argument("--dry-run", action="store_true", help="check and print the row, write nothing")
    return p


def _values(sets: list[str], fields: list[str], table: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in sets:
        name, sep, value = item.partition("=")
        if not sep:
            raise CommandError(f"--set {item!r}: write FIELD=VALUE")
        if name not in fields:
            raise CommandError(f"--set {name}: table {table} has no such field; its fields are: {', '.join(fields)}")
        if name in values:
            raise CommandError(f"--set {name} given twice")
        values[name] = value
    return values


def run(args: argparse.Namespace) -> int:
    from ..canonical import FormatError, read_file, to_bytes
    from ..declaration import package_declaration
    from ..new_row import NewRowError, build_row, read_target, resolve_table, write_row
    from ._package import package_root

    root = package_root("new", args.path, edits=True)
    decl = package_declaration(root)  # the declaration `sce validate` checks this package against
    try:
        table = resolve_table(decl, args.kind)
    except NewRowError as exc:
        raise CommandError(str(exc)) from exc
    path = root / table.path
    if not path.is_file():
        raise CommandError(f"{path}: no such file (is --path the package directory?)")
    values = _values(args.sets, table.field_names, table.name)
    try:
        target = read_target(read_file(root, table.path), table)
        row, problems, warnings = build_row(decl, root, table, target, values, args.id)
    except FormatError as exc:
        raise CommandError(f"{exc}\n    hint: {exc.hint}") from exc
    except NewRowError as exc:
        raise CommandError(str(exc), exc.exit_code) from exc
    except OSError as exc:
        raise CommandError(f"{table.path}: cannot read: {exc.strerror}") from exc
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    key = ", ".join(row[table.field_names.index(k)] for k in table.primary_key)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        raise CommandError(f"{len(problems)} problem(s) with the new {table.name} row {key}; nothing written", 1)
    if args.dry_run:
        sys.stdout.write(to_bytes(table, [row]).decode("utf-8"))
        return 0
    try:
        write_row(path, target, row)
    except OSError as exc:
        raise CommandError(f"{table.path}: cannot write: {exc.strerror}") from exc
    print(key)
    print(f"added {key} to {table.path}", file=sys.stderr)
    return 0
