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
