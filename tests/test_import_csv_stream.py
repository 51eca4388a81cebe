"""The importer's streamed canonical writer: csv.writer's bytes built column-wise, and a file
replaced only when its bytes change (compared as they are made)."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pytest

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.importers.csv_stream import write_if_changed

TABLE = load_declaration().tables["sources"]
CELLS = ["plain", "", "a,b", 'say "x"', '"', ",", "ﺡﻠﺑ 😀", " spaced ", "back\\slash", "tab\there"]


def _batch(rows: list[list[str]]) -> pa.RecordBatch:
    names = TABLE.field_names
    return pa.record_batch([pa.array([r[i] for r in rows], pa.string()) for i in range(len(names))], names=names)


def _expected(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(TABLE.field_names)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _rows(n: int, shift: int = 0) -> list[list[str]]:
    width = len(TABLE.field_names)
    return [[CELLS[(i + j + shift) % len(CELLS)] for j in range(width)] for i in range(n)]


def test_lines_are_csv_writers_bytes(tmp_path):
    rows = _rows(25)
    assert write_if_changed(tmp_path / "t.csv", TABLE, [_batch(rows[:10]), _batch(rows[10:])])
    assert (tmp_path / "t.csv").read_bytes() == _expected(rows)


@pytest.mark.parametrize("old", [_rows(25), _rows(30), _rows(20), _rows(25, shift=1), _rows(0)])
def test_a_file_is_replaced_only_when_its_bytes_change(tmp_path, old):
    path = tmp_path / "t.csv"
    path.write_bytes(_expected(old))
    new = _rows(25)
    mtime = path.stat().st_mtime_ns
    changed = write_if_changed(path, TABLE, [_batch(new[:7]), _batch(new[7:])])
    assert path.read_bytes() == _expected(new)
    assert changed == (old != new)
    if not changed:
        assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]  # no temporary file left


def test_a_batch_with_a_line_break_in_a_cell_is_written_as_the_canonical_writer_writes_it(tmp_path):
    """The importer's cleaning removes line breaks; should one reach the writer, its batch goes
    through the canonical writer's proof, which writes what csv.writer writes."""
    rows = _rows(3)
    rows[1][1] = "two\nlines"
    assert write_if_changed(tmp_path / "t.csv", TABLE, [_batch(rows)])
    assert (tmp_path / "t.csv").read_bytes() == _expected(rows)


# --- write_lines_if_changed: each row's line made by DuckDB (line_sql), checked and written ---

def _lines_via_duckdb(rows: list[list[str]]) -> list[pa.RecordBatch]:
    import duckdb

    from syria_conflict_events.importers.csv_stream import line_sql

    names = TABLE.field_names
    data = pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})  # noqa: F841 (read by DuckDB)
    con = duckdb.connect()
    line = line_sql([f'"{n}"' for n in names])
    return con.sql(f"SELECT {line} AS line FROM data").to_arrow_table().to_batches(max_chunksize=7)


def test_duckdb_lines_are_csv_writers_bytes(tmp_path):
    from syria_conflict_events.importers.csv_stream import write_lines_if_changed

    rows = _rows(25)
    assert write_lines_if_changed(tmp_path / "t.csv", TABLE, _lines_via_duckdb(rows))
    assert (tmp_path / "t.csv").read_bytes() == _expected(rows)
    assert not write_lines_if_changed(tmp_path / "t.csv", TABLE, _lines_via_duckdb(rows))  # same bytes: kept


@pytest.mark.parametrize("bad", ["line\nbreak", "carriage\rreturn", "nul\x00byte", "\n"])
def test_duckdb_lines_with_a_line_break_or_nul_in_a_cell_are_refused_and_the_file_kept(tmp_path, bad):
    from syria_conflict_events.importers.csv_stream import Unwritable, write_lines_if_changed

    target = tmp_path / "t.csv"
    target.write_bytes(b"old bytes\n")
    rows = _rows(12)
    rows[9][2] = bad  # in the second batch of seven
    with pytest.raises(Unwritable):
        write_lines_if_changed(target, TABLE, _lines_via_duckdb(rows))
    assert target.read_bytes() == b"old bytes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]  # no temporary file left


def test_the_import_staging_draws_no_progress_bar():
    from syria_conflict_events.importers.staging import Staging

    with Staging(["notes"]) as st:
        assert st.con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False


@pytest.mark.parametrize("bad", [None, b"\r", b"\x00", b"\n"])
def test_the_in_place_scan_finds_a_bad_byte_in_any_megabyte(monkeypatch, bad):
    from syria_conflict_events import byte_count
    from syria_conflict_events.importers import csv_stream

    monkeypatch.setattr(byte_count, "SLICE", 5)  # many small parts: the bad byte is in a later one
    text = bytearray(b"a,b\n" * 10)
    if bad is not None:
        text[29] = bad[0]  # inside the sixth part
    assert csv_stream._plain_lines(memoryview(bytes(text)), 10) is (bad is None)
