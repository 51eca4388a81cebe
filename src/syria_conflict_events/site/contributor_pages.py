"""Generate the contributors' pages of the documentation site:

- docs/errors.md, the reference of every error a contributor can meet, from the rule catalogue
  (validation/rules/) and the formatter's refusals (canonical.PROBLEMS), so that no rule
  exists without its explanation;
- docs/contributing.md, CONTRIBUTING.md (the one hand-written guide) with its links made
  relative to docs/, followed by what `sce new` needs for every table with an example command,
  generated from the declaration (schemas/*.yaml) and its field examples.

Their text is in site/templates/ (errors.md.j2, contributing.md.j2, new_reference.md.j2).

    python -m syria_conflict_events.site.contributor_pages          # write both pages
    python -m syria_conflict_events.site.contributor_pages --check  # exit 1 when a committed page differs
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from ..canonical import PROBLEMS
from ..declaration import Declaration, Table, load_declaration
from ..new_row import name_field, sequential, singular
from ..paths import repo_root
from ..validation.rules import RULES
from ..validation.semantic import MAX_ERRORS_PER_RULE
from .templates import render

PAGE = "docs/errors.md"
CONTRIBUTING = "CONTRIBUTING.md"
CONTRIBUTING_PAGE = "docs/contributing.md"
GENERATOR = "python -m syria_conflict_events.site.contributor_pages"
LAYER_TITLES = {
    "file": "The file and its header",
    "table-schema": "Types and constraints (Table Schema)",
    "semantic": "Rules across fields, rows and tables",
    "json-schema": "The descriptor and JSON tables",
}


def render_errors_page() -> str:
    layers = [(layer, LAYER_TITLES.get(layer, layer), [(i, r) for i, r in RULES.items() if r.layer == layer])
              for layer in dict.fromkeys(rule.layer for rule in RULES.values())]
    return render("errors.md.j2", generator=GENERATOR, limit=MAX_ERRORS_PER_RULE, layers=layers,
                  problems=[(code, title, hint) for code, (title, hint) in PROBLEMS.items()])


def _identifier(table: Table) -> str:
    if len(table.primary_key) > 1:
        keys = ", ".join(f"`{k}`" for k in table.primary_key)
        return f"Key: the combination of {keys}; give each with `--set`."
    key = table.field(table.primary_key[0])
    seq = sequential(key)
    if seq:
        return (f"Identifier `{key.name}`: allocated by `sce new` as the next number "
                f"(`{seq[0]}{'0' * (seq[1] - 1)}1`, ...), never reused.")
    source = name_field(table)
    made = f" made from `{source.name}`" if source else ""
    return f"Identifier `{key.name}`: a slug{made} unless `--id` gives one; existing and retired slugs are refused."


def _example_command(table: Table) -> str:
    auto = set(table.primary_key) if len(table.primary_key) == 1 else set()
    lines = [f"sce new {singular(table.name).replace('_', '-')}"]
    for f in table.fields:
        if not (f.required or f.name in table.example_fields) or f.name in auto:
            continue
        # Free text is a placeholder: a field's one example (an actor's name) would mislead in
        # another table (a place's name); codes, dates and identifiers show the declared example.
        value = f"<{f.name}>" if f.example is None or f.text else str(f.example)
        lines.append(f"--set {shlex.quote(f'{f.name}={value}')}")
    return " \\\n    ".join(lines)


def _context(decl: Declaration) -> dict[str, Any]:
    """What new_reference.md.j2 reads: the tables and the wording computed here."""
    return {"tables": list(decl.tables.values()), "identifier": _identifier, "example_command": _example_command,
            "command": lambda table: singular(table.name).replace("_", "-")}


def render_new_reference(decl: Declaration) -> str:
    return render("new_reference.md.j2", **_context(decl))


def render_contributing_page(guide: str, decl: Declaration | None = None) -> str:
    """docs/contributing.md: the guide with links relative to docs/, then the generated reference."""
    decl = decl or load_declaration()
    body = guide.replace("](docs/contributing.md#", "](#").replace("](docs/", "](")
    title, _, rest = body.partition("\n")
    return render("contributing.md.j2", title=title, body=rest.rstrip(), generator=GENERATOR, guide=CONTRIBUTING,
                  **_context(decl))


def generated_pages(root: Path) -> dict[str, str]:
    guide = (root / CONTRIBUTING).read_text(encoding="utf-8")
    return {PAGE: render_errors_page(), CONTRIBUTING_PAGE: render_contributing_page(guide)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed page differs")
    parser.add_argument("--root", type=Path, default=None, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    root = args.root or repo_root()
    if root is None or not (root / CONTRIBUTING).is_file():
        print(f"contributor_pages runs in a source checkout (with {CONTRIBUTING})", file=sys.stderr)
        return 2
    stale = 0
    for rel, text in generated_pages(root).items():
        path = root / rel
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        stale += 1
        if args.check:
            print(f"{rel}: differs from what its sources generate (run `{GENERATOR}`)")
        else:
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {rel}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
