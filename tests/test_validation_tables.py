"""validate_package(keep_tables=True) hands over the typed Arrow tables it checked (the release
build reuses them instead of reading the files again)."""

from __future__ import annotations

import pyarrow as pa
from conftest import REPO

from syria_conflict_events.arrow_types import arrow_type
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.validation import validate_package


def test_kept_tables_are_typed_as_declared():
    decl = load_declaration()
    report = validate_package(REPO, keep_tables=True)
    assert report.valid
    assert list(report.tables) == list(decl.tables)
    for name, table in decl.tables.items():
        data = report.tables[name]
        assert data.column_names == table.field_names
        assert [data.schema.field(f.name).type for f in table.fields] == [arrow_type(f) for f in table.fields]
        assert data.num_rows == report.rows[name]
    assert report.tables["events"]["date_start"].type == pa.date32()
    strings = [report.tables[t.name][f.name] for t in decl.tables.values() for f in t.fields if f.type == "string"]
    assert sum(col.null_count for col in strings) > 0  # the bundled data has empty optional cells...
    assert all("" not in col.to_pylist() for col in strings)  # ...and they are null, never ""


def test_tables_are_not_kept_by_default():
    assert validate_package(REPO).tables == {}


def test_parse_rows_checks_utf8_unless_the_caller_has():
    """Arrow's per-cell UTF-8 check is skipped only on the caller's word that the whole file was
    checked (read_raw_table, after check_bytes); by default parse_rows checks it and names the byte."""
    from syria_conflict_events.validation.structure import parse_rows

    table = load_declaration().tables["retired_ids"]
    header = ",".join(table.field_names).encode()
    row = ",".join(["\u00e9t\u00e9"] * len(table.field_names)).encode()
    arrow, errors = parse_rows(header + b"\n" + row + b"\n", table, "data/retired_ids.csv", utf8_checked=True)
    assert errors == [] and arrow is not None and arrow.column(0).to_pylist() == ["\u00e9t\u00e9"]
    bad = header + b"\n" + row.replace("\u00e9".encode(), b"\xe9") + b"\n"
    arrow, errors = parse_rows(bad, table, "data/retired_ids.csv")
    assert arrow is None and [(e.rule, e.row) for e in errors] == [("encoding", 2)]
