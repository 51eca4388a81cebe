"""The data dictionary, generated from the declaration as Markdown: every table (keys, foreign
keys, fields with type, constraints and description) and every vocabulary (codes with labels,
definitions and ACLED/UCDP equivalents). The release ships it as DATA-DICTIONARY.md and the
documentation site renders the same text, so the two cannot disagree.

Headings are "Table `x`" and "Vocabulary `y`": GitHub and Python-Markdown both turn them into the
anchors ``table-x`` and ``vocabulary-y``, which the field rows link to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..constraints import declared
from ..declaration import Declaration, Field, Table
from ..markdown_text import code, plain

# Examples read from the data: (table, field) -> a value of that very column (None: the column is empty).
Examples = Mapping[tuple[str, str], object]
EXAMPLE_CHARS = 60


def table_anchor(name: str) -> str:
    return f"table-{name}"


def cell(text: object) -> str:
    """Plain text safe inside a Markdown table cell (and anywhere else inline): never markup."""
    return plain(text)


def constraints(decl: Declaration, f: Field) -> str:
    parts = [kind.dictionary(decl, f) for kind in declared(f)]  # constraints.py
    if f.text:
        parts.append("free text (no leading formula character, no surrounding spaces)")
    return "; ".join(parts)


def _keys(decl: Declaration, table: Table) -> list[str]:
    out = [f"- **Primary key**: {', '.join(f'`{k}`' for k in table.primary_key)}"]
    for fk in table.foreign_keys:
        target = "itself" if fk.table == table.name else f"[{fk.table}](#{table_anchor(fk.table)})"
        out.append(f"- **Foreign key**: {', '.join(f'`{x}`' for x in fk.fields)} → {target} "
                   f"({', '.join(f'`{x}`' for x in fk.reference)})")
    referenced_by = sorted({t.name for t in decl.tables.values() for fk in t.foreign_keys
                            if fk.table == table.name and t.name != table.name})
    if referenced_by:
        out.append("- **Referenced by**: " + ", ".join(f"[{n}](#{table_anchor(n)})" for n in referenced_by))
    return out


def _example(table: Table, f: Field, examples: Examples | None) -> str:
    value = f.example if examples is None else examples.get((table.name, f.name))
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return code(text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS - 1].rstrip() + "…")


def table_section(decl: Declaration, table: Table, examples: Examples | None = None) -> list[str]:
    lines = [f"### Table `{table.name}`", "", f"**{cell(table.title)}.** {cell(table.description)}", ""]
    lines += _keys(decl, table)
    lines += ["", "| field | type | required | constraints | description | example |",
              "|---|---|---|---|---|---|"]
    for f in table.fields:
        example = _example(table, f, examples)
        lines.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else ''} | {constraints(decl, f)} | "
                     f"{cell(f.description)} | {example} |")
    return [*lines, ""]


def vocabulary_section(decl: Declaration, name: str) -> list[str]:
    vocab = decl.vocabularies[name]
    used_by = [f"`{t.name}.{f.name}`" for t in decl.tables.values() for f in t.fields if f.vocabulary == name]
    lines = [f"### Vocabulary `{name}`", "", cell(vocab.description), ""]
    if used_by:
        lines += [f"Used by {', '.join(used_by)}.", ""]
    parent = vocab.parent
    header = ["code", "label", "definition", "ACLED", "UCDP"] + ([parent] if parent else [])
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for c in vocab.codes:
        row = [code(c.code), cell(c.label), cell(c.definition), cell(c.acled or ""), cell(c.ucdp or "")]
        if parent:
            row.append(code(c.extra.get(parent, "")))
        lines.append("| " + " | ".join(row) + " |")
    return [*lines, ""]


def data_dictionary(decl: Declaration, examples: Examples | None = None, *, note: bool = True) -> str:
    """The whole dictionary as Markdown (deterministic; ends with one newline). ``examples``
    (e.g. from :func:`examples_from`) replaces the declared examples, which are shared by every
    table that has the field; ``note=False`` leaves out the note for maintainers."""
    lines = [
        f"# Data dictionary: {cell(decl.package.get('title', decl.name))} {cell(decl.version)}",
        "",
        ("Generated from the declaration in `schemas/*.yaml`; do not edit by hand. " if note else "")
        + "Types are Table Schema types; an empty CSV cell means missing (null in JSON, Parquet and SQLite)."
        + ("" if examples is None else " Each example is the first value of that field in that table's data."),
        "",
        "## Tables",
        "",
        "| table | title | primary key | description |",
        "|---|---|---|---|",
    ]
    for t in decl.tables.values():
        lines.append(f"| [{t.name}](#{table_anchor(t.name)}) | {cell(t.title)} | "
                     f"{', '.join(f'`{k}`' for k in t.primary_key)} | {cell(t.description)} |")
    lines.append("")
    for t in decl.tables.values():
        lines += table_section(decl, t, examples)
    lines += ["## Vocabularies", "",
              "Codes are stable: a code is never renamed or removed without a major version. ACLED and UCDP "
              "columns give the nearest equivalent in those datasets where one applies (empty where none does).",
              ""]
    for name in sorted(decl.vocabularies):
        lines += vocabulary_section(decl, name)
    return "\n".join(lines).rstrip("\n") + "\n"


def examples_from(decl: Declaration, rows: Mapping[str, list[dict[str, object]]]) -> dict[tuple[str, str], object]:
    """Each field's first non-empty value in its own table's rows (in the tables' row order)."""
    out: dict[tuple[str, str], object] = {}
    for t in decl.tables.values():
        for f in t.fields:
            out[(t.name, f.name)] = next((r[f.name] for r in rows.get(t.name, [])
                                          if r.get(f.name) is not None and str(r[f.name]).strip()), None)
    return out


def examples_in_package(decl: Declaration, frames: Mapping[str, Any]) -> dict[tuple[str, str], object]:
    """:func:`examples_from` for the raw text frames the build reads (one pandas frame of strings
    per table, "" for an empty cell): each field's first non-empty cell, found column-wise."""
    out: dict[tuple[str, str], object] = {}
    for t in decl.tables.values():
        frame = frames.get(t.name)
        for f in t.fields:
            if frame is None or f.name not in frame:
                out[(t.name, f.name)] = None
                continue
            column = frame[f.name]
            filled = column[column.fillna("").astype("str").str.strip() != ""]
            out[(t.name, f.name)] = filled.iloc[0] if len(filled) else None
    return out
