"""sce info [--package DIR | --version X.Y.Z] [--format text|json]: the data package's version,
its tables with row counts, its licence and how to cite it (default: the bundled data)."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from ._source import add_source_arguments, guarded, source_kwargs

_CHUNK = 1 << 20


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("info", help="version, tables, row counts, licence and citation", description=__doc__)
    add_source_arguments(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    return p


def count_rows(path: Path) -> int | None:
    """Data rows of a canonical CSV (one line per row: cells hold no newlines); None if absent."""
    try:
        with path.open("rb") as fh:
            lines, last = 0, b"\n"
            while chunk := fh.read(_CHUNK):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return None
    lines += last != b"\n"  # a last line without its newline still counts
    return max(lines - 1, 0)


def citation(descriptor: dict[str, Any]) -> str:
    """The release citation (release/citation.py), with this package's own name, title, version,
    licences and contributors; the repository is the project's."""
    from ..declaration import load_declaration

    decl = load_declaration()
    own = {k: descriptor[k] for k in ("name", "title", "version", "licenses", "contributors") if k in descriptor}
    decl = dataclasses.replace(decl, package={**decl.package, **own})
    try:
        from ..release.citation import citation_text
    except ImportError:  # the release package needs the [validate] extra; say where the citation is
        return f"see CITATION.cff or the release README of {decl.name} {decl.version}"
    return citation_text(decl)


def describe(package: Any) -> dict[str, Any]:
    from .. import __version__

    descriptor = package.descriptor
    tables = {name: count_rows(package.root / str(res.get("path", ""))) for name, res in package.resources.items()}
    return {
        "name": descriptor.get("name"),
        "title": descriptor.get("title"),
        "version": package.version,
        "loader_version": __version__,
        "source": str(package.root),
        "tables": tables,
        "rows": sum(n for n in tables.values() if n is not None),
        "licenses": [{k: lic.get(k) for k in ("name", "title", "path")} for lic in descriptor.get("licenses", [])],
        "citation": citation(descriptor),
    }


def to_text(info: dict[str, Any]) -> str:
    width = max(map(len, info["tables"]), default=0)
    lines = [
        f"{info['title'] or info['name']} {info['version']}",
        f"source:   {info['source']}",
        f"loader:   syria-conflict-events {info['loader_version']}",
        f"tables:   {len(info['tables'])}, {info['rows']:,} rows",
        *(f"  {name:<{width}}  {'missing' if n is None else f'{n:>8,}'}" for name, n in info["tables"].items()),
        "licence:  " + "; ".join(
            " ".join(str(x) for x in (lic["name"], f"({lic['title']})" if lic["title"] else "",
                                      lic["path"] or "") if x) for lic in info["licenses"]),
        f"cite as:  {info['citation']}",
    ]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from ..loader import open_source

    info = guarded(lambda: describe(open_source(**source_kwargs(args))))
    if args.format == "json":
        print(json.dumps(info, indent=2, ensure_ascii=False))
    else:
        print(to_text(info), end="")
    return 0
