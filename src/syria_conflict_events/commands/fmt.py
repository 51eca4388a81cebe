"""sce fmt [PATH] [--check]: rewrite data/*.csv in canonical form (UTF-8 without BOM, LF,
commas, minimal quoting, declared column order, rows sorted by primary key, final newline, text
in Unicode NFC) without changing any value (composing é from e and an accent changes bytes, not
text). A file that cannot be read without loss is refused and left as it
is. Exit 0: canonical (or rewritten); 1 (--check): files differ; 2: a file was refused."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..exceptions import CommandError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("fmt", help="rewrite the CSV files in canonical form (values unchanged)",
                       description=__doc__)
    p.add_argument("path", nargs="?", type=Path,
                   help="package directory (default: the one in the current directory or above it)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 and list the files that differ")
    p.add_argument("--format", choices=("text", "github"), default="text",
                   help="github: also print GitHub Actions annotations")
    return p


def _annotate(fmt: str, rel: str, title: str, message: str) -> None:
    if fmt == "github":
        text = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        print(f"::error file={rel},title={title}::{text}")


def run(args: argparse.Namespace) -> int:
    from ..atomic import write_atomic
    from ..canonical import FormatError, canonical_keys, differences, format_bytes, nfc_bytes, read_file
    from ..declaration import package_declaration
    from ._package import package_root

    root = package_root("fmt", args.path, edits=True)
    if not (root / "data").is_dir():
        raise CommandError(f"{root}: no data/ directory")
    decl = package_declaration(root)  # the declaration `sce validate` and `sce build` read
    refused = differ = 0
    for table in decl.tables.values():
        rel = table.path
        path = root / rel
        if not path.is_file():
            continue  # `sce validate` reports missing files
        try:
            data = read_file(root, rel)
            composed = nfc_bytes(data)  # decomposed text (e + combining accent) becomes NFC (é)
            if composed is data and canonical_keys(data, table) is not None:
                continue  # proved canonical column-wise: seconds at a million rows, not minutes
            if args.check:
                found = differences(composed, table, rel)
                if composed is not data:
                    found.insert(0, "text not in Unicode normal form C")
                if found:
                    differ += 1
                    message = f"not in canonical form ({'; '.join(found)}); run `sce fmt`"
                    print(f"{rel}: {message}")
                    _annotate(args.format, rel, "fmt", message)
                continue
            out = format_bytes(composed, table, rel)
        except FormatError as exc:
            refused += 1
            print(f"{exc}\n    hint: {exc.hint}\n    (file left unchanged)", file=sys.stderr)
            _annotate(args.format, rel, exc.code, f"{exc.detail} | hint: {exc.hint}")
            continue
        except OSError as exc:
            refused += 1
            print(f"{rel}: cannot read: {exc.strerror}", file=sys.stderr)
            continue
        if out != data:
            write_atomic(path, out)
            differ += 1
            print(f"formatted {rel}")
    if refused:
        print(f"{refused} file(s) cannot be formatted without changing values; fix them by hand", file=sys.stderr)
        return 2
    if args.check and differ:
        print(f"{differ} file(s) not in canonical form; run `sce fmt` and commit the result", file=sys.stderr)
        return 1
    return 0
