"""`sce fmt`: rewrites table files in canonical form without changing a value, refuses what it
cannot read without loss (leaving the file untouched), and agrees with the validator's
row-order rule because both sort with canonical.canonical_positions."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, VALID_ROWS, csv_bytes
from hypothesis import example, given, settings
from hypothesis import strategies as st

from syria_conflict_events.canonical import (
    PROBLEMS,
    FormatError,
    canonical_keys,
    canonical_positions,
    format_bytes,
    iter_rows,
    to_bytes,
)
from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.validation import validate_package
from syria_conflict_events.validation.structure import check_bytes, parse_rows

DECL = load_declaration()
ACTORS = DECL.tables["actors"]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "data").iterdir())}


def _rows(data: bytes, delimiter: str = ",") -> Counter:
    text = data.decode("utf-8-sig")
    return Counter(tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r)


def _reversed_rows(data: bytes) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join([lines[0], *reversed(lines[1:-1]), b""])


def _columns_reversed(data: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([list(reversed(r)) for r in rows])
    return buf.getvalue().encode("utf-8")


def _semicolons(data: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _quote_all(data: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return buf.getvalue().encode("utf-8")


FIXABLE: dict[str, Callable[[bytes], bytes]] = {
    "bom": lambda d: codecs.BOM_UTF8 + d,
    "crlf": lambda d: d.replace(b"\n", b"\r\n"),
    "cr": lambda d: d.replace(b"\n", b"\r"),
    "no-final-newline": lambda d: d.rstrip(b"\n"),
    "row-order": _reversed_rows,
    "column-order": _columns_reversed,
    "semicolons-crlf": _semicolons,
    "quote-all": _quote_all,
    "blank-lines": lambda d: d.replace(b"\n", b"\n\n", 2),
    "excel-export": lambda d: codecs.BOM_UTF8 + _columns_reversed(_reversed_rows(d)).replace(b"\n", b"\r\n"),
}


@pytest.mark.parametrize("defect", sorted(FIXABLE))
def test_fmt_fixes_form_without_changing_values(valid_package, capsys, defect):
    path = valid_package / "data" / "actors.csv"
    canonical = path.read_bytes()
    broken = FIXABLE[defect](canonical)
    assert broken != canonical
    path.write_bytes(broken)
    # The validator sees each defect except redundant quoting, which only `sce fmt --check` checks.
    assert validate_package(valid_package).exit_code == (0 if defect == "quote-all" else 1)

    assert main(["fmt", str(valid_package), "--check"]) == 1
    out = capsys.readouterr()
    assert "data/actors.csv: not in canonical form" in out.out
    assert path.read_bytes() == broken  # --check writes nothing

    assert main(["fmt", str(valid_package)]) == 0
    assert "formatted data/actors.csv" in capsys.readouterr().out
    assert path.read_bytes() == canonical
    assert validate_package(valid_package).valid
    assert main(["fmt", str(valid_package), "--check"]) == 0


def test_fmt_check_names_what_differs(valid_package, capsys):
    path = valid_package / "data" / "actors.csv"
    path.write_bytes(codecs.BOM_UTF8 + _reversed_rows(path.read_bytes()).replace(b"\n", b"\r\n"))
    assert main(["fmt", str(valid_package), "--check", "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert "byte-order mark" in out and "CR/CRLF line endings" in out and "rows not sorted by actor_id" in out
    assert "::error file=data/actors.csv,line=1,title=fmt::" in out  # the BOM is on line 1


def test_fmt_writes_header_into_empty_file(valid_package, capsys):
    path = valid_package / "data" / "retired_ids.csv"
    path.write_bytes(b"")
    assert main(["fmt", str(valid_package)]) == 0
    assert path.read_bytes() == csv_bytes("retired_ids", [])


def test_canonical_package_is_left_alone(valid_package, capsys):
    before = {p: p.stat().st_mtime_ns for p in (valid_package / "data").iterdir()}
    assert main(["fmt", str(valid_package), "--check"]) == 0
    assert main(["fmt", str(valid_package)]) == 0
    assert capsys.readouterr().out == ""
    assert {p: p.stat().st_mtime_ns for p in (valid_package / "data").iterdir()} == before


REFUSED: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "latin-1": (lambda d: d.replace(b"Syrian state media", "Syrian état media".encode("latin-1")), "fmt-encoding"),
    "utf-16": (lambda d: d.decode("utf-8").encode("utf-16"), "fmt-encoding"),
    "missing-column": (lambda d: d.replace(b"actor_id,name,", b"actor_id,", 1), "fmt-header"),
    "extra-column": (lambda d: d.replace(b",notes\n", b",notes,extra\n", 1), "fmt-header"),
    "renamed-column": (lambda d: d.replace(b"actor_type", b"type", 1), "fmt-header"),
    "duplicate-column": (lambda d: d.replace(b",notes\n", b",name\n", 1), "fmt-header"),
    "short-row": (lambda d: d.replace(b",operations_room,", b",", 1), "fmt-row"),
    "long-row": (lambda d: d.replace(b"SYR,1,", b"SYR,1,,", 1), "fmt-row"),
    "unclosed-quote": (lambda d: d.replace(b"Syrian Arab Army", b'"Syrian Arab Army', 1), "fmt-row"),
    "stray-quote": (lambda d: d.replace(b"Syrian Arab Army", b'Syrian "Arab" Army', 1) + b'x"y\n', "fmt-row"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
@pytest.mark.parametrize("check", [False, True])
def test_fmt_refuses_what_it_cannot_read_losslessly(valid_package, capsys, case, check):
    mutate, code = REFUSED[case]
    path = valid_package / "data" / "actors.csv"
    broken = mutate(path.read_bytes())
    path.write_bytes(broken)
    before = _snapshot(valid_package)
    assert main(["fmt", str(valid_package), *(["--check"] if check else [])]) == 2
    announced, _, err = capsys.readouterr().err.partition("\n")
    assert announced == f"sce fmt: package {valid_package}"  # which package it read, first
    assert err.startswith("data/actors.csv: ")
    assert f"hint: {PROBLEMS[code][1]}" in err
    assert "file left unchanged" in err
    assert "Traceback" not in err
    assert _snapshot(valid_package) == before
    with pytest.raises(FormatError) as info:
        format_bytes(broken, ACTORS, "data/actors.csv")
    assert info.value.code == code


def test_fmt_formats_the_other_files_when_one_is_refused(valid_package, capsys):
    actors = valid_package / "data" / "actors.csv"
    places = valid_package / "data" / "places.csv"
    actors.write_bytes(b"\xff" + actors.read_bytes())
    broken_actors = actors.read_bytes()
    canonical_places = places.read_bytes()
    places.write_bytes(canonical_places.replace(b"\n", b"\r\n"))
    assert main(["fmt", str(valid_package)]) == 2
    assert actors.read_bytes() == broken_actors
    assert places.read_bytes() == canonical_places


def test_fmt_leaves_no_temporary_files(valid_package, capsys):
    path = valid_package / "data" / "actors.csv"
    path.write_bytes(_reversed_rows(path.read_bytes()))
    names = sorted(p.name for p in (valid_package / "data").iterdir())
    assert main(["fmt", str(valid_package)]) == 0
    assert sorted(p.name for p in (valid_package / "data").iterdir()) == names


def test_fmt_without_data_directory_is_a_usage_error(tmp_path, capsys):
    assert main(["fmt", str(tmp_path)]) == 2
    assert "no data/ directory" in capsys.readouterr().err


def test_repository_data_is_canonical(capsys):
    """CI's `sce fmt --check`, as a test: the committed data is in canonical form."""
    if not (REPO / "data").is_dir():
        pytest.skip("no data/ in this checkout")
    assert main(["fmt", str(REPO), "--check"]) == 0, capsys.readouterr().out


