"""The rooms of the code (docs/architecture.md) hold: no import circle, no import from a room
above, and every module imports alone, in a fresh interpreter, with nothing imported before it.

Imports are read from the source (every ``import`` statement, at module level, inside functions
and under ``TYPE_CHECKING``): a circle hidden behind a lazy import is still a circle."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = "syria_conflict_events"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE

# Rooms from the bottom up: a module may import from its own room and the rooms below it.
ROOMS: list[tuple[str, list[str]]] = [
    ("base", ["exceptions", "atomic", "registry_file", "paths", "hashing", "safe_files", "text_rules",
              "markdown_text", "templating", "memory_pool", "row_order", "byte_count", "constraints",
              "declaration", "arrow_types", "typed", "table_schema", "json_schemas", "generate", "download"]),
    ("formats", ["formats"]),
    ("validation", ["validation"]),
    ("editing", ["canonical", "new_row", "coverage", "importers"]),
    ("loading", ["loader", "dataset", "models", "territory", ""]),  # "" is the package itself: the public API
    ("diff", ["diff"]),
    ("release", ["release"]),
    ("site", ["site"]),
    ("commands", ["commands", "cli", "__main__"]),
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join([PACKAGE, *parts])] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project's modules that ``name`` imports (a ``from X import y`` names X.y when that is
    a module, else X)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            targets = [f"{origin}.{a.name}" if f"{origin}.{a.name}" in MODULES else origin for a in node.names]
        else:
            continue
        out |= {t for t in targets if t in MODULES and t != name}
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _room(name: str) -> int:
    rel = name[len(PACKAGE) + 1:] if name != PACKAGE else ""
    first = rel.split(".")[0]
    for rank, (_, members) in enumerate(ROOMS):
        if first in members:
            return rank
    raise AssertionError(f"{name} is in no room: add it to ROOMS and to docs/architecture.md")


def test_every_module_is_in_a_room() -> None:
    for name in MODULES:
        _room(name)


def test_no_module_imports_from_a_room_above() -> None:
    upward = [f"{a} ({ROOMS[_room(a)][0]}) imports {b} ({ROOMS[_room(b)][0]})"
              for a, targets in GRAPH.items() for b in sorted(targets) if _room(b) > _room(a)]
    assert upward == []


def test_no_import_circles() -> None:
    # Tarjan's strongly connected components: a component of more than one module is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert circles == [], "; ".join(" <-> ".join(c) for c in circles)


_IMPORT_EACH = f"""
import importlib, json, sys, traceback
failed = {{}}
for name in json.loads(sys.argv[1]):
    for loaded in [m for m in sys.modules if m == "{PACKAGE}" or m.startswith("{PACKAGE}.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed[name] = traceback.format_exc(limit=3)
print(json.dumps(failed))
"""


def test_each_module_imports_alone() -> None:
    """Each module imported with no module of the project loaded before it (one fresh
    interpreter; the project's modules are dropped from sys.modules before each import)."""
    names = sorted(m for m in MODULES if not m.endswith("__main__"))  # __main__ runs the command
    done = subprocess.run([sys.executable, "-c", _IMPORT_EACH, json.dumps(names)],
                          capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}


@pytest.mark.parametrize("name", ["syria_conflict_events.cli", "syria_conflict_events.release.build",
                                  "syria_conflict_events.site.pages", "syria_conflict_events.loader"])
def test_entry_points_import_in_a_fresh_interpreter(name: str) -> None:
    subprocess.run([sys.executable, "-c", f"import {name}"], check=True, timeout=120)


def test_rule_families_import_no_engine() -> None:
    """validation/rules/ holds rules and their kernels: it builds on arrays and context (and the
    base rooms), never on the engines that run it, the errors they make or the runner."""
    allowed = {f"{PACKAGE}.validation.arrays", f"{PACKAGE}.validation.context"}
    rules = f"{PACKAGE}.validation.rules"
    wrong = [f"{a} imports {b}" for a, targets in GRAPH.items() if a == rules or a.startswith(rules + ".")
             for b in sorted(targets)
             if b.startswith(f"{PACKAGE}.validation.") and not b.startswith(rules) and b not in allowed]
    assert wrong == []


# The importers' modules per table (issue 16): each table's step imports, from its own package,
# only the modules listed, so "how imported places are made" stays in one small module.
_TABLE_STEPS = {
    "importers.assembly": {"sql": set(), "existing": {"sql"}, "events": {"sql"}, "places": {"sql"},
                           "actors": {"sql"}, "sources": {"sql"}, "claims": {"sql"}, "retired": set(),
                           "output": {"sql"}},
    "importers.ucdp": {"places": set(), "actors": set(), "claims": {"actors"},
                       "rows": {"places", "actors", "claims"}},
}


@pytest.mark.parametrize("package", sorted(_TABLE_STEPS))
def test_importer_table_steps_build_on_no_other_table(package: str) -> None:
    prefix = f"{PACKAGE}.{package}."
    steps = _TABLE_STEPS[package]
    assert sorted(f"{prefix}{m}" for m in steps if f"{prefix}{m}" not in MODULES) == []
    wrong = {m: sorted(t[len(prefix):] for t in GRAPH[prefix + m]
                       if t.startswith(prefix) and t[len(prefix):] not in allowed)
             for m, allowed in steps.items()}
    assert {m: w for m, w in wrong.items() if w} == {}
