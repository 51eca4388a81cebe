"""The column-wise release writers give exactly what the row-wise reference gives: JSON text equal
to :func:`json_text.lines_text` of ``json.dumps`` per record (escapes, unicode, floats, nulls) and
parsing back to the records, GeoJSON equal to the reference of the FeatureCollections, rows in key
order as ``values.records`` sorts them; and the checks that replaced per-row ones still refuse bad
values."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.exceptions import ReleaseError
from syria_conflict_events.formats import json_text
from syria_conflict_events.formats.geojson import (
    events_geojson,
    geojson_text,
    places_geojson,
    write_events_geojson,
    write_places_geojson,
)
from syria_conflict_events.formats.json_records import check_json_records
from syria_conflict_events.formats.json_text import compact, float_texts, lines_text, write_records
from syria_conflict_events.formats.sqlite import write_sqlite
from syria_conflict_events.formats.values import records
from syria_conflict_events.release.columns import in_key_order, read_typed_table, read_typed_tables

DECL = load_declaration()
TRICKY_TEXT = ["", "plain", 'quo"te', "back\\slash", "tab\tnew\nline\r", "\x00\x01\x1f\x7f", "é ü ß", "حلب",
               "\u2028\u2029", "emoji 🙂 𝄞", "</script>", "a/b", '\\"\\\\"', "\x08\x0c\x0b\x1b", "\\u0000",
               "ends with \\", '"', "long " + "\x01\"\\é🙂\n" * 50_000]
TRICKY_FLOATS = [0.0, -0.0, 0.1, 1.0, -1.5, 1e16, 1e-5, 1.5e-7, 123456789012345.6, 5e-324, 1.7976931348623157e308,
                 36.2, 37.15, 1e-4, 9.999999999999999e-05, 9999999999999998.0, 1e15, 2.0**53, -2.0**53 - 2, 1e22,
                 1e-300, 0.30000000000000004, -36.2021, 100.0]
TRICKY_INTS = [0, 1, -1, 2**53 - 1, 2**53, 2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63), 10**18]


def _text(table: pa.Table) -> str:
    out = io.BytesIO()
    write_records(out, table)
    return out.getvalue().decode("utf-8")


def _rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


def _reference(table: pa.Table) -> str:
    """The definition: json.dumps of each record, one a line."""
    return lines_text("[", [compact(r) for r in _rows(table)], "]")


def _tricky_table() -> pa.Table:
    n = max(len(TRICKY_TEXT), len(TRICKY_FLOATS), len(TRICKY_INTS)) * 3
    return pa.table({
        "s": pa.array([TRICKY_TEXT[i % len(TRICKY_TEXT)] if i % 5 else None for i in range(n)], pa.string()),
        "clean": pa.array([TRICKY_TEXT[i % len(TRICKY_TEXT)] for i in range(n)], pa.string()),
        "f": pa.array([TRICKY_FLOATS[i % len(TRICKY_FLOATS)] if i % 7 else None for i in range(n)], pa.float64()),
        "i": pa.array([None if i % 3 == 0 else TRICKY_INTS[i % len(TRICKY_INTS)] for i in range(n)], pa.int64()),
        "none": pa.array([None] * n, pa.string()),
        "no_int": pa.array([None] * n, pa.int64()),
        "no_float": pa.array([None] * n, pa.float64()),
        "key \"ü\"\n\u2028": pa.array(["x"] * n, pa.string()),
    })


def test_json_text_equals_the_reference_and_parses_back_for_tricky_values():
    table = _tricky_table()
    text = _text(table)
    assert text == _reference(table)
    assert json.loads(text) == _rows(table)
    lines = text.split("\n")  # one record a line: no raw newline inside a record
    assert lines[0] == "[" and lines[-2:] == ["]", ""] and len(lines) == table.num_rows + 3


def test_json_text_of_non_finite_floats_is_what_json_dumps_writes():
    table = pa.table({"f": pa.array([float("nan"), float("inf"), -float("inf"), None, 1.0])})
    assert _text(table) == _reference(table)
    assert '{"f":NaN}' in _text(table)


@pytest.mark.parametrize("columns", [{"a": pa.array([], pa.string()), "b": pa.array([], pa.float64())}, {}])
def test_json_text_of_empty_tables(columns):
    table = pa.table(columns) if columns else pa.table({"a": pa.array([], pa.int64())}).drop_columns(["a"])
    assert _text(table) == "[]\n" == _reference(table)


def test_json_text_of_a_table_without_columns_has_an_empty_object_a_row():
    table = pa.table({"a": [1, 2]}).drop_columns(["a"])
    assert _text(table) == "[\n{},\n{}\n]\n" == _reference(table)


def test_json_text_of_several_batches_threads_and_chunks_is_the_same(monkeypatch):
    table = _tricky_table()
    chunked = pa.concat_tables([table.slice(0, 7), table.slice(7, 1), table.slice(8)])
    expected = _reference(table)
    monkeypatch.setattr(json_text, "BATCH_ROWS", 3)
    for threads in (1, 2, 5):
        monkeypatch.setattr(json_text, "THREADS", threads)
        assert _text(chunked) == expected


def test_json_text_of_batches_wider_than_a_string_array_is_the_same(monkeypatch):
    table = _tricky_table()
    monkeypatch.setattr(json_text, "STRING_LIMIT", 100)  # every batch takes the large_string path
    assert _text(table) == _reference(table)
    batch = json_text.widened(table.to_batches()[0], 0)
    assert pa.types.is_large_string(batch.schema.field("s").type)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.floats()),
                          st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), st.text()), max_size=20))
def test_json_text_equals_the_reference_for_any_values(rows):
    table = pa.table({"s": pa.array([r[0] for r in rows], pa.string()),
                      "f": pa.array([r[1] for r in rows], pa.float64()),
                      "i": pa.array([r[2] for r in rows], pa.int64()),
                      "t": pa.array([r[3] for r in rows], pa.string())})
    assert _text(table) == _reference(table)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(), min_size=1, max_size=50))
def test_float_text_is_json_dumps(values):
    assert float_texts(pa.array(values, pa.float64())).to_pylist() == [json.dumps(v) for v in values]


def test_float_text_of_a_float32_column_is_the_double_python_writes():
    values = [0.1, 36.2, None, 1e-5]
    assert float_texts(pa.array(values, pa.float32())).to_pylist() == [
        None if v is None else json.dumps(v) for v in pa.array(values, pa.float32()).to_pylist()]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e17, max_value=1e17), min_size=1,
                max_size=50), st.integers(0, 17))
def test_float_text_of_decimal_like_values_is_json_dumps(values, digits):
    values = [round(v, digits) for v in values] + [math.nextafter(round(v, 4), 0.0) for v in values]
    assert float_texts(pa.array(values, pa.float64())).to_pylist() == [json.dumps(v) for v in values]


def test_json_text_of_fixed_width_columns_laid_out_side_by_side(monkeypatch):
    """Identifiers and dates of one length are joined by numpy, not Arrow: same text, also where
    every cell needs an escape, is empty, or a batch has one row."""
    n = 7
    table = pa.table({
        "id": pa.array([f"ID-{i:04d}" for i in range(n)]),
        "day": pa.array(["2024-01-0" + str(i % 9 + 1) for i in range(n)]),
        "escaped": pa.array(['a"', "b\\", "\x00c", "\nd", "é\t", "🙂\x1f", '""'][:n]),
        "empty": pa.array([""] * n),
        "ü\u2028": pa.array(["Ωx"] * n),
        "n": pa.array(range(n), pa.int64()),
        "last": pa.array(["zz"] * n),
    })
    assert _text(table) == _reference(table)
    monkeypatch.setattr(json_text, "BATCH_ROWS", 1)
    assert _text(table) == _reference(table)


def test_json_text_of_a_sliced_column_escapes_only_its_own_rows():
    column = pa.array(['a"', "b", "c\\", "d", "\n"]).slice(1, 3)
    table = pa.table({"s": column})
    assert _text(table) == _reference(table) == '[\n{"s":"b"},\n{"s":"c\\\\"},\n{"s":"d"}\n]\n'


def _package_tables(root: Path) -> dict[str, pa.Table]:
    return read_typed_tables(root, DECL, {})


def _raw(root: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(root / DECL.tables[name].path, dtype=str, keep_default_na=False)


def test_typed_tables_hold_the_records_values(valid_package):
    for name, table in _package_tables(valid_package).items():
        assert _rows(table) == records(DECL.tables[name], _raw(valid_package, name)), name


def test_rows_come_out_in_key_order_as_records_sorts_them(tmp_path, valid_package):
    t = DECL.tables["events"]
    text = (valid_package / t.path).read_text(encoding="utf-8").splitlines(keepends=True)
    (valid_package / t.path).write_text(text[0] + "".join(reversed(text[1:])), encoding="utf-8")
    table = read_typed_table(valid_package, t)
    assert _rows(table) == records(t, _raw(valid_package, "events"))
    assert table.column("event_id").to_pylist() == sorted(table.column("event_id").to_pylist())
    composite = DECL.tables["event_actors"]
    shuffled = pa.table({n: pa.array(["b", "a", "a"] if n == composite.primary_key[0] else ["x", "y", "x"])
                         for n in composite.field_names})
    ordered = in_key_order(composite, shuffled)
    keys = [tuple(r[k] for k in composite.primary_key) for r in _rows(ordered)]
    assert keys == sorted(keys)


def test_an_unreadable_cell_is_a_release_error(valid_package):
    t = DECL.tables["events"]
    path = valid_package / t.path
    path.write_text(path.read_text(encoding="utf-8").replace(",4,4,4,", ",4,four,4,", 1), encoding="utf-8")
    with pytest.raises(ReleaseError, match="declared types"):
        read_typed_table(valid_package, t)


def _geojson(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_geojson_streams_equal_the_reference_of_the_collections(tmp_path, valid_package):
    tables = _package_tables(valid_package)
    places = records(DECL.tables["places"], _raw(valid_package, "places"))
    events = records(DECL.tables["events"], _raw(valid_package, "events"))
    write_places_geojson(DECL, tables["places"], tmp_path / "p.geojson")
    write_events_geojson(DECL, tables["events"], tables["places"], tmp_path / "e.geojson")
    for path, collection in ((tmp_path / "p.geojson", places_geojson(DECL, places)),
                             (tmp_path / "e.geojson", events_geojson(DECL, events, places))):
        assert _geojson(path) == geojson_text(collection)
        assert json.loads(_geojson(path)) == collection
    # an event whose place is missing keeps a null geometry and a null place name
    orphan = tables["events"].set_column(
        tables["events"].column_names.index("place_id"), "place_id",
        pa.array(["nowhere"] * tables["events"].num_rows))
    write_events_geojson(DECL, orphan, tables["places"], tmp_path / "o.geojson")
    expected = events_geojson(DECL, _rows(orphan), places)
    assert _geojson(tmp_path / "o.geojson") == geojson_text(expected)
    assert all(f["geometry"] is None and f["properties"]["place_name"] is None for f in expected["features"])


@pytest.mark.parametrize("string_limit", [json_text.STRING_LIMIT, 100])
def test_geojson_of_tricky_places_and_their_events(tmp_path, valid_package, monkeypatch, string_limit):
    """Names that need escaping, points at awkward floats, places without a point, several batches;
    also with every batch's text in large_string arrays."""
    monkeypatch.setattr(json_text, "BATCH_ROWS", 2)
    monkeypatch.setattr(json_text, "STRING_LIMIT", string_limit)
    tables = _package_tables(valid_package)
    places = tables["places"]
    n = places.num_rows
    names = [TRICKY_TEXT[i % len(TRICKY_TEXT)] if i % 4 else None for i in range(n)]
    lats = [None if i % 3 == 0 else TRICKY_FLOATS[i % len(TRICKY_FLOATS)] for i in range(n)]
    places = places.set_column(places.column_names.index("name"), "name", pa.array(names, pa.string()))
    places = places.set_column(places.column_names.index("latitude"), "latitude", pa.array(lats, pa.float64()))
    events = tables["events"]
    write_places_geojson(DECL, places, tmp_path / "p.geojson")
    write_events_geojson(DECL, events, places, tmp_path / "e.geojson")
    place_rows, event_rows = _rows(places), _rows(events)
    assert _geojson(tmp_path / "p.geojson") == geojson_text(places_geojson(DECL, place_rows))
    assert _geojson(tmp_path / "e.geojson") == geojson_text(events_geojson(DECL, event_rows, place_rows))
    located = pc.sum(pc.and_(pc.is_valid(places.column("latitude")), pc.is_valid(places.column("longitude"))))
    features = json.loads(_geojson(tmp_path / "p.geojson"))["features"]
    assert sum(f["geometry"] is not None for f in features) == located.as_py()
    assert all(f["type"] == "Feature" and f["id"] == f["properties"]["place_id"] for f in features)


