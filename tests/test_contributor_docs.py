"""The contributors' pages are generated: docs/errors.md from the rule catalogue and sce fmt's
refusals, docs/contributing.md from CONTRIBUTING.md and the declaration. The committed pages must
equal the generated ones, every rule must have its section, and every example command must build
a row that passes the checks `sce new` runs on its own cells."""

from __future__ import annotations

import shlex

import pandas as pd
import pytest
from conftest import REPO

from syria_conflict_events.canonical import PROBLEMS
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.site.contributor_pages import (
    CONTRIBUTING,
    CONTRIBUTING_PAGE,
    PAGE,
    _example_command,
    generated_pages,
    main,
    render_errors_page,
)
from syria_conflict_events.validation.rules import RULES
from syria_conflict_events.validation.semantic import Context, run_vectorised, validation_frame

DECL = load_declaration()


@pytest.mark.parametrize("rel", [PAGE, CONTRIBUTING_PAGE])
def test_committed_page_equals_generated(rel):
    assert (REPO / rel).read_text(encoding="utf-8") == generated_pages(REPO)[rel], (
        "run `python -m syria_conflict_events.site.contributor_pages` and commit docs/")


def test_every_rule_and_refusal_has_a_section_with_its_fix():
    page = render_errors_page()
    for code in [*RULES, *PROBLEMS]:
        assert f"\n### `{code}`\n" in page, code
    assert page.count("**Fix:**") == len(RULES) + len(PROBLEMS)


def test_contributing_page_covers_every_table_and_links_inside_docs():
    page = generated_pages(REPO)[CONTRIBUTING_PAGE]
    for table in DECL.tables.values():
        assert f"### {table.title} (`sce new " in page
    assert "](docs/" not in page
    assert "](errors.md)" in page


@pytest.mark.parametrize("table", sorted(DECL.tables))
def test_example_commands_make_rows_with_valid_cells(table):
    """Cells the example gives are of the right type, code and pattern (placeholders aside)."""
    t = DECL.tables[table]
    words = shlex.split(_example_command(t).replace("\\\n", " "))
    sets = dict(w.split("=", 1) for w in words if "=" in w)
    row = {n: ("" if sets.get(n, "").startswith("<") else sets.get(n, "")) for n in t.field_names}
    raw = pd.DataFrame([row], dtype="str").set_axis(pd.RangeIndex(2, 3))
    frame, errors = validation_frame(t, raw)
    errors += run_vectorised(DECL, t, frame, Context(DECL))
    placeholders = {n for n, v in sets.items() if v.startswith("<")}
    auto = set(t.primary_key) if len(t.primary_key) == 1 else set()
    wrong = [e for e in errors if e.column not in placeholders | auto and e.rule != "row-order"]
    assert not wrong, [e.to_text() for e in wrong]


def test_check_mode_detects_drift(tmp_path, capsys):
    (tmp_path / "docs").mkdir()
    (tmp_path / CONTRIBUTING).write_text((REPO / CONTRIBUTING).read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert main(["--root", str(tmp_path)]) == 0
    assert main(["--check", "--root", str(tmp_path)]) == 0
    assert (tmp_path / PAGE).read_text(encoding="utf-8") == render_errors_page()
    (tmp_path / CONTRIBUTING).write_text("# Contributing\n\nChanged.\n", encoding="utf-8")
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert "docs/contributing.md: differs" in capsys.readouterr().out


def test_example_commands_point_at_rows_the_data_holds():
    """The example of a link table names rows that exist (the declared example, else the nearest
    identifier in spelling) and a key the data does not hold yet."""
    keys = {"events": [("SCE-000001",), ("SCE-000002",)], "actors": [("hayat-tahrir-al-sham",)],
            "places": [("aleppo-city",), ("idlib",)],
            "event_actors": [("SCE-000001", "hayat-tahrir-al-sham", "side_a")]}
    link = shlex.split(_example_command(DECL.tables["event_actors"], keys).replace("\\\n", " "))
    assert "event_id=SCE-000002" in link and "actor_id=hayat-tahrir-al-sham" in link
    event = shlex.split(_example_command(DECL.tables["events"], keys).replace("\\\n", " "))
    assert "place_id=aleppo-city" in event  # the declared example, aleppo, is not a place of the data
    # Without data (a bare checkout), the declared examples stand.
    assert "place_id=aleppo" in shlex.split(_example_command(DECL.tables["events"]).replace("\\\n", " "))
