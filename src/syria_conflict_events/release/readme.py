"""README.md of a release: what each file is, how to check and cite it (from the metadata only)."""

from __future__ import annotations

from ..declaration import Declaration
from .citation import bibtex, citation_text
from .descriptor import Artifact


def release_readme(decl: Declaration, artifacts: list[Artifact]) -> str:
    pkg = decl.package
    lines = [
        f"# {pkg.get('title', decl.name)} {decl.version}",
        "",
        " ".join(str(pkg.get("description", "")).split()),
        "",
        "## Files",
        "",
        "| file | what |",
        "|---|---|",
        "| `datapackage.json` | Frictionless Data Package descriptor: every file below with its size and SHA-256; "
        "the CSV tables with their Table Schemas (types, constraints, primary and foreign keys) |",
        "| `SHA256SUMS` | checksums of every file; check with `sha256sum -c SHA256SUMS` |",
    ]
    lines += [f"| `data/{t.name}.csv` | {t.title}: {t.description} |" for t in decl.tables.values()]
    lines += [f"| `{a.path}` | {a.description} |" for a in artifacts if a.name != "readme"]
    lines += [
        "",
        "## Cite",
        "",
        citation_text(decl),
        "",
        "```bibtex",
        bibtex(decl).rstrip("\n"),
        "```",
        "",
    ]
    return "\n".join(lines)
