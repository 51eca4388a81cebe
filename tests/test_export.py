"""`sce export` writes the same bytes as the row-by-row implementation it replaced (frozen in
tests/fixtures/export/ by that implementation, commit 782ca04), for packages whose cells are meant
to trip a writer: quotes and commas (line breaks cannot be in a cell), backslashes, tabs and
control characters, non-ASCII text, missing and quoted-empty cells, integers written as ``007``,
numbers in every notation, early dates, integer vocabulary codes, rows out of key order, a BOM and
CRLF line ends; cells that are not of their type (read as missing, with a warning); and a package
whose Table Schemas are not the installed declaration's (an older release, Parquet by pandas).

The CSV files were frozen again for issue 17 (and again after merging 1.0.0's model): CSV export
writes each cell's text as the package stores it (``007`` stays ``007``, ``1.50`` stays ``1.50``, a
cell that is not of its type keeps its text), where the row-by-row implementation wrote the typed
value.

Regenerate only on purpose: ``python tests/test_export.py --freeze`` (it runs the code on its
PYTHONPATH).

`sce export`'s column-wise writers against their row-by-row definitions: formats/csv_text
against csv.writer on generated tables (every kind of cell, batches of a few rows), and the
command's column-wise path against its row-by-row path on generated packages, the bundled data and
a built release; streaming to stdout and to a temporary file that replaces --out only when
complete."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import shutil
import sys
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO, VALID_ROWS, csv_bytes, write_package
from hypothesis import example, given
from hypothesis import strategies as st

from syria_conflict_events import loader
from syria_conflict_events.cli import main
from syria_conflict_events.commands import export as export_command
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.formats import csv_text, json_text
from syria_conflict_events.release import build_release
from syria_conflict_events.table_schema import package_descriptor

# --- from test_export_frozen.py ----------------------------------------

FROZEN = Path(__file__).resolve().parent / "fixtures" / "export"
FORMATS = ("csv", "json", "parquet")
TABLES = ("events", "places", "actors", "sources", "agreements", "claims")

QUOTES = 'He said "stop", then left'
ODD = 'back\\slash\ttab\x01ctl \u00e9\u0644\u062d\u0644\u0628 \U0001f600 "' + "'"


def _tricky_rows() -> dict[str, list[dict[str, str]]]:
    rows = copy.deepcopy(VALID_ROWS)
    ev = rows["events"]
    ev[0].update(summary=QUOTES, fatalities_low="007", fatalities_best="-0", fatalities_high="9007199254740992",
                 civilian_fatalities="", notes=ODD, front="")
    ev[1].update(summary="a, b, and c", notes=" leading and trailing spaces ", date_start="0999-01-02",
                 date_end="0001-01-01", fatalities_low="0", civilian_fatalities="-12")
    ev.insert(0, {**ev[1], "event_id": "SCE-000009", "summary": '"', "notes": ",", "location_precision": "7",
                  "date_start": "2024-02-29", "date_end": "9999-12-31"})  # out of key order
    numbers = ["1.50", "1E5", "-0.0", "0.0001", "0.00001", "1e16", "123456789.123456789", ".5", "5.",
               "1e-300", "-179.99999999999997", "0", "33.333333333333336"]
    places = rows["places"]
    for i, text in enumerate(numbers):
        places.append({"place_id": f"p{i:02d}", "name": f"Place {i}, \"{text}\"", "place_type": "city",
                       "country_iso3": "SYR", "latitude": text, "longitude": numbers[-1 - i],
                       "name_ar": "\u062d\u0644\u0628", "name_ar_source_id": "news-report",
                       "coordinates_source_id": "gazetteer"})
    rows["actors"][0].update(name='"Quoted" at the start', aliases="a,b", acled_inter_code="8")
    rows["sources"][0].update(published_date="2000-02-29", notes="\u00a0non-breaking\u00a0space")
    return rows


def tricky_package(root: Path) -> Path:
    """Cells every writer must get right, some tables not in canonical form."""
    write_package(root, _tricky_rows())
    data = root / "data"
    # places: BOM, CRLF, quoted-empty and needlessly quoted cells
    text = csv_bytes("places", _tricky_rows()["places"]).decode()
    text = text.replace(",,", ',"",', 1).replace("Aleppo University", '"Aleppo University"')
    (data / "places.csv").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    return root


def invalid_package(root: Path) -> Path:
    """Cells that are not of their type or vocabulary: the loader reads them as missing and warns."""
    rows = _tricky_rows()
    rows["events"][0].update(fatalities_low="four", confidence="certain", date_end="2024-02-30")
    rows["events"][1].update(location_precision="9", fatalities_best="1.5")
    rows["places"][0].update(latitude="nan")
    rows["places"][1].update(longitude="inf", place_type="galaxy")
    return write_package(root, rows)


def older_schema_package(root: Path) -> Path:
    """A package whose inline Table Schemas differ from the installed declaration: events without
    its notes field and with summary an integer field (unreadable cells), claims with one field."""
    decl = load_declaration()
    descriptor = package_descriptor(decl, inline=True)
    rows = _tricky_rows()
    for res in descriptor["resources"]:
        fields = res["schema"]["fields"]
        if res["name"] == "events":
            res["schema"]["fields"] = [f for f in fields if f["name"] != "notes"]
            for f in res["schema"]["fields"]:
                if f["name"] == "civilian_fatalities":
                    f["type"] = "number"
        if res["name"] == "claims":
            res["schema"] = {"fields": [{"name": "claim_id", "type": "string"}], "primaryKey": ["claim_id"]}
    write_package(root, rows)
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names = [n for n in decl.tables["events"].field_names if n != "notes"]
    writer.writerow(names)
    for row in rows["events"]:
        writer.writerow([row.get(n, "") for n in names])
    (root / "data" / "events.csv").write_text(buf.getvalue(), encoding="utf-8")
    (root / "data" / "claims.csv").write_text("claim_id\nCLM-1\n\"\"\nCLM-3\n", encoding="utf-8")
    return root


CASES = {"tricky": tricky_package, "invalid": invalid_package, "older-schema": older_schema_package}
# The row-by-row export wrote no Parquet of the invalid package: a required field's unreadable cell
# made pyarrow raise (a traceback); test_parquet_of_missing_required_cells_is_refused says what now.
CASE_FORMATS = {"tricky": FORMATS, "invalid": ("csv", "json"), "older-schema": FORMATS}


def export(pkg: Path, table: str, fmt: str, out: Path) -> int:
    return main(["export", table, "--format", fmt, "--package", str(pkg), "--out", str(out)])


def freeze() -> None:  # pragma: no cover - run by hand, see the module's docstring
    import tempfile
    import warnings

    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        for case, build in CASES.items():
            pkg = build(Path(tmp) / case)
            (FROZEN / case).mkdir(parents=True, exist_ok=True)
            for table in TABLES:
                for fmt in CASE_FORMATS[case]:
                    assert export(pkg, table, fmt, FROZEN / case / f"{table}.{fmt}") == 0, (case, table, fmt)
    (FROZEN / "pyarrow-version").write_text(pa.__version__ + "\n")


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("export-cases")
    return {case: build(base / case) for case, build in CASES.items()}


@pytest.mark.filterwarnings("ignore::syria_conflict_events.loader.DataWarning")
@pytest.mark.parametrize(("case", "fmt"), [(c, f) for c, formats in CASE_FORMATS.items() for f in formats])
def test_export_is_the_frozen_output(packages, case, fmt, tmp_path):
    for table in TABLES:
        out = tmp_path / f"{table}.{fmt}"
        assert export(packages[case], table, fmt, out) == 0
        frozen = FROZEN / case / f"{table}.{fmt}"
        if fmt != "parquet" or (FROZEN / "pyarrow-version").read_text().strip() == pa.__version__:
            assert out.read_bytes() == frozen.read_bytes(), (case, table)
        else:  # another pyarrow writes another version string (and may lay out pages differently)
            got, want = pq.read_table(out), pq.read_table(frozen)
            assert got.equals(want, check_metadata=True), (case, table)


def test_cells_unreadable_as_declared_are_missing_with_a_warning(packages, tmp_path):
    out = tmp_path / "events.json"
    with pytest.warns(UserWarning, match="fatalities_low: 1 cell"):
        assert export(packages["invalid"], "events", "json", out) == 0
    records = {r["event_id"]: r for r in json.loads(out.read_bytes())}
    assert records["SCE-000009"]["fatalities_low"] is None
    assert records["SCE-000009"]["confidence"] is None


if __name__ == "__main__" and "--freeze" in sys.argv:
    freeze()


# --- from test_export_columnwise.py ----------------------------------------

DECL = load_declaration()


# --- csv_text against csv.writer -------------------------------------------------------------------

CELL_TEXT = st.text(st.sampled_from([*'ab,"\' \\é', "\u062d", "\U0001f600", "\t", "\r", "\n", "\x00", "\x01", "\x1f"]),
                    max_size=6)
COLUMN_KINDS = {
    "string": (pa.string(), CELL_TEXT.filter(bool)),  # "" is missing in every table the loader reads
    "integer": (pa.int64(), st.integers(-(2**53), 2**53)),
    "number": (pa.float64(), st.floats(allow_nan=True, allow_infinity=True)),
    "date": (pa.date32(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
}


@st.composite
def tables(draw) -> pa.Table:
    kinds = draw(st.lists(st.sampled_from(sorted(COLUMN_KINDS)), min_size=1, max_size=5))
    rows = draw(st.integers(0, 9))
    columns = {}
    for i, kind in enumerate(kinds):
        arrow_type, values = COLUMN_KINDS[kind]
        columns[f"c{i}"] = pa.array(draw(st.lists(st.none() | values, min_size=rows, max_size=rows)), arrow_type)
    return pa.table(columns)


def python_cell(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def csv_of(table: pa.Table) -> bytes:
    import io

    out = io.BytesIO()
    csv_text.write_csv(out, table)
    return out.getvalue()


@given(tables(), st.integers(1, 4))
def test_csv_text_is_what_csv_writer_writes(table, batch_rows):
    expected = csv_text.rows_text([table.column_names, *([python_cell(v) for v in row.values()]
                                                          for row in table.to_pylist())])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(json_text, "BATCH_ROWS", batch_rows)
        assert csv_of(table) == expected.encode()


def test_csv_text_of_a_one_column_table_writes_missing_as_two_quotes():
    table = pa.table({"id": pa.array(["a", None, 'x"y', "b,c"])})
    assert csv_of(table) == b'id\na\n""\n"x""y"\n"b,c"\n'


def test_csv_text_of_a_batch_whose_text_could_pass_the_string_limit(monkeypatch):
    table = pa.table({"a": ['q"', None, "x,y", "\x00"], "n": [1, None, 3, 4], "d": [dt.date(1, 1, 1)] * 4})
    expected = csv_of(table)
    monkeypatch.setattr(json_text, "STRING_LIMIT", 8)  # every batch is widened to large_string
    seen, line_texts = [], csv_text.line_texts
    monkeypatch.setattr(csv_text, "line_texts", lambda batch: seen.append(batch.schema.types) or line_texts(batch))
    assert csv_of(table) == expected
    assert expected == b'a,n,d\n"q""",1,0001-01-01\n,,0001-01-01\n"x,y",3,0001-01-01\n\x00,4,0001-01-01\n'
    assert seen and all(types[0] == pa.large_string() for types in seen)


