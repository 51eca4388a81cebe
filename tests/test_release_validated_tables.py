"""The release build reuses the tables validation checked instead of reading the CSV files again:
they hold exactly the values of the release's own typed read (numbers parsed like Python's float,
dates as ISO text, rows in key order), Parquet from date32 columns is the Parquet from ISO dates,
and a table of other types is refused."""

from __future__ import annotations

import io
import math
import re
import struct

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from syria_conflict_events.arrow_types import NUMBER_PATTERN
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.exceptions import ReleaseError
from syria_conflict_events.formats.parquet import WRITE_OPTIONS, typed_arrow_table
from syria_conflict_events.release.columns import from_validated, read_typed_tables
from syria_conflict_events.validation import validate_package

DECL = load_declaration()


def _validated(root):
    report = validate_package(root, decl=DECL, keep_tables=True)
    assert report.valid, report.errors
    return report


def test_validated_tables_equal_the_typed_read(valid_package):
    report = _validated(valid_package)
    text, dated = from_validated(DECL, report.tables, report.rows)
    reread = read_typed_tables(valid_package, DECL, report.rows)
    assert list(text) == list(reread) == list(DECL.tables)
    for name, table in reread.items():
        assert text[name].equals(table), name
        assert dated[name].num_rows == table.num_rows
        for f in DECL.tables[name].fields:
            if f.type == "date":
                assert dated[name].column(f.name).type == pa.date32()
                assert pc.cast(dated[name].column(f.name), pa.string()).equals(table.column(f.name))


def test_validated_tables_come_out_in_key_order(valid_package):
    report = _validated(valid_package)
    sorted_text, _ = from_validated(DECL, report.tables, report.rows)
    events = report.tables["events"]
    report.tables["events"] = events.take(pa.array(range(events.num_rows - 1, -1, -1)))
    text, dated = from_validated(DECL, report.tables, report.rows)
    assert text["events"].equals(sorted_text["events"])
    assert dated["events"].column("event_id").equals(sorted_text["events"].column("event_id"))


def test_parquet_from_date32_equals_parquet_from_iso_dates(valid_package):
    report = _validated(valid_package)
    text, dated = from_validated(DECL, report.tables, report.rows)
    for t in DECL.tables.values():
        files = []
        for source in (text, dated):
            buf = io.BytesIO()
            pq.write_table(typed_arrow_table(DECL, t, source[t.name]), buf, **WRITE_OPTIONS)
            files.append(buf.getvalue())
        assert files[0] == files[1], t.name


def test_a_validated_table_of_other_types_is_refused(valid_package):
    report = _validated(valid_package)
    events = report.tables["events"]
    i = next(i for i, f in enumerate(DECL.tables["events"].fields) if f.type == "date")
    report.tables["events"] = events.set_column(i, events.column_names[i], pc.cast(events.column(i), pa.string()))
    with pytest.raises(ReleaseError, match="not the declared"):
        from_validated(DECL, report.tables, report.rows)
    del report.tables["events"]
    with pytest.raises(ReleaseError, match="kept no table"):
        from_validated(DECL, report.tables, report.rows)


_decimal = st.builds(
    lambda sign, whole, frac, exp: f"{sign}{whole}{'.' + frac if frac is not None else ''}{exp}",
    st.sampled_from(["", "-"]), st.from_regex(r"[0-9]{1,25}", fullmatch=True),
    st.none() | st.from_regex(r"[0-9]{0,25}", fullmatch=True),
    st.sampled_from([""]) | st.integers(-340, 320).map(lambda e: f"e{e}"),
)


@given(st.lists(_decimal | st.floats(allow_nan=False, allow_infinity=False).map(repr), min_size=1, max_size=50))
def test_arrows_number_parse_is_pythons_float(texts):
    """The validator's numbers are Arrow's cast of the text; the release's were Python's float:
    both round correctly, so they agree bit for bit on every text the number rule accepts."""
    texts = [t for t in texts if re.fullmatch(NUMBER_PATTERN, t) and math.isfinite(float(t))]
    parsed = pc.cast(pa.array(texts, pa.string()), pa.float64()).to_pylist()
    assert [struct.pack("<d", v) for v in parsed] == [struct.pack("<d", float(t)) for t in texts]
