"""README.md of a release: what each file is, how to check and cite it (from the metadata only)."""

from __future__ import annotations

from ..declaration import Declaration
from ..markdown_text import fenced, plain
from .citation import bibtex, citation_text
from .descriptor import Artifact


def release_readme(decl: Declaration, artifacts: list[Artifact]) -> str:
    pkg = decl.package
    lines = [
        f"# {plain(pkg.get('title', decl.name))} {plain(decl.version)}",
        "",
        plain(pkg.get("description", "")),
        "",
        "## Files",
        "",
        "| file | what |",
        "|---|---|",
        "| `datapackage.json` | Frictionless Data Package descriptor: every file below with its size and SHA-256; "
        "the CSV tables with their Table Schemas (types, constraints, primary and foreign keys) |",
        "| `SHA256SUMS` | checksums of every file; check with `sha256sum -c SHA256SUMS` |",
    ]
    lines += [f"| `data/{t.name}.csv` | {plain(t.title)}: {plain(t.description)} |" for t in decl.tables.values()]
    lines += [f"| `{a.path}` | {plain(a.description)} |" for a in artifacts if a.name != "readme"]
    lines += [
        "",
        "## Cite",
        "",
        citation_text(decl, plain),
        "",
        fenced("bibtex", bibtex(decl)),
        "",
    ]
    return "\n".join(lines)
