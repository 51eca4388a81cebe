"""The SQLite database enforces the declared keys and constraints: primary keys, foreign keys
(self-references too) with PRAGMA foreign_keys = ON, NOT NULL, vocabularies, minimum, date shape
and the sub-type/type pairing; and its DDL is generated from the declaration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.formats.sqlite import create_table_sql, schema_sql
from syria_conflict_events.release import build_release
from syria_conflict_events.release.build import release_name

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
