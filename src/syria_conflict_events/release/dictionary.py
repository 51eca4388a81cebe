"""The data dictionary, generated from the declaration as Markdown: every table (keys, foreign
keys, fields with type, constraints and description) and every vocabulary (codes with labels,
definitions and ACLED/UCDP equivalents). The release ships it as DATA-DICTIONARY.md and the
documentation site renders the same text, so the two cannot disagree.

The text is ``release/templates/DATA-DICTIONARY.md.j2`` (with ``dictionary_table.md.j2`` and
``dictionary_vocabulary.md.j2``, one section each). Headings are "Table `x`" and "Vocabulary
`y`": GitHub and Python-Markdown both turn them into the anchors ``table-x`` and
``vocabulary-y``, which the field rows link to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..constraints import declared
from ..declaration import Declaration, Field, Table
from ..markdown_text import code, plain
from .templates import render

# Examples read from the data: (table, field) -> a value of that very column (None: the column is empty).
Examples = Mapping[tuple[str, str], object]
EXAMPLE_CHARS = 60


def cell(text: object) -> str:
    """Plain text safe inside a Markdown table cell (and anywhere else inline): never markup."""
    return plain(text)


def constraints(decl: Declaration, f: Field) -> str:
    parts = [kind.dictionary(decl, f) for kind in declared(f)]  # constraints.py
    if f.text:
        parts.append("free text (no leading formula character, no surrounding spaces)")
    return "; ".join(parts)


def _referenced_by(decl: Declaration, table: Table) -> list[str]:
    return sorted({t.name for t in decl.tables.values() for fk in t.foreign_keys
                   if fk.table == table.name and t.name != table.name})


def _used_by(decl: Declaration, name: str) -> list[str]:
    return [f"{t.name}.{f.name}" for t in decl.tables.values() for f in t.fields if f.vocabulary == name]


def _example(table: Table, f: Field, examples: Examples | None) -> str:
    value = f.example if examples is None else examples.get((table.name, f.name))
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return code(text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS - 1].rstrip() + "…")


def _context(decl: Declaration, examples: Examples | None) -> dict[str, Any]:
    """What the dictionary's templates read: the declaration's parts and the wording computed here."""
    return {"title": decl.package.get("title", decl.name), "version": decl.version,
            "tables": list(decl.tables.values()), "vocabularies": sorted(decl.vocabularies),
            "vocabulary": decl.vocabularies.__getitem__, "used_by": lambda name: _used_by(decl, name),
            "referenced_by": lambda table: _referenced_by(decl, table),
            "constraints": lambda f: constraints(decl, f), "example": lambda t, f: _example(t, f, examples)}


def table_section(decl: Declaration, table: Table, examples: Examples | None = None) -> list[str]:
    """The section of one table, as lines (the last one empty)."""
    return render("dictionary_table.md.j2", **_context(decl, examples), t=table).split("\n")


def vocabulary_section(decl: Declaration, name: str) -> list[str]:
    """The section of one vocabulary, as lines (the heading first, the last line empty)."""
    return render("dictionary_vocabulary.md.j2", **_context(decl, None), name=name).split("\n")


def data_dictionary(decl: Declaration, examples: Examples | None = None, *, note: bool = True) -> str:
    """The whole dictionary as Markdown (deterministic; ends with one newline). ``examples``
    (e.g. from :func:`examples_from`) replaces the declared examples, which are shared by every
    table that has the field; ``note=False`` leaves out the note for maintainers."""
    return render("DATA-DICTIONARY.md.j2", **_context(decl, examples), note=note, read_examples=examples is not None)


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