def test_csv_text_of_a_large_string_column():
    table = pa.table({"a": pa.array(['q"', None], pa.large_string()), "n": pa.array([1, 2])})
    assert csv_of(table) == b'a,n\n"q""",1\n,2\n'


# --- the command: column-wise against row by row ---------------------------------------------------

def both_ways(pkg: Path, table: str, fmt: str) -> tuple[bytes, bytes]:
    """(row-by-row bytes from load()'s frame, column-wise bytes from loader.typed_arrow); the
    unreadable cells both report must be the same."""
    import io

    spec, text = loader.load_text(table, root=pkg)
    typed, problems = loader.typed_arrow(text, spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", loader.DataWarning)
        rowwise = export_command.rowwise_bytes(fmt, loader.load(table, root=pkg), spec)
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always", loader.DataWarning)
        loader.warn_unreadable(problems)
    def data_warnings(found: list[warnings.WarningMessage]) -> list[str]:
        return [str(w.message) for w in found if issubclass(w.category, loader.DataWarning)]

    assert data_warnings(again) == data_warnings(caught)
    out = io.BytesIO()
    export_command.write_columnwise(fmt, typed, spec, out)
    return rowwise, out.getvalue()


NUMBER_TEXT = st.one_of(
    st.floats(-1e20, 1e20, allow_nan=False).map(repr),
    st.floats(-1e20, 1e20, allow_nan=False).map(lambda v: f"{v:.6e}"),
    st.floats(-1000, 1000, allow_nan=False).map(lambda v: f"{v:.3f}"),
    st.integers(-999, 999).map(str),
    st.sampled_from(["", ".5", "5.", "-0.0", "1E5", "0.00001"]),
)
BAD_NUMBER_TEXT = st.sampled_from(["nan", "inf", "-Infinity", "+1", "1,5", "x", "1e999", "0x10"])
INTEGER_TEXT = st.integers(-(2**53), 2**53).map(str) | st.sampled_from(["007", "-0", "+1", "1.5", "1e3", "x",
                                                                         str(2**63)])
DATE_TEXT = st.dates(dt.date(1, 1, 1)).map(dt.date.isoformat) | st.sampled_from(["2024-02-30", "2024-1-1",
                                                                                 "0000-01-01", "x"])
TEXT = st.text(st.sampled_from([*'ab,"\' \\é\t', "\u062d", "\x01"]), max_size=5)
CODE = st.sampled_from(["city", "facility", "country", "galaxy", ""])  # place_type: a bad code is missing
PRECISION = st.sampled_from(["1", "7", "07", "9", "x"])  # location_precision, an integer vocabulary


@given(st.lists(st.tuples(TEXT, NUMBER_TEXT | BAD_NUMBER_TEXT, NUMBER_TEXT, CODE), min_size=0, max_size=6),
       st.lists(st.tuples(TEXT, INTEGER_TEXT, DATE_TEXT, PRECISION), max_size=4))
@example(places=[("", "nan", "1.50", "galaxy")], events=[("", "0", "2024-02-30", "9"), ("", "0", "2024-02-30", "x")])
def test_columnwise_export_is_the_row_by_row_export(tmp_path_factory, places, events):
    rows = json.loads(json.dumps(VALID_ROWS))
    rows["places"] += [{"place_id": f"p{i}", "name": name or "x", "place_type": code, "country_iso3": "SYR",
                        "latitude": lat, "longitude": lon, "notes": name, "verification": "verified"}
                       for i, (name, lat, lon, code) in enumerate(places)]
    rows["events"] += [{**VALID_ROWS["events"][0], "event_id": f"E{i}", "summary": text or "x", "notes": text,
                        "fatalities_low": count, "date_end": day, "location_precision": precision}
                       for i, (text, count, day, precision) in enumerate(events)]
    pkg = write_package(tmp_path_factory.mktemp("gen") / "pkg", rows)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(json_text, "BATCH_ROWS", 3)
        for table in ("places", "events"):
            for fmt in ("csv", "json"):  # Parquet refuses a required cell read as missing (below)
                rowwise, columnwise = both_ways(pkg, table, fmt)
                assert columnwise == rowwise, (table, fmt)


def test_columnwise_parquet_of_unreadable_optional_cells_is_the_row_by_row_parquet(tmp_path):
    rows = json.loads(json.dumps(VALID_ROWS))
    rows["places"][0].update(latitude="north", longitude="nan", admin1="")
    rows["events"][0].update(fatalities_low="four", date_end="2024-11-29", front="nowhere")
    pkg = write_package(tmp_path / "pkg", rows)
    for table in ("places", "events"):
        rowwise, columnwise = both_ways(pkg, table, "parquet")
        assert columnwise == rowwise, table


@pytest.mark.parametrize("fmt", FORMATS)
def test_bundled_data_columnwise_is_row_by_row(fmt):
    for table in DECL.tables:
        rowwise, columnwise = both_ways(REPO, table, fmt)
        assert columnwise == rowwise, table


def test_csv_of_the_bundled_data_is_its_file_but_for_the_text_of_numbers():
    """The row-by-row writer (from load()'s typed frame, the path an older schema's Parquet takes)
    writes each number as Python does (36.20 -> 36.2); `sce export --format csv` itself keeps the
    stored text (test_info_export.test_export_csv_keeps_each_cells_text_and_round_trips)."""
    import csv

    for table in DECL.tables.values():
        exported, _ = both_ways(REPO, table.name, "csv")
        numbers = [i for i, f in enumerate(table.fields) if f.type == "number"]
        if not numbers:
            assert exported == (REPO / table.path).read_bytes(), table.name
            continue
        got = list(csv.reader(exported.decode().splitlines()))
        want = list(csv.reader((REPO / table.path).read_text(encoding="utf-8").splitlines()))
        for row in want[1:]:
            for i in numbers:
                row[i] = repr(float(row[i])) if row[i] else ""
        assert got == want, table.name


@pytest.mark.parametrize("build", [tricky_package, invalid_package])
def test_only_an_older_schemas_parquet_takes_the_row_by_row_path(tmp_path, monkeypatch, build):
    pkg = build(tmp_path / "pkg")

    def refuse(*_args):
        raise AssertionError("row-by-row path taken")

    monkeypatch.setattr(export_command, "rowwise_bytes", refuse)
    for fmt in ("csv", "json") if build is invalid_package else FORMATS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", loader.DataWarning)
            assert main(["export", "events", "--format", fmt, "--package", str(pkg), "--out",
                         str(tmp_path / "o")]) == 0


# --- sources, streaming, failures ------------------------------------------------------------------

@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("export-release")
    zip_path = build_release(write_package(base / "pkg"), base / "dist", update_registry=False,
                             progress=lambda _msg: None)
    return base / "dist" / zip_path.stem


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_of_a_release_directory_is_its_files(release, tmp_path, fmt):
    folder = {"csv": "data", "json": "json", "parquet": "parquet"}[fmt]
    for table in DECL.tables:
        out = tmp_path / f"{table}.{fmt}"
        assert main(["export", table, "--format", fmt, "--package", str(release), "--out", str(out)]) == 0
        assert out.read_bytes() == (release / folder / f"{table}.{fmt}").read_bytes(), table


def test_a_release_file_changed_after_publication_is_refused(release, tmp_path, capsys):
    copy = tmp_path / "release"
    shutil.copytree(release, copy)
    events = copy / "data" / "events.csv"
    events.write_bytes(events.read_bytes().replace(b"Fighting", b"Fight"))
    out = tmp_path / "events.csv"
    assert main(["export", "events", "--format", "csv", "--package", str(copy), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "does not match its SHA-256" in err and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == [copy]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_stdout_is_the_file_in_batches(tmp_path, fmt, monkeypatch, capsysbinary):
    pkg = tricky_package(tmp_path / "pkg")
    monkeypatch.setattr(json_text, "BATCH_ROWS", 2)
    out = tmp_path / f"places.{fmt}"
    assert main(["export", "places", "--format", fmt, "--package", str(pkg), "--out", str(out)]) == 0
    capsysbinary.readouterr()
    assert main(["export", "places", "--format", fmt, "--package", str(pkg)]) == 0
    assert capsysbinary.readouterr().out == out.read_bytes()


def test_parquet_of_missing_required_cells_is_refused(tmp_path, capsys):
    pkg = invalid_package(tmp_path / "pkg")
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "events.parquet"
    out.write_bytes(b"keep me")
    with pytest.warns(loader.DataWarning):
        assert main(["export", "events", "--format", "parquet", "--package", str(pkg), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "data/events.csv: cannot be written as Parquet" in err and "sce validate" in err
    assert "Traceback" not in err
    assert [p.name for p in out.parent.iterdir()] == ["events.parquet"] and out.read_bytes() == b"keep me"


def test_a_failure_while_writing_leaves_the_old_output_and_no_temporary_file(tmp_path, monkeypatch, capsys):
    pkg = write_package(tmp_path / "pkg")
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "events.csv"
    out.write_bytes(b"keep me")

    def half(out_file, _table):
        out_file.write(b"event_id,")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(csv_text, "write_csv", half)
    assert main(["export", "events", "--format", "csv", "--package", str(pkg), "--out", str(out)]) == 2
    assert "cannot write: No space left on device" in capsys.readouterr().err
    assert [p.name for p in out.parent.iterdir()] == ["events.csv"] and out.read_bytes() == b"keep me"
