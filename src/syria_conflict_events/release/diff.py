"""The release diff: per table, rows added, removed and changed (matched by primary key, with the
changed cells), schema changes (tables, columns, types, vocabulary codes), the SemVer level the
changes require, and the identifier rules between releases (a removed row's ID must be in
retired_ids; tombstones are never removed; a retired ID is never reused).

Rendered as JSON (complete) and Markdown (for people; long lists are cut with a count)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .dictionary import code
from .semver import highest
from .snapshot import Snapshot, TableSnapshot

RETIRED_TABLE, RETIRED_TABLE_FIELD, RETIRED_ID_FIELD = "retired_ids", "table_name", "retired_id"
MARKDOWN_ROW_LIMIT = 200
MARKDOWN_VALUE_LIMIT = 160


@dataclass
class TableDiff:
    name: str
    status: str = "common"  # added | removed | common
    primary_key: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    type_changes: list[dict[str, str]] = field(default_factory=list)
    codes_added: dict[str, list[str]] = field(default_factory=dict)
    codes_removed: dict[str, list[str]] = field(default_factory=dict)
    key_changed: bool = False
    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.status == "common" and not (
            self.columns_added or self.columns_removed or self.type_changes or self.codes_added
            or self.codes_removed or self.key_changed or self.added or self.removed or self.changed)


@dataclass
class ReleaseDiff:
    old_version: str
    new_version: str
    tables: list[TableDiff]
    reasons: list[tuple[str, str]]  # (level, why)
    problems: list[str]  # broken identifier rules: the build refuses these

    @property
    def level(self) -> str:
        return highest([lvl for lvl, _ in self.reasons])

    def to_json(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "level": self.level,
            "reasons": [{"level": lvl, "change": why} for lvl, why in self.reasons],
            "problems": self.problems,
            "tables": {
                t.name: {
                    "status": t.status,
                    "primary_key": t.primary_key,
                    "rows_added": len(t.added),
                    "rows_removed": len(t.removed),
                    "rows_changed": len(t.changed),
                    "columns_added": t.columns_added,
                    "columns_removed": t.columns_removed,
                    "type_changes": t.type_changes,
                    "codes_added": t.codes_added,
                    "codes_removed": t.codes_removed,
                    "key_changed": t.key_changed,
                    "added": t.added,
                    "removed": t.removed,
                    "changed": t.changed,
                }
                for t in self.tables
            },
        }


def _codes(old: TableSnapshot, new: TableSnapshot, diff: TableDiff) -> None:
    for f in sorted(set(old.enums) | set(new.enums)):
        if f not in old.fields or f not in new.fields:
            continue
        before, after = old.enums.get(f), new.enums.get(f)
        if before is None or after is None:
            continue  # a field gaining or losing a vocabulary shows as a type or constraint change elsewhere
        if gone := [c for c in before if c not in after]:
            diff.codes_removed[f] = gone
        if new_codes := [c for c in after if c not in before]:
            diff.codes_added[f] = new_codes


def _rows(old: TableSnapshot, new: TableSnapshot, diff: TableDiff) -> None:
    common = [f for f in new.fields if f in old.fields]
    for key, row in new.rows.items():
        before = old.rows.get(key)
        if before is None:
            diff.added.append(row)
            continue
        cells = {f: {"old": before[f], "new": row[f]} for f in common if before[f] != row[f]}
        if cells:
            diff.changed.append({"key": dict(zip(new.primary_key, key, strict=True)), "cells": cells})
    diff.removed = [row for key, row in old.rows.items() if key not in new.rows]


def table_diff(old: TableSnapshot, new: TableSnapshot) -> TableDiff:
    diff = TableDiff(new.name, primary_key=list(new.primary_key))
    diff.columns_added = [f for f in new.fields if f not in old.fields]
    diff.columns_removed = [f for f in old.fields if f not in new.fields]
    diff.type_changes = [{"field": f, "old": old.types[f], "new": new.types[f]}
                         for f in new.fields if f in old.types and old.types[f] != new.types[f]]
    _codes(old, new, diff)
    diff.key_changed = list(old.primary_key) != list(new.primary_key)
    if not diff.key_changed:
        _rows(old, new, diff)
    return diff


def _reasons(tables: list[TableDiff]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for t in tables:
        if t.status == "removed":
            out.append(("major", f"table {t.name} removed"))
            continue
        if t.status == "added":
            out.append(("minor", f"table {t.name} added"))
            continue
        out += [("major", f"{t.name}.{c} removed or renamed") for c in t.columns_removed]
        out += [("major", f"{t.name}.{c['field']} changed type {c['old']} -> {c['new']}") for c in t.type_changes]
        out += [("major", f"{t.name}.{f}: code {c} removed or renamed")
                for f, cs in t.codes_removed.items() for c in cs]
        if t.key_changed:
            out.append(("major", f"{t.name}: primary key changed"))
        out += [("minor", f"{t.name}.{c} added") for c in t.columns_added]
        out += [("minor", f"{t.name}.{f}: code {c} added") for f, cs in t.codes_added.items() for c in cs]
        if t.added:
            out.append(("minor", f"{t.name}: {len(t.added)} rows added"))
        if t.removed:
            out.append(("minor", f"{t.name}: {len(t.removed)} rows removed (retired)"))
        if t.changed:
            out.append(("patch", f"{t.name}: {len(t.changed)} rows corrected"))
    return out


def _retired(snapshot: Snapshot) -> set[tuple[str, str]]:
    table = snapshot.tables.get(RETIRED_TABLE)
    if table is None or not {RETIRED_TABLE_FIELD, RETIRED_ID_FIELD} <= set(table.fields):
        return set()
    return {(r[RETIRED_TABLE_FIELD], r[RETIRED_ID_FIELD]) for r in table.rows.values()}


def identifier_problems(old: Snapshot, new: Snapshot, tables: list[TableDiff]) -> list[str]:
    """Identifiers are never lost or reused between releases."""
    problems = []
    old_retired, new_retired = _retired(old), _retired(new)
    for t in tables:
        if t.status != "common" or len(t.primary_key) != 1 or t.name == RETIRED_TABLE:
            continue
        (key,) = t.primary_key
        for row in t.removed:
            if (t.name, row[key]) not in new_retired:
                problems.append(f"{t.name} {row[key]} was released in {old.version} and is gone, but is not in "
                                f"{RETIRED_TABLE} (record it there with the reason)")
    for table_name, rid in sorted(old_retired - new_retired):
        problems.append(f"{RETIRED_TABLE}: the tombstone of {table_name} {rid} was removed (tombstones stay forever)")
    for table_name, rid in sorted(old_retired):
        table = new.tables.get(table_name)
        if table is not None and len(table.primary_key) == 1 and (rid,) in table.rows:
            problems.append(f"{table_name} {rid} was retired before {new.version} and is used again")
    return problems


def diff_snapshots(old: Snapshot, new: Snapshot) -> ReleaseDiff:
    tables: list[TableDiff] = []
    for name in new.tables:
        if name in old.tables:
            tables.append(table_diff(old.tables[name], new.tables[name]))
        else:
            t = new.tables[name]
            tables.append(TableDiff(name, "added", list(t.primary_key), added=list(t.rows.values())))
    for name in old.tables:
        if name not in new.tables:
            t = old.tables[name]
            tables.append(TableDiff(name, "removed", list(t.primary_key), removed=list(t.rows.values())))
    return ReleaseDiff(old.version, new.version, tables, _reasons(tables), identifier_problems(old, new, tables))


# --- Markdown -------------------------------------------------------------------------------


def _value(text: str) -> str:
    if text == "":
        return "(empty)"
    short = text if len(text) <= MARKDOWN_VALUE_LIMIT else text[: MARKDOWN_VALUE_LIMIT - 1] + "…"
    return code(short)


def _key(t: TableDiff, row: dict[str, str]) -> str:
    return code(" | ".join(row.get(k, "") for k in t.primary_key))


def _capped(items: list[str], total: int) -> list[str]:
    out = items[:MARKDOWN_ROW_LIMIT]
    if total > MARKDOWN_ROW_LIMIT:
        out.append(f"- … and {total - MARKDOWN_ROW_LIMIT} more (see release-diff.json)")
    return out


def _table_markdown(t: TableDiff) -> list[str]:
    lines = [f"### {t.name}", ""]
    if t.status != "common":
        lines.append(f"Table {t.status} ({len(t.added) or len(t.removed)} rows).")
        return [*lines, ""]
    facts = []
    facts += [f"- Column added: `{c}`" for c in t.columns_added]
    facts += [f"- Column removed: `{c}`" for c in t.columns_removed]
    facts += [f"- Type of `{c['field']}`: {c['old']} → {c['new']}" for c in t.type_changes]
    facts += [f"- `{f}` codes added: {', '.join(code(c) for c in cs)}" for f, cs in t.codes_added.items()]
    facts += [f"- `{f}` codes removed: {', '.join(code(c) for c in cs)}" for f, cs in t.codes_removed.items()]
    if t.key_changed:
        facts.append("- Primary key changed: rows are not compared")
    lines += facts + ([""] if facts else [])
    if t.added:
        lines += [f"Rows added ({len(t.added)}):", ""]
        lines += [*_capped([f"- {_key(t, r)}" for r in t.added], len(t.added)), ""]
    if t.removed:
        lines += [f"Rows removed ({len(t.removed)}):", ""]
        lines += [*_capped([f"- {_key(t, r)}" for r in t.removed], len(t.removed)), ""]
    if t.changed:
        lines += [f"Rows changed ({len(t.changed)}):", ""]
        items = []
        for c in t.changed:
            key = code(" | ".join(c["key"].values()))
            cells = "; ".join(f"`{f}` {_value(v['old'])} → {_value(v['new'])}" for f, v in c["cells"].items())
            items.append(f"- {key}: {cells}")
        lines += [*_capped(items, len(t.changed)), ""]
    return lines


def to_markdown(diff: ReleaseDiff) -> str:
    lines = [f"# Release diff: {diff.old_version} → {diff.new_version}", ""]
    if all(t.empty for t in diff.tables):
        lines += ["No change in the tables.", ""]
    lines += [f"Change level: **{diff.level}** (SemVer: removing or renaming a column or a code is major; "
              "new rows, columns or codes are minor; corrections are patch).", ""]
    if diff.problems:
        lines += ["Problems:", ""] + [f"- {p}" for p in diff.problems] + [""]
    lines += ["| table | rows added | rows removed | rows changed | schema changes |", "|---|---|---|---|---|"]
    for t in diff.tables:
        schema = (len(t.columns_added) + len(t.columns_removed) + len(t.type_changes)
                  + sum(map(len, t.codes_added.values())) + sum(map(len, t.codes_removed.values()))
                  + int(t.key_changed) + int(t.status != "common"))
        lines.append(f"| {t.name} | {len(t.added)} | {len(t.removed)} | {len(t.changed)} | {schema} |")
    lines.append("")
    if diff.reasons:
        lines += ["## Changes by level", ""]
        for level in ("major", "minor", "patch"):
            lines += [f"- **{level}**: {why}" for lvl, why in diff.reasons if lvl == level]
        lines.append("")
    details = [t for t in diff.tables if not t.empty]
    if details:
        lines += ["## Tables", ""]
        for t in details:
            lines += _table_markdown(t)
    return "\n".join(lines).rstrip("\n") + "\n"
