"""sce fmt [PATH] [--check]: rewrite data/*.csv in canonical form (UTF-8 without BOM, LF,
commas, minimal quoting, declared column order, rows sorted by primary key, final newline, text
in Unicode NFC) without changing any value (composing é from e and an accent changes bytes, not
text). A file that cannot be read without loss is refused and left as it
is. Exit 0: canonical (or rewritten); 1 (--check): files differ; 2: a file was refused."""

from __future__ import annotations

import argparse
import re
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


Finding = tuple[str, int, str, str]  # file, line, title, message


def first_different_line(data: bytes, canonical: bytes) -> int:
    """The first line (1-based) where ``data`` and its canonical form differ."""
    ours, theirs = data.split(b"\n"), canonical.split(b"\n")
    for n, (a, b) in enumerate(zip(ours, theirs, strict=False), start=1):
        if a != b:
            return n
    return min(len(ours), len(theirs))


def refused_line(detail: str) -> int:
    """The line a refusal names ("line 7 has 3 cells ..."), else 1 (the header, the whole file)."""
    found = re.search(r"\bline (\d+)\b", detail)
    return int(found.group(1)) if found else 1


def _summary(findings: list[Finding], root: Path) -> str:
    from ..markdown_text import plain

    if not findings:
        return f"## sce fmt --check {plain(root)}: canonical\n"
    lines = [f"## sce fmt --check {plain(root)}: {len(findings)} file(s) to fix", "",
             "| file | line | problem |", "|---|---|---|"]
    lines += [f"| {plain(f)} | {n} | {plain(m)} |" for f, n, _, m in findings]
    return "\n".join(lines) + "\n"


def _report_github(fmt: str, findings: list[Finding], root: Path) -> None:
    if fmt != "github":
        return
    from ._github import annotation, append_step_summary, overflow_notice

    for rel, line, title, message in findings:
        print(annotation(rel, line, title, message))
    notice = overflow_notice(len(findings))
    if notice:
        print(notice)
    append_step_summary(_summary(findings, root))


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
    findings: list[Finding] = []
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
                    line = first_different_line(data, format_bytes(composed, table, rel))
                    message = f"not in canonical form ({'; '.join(found)}); run `sce fmt`"
                    print(f"{rel}: {message} (first difference on line {line})")
                    findings.append((rel, line, "fmt", message))
                continue
            out = format_bytes(composed, table, rel)
        except FormatError as exc:
            refused += 1
            print(f"{exc}\n    hint: {exc.hint}\n    (file left unchanged)", file=sys.stderr)
            findings.append((rel, refused_line(exc.detail), exc.code, f"{exc.detail} | hint: {exc.hint}"))
            continue
        except OSError as exc:
            refused += 1
            print(f"{rel}: cannot read: {exc.strerror}", file=sys.stderr)
            findings.append((rel, 1, "fmt", f"cannot read: {exc.strerror}"))
            continue
        if out != data:
            write_atomic(path, out)
            differ += 1
            print(f"formatted {rel}")
    _report_github(args.format, findings, root)
    if refused:
        print(f"{refused} file(s) cannot be formatted without changing values; fix them by hand", file=sys.stderr)
        return 2
    if args.check and differ:
        print(f"{differ} file(s) not in canonical form; run `sce fmt` and commit the result", file=sys.stderr)
        return 1
    return 0