# --- properties: lossless, idempotent, and the same order as the validator ----------------------

cell = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
key = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"), min_size=1, max_size=6)


@example(rows=[("0", [""] * (len(ACTORS.fields) - 1)), ("0", [""] * (len(ACTORS.fields) - 2) + ["\r"])],
         crlf=False, bom=False)  # a cell holding a bare CR
@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(key, st.lists(cell, min_size=len(ACTORS.fields) - 1,
                                             max_size=len(ACTORS.fields) - 1)), max_size=12),
       crlf=st.booleans(), bom=st.booleans())
def test_format_is_lossless_and_idempotent(rows, crlf, bom):
    table_rows = [[k, *rest] for k, rest in rows]
    buf = io.StringIO()
    # QUOTE_MINIMAL quotes a cell with "\r" only when "\r" is in the line terminator; a bare "\r"
    # before "\n" would make the input itself a CRLF line ending, so quote every cell then.
    bare_cr = not crlf and any("\r" in c for r in table_rows for c in r)
    csv.writer(buf, lineterminator="\r\n" if crlf else "\n", quoting=csv.QUOTE_ALL if bare_cr else csv.QUOTE_MINIMAL
               ).writerows([ACTORS.field_names, *table_rows])
    data = (codecs.BOM_UTF8 if bom else b"") + buf.getvalue().encode("utf-8")
    try:
        out = format_bytes(data, ACTORS, "data/actors.csv")
    except FormatError as exc:
        # Only a row the csv module itself cannot round-trip may be refused, never silently changed.
        assert exc.code in ("fmt-row", "fmt-lossy")
        return
    assert Counter(map(tuple, iter_rows(out, ACTORS, "x"))) == Counter(map(tuple, table_rows))
    assert format_bytes(out, ACTORS, "data/actors.csv") == out
    assert out.endswith(b"\n")
    assert not out.startswith(codecs.BOM_UTF8)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(key, st.lists(cell, min_size=len(ACTORS.fields) - 1,
                                             max_size=len(ACTORS.fields) - 1)), max_size=10),
       form=st.sampled_from(["canonical", "quote-all", "unsorted", "crlf", "lenient-quote"]))
