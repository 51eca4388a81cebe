"""Generate the contributors' pages of the documentation site:

- docs/errors.md, the reference of every error a contributor can meet, from the rule catalogue
  (validation/rules/) and the formatter's refusals (canonical.PROBLEMS), so that no rule
  exists without its explanation;
- docs/contributing.md, CONTRIBUTING.md (the one hand-written guide) with its links made
  relative to docs/, followed by what `sce new` needs for every table with an example command,
  generated from the declaration (schemas/*.yaml) and its field examples, pointing at rows the
  package's data holds so that each command runs as written (tests/test_doc_examples.py).

Their text is in site/templates/ (errors.md.j2, contributing.md.j2, new_reference.md.j2).

    python -m syria_conflict_events.site.contributor_pages          # write both pages
    python -m syria_conflict_events.site.contributor_pages --check  # exit 1 when a committed page differs
"""

from __future__ import annotations

import argparse
import csv
import difflib
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


Keys = dict[str, list[tuple[str, ...]]]  # each table's primary keys in the package's data


def existing_keys(root: Path, decl: Declaration) -> Keys:
    """The primary keys of the rows in ``root``'s data (a table without its file has none)."""
    keys: Keys = {}
    for table in decl.tables.values():
        path = root / table.path
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            keys[table.name] = [tuple(row.get(k) or "" for k in table.primary_key) for row in csv.DictReader(fh)]
    return keys


def _existing(wanted: str, keys: list[tuple[str, ...]]) -> list[str]:
    """Identifiers of the data to show, the declared example first when the data holds it, else
    the nearest in spelling (a place "aleppo" becomes "aleppo-city"), then the others in order."""
    ids = [k[0] for k in keys]
    first = wanted if wanted in ids else next(iter(difflib.get_close_matches(wanted, ids, n=1, cutoff=0)), None)
    return ([first] if first else []) + [i for i in ids if i != first]


def _example_values(table: Table, keys: Keys) -> dict[str, str]:
    """A row `sce new` accepts against the data in ``keys``: an identifier it points to is one the
    data holds, and a link row's key is one the data does not hold yet. Free text is a placeholder
    (a field's one example, an actor's name, would mislead in another table, a place's name), long
    enough for the field's minimum length; codes and dates show the declared example."""
    auto = set(table.primary_key) if len(table.primary_key) == 1 else set()
    pointing = {fk.fields[0]: fk.table for fk in table.foreign_keys if len(fk.fields) == 1}
    values: dict[str, str] = {}
    choices: dict[str, list[str]] = {}
    for f in table.fields:
        if not (f.required or f.name in table.example_fields) or f.name in auto:
            continue
        if f.example is None or f.text:
            value = f"<{f.name}>"
            values[f.name] = value if len(value) >= (f.min_length or 0) else f"<{f.name} in your own words>"
            continue
        values[f.name] = str(f.example)
        if f.name in pointing and keys.get(pointing[f.name]):
            choices[f.name] = _existing(values[f.name], keys[pointing[f.name]])
            values[f.name] = choices[f.name][0]
    taken = set(keys.get(table.name, ()))
    if len(table.primary_key) > 1 and table.primary_key[0] in choices:
        first = table.primary_key[0]
        for candidate in choices[first]:  # another row it points to, until the key is a new one
            if tuple({**values, first: candidate}.get(k, "") for k in table.primary_key) not in taken:
                values[first] = candidate
                break
    return values


def _example_command(table: Table, keys: Keys | None = None) -> str:
    lines = [f"sce new {singular(table.name).replace('_', '-')}"]
    lines += [f"--set {shlex.quote(f'{name}={value}')}" for name, value in _example_values(table, keys or {}).items()]
    return " \\\n    ".join(lines)


def _context(decl: Declaration, keys: Keys | None = None) -> dict[str, Any]:
    """What new_reference.md.j2 reads: the tables and the wording computed here (example commands
    against the data's keys, so that each runs as written)."""
    return {"tables": list(decl.tables.values()), "identifier": _identifier,
            "example_command": lambda table: _example_command(table, keys),
            "command": lambda table: singular(table.name).replace("_", "-")}


def render_new_reference(decl: Declaration, keys: Keys | None = None) -> str:
    return render("new_reference.md.j2", **_context(decl, keys))


def render_contributing_page(guide: str, decl: Declaration | None = None, keys: Keys | None = None) -> str:
    """docs/contributing.md: the guide with links relative to docs/, then the generated reference."""
    decl = decl or load_declaration()
    body = guide.replace("](docs/contributing.md#", "](#").replace("](docs/", "](")
    title, _, rest = body.partition("\n")
    return render("contributing.md.j2", title=title, body=rest.rstrip(), generator=GENERATOR, guide=CONTRIBUTING,
                  **_context(decl, keys))


def generated_pages(root: Path) -> dict[str, str]:
    guide = (root / CONTRIBUTING).read_text(encoding="utf-8")
    decl = load_declaration()
    return {PAGE: render_errors_page(),
            CONTRIBUTING_PAGE: render_contributing_page(guide, decl, existing_keys(root, decl))}


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
