"""write_sqlite on its own: the file holds exactly the given rows in the declared storage classes,
is byte-identical from one run to the next (also from two threads at once) and compact; bad input
(a dangling foreign key, a value a CHECK refuses, a duplicate key, a missing required value) fails
with a ReleaseError naming the table and leaves no file."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

import pyarrow as pa
import pytest

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.exceptions import ReleaseError
from syria_conflict_events.formats.sqlite import _constraints, ident, write_sqlite
from syria_conflict_events.release.columns import read_typed_tables

DECL = load_declaration()
STORAGE = {"string": "text", "integer": "integer", "number": "real", "date": "text"}


@pytest.fixture
def tables(valid_package: Path) -> dict[str, pa.Table]:
    return read_typed_tables(valid_package, DECL, {})


def _replace(tables: dict[str, pa.Table], table: str, column: str, row: int, value) -> dict[str, pa.Table]:
    arrow = tables[table]
    values = arrow.column(column).to_pylist()
    values[row] = value
    i = arrow.column_names.index(column)
    return {**tables, table: arrow.set_column(i, column, pa.array(values, arrow.schema.field(column).type))}


def _refused(tables: dict[str, pa.Table], path: Path) -> ReleaseError:
    with pytest.raises(ReleaseError) as info:
        write_sqlite(DECL, tables, path)
    assert not path.exists()
    assert not list(path.parent.glob(f"*{path.name}*"))  # no scratch file either
    return info.value


def test_the_file_holds_the_rows_in_the_declared_storage_classes(tmp_path, tables):
    path = tmp_path / "db.sqlite"
    write_sqlite(DECL, tables, path)
    con = sqlite3.connect(path)
    try:
        for t in DECL.tables.values():
            names = t.field_names
            rows = con.execute(f"SELECT {', '.join(map(ident, names))} FROM {ident(t.name)} ORDER BY rowid").fetchall()
            assert [dict(zip(names, r, strict=True)) for r in rows] == tables[t.name].to_pylist(), t.name
            for f in t.fields:
                kinds = {k for (k,) in con.execute(f"SELECT DISTINCT typeof({ident(f.name)}) FROM {ident(t.name)}")}
                assert kinds <= {STORAGE[f.type], "null"}, (t.name, f.name, kinds)
        assert con.execute("PRAGMA freelist_count").fetchone() == (0,)
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()


def test_two_writes_are_byte_identical_also_from_two_threads(tmp_path, tables):
    write_sqlite(DECL, tables, tmp_path / "a.sqlite")
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            write_sqlite(DECL, tables, tmp_path / name)
        except BaseException as exc:  # reported below; a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f"{n}.sqlite",)) for n in ("b", "c")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    first = (tmp_path / "a.sqlite").read_bytes()
    assert (tmp_path / "b.sqlite").read_bytes() == first
    assert (tmp_path / "c.sqlite").read_bytes() == first


def test_an_existing_file_is_refused_and_kept(tmp_path, tables):
    path = tmp_path / "db.sqlite"
    path.write_bytes(b"not mine")
    with pytest.raises(ReleaseError, match="already exists"):
        write_sqlite(DECL, tables, path)
    assert path.read_bytes() == b"not mine"


def test_a_dangling_foreign_key_fails_naming_the_table(tmp_path, tables):
    error = _refused(_replace(tables, "events", "place_id", 0, "atlantis"), tmp_path / "db.sqlite")
    assert "events" in str(error)
    assert any("atlantis" in line and "places" in line for line in error.details)


def test_a_dangling_self_reference_fails_naming_the_table(tmp_path, tables):
    error = _refused(_replace(tables, "places", "parent_place_id", 0, "nowhere"), tmp_path / "db.sqlite")
    assert "places" in str(error)


def test_a_key_with_no_parent_table_rows_fails(tmp_path, tables):
    without_places = {k: v for k, v in tables.items() if k != "places"}
    error = _refused(without_places, tmp_path / "db.sqlite")
    assert "events" in str(error)


@pytest.mark.parametrize(("column", "value", "what"), [
    ("event_type", "not_a_type", "event_type"),            # vocabulary
    ("date_start", "2024-02-30", "date_start"),            # impossible date
    ("date_end", "30/11/2024", "date_end"),                # date shape
    ("fatalities_low", -1, "fatalities_low"),              # minimum
    ("summary", "short", "summary"),                       # minimum length, checked one length at a time
    ("notes", "", "notes"),                                # empty text is NULL, never ''
    ("sub_event_type", "peaceful_protest", "parent code"),  # a sub-type of another type
])
def test_a_value_a_check_refuses_fails_naming_the_table_and_the_check(tmp_path, tables, column, value, what):
    error = _refused(_replace(tables, "events", column, 0, value), tmp_path / "db.sqlite")
    assert str(error).startswith("SQLite rejected a row of events")
    assert any(line.startswith(f"events: CHECK constraint failed: {what} (") for line in error.details), error.details


def test_a_text_whose_sqlite_length_stops_at_a_nul_is_checked_itself(tmp_path, tables):
    """SQLite's length() stops at the first NUL: a value as long as a valid one in characters can
    still be too short for SQLite, so it must not be represented by the valid one."""
    summaries = tables["events"].column("summary").to_pylist()
    assert len(summaries) > 1
    short = "ab\x00" + "x" * (len(summaries[0]) - 3)  # as long as the first summary, 2 for SQLite
    error = _refused(_replace(tables, "events", "summary", len(summaries) - 1, short), tmp_path / "db.sqlite")
    assert any(line.startswith("events: CHECK constraint failed: summary (") for line in error.details)


@pytest.mark.parametrize("column", ["confidence", "summary", "date_start"])
def test_a_missing_required_value_fails_naming_the_table(tmp_path, tables, column):
    error = _refused(_replace(tables, "events", column, 0, None), tmp_path / "db.sqlite")
    assert str(error).startswith("SQLite rejected a row of events")
    assert any(f"{column} = None" in line for line in error.details), error.details


def test_a_duplicate_primary_key_fails_naming_the_table(tmp_path, tables):
    events = tables["events"]
    twice = pa.concat_tables([events, events.slice(0, 1)])
    error = _refused({**tables, "events": twice}, tmp_path / "db.sqlite")
    assert "events" in str(error) and "UNIQUE" in str(error)


def test_length_only_checks_read_the_text_only_through_typeof_and_length():
    """What lets one value of each length stand for all (see _one_per_length)."""
    seen = 0
    for t in DECL.tables.values():
        for c in _constraints(DECL, t):
            if not c.by_length:
                continue
            seen += 1
            col = re.escape(ident(c.columns[0]))
            rest = re.sub(rf"(typeof|length)\({col}\)|{col} IS NULL", "", c.sql)
            assert ident(c.columns[0]) not in rest, (t.name, c.sql)
    assert seen > 10
