"""Stata and Excel, read back as their users read them: ``pandas.read_stata`` (variable labels,
value labels, dates, Arabic text) and openpyxl (a sheet per table and a README sheet, Arabic
intact, no formula cell, frozen header, sane widths). The writers on the repository's own data
(fast), then the files of a built release (release_build)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.formats.stata import (
    MAX_LABEL,
    stata_names,
    value_labels,
    variable_label,
    write_stata,
)
from syria_conflict_events.formats.xlsx import write_xlsx
from syria_conflict_events.paths import resource_root
from syria_conflict_events.release.columns import read_typed_table
from syria_conflict_events.release.workbook import readme_lines

DECL = load_declaration()
ROOT = resource_root()


@pytest.fixture(scope="module")
def repo_tables() -> dict[str, pa.Table]:
    return {t.name: read_typed_table(ROOT, t) for t in DECL.tables.values()}


def _stata(path: Path) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict], str]:
    with pd.io.stata.StataReader(path) as reader:
        frame = reader.read()
        return frame, reader.variable_labels(), reader.value_labels(), reader.data_label


# --- names and labels ---------------------------------------------------------------------------

def test_declared_names_are_kept():
    for t in DECL.tables.values():
        assert stata_names(t.field_names) == {n: n for n in t.field_names}


def test_renaming_is_deterministic_and_within_stata_limits():
    names = ["a" * 40, "a" * 40 + "x", "2nd", "has-dash", "in", "int", "ok", "strL", "str12"]
    out = stata_names(names)
    assert out == stata_names(names)
    assert all(len(v) <= 32 and (v[0].isalpha() or v[0] == "_") for v in out.values())
    assert len(set(out.values())) == len(names)
    assert out["a" * 40] == "a" * 32 and out["a" * 40 + "x"] == "a" * 30 + "_2"
    assert out["2nd"] == "_2nd" and out["has-dash"] == "has_dash" and out["in"] == "_in" and out["ok"] == "ok"
    assert out["str12"] == "_str12"


def test_variable_labels_fit_stata():
    for f in DECL.fields.values():
        label = variable_label(f.description)
        assert 0 < len(label) <= MAX_LABEL
        assert label == " ".join(f.description.split()) or label.endswith(("…", "."))
    assert variable_label("Short. More text " + "x" * 90) == "Short."
    assert variable_label("word " * 30).endswith("…")


# --- Stata --------------------------------------------------------------------------------------

def test_stata_reads_back_with_labels_dates_and_arabic(tmp_path, repo_tables):
    for t in DECL.tables.values():
        path = tmp_path / f"{t.name}.dta"
        write_stata(DECL, t, repo_tables[t.name], path)
        frame, labels, vlabels, data_label = _stata(path)
        arrow = repo_tables[t.name]
        assert list(frame.columns) == t.field_names and len(frame) == arrow.num_rows
        assert data_label == t.title
        assert labels == {f.name: variable_label(f.description) for f in t.fields}
        for f in t.fields:
            original = arrow.column(f.name).to_pylist()
            got = frame[f.name].tolist()
            if f.vocabulary is not None:
                expected = value_labels(DECL, f)
                assert {int(k): v for k, v in vlabels[f.name].items()} == expected
                by_code = {c.code: c.label for c in DECL.vocabularies[f.vocabulary].codes}
                assert [None if pd.isna(g) else g for g in got] == [
                    None if v is None else by_code[str(v)] for v in original]
            elif f.type == "date":
                assert [None if pd.isna(g) else g.date().isoformat() for g in got] == original
            elif f.type in ("integer", "number"):
                assert [None if pd.isna(g) else g for g in got] == original
            else:
                assert got == ["" if v is None else v for v in original]


def test_stata_keeps_arabic_text(tmp_path, repo_tables):
    write_stata(DECL, DECL.tables["places"], repo_tables["places"], tmp_path / "places.dta")
    names = pd.read_stata(tmp_path / "places.dta")["name_ar"]
    expected = [v for v in repo_tables["places"].column("name_ar").to_pylist() if v]
    assert expected and [v for v in names if v] == expected
    assert any("\u0600" <= ch <= "\u06ff" for ch in expected[0])


def test_stata_bytes_do_not_depend_on_the_clock(tmp_path, repo_tables):
    t = DECL.tables["events"]
    write_stata(DECL, t, repo_tables["events"], tmp_path / "a.dta")
    write_stata(DECL, t, repo_tables["events"], tmp_path / "b.dta")
    assert (tmp_path / "a.dta").read_bytes() == (tmp_path / "b.dta").read_bytes()


def test_stata_long_text_becomes_strl(tmp_path, repo_tables):
    t = DECL.tables["events"]
    arrow = repo_tables["events"].slice(0, 2)
    long = "ك" * 3000  # 6,000 bytes: beyond str2045
    arrow = arrow.set_column(t.field_names.index("notes"), "notes", pa.array([long, None], pa.string()))
    write_stata(DECL, t, arrow, tmp_path / "long.dta")
    assert pd.read_stata(tmp_path / "long.dta")["notes"].tolist() == [long, ""]


# --- Excel --------------------------------------------------------------------------------------

def _workbook(tmp_path: Path, tables: dict[str, pa.Table]) -> Path:
    path = tmp_path / "book.xlsx"
    write_xlsx(DECL, tables, readme_lines(DECL), path)
    return path


def test_workbook_has_a_readme_and_a_sheet_per_table(tmp_path, repo_tables):
    wb = openpyxl.load_workbook(_workbook(tmp_path, repo_tables))
    assert wb.sheetnames == ["README", *DECL.tables]
    readme = {row[0]: row[1] for row in wb["README"].iter_rows(values_only=True)}
    assert readme["Version"] == DECL.version and DECL.version in readme["Cite as"]
    assert "CC-BY-4.0" in readme["Licence"]
    assert all(readme[t.name].startswith(t.title) for t in DECL.tables.values())
    for t in DECL.tables.values():
        ws = wb[t.name]
        rows = list(ws.iter_rows(values_only=True))
        assert list(rows[0]) == t.field_names and len(rows) == repo_tables[t.name].num_rows + 1
        assert ws.freeze_panes == "A2"
        widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width for i in range(len(t.fields))]
        assert all(8 <= w <= 60 for w in widths)
    events = wb["events"]
    first = dict(zip([c.value for c in events[1]], [c.value for c in events[2]], strict=True))
    source = repo_tables["events"].slice(0, 1).to_pylist()[0]
    assert first["event_id"] == source["event_id"]
    assert first["date_start"] == dt.datetime.fromisoformat(source["date_start"])
    assert first["event_type"] == source["event_type"]


def test_workbook_keeps_arabic_and_runs_no_formula(tmp_path, repo_tables):
    t = DECL.tables["places"]
    arrow = repo_tables["places"]
    hostile = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "=1+1"]
    notes = pa.array(hostile + arrow.column("notes").to_pylist()[len(hostile):], pa.string())
    tables = {**repo_tables, "places": arrow.set_column(t.field_names.index("notes"), "notes", notes)}
    wb = openpyxl.load_workbook(_workbook(tmp_path, tables))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    ws = wb["places"]
    column = [c.value for c in ws[1]].index("notes") + 1
    written = [ws.cell(row=i + 2, column=column) for i in range(len(hostile))]
    assert [c.value for c in written] == hostile
    assert all(c.data_type == "s" and c.quotePrefix for c in written)
    arabic = [v for v in arrow.column("name_ar").to_pylist() if v]
    name_ar = [c.value for c in ws[1]].index("name_ar")
    assert [r[name_ar] for r in ws.iter_rows(min_row=2, values_only=True) if r[name_ar]] == arabic


def test_workbook_is_deterministic(tmp_path, repo_tables):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = _workbook(tmp_path / "a", repo_tables), _workbook(tmp_path / "b", repo_tables)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T00:00:00Z" in zf.read("docProps/core.xml")
    props = openpyxl.load_workbook(a).properties
    assert props.created == props.modified == dt.datetime(2000, 1, 1)


def test_a_table_too_big_for_a_sheet_is_left_out_and_said(tmp_path, repo_tables, monkeypatch):
    from syria_conflict_events.formats import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 10)
    wb = openpyxl.load_workbook(_workbook(tmp_path, repo_tables))
    assert "events" not in wb.sheetnames and "agreements" in wb.sheetnames
    notes = [r[1] for r in wb["README"].iter_rows(values_only=True) if r[0] == "events: no sheet"]
    assert notes and "rows" in notes[0]


# --- in the release -----------------------------------------------------------------------------

@pytest.mark.release_build
def test_release_lists_stata_excel_and_citation_like_the_other_formats(tmp_path, valid_package):
    import json

    from syria_conflict_events.generate import citation_cff
    from syria_conflict_events.release import build_release
    from syria_conflict_events.release.build import release_name

    zip_path = build_release(valid_package, tmp_path / "dist", update_registry=False, progress=lambda _: None)
    stage = tmp_path / "dist" / release_name(DECL)
    new = [*(f"stata/{t}.dta" for t in DECL.tables), f"excel/{DECL.name}.xlsx", "CITATION.cff"]
    sums = dict(reversed(line.split("  ", 1)) for line in (stage / "SHA256SUMS").read_text().splitlines())
    resources = {r["path"]: r for r in json.loads((stage / "datapackage.json").read_text())["resources"]}
    with zipfile.ZipFile(zip_path) as zf:
        members = set(zf.namelist())
    for rel in new:
        assert rel in sums and f"{release_name(DECL)}/{rel}" in members
        assert resources[rel]["hash"] == f"sha256:{sums[rel]}"
        assert resources[rel]["bytes"] == (stage / rel).stat().st_size
    assert resources["stata/events.dta"]["format"] == "dta"
    assert resources[f"excel/{DECL.name}.xlsx"]["mediatype"].endswith("spreadsheetml.sheet")
    assert (stage / "CITATION.cff").read_text(encoding="utf-8") == citation_cff(DECL)
    assert "stata/events.dta" in (stage / "README.md").read_text(encoding="utf-8")
    frame, labels, _, _ = _stata(stage / "stata" / "events.dta")
    assert labels["event_type"] == "ACLED-compatible event type." and len(frame) > 0
    wb = openpyxl.load_workbook(stage / "excel" / f"{DECL.name}.xlsx")
    assert wb.sheetnames == ["README", *DECL.tables]
    assert not [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