def test_geojson_of_no_places_and_no_events(tmp_path, valid_package):
    tables = _package_tables(valid_package)
    write_places_geojson(DECL, tables["places"].slice(0, 0), tmp_path / "p.geojson")
    write_events_geojson(DECL, tables["events"].slice(0, 0), tables["places"], tmp_path / "e.geojson")
    empty = '{"type":"FeatureCollection","features":[]}\n'
    assert _geojson(tmp_path / "p.geojson") == _geojson(tmp_path / "e.geojson") == empty
    assert json.loads(empty) == {"type": "FeatureCollection", "features": []}


def test_json_check_refuses_a_value_outside_the_vocabulary(valid_package):
    table = _package_tables(valid_package)["events"]
    i = table.column_names.index("event_type")
    bad = table.set_column(i, "event_type", pa.array(["not_a_type"] * table.num_rows))
    with pytest.raises(ReleaseError, match="JSON Schema") as info:
        check_json_records(DECL, DECL.tables["events"], bad)
    assert any("event_type" in line for line in info.value.details)
    missing = table.set_column(i, "event_type", pa.array([None] * table.num_rows, pa.string()))
    with pytest.raises(ReleaseError, match="JSON Schema"):
        check_json_records(DECL, DECL.tables["events"], missing)


def test_sqlite_refuses_a_row_that_breaks_a_check(tmp_path, valid_package):
    tables = _package_tables(valid_package)
    events = tables["events"]
    i = events.column_names.index("fatalities_best")
    tables["events"] = events.set_column(i, "fatalities_best", pa.array([-3] * events.num_rows, pa.int64()))
    with pytest.raises(ReleaseError, match="SQLite rejected a row of events") as info:
        write_sqlite(DECL, tables, tmp_path / "db.sqlite")
    assert any("fatalities_best" in line for line in info.value.details)
