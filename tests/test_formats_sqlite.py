"""The SQLite database enforces the declared keys and constraints: primary keys, foreign keys
(self-references too) with PRAGMA foreign_keys = ON, NOT NULL, vocabularies, minimum, date shape
and the sub-type/type pairing; and its DDL is generated from the declaration.

write_sqlite on its own: the file holds exactly the given rows in the declared storage classes,
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
from syria_conflict_events.formats.sqlite import _constraints, create_table_sql, ident, schema_sql, write_sqlite
from syria_conflict_events.release import build_release
from syria_conflict_events.release.build import release_name
from syria_conflict_events.release.columns import read_typed_tables

# --- from test_release_sqlite.py ----------------------------------------

DECL = load_declaration()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import write_package

    base = tmp_path_factory.mktemp("sqlite")
    root = write_package(base / "pkg")
    build_release(root, base / "dist", update_registry=False, progress=lambda _: None)
    return base / "dist" / release_name(DECL) / "sqlite" / f"{DECL.name}.sqlite"


@pytest.fixture
def con(database: Path, tmp_path: Path):
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(database.read_bytes())
    c = sqlite3.connect(copy)
    c.execute("PRAGMA foreign_keys = ON")
    yield c
    c.close()


def _event(**overrides):
    row = {"event_id": "SCE-000099", "date_start": "2024-11-30", "date_end": "2024-11-30", "date_precision": "day",
           "event_type": "battles", "sub_event_type": "armed_clash", "place_id": "aleppo",
           "location_precision": 1, "summary": "A clash on the edge of the city.", "confidence": "low",
           "verification": "single_source"}
    row.update(overrides)
    return row


def _insert(con: sqlite3.Connection, table: str, row: dict) -> None:
    cols = ", ".join(f'"{k}"' for k in row)
    con.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" * len(row))})', list(row.values()))


def test_a_valid_row_is_accepted(con):
    _insert(con, "events", _event())
    assert con.execute("SELECT count(*) FROM events WHERE event_id = 'SCE-000099'").fetchone() == (1,)


def test_dangling_foreign_key_is_rejected(con):
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        _insert(con, "events", _event(place_id="atlantis"))


def test_dangling_self_reference_is_rejected(con):
    actor = {"actor_id": "new-faction", "name": "New faction", "actor_type": "rebel_group",
             "parent_actor_id": "no-such-actor"}
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        _insert(con, "actors", actor)


def test_deleting_a_referenced_row_is_rejected(con):
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        con.execute("DELETE FROM places WHERE place_id = 'aleppo'")


def test_duplicate_primary_key_is_rejected(con):
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        _insert(con, "events", _event(event_id="SCE-000001"))


@pytest.mark.parametrize(("column", "value"), [
    ("event_type", "not_a_type"),          # vocabulary
    ("date_start", "2024-02-30"),          # impossible date
    ("date_start", "30/11/2024"),          # wrong shape
    ("fatalities_low", -1),                # minimum
    ("fatalities_low", "four"),            # type
    ("location_precision", 9),             # integer vocabulary
    ("summary", "short"),                  # minimum length
    ("notes", ""),                         # empty text is NULL, never ''
    ("sub_event_type", "peaceful_protest"),  # a sub-type of another type
])
def test_check_constraints_reject_bad_values(con, column, value):
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        _insert(con, "events", _event(**{column: value}))


def test_required_field_is_not_null(con):
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        _insert(con, "events", _event(summary=None))


def test_ddl_is_generated_from_the_declaration():
    ddl = schema_sql(DECL)
    for t in DECL.tables.values():
        sql = create_table_sql(DECL, t)
        assert sql in ddl
        assert f"PRIMARY KEY ({', '.join(f'{chr(34)}{k}{chr(34)}' for k in t.primary_key)})" in sql
        for f in t.fields:
            assert f'"{f.name}"' in sql
            if DECL.enum(f):
                assert all(str(v) in sql for v in DECL.enum(f))
        for fk in t.foreign_keys:
            assert f'REFERENCES "{fk.table}"' in sql


def test_every_vocabulary_code_is_in_the_database(con):
    rows = set(con.execute("SELECT vocabulary, code FROM sce_vocabulary"))
    assert rows == {(v.name, c) for v in DECL.vocabularies.values() for c in v.values}


@pytest.mark.parametrize(("sql", "words"), [
    ("UPDATE events SET event_type = 'not_a_type' WHERE event_id = 'SCE-000001'", "CHECK"),
    ("UPDATE events SET date_end = '2024-13-01' WHERE event_id = 'SCE-000001'", "CHECK"),
    ("UPDATE events SET fatalities_best = -5 WHERE event_id = 'SCE-000001'", "CHECK"),
    ("UPDATE events SET notes = '' WHERE event_id = 'SCE-000001'", "CHECK"),
    ("UPDATE events SET summary = NULL WHERE event_id = 'SCE-000001'", "NOT NULL"),
    ("UPDATE events SET place_id = 'atlantis' WHERE event_id = 'SCE-000001'", "FOREIGN KEY"),
    ("UPDATE places SET parent_place_id = 'nowhere' WHERE place_id = 'aleppo'", "FOREIGN KEY"),
    ("UPDATE events SET event_id = 'SCE-000002' WHERE event_id = 'SCE-000001'", "UNIQUE"),
])
def test_a_researchers_bad_update_is_rejected(con, sql, words):
    before = con.execute("SELECT * FROM events ORDER BY event_id").fetchall()
    with pytest.raises(sqlite3.IntegrityError, match=words):
        con.execute(sql)
    assert con.execute("SELECT * FROM events ORDER BY event_id").fetchall() == before


def test_a_valid_update_is_accepted(con):
    con.execute("UPDATE events SET fatalities_best = 7, notes = 'Revised.' WHERE event_id = 'SCE-000001'")
    assert con.execute("SELECT fatalities_best, notes FROM events WHERE event_id = 'SCE-000001'").fetchone() == (
        7, "Revised.")


# --- from test_release_sqlite_writer.py ----------------------------------------

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