def test_the_column_wise_proof_agrees_with_the_row_by_row_formatter(rows, form):
    """canonical_keys (which lets `sce fmt` and `sce new` skip the row-by-row path) finds a file
    canonical only when the row-by-row formatter would leave it as it is, and always then when the
    validator's file layer accepts its bytes."""
    table_rows = [[k, *rest] for k, rest in rows]
    try:
        data = to_bytes(ACTORS, table_rows)
    except FormatError:
        return  # rows no CSV can hold (a bare CR): nothing to compare
    if form == "unsorted":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([ACTORS.field_names, *reversed(table_rows)])
        data = buf.getvalue().encode("utf-8")
    elif form == "quote-all":
        data = _quote_all(data)
    elif form == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif form == "lenient-quote":  # Arrow reads '"p,"q' as the cell 'p,q', as long as '"p,q"'
        data = data.replace(b'"', b"", 2).replace(b",", b',"', 1) if b'"' in data else data
    try:
        unchanged = format_bytes(data, ACTORS, "data/actors.csv") == data
    except FormatError:
        unchanged = False
    keys = canonical_keys(data, ACTORS)
    assert keys is None or unchanged  # never claims a file canonical that the formatter would change
    rel = "data/actors.csv"
    if unchanged and not check_bytes(data, rel) and parse_rows(data, ACTORS, rel, utf8_checked=True)[0] is not None:
        assert keys is not None  # what the file layer refuses (a NUL byte, a line break in a cell) goes row by row
    if keys is not None and form == "canonical":
        assert keys.column("actor_id").to_pylist() == [r[0] for r in iter_rows(data, ACTORS, "x")]


@settings(max_examples=60, deadline=None)
@given(keys=st.lists(st.tuples(key, key), max_size=20))
def test_sort_is_code_point_order_of_the_key_tuple(keys):
    frame = pd.DataFrame(keys, columns=["a", "b"], dtype="str")
    positions = canonical_positions(frame)
    assert [keys[i] for i in positions] == sorted(keys)


def test_validator_accepts_exactly_the_order_fmt_writes(make_package):
    """Keys whose code point order differs from a locale's collation: fmt and validate agree."""
    # Code point order puts "-" before digits before letters; locale collation ignores "-".
    names = ["zeta", "alpha1", "alpha-b", "alpha-2", "alpha-10", "alpha", "1st", "a-z", "news-report", "gazetteer",
             "wire-report"]

    def edit(rows):
        rows["sources"] = [dict(VALID_ROWS["sources"][0], source_id=n) for n in sorted(names)]

    root = make_package(edit)
    path = root / "data" / "sources.csv"
    path.write_bytes(_reversed_rows(path.read_bytes()))
    report = validate_package(root, frictionless="never")
    assert [e.rule for e in report.errors] == ["row-order"]
    assert main(["fmt", str(root)]) == 0
    assert validate_package(root, frictionless="never").valid


def test_to_bytes_is_deterministic_and_sorted():
    rows = [[r.get(n, "") for n in ACTORS.field_names] for r in VALID_ROWS["actors"]]
    assert to_bytes(ACTORS, rows) == to_bytes(ACTORS, list(reversed(rows))) == csv_bytes("actors", VALID_ROWS["actors"])
