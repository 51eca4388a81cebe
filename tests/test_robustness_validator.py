"""Property-based robustness of `sce validate`: whatever bytes a contribution holds (malformed
CSV, random edits of valid rows, odd Unicode, very long cells, hostile JSON), the validator
ends with a pass or a structured report (exit 0, 1 or 2), never a traceback, and changes no file.

Runtimes stay moderate by default; `HYPOTHESIS_PROFILE=deep pytest tests/test_robustness_*.py`
searches much longer."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest
from conftest import VALID_ROWS
from hypothesis import given, settings
from hypothesis import strategies as st

from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.validation import render, validate_package
from syria_conflict_events.validation.rules import RULES

DECL = load_declaration()
TABLES = sorted(t for t in DECL.tables if VALID_ROWS[t])

# Characters that break naive code: bidi controls and marks, combining marks, zero-width and
# byte-order characters, NUL and other controls, quotes, separators, Arabic, astral emoji.
ODD = ["\u200f", "\u200e", "\u202e", "\u2066", "\u2069", "\u0301", "\u0651", "\u200b", "\ufeff", "\x00",
       "\x1b", "\x7f", "\r", "\n", "\r\n", "\t", '"', ",", ";", "\\", "=", "+", "-", "@", " ", "\u00a0",
       "حلب", "😀", "\U0010fffd", "ß", "İ", "Σ"]
odd_text = st.lists(st.one_of(st.sampled_from(ODD), st.text(max_size=8)), max_size=12).map("".join)
numbers_and_dates = st.sampled_from([
    "", "0", "-0", "00", "1e309", "-1e309", "1e-400", "nan", "NaN", "inf", "-inf", "9" * 40, "١٢", "1,5",
    "0x10", " 1", "1 ", "+1", "2024-02-30", "2024-13-01", "0000-01-01", "9999-12-31", "2024-1-1",
    "20241201", "2024-12-01T00:00", "SCE-000001", "SCE-1000000", "CLM-000001", "syria", "aleppo",
])
long_cell = st.builds(lambda s, n: s * n, st.sampled_from(["x", "ب", "\u0301", "a,", '"']),
                      st.integers(1, 200_000))
cell_value = st.one_of(odd_text, numbers_and_dates, long_cell)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_structured(root: Path, frictionless: str = "never") -> int:
    """Validate through the CLI in-process; the outcome must be structured and nothing written."""
    before = _snapshot(root)
    report = validate_package(root, frictionless=frictionless)
    assert report.exit_code in (0, 1, 2)
    assert report.valid == (report.exit_code == 0)
    for e in report.errors:
        assert e.rule in RULES
        assert isinstance(e.message, str) and e.message
        assert e.row is None or e.row >= 1
    payload = json.loads(render(report, "json"))
    assert payload["error_count"] == len(report.errors)
    for line in render(report, "github").split("\n")[:-2]:
        assert line.startswith("::error file=")  # one annotation per line: CR and LF are escaped
    render(report, "text")
    assert _snapshot(root) == before
    return report.exit_code


def _rows(root: Path, table: str) -> list[list[str]]:
    text = (root / DECL.tables[table].path).read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def _write_rows(root: Path, table: str, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (root / DECL.tables[table].path).write_bytes(buf.getvalue().encode("utf-8"))


# --- malformed CSV bytes ------------------------------------------------------------------------

csv_alphabet = st.sampled_from([b",", b'"', b"\n", b"\r", b"\r\n", b"\x00", b"\xef\xbb\xbf", b"\xff", b"\xc3",
                                b"a", b"1", b" ", b";", b"\t", "ب".encode(), b"\xe2\x80\xae", b"SCE-000001"])
csv_noise = st.lists(csv_alphabet, max_size=60).map(b"".join)


@given(table=st.sampled_from(TABLES), noise=st.one_of(st.binary(max_size=400), csv_noise),
       keep_header=st.booleans(), at_end=st.booleans())
def test_malformed_csv_bytes(fresh, table, noise, keep_header, at_end):
    root = fresh()
    path = root / DECL.tables[table].path
    data = path.read_bytes()
    header = data[: data.index(b"\n") + 1]
    path.write_bytes((data if at_end else header) + noise if keep_header else noise)
    assert assert_structured(root) in (0, 1)


# --- random edits of valid rows -----------------------------------------------------------------

edit = st.tuples(st.sampled_from(["set", "delete", "duplicate", "swap", "truncate", "extend"]),
                 st.integers(0, 100), st.integers(0, 100), cell_value)


@given(table=st.sampled_from(TABLES), edits=st.lists(edit, min_size=1, max_size=4))
def test_random_edits_of_valid_rows(fresh, table, edits):
    root = fresh()
    rows = _rows(root, table)
    for op, i, j, value in edits:
        body = rows[1:]
        if not body:
            break
        r = 1 + i % len(body)
        c = j % len(rows[r]) if rows[r] else 0
        if op == "set" and rows[r]:
            rows[r][c] = value
        elif op == "delete":
            del rows[r]
        elif op == "duplicate":
            rows.insert(r, list(rows[r]))
        elif op == "swap" and rows[r]:
            k = (c + 1) % len(rows[r])
            rows[r][c], rows[r][k] = rows[r][k], rows[r][c]
        elif op == "truncate":
            rows[r] = rows[r][:c]
        elif op == "extend":
            rows[r] = [*rows[r], value]
    _write_rows(root, table, rows)
    assert assert_structured(root) in (0, 1)


@settings(max_examples=20)
@given(table=st.sampled_from(TABLES), column=st.integers(0, 50), value=cell_value)
def test_odd_cells_through_every_layer(fresh, table, column, value):
    """The same edits with the Frictionless layer on (slower, so fewer examples)."""
    root = fresh()
    rows = _rows(root, table)
    rows[1][column % len(rows[1])] = value
    _write_rows(root, table, rows)
    assert assert_structured(root, frictionless="always") in (0, 1)


@given(table=st.sampled_from(TABLES), header=st.lists(st.one_of(st.sampled_from(sorted(DECL.fields)), odd_text),
                                                      max_size=20))
def test_random_headers(fresh, table, header):
    root = fresh()
    rows = _rows(root, table)
    rows[0] = header
    _write_rows(root, table, rows)
    assert assert_structured(root) in (0, 1)


# --- hostile JSON -------------------------------------------------------------------------------

json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), odd_text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(odd_text, inner, max_size=4)),
    max_leaves=20,
)


@given(value=json_value, where=st.sampled_from(["replace", "resources", "schema", "field"]))
def test_hostile_descriptor(fresh, value, where):
    root = fresh()
    path = root / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    if where == "replace":
        descriptor = value
    elif where == "resources":
        descriptor["resources"] = value
    elif where == "schema":
        descriptor["resources"][0]["schema"] = value
    else:
        descriptor["resources"][0]["path"] = value
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    assert assert_structured(root) in (1, 2)


@given(raw=st.one_of(st.binary(max_size=300), json_value.map(lambda v: json.dumps(v).encode())))
def test_hostile_json_table(fresh, raw):
    root = fresh()
    (root / "data" / "events.json").write_bytes(raw)
    assert assert_structured(root) in (0, 1)


@pytest.mark.parametrize("depth", [100, 10_000, 1_000_000])
@pytest.mark.parametrize("target", ["datapackage.json", "data/events.json"])
def test_deeply_nested_json_is_refused_without_recursion_error(fresh, capsys, depth, target):
    root = fresh()
    (root / target).write_bytes(b"[" * depth + b"]" * depth)
    code = main(["validate", str(root), "--format", "json"])
    out = capsys.readouterr()
    assert code == (2 if target == "datapackage.json" else 1)
    payload = json.loads(out.out)
    assert any(e["path"] == target for e in payload["errors"])
    assert "Traceback" not in out.err


def test_cli_never_prints_a_traceback_for_a_binary_package(fresh, capsys):
    root = fresh()
    for table in DECL.tables.values():
        (root / table.path).write_bytes(random.Random(table.name).randbytes(512))
    assert main(["validate", str(root)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "invalid:" in err
