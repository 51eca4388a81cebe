"""The column-wise release writers give exactly what the row-wise reference gives: JSON text equal
to ``generate.dumps`` of the records (escapes, unicode, floats, nulls), GeoJSON equal to ``dumps``
of the FeatureCollections, rows in key order as ``values.records`` sorts them; and the checks that
replaced per-row ones still refuse bad values."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.generate import dumps
from syria_conflict_events.release.columns import in_key_order, read_typed_table, read_typed_tables
from syria_conflict_events.release.errors import ReleaseError
from syria_conflict_events.release.geojson import (
    events_geojson,
    places_geojson,
    write_events_geojson,
    write_places_geojson,
)
from syria_conflict_events.release.json_text import write_records
from syria_conflict_events.release.sqlite import write_sqlite
from syria_conflict_events.release.values import records
from syria_conflict_events.release.writers_json import check_json_records

DECL = load_declaration()
TRICKY_TEXT = ["", "plain", 'quo"te', "back\\slash", "tab\tnew\nline\r", "\x00\x01\x1f\x7f", "é ü ß", "حلب",
               "\u2028\u2029", "emoji 🙂", "</script>", "a/b"]
TRICKY_FLOATS = [0.0, -0.0, 0.1, 1.0, -1.5, 1e16, 1e-5, 1.5e-7, 123456789012345.6, 5e-324, 1.7976931348623157e308,
                 36.2, 37.15, float("nan"), float("inf"), -float("inf")]


def _text(table: pa.Table) -> str:
    out = io.BytesIO()
    write_records(out, table)
    return out.getvalue().decode("utf-8")


def _rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


def test_json_text_equals_dumps_for_tricky_values():
    n = max(len(TRICKY_TEXT), len(TRICKY_FLOATS))
    table = pa.table({
        "s": pa.array([TRICKY_TEXT[i % len(TRICKY_TEXT)] if i % 5 else None for i in range(n)], pa.string()),
        "f": pa.array([TRICKY_FLOATS[i % len(TRICKY_FLOATS)] if i % 7 else None for i in range(n)], pa.float64()),
        "i": pa.array([None if i % 3 == 0 else (-1) ** i * 10**i for i in range(n)], pa.int64()),
        "key \"ü\"": pa.array(["x"] * n, pa.string()),
    })
    assert _text(table) == dumps(_rows(table))


def test_json_text_of_an_empty_table_and_of_several_batches(monkeypatch):
    assert _text(pa.table({"a": pa.array([], pa.string())})) == dumps([])
    from syria_conflict_events.release import json_text

    monkeypatch.setattr(json_text, "BATCH_ROWS", 3)
    table = pa.table({"a": pa.array([str(i) for i in range(10)]), "b": pa.array(range(10), pa.int64())})
    assert _text(table) == dumps(_rows(table))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.floats()),
                          st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))), max_size=20))
def test_json_text_equals_dumps_for_any_values(rows):
    table = pa.table({"s": pa.array([r[0] for r in rows], pa.string()),
                      "f": pa.array([r[1] for r in rows], pa.float64()),
                      "i": pa.array([r[2] for r in rows], pa.int64())})
    assert _text(table) == dumps(_rows(table))


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


def test_geojson_streams_equal_dumps_of_the_collections(tmp_path, valid_package):
    tables = _package_tables(valid_package)
    places = records(DECL.tables["places"], _raw(valid_package, "places"))
    events = records(DECL.tables["events"], _raw(valid_package, "events"))
    write_places_geojson(DECL, tables["places"], tmp_path / "p.geojson")
    write_events_geojson(DECL, tables["events"], tables["places"], tmp_path / "e.geojson")
    assert (tmp_path / "p.geojson").read_text(encoding="utf-8") == dumps(places_geojson(DECL, places))
    assert (tmp_path / "e.geojson").read_text(encoding="utf-8") == dumps(events_geojson(DECL, events, places))
    # an event whose place is missing keeps a null geometry and a null place name
    orphan = tables["events"].set_column(
        tables["events"].column_names.index("place_id"), "place_id",
        pa.array(["nowhere"] * tables["events"].num_rows))
    write_events_geojson(DECL, orphan, tables["places"], tmp_path / "o.geojson")
    expected = events_geojson(DECL, _rows(orphan), places)
    assert (tmp_path / "o.geojson").read_text(encoding="utf-8") == dumps(expected)


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
