"""The column-wise release diff against the row-by-row definition it replaced, on generated
tables (keys of one and two fields whose cells hold ``:``, ``|``, quotes, commas and line breaks;
rows added, removed, changed and reordered; a column added or removed), in memory and through
CSV files; the lazy row lists; and every bad input a previous release can hold: a clear error,
exit 2, never a traceback."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_diff_frozen import write_release, zipped

from syria_conflict_events.cli import main
from syria_conflict_events.diff import rows as diff_module
from syria_conflict_events.diff import snapshot as snapshot_module
from syria_conflict_events.diff.rows import Changes, Rows, diff_snapshots
from syria_conflict_events.diff.snapshot import Snapshot, TableSnapshot, open_snapshot, read_csv_text
from syria_conflict_events.generate import dumps
from syria_conflict_events.release import ReleaseError

# --- the definition: the row-by-row diff the column-wise one replaced (commit 7ceb8a2) -----------


def reference_rows(old: TableSnapshot, old_rows: list[dict], new: TableSnapshot, new_rows: list[dict]) -> dict:
    def key(row: dict) -> tuple[str, ...]:
        return tuple(row[k] for k in new.primary_key)

    before = {key(r): r for r in old_rows}
    after = {key(r) for r in new_rows}
    common = [f for f in new.fields if f in old.fields]
    added, changed = [], []
    for row in new_rows:
        was = before.get(key(row))
        if was is None:
            added.append(row)
            continue
        cells = {f: {"old": was[f], "new": row[f]} for f in common if was[f] != row[f]}
        if cells:
            changed.append({"key": dict(zip(new.primary_key, key(row), strict=True)), "cells": cells})
    return {"added": added, "removed": [r for r in old_rows if key(r) not in after], "changed": changed}


# --- generated tables -----------------------------------------------------------------------------

KEY_CELLS = st.sampled_from(["1", "a", "a:1", "1:a", "b|c", "x y", '"q"', "é", ""])
CELLS = st.sampled_from(["", "a", "b", "a,b", 'say "hi"', "l1\nl2", "c\r\nd", "سوريا", " pad ", "1:a", "t\tb\\s\x01"])


@st.composite
def versions(draw) -> tuple[list[str], list[str], list[str], list[dict], list[dict]]:
    """(primary key, old fields, new fields, old rows, new rows), keys unique in each version."""
    pk = ["k1", "k2"][: draw(st.integers(1, 2))]
    old_fields = [*pk, "a", "b"]
    new_fields = draw(st.sampled_from([old_fields, [*pk, "a"], [*pk, "a", "b", "c"], [*pk, "b", "a"]]))

    def rows(fields: list[str]) -> st.SearchStrategy[list[dict]]:
        row = st.fixed_dictionaries({f: KEY_CELLS if f in pk else CELLS for f in fields})
        return st.lists(row, max_size=12, unique_by=lambda r: tuple(r[k] for k in pk))

    return pk, old_fields, new_fields, draw(rows(old_fields)), draw(rows(new_fields))


def _tables_json(diff) -> dict:
    t = diff.to_json()["tables"]["t"]
    return {k: t[k] for k in ("added", "removed", "changed")}


@pytest.fixture(params=["fixed-width keys", "hashed keys"])
def matching(request, monkeypatch):
    """Both ways of matching keys: as fixed-width bytes (binary search) and by hashing."""
    if request.param == "hashed keys":
        monkeypatch.setattr(diff_module, "MAX_FIXED_KEY_BYTES", -1)
    return request.param


@given(case=versions())
def test_same_rows_as_the_definition_in_memory(matching, case):
    pk, old_fields, new_fields, old_rows, new_rows = case
    old = TableSnapshot.of_rows("t", old_fields, pk, old_rows)
    new = TableSnapshot.of_rows("t", new_fields, pk, new_rows)
    diff = diff_snapshots(Snapshot("o", "p", "1.0.0", {"t": old}), Snapshot("n", "p", "1.1.0", {"t": new}))
    assert _tables_json(diff) == reference_rows(old, old_rows, new, new_rows)
    assert "".join(diff.json_chunks()) == dumps(diff.to_json())


@given(case=versions(), crlf=st.booleans())
def test_same_rows_as_the_definition_through_csv_files(matching, case, crlf):
    pk, old_fields, new_fields, old_rows, new_rows = case
    old = TableSnapshot.of_rows("t", old_fields, pk, old_rows)
    new = TableSnapshot.of_rows("t", new_fields, pk, new_rows)
    with tempfile.TemporaryDirectory() as tmp:
        before = write_release(Snapshot("o", "p", "1.0.0", {"t": old}), Path(tmp) / "old", crlf=crlf)
        after = write_release(Snapshot("n", "p", "1.1.0", {"t": new}), Path(tmp) / "new")
        diff = diff_snapshots(open_snapshot(zipped(before)), open_snapshot(after))
    assert _tables_json(diff) == reference_rows(old, old_rows, new, new_rows)


def test_keys_that_would_join_to_the_same_text_stay_apart(matching):
    fields = ["k1", "k2", "v"]
    old = TableSnapshot.of_rows("t", fields, ["k1", "k2"], [{"k1": "a:1", "k2": "b", "v": "x"},
                                                           {"k1": "ab", "k2": "", "v": "x"}])
    new = TableSnapshot.of_rows("t", fields, ["k1", "k2"], [{"k1": "a", "k2": "1:b", "v": "x"},
                                                           {"k1": "a", "k2": "b", "v": "x"}])
    diff = diff_snapshots(Snapshot("o", "p", "1", {"t": old}), Snapshot("n", "p", "2", {"t": new}))
    (t,) = diff.tables
    assert [(r["k1"], r["k2"]) for r in t.added] == [("a", "1:b"), ("a", "b")]
    assert [(r["k1"], r["k2"]) for r in t.removed] == [("a:1", "b"), ("ab", "")] and not t.changed


def test_keys_with_nul_or_long_cells_are_matched_exactly():
    fields = ["id", "v"]
    long = "x" * (diff_module.MAX_FIXED_KEY_BYTES + 1)
    old = TableSnapshot.of_rows("t", fields, ["id"], [{"id": "a", "v": "1"}, {"id": long, "v": "1"}])
    for odd in ("a\x00", long + "y"):
        new = TableSnapshot.of_rows("t", fields, ["id"], [{"id": "a", "v": "2"}, {"id": odd, "v": "1"}])
        (t,) = diff_snapshots(Snapshot("o", "p", "1", {"t": old}), Snapshot("n", "p", "2", {"t": new})).tables
        assert [r["id"] for r in t.added] == [odd] and [r["id"] for r in t.removed] == [long]
        assert t.changed == [{"key": {"id": "a"}, "cells": {"v": {"old": "1", "new": "2"}}}]


# --- the lazy row lists -----------------------------------------------------------------------------


def test_rows_read_like_a_list(monkeypatch):
    monkeypatch.setattr(diff_module, "BATCH_ROWS", 2)
    rows = [{"id": str(i), "v": f"v{i}"} for i in range(5)]
    lazy = Rows(TableSnapshot.of_rows("t", ["id", "v"], ["id"], rows).read())
    assert len(lazy) == 5 and lazy == rows and rows == lazy and list(lazy) == rows
    assert lazy[0] == rows[0] and lazy[-1] == rows[-1] and lazy[1:3] == rows[1:3] and lazy[::2] == rows[::2]
    assert lazy[4:2] == [] and lazy != rows[:4] and lazy != "12345"
    with pytest.raises(IndexError):
        lazy[5]
    assert Rows() == [] and not Rows() and len(Changes()) == 0 and Changes() == []


def test_changes_read_like_a_list(monkeypatch):
    monkeypatch.setattr(diff_module, "BATCH_ROWS", 2)
    fields = ["id", "a", "b"]
    old = TableSnapshot.of_rows("t", fields, ["id"], [{"id": str(i), "a": "x", "b": "y"} for i in range(5)])
    new = TableSnapshot.of_rows("t", fields, ["id"], [{"id": str(i), "a": "x" if i % 2 else "X", "b": "y" if i else "Y"}
                                                     for i in range(5)])
    (t,) = diff_snapshots(Snapshot("o", "p", "1", {"t": old}), Snapshot("n", "p", "2", {"t": new})).tables
    expected = [{"key": {"id": "0"}, "cells": {"a": {"old": "x", "new": "X"}, "b": {"old": "y", "new": "Y"}}},
                {"key": {"id": "2"}, "cells": {"a": {"old": "x", "new": "X"}}},
                {"key": {"id": "4"}, "cells": {"a": {"old": "x", "new": "X"}}}]
    assert t.changed == expected and t.changed[-1] == expected[-1] and t.changed[1:] == expected[1:]
    assert t.changed[::2] == expected[::2] and t.changed[::-1] == expected[::-1]


# --- the CSV reader --------------------------------------------------------------------------------


def test_reader_keeps_exact_text_and_skips_blank_lines():
    data = '\ufeffid,v\r\n1," a, ""b""\n c "\n\n2,\r\n3,NA\n4,null\n'.encode()
    table = read_csv_text(io.BytesIO(data), ["id", "v"], "t.csv")
    assert table.to_pylist() == [{"id": "1", "v": ' a, "b"\n c '}, {"id": "2", "v": ""},
                                 {"id": "3", "v": "NA"}, {"id": "4", "v": "null"}]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "header does not match"),
    (b"id,w\n1,2\n", "header does not match"),
    (b"id,v\n1,2,SECRET\n", "Expected 2 columns, got 3"),
    (b"id,v\n1\n", "Expected 2 columns, got 1"),
    (b"id,v\n1,\xff\n", "UTF8"),
])
def test_reader_refuses_bad_csv_clearly(data, message):
    with pytest.raises(ReleaseError, match=message) as info:
        read_csv_text(io.BytesIO(data), ["id", "v"], "t.csv")
    assert "SECRET" not in str(info.value)


def test_reader_stops_past_the_size_limit():
    stream = snapshot_module._BoundedReader(io.BytesIO(b"id,v\n" + b"1,2\n" * 1000), 100, "t.csv is too large")
    with pytest.raises(ReleaseError, match="too large"):
        read_csv_text(stream, ["id", "v"], "t.csv")


# --- bad previous releases through sce diff ---------------------------------------------------------


def _small(tmp_path: Path) -> tuple[Path, Path]:
    fields = ["id", "k2", "v"]
    rows = [{"id": "E1", "k2": "a", "v": "x"}, {"id": "E2", "k2": "a", "v": "y"}]
    new = write_release(Snapshot("n", "p", "1.1.0", {
        "t": TableSnapshot.of_rows("t", fields, ["id"], rows),
        "pairs": TableSnapshot.of_rows("pairs", fields, ["id", "k2"], rows)}), tmp_path / "new")
    old = write_release(Snapshot("o", "p", "1.0.0", {
        "t": TableSnapshot.of_rows("t", fields, ["id"], rows),
        "pairs": TableSnapshot.of_rows("pairs", fields, ["id", "k2"], rows)}), tmp_path / "old")
    return old, new


def _descriptor(root: Path) -> dict:
    return json.loads((root / "datapackage.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("bad", "message"), [
    ("repeated_key", "data/t.csv repeats the primary key E1"),
    ("repeated_pair", "data/pairs.csv repeats the primary key E2 | a"),
    ("extra_cell", "data/t.csv: CSV parse error: Expected 3 columns, got 4"),
    ("not_utf8", "data/t.csv"),
    ("field_twice", "table t names a field twice"),
    ("too_large", "data/t.csv is larger than 64 bytes"),
    ("zip_too_large", "data/t.csv is larger than 64 bytes"),
    ("not_a_file", "cannot read data/t.csv: no such file"),
    ("no_key", "table t has no usable primary key"),
])
def test_bad_previous_release_is_exit_2(tmp_path, capsys, monkeypatch, bad, message):
    old, new = _small(tmp_path)
    table = old / "data" / "t.csv"
    if bad == "repeated_key":
        table.write_text("id,k2,v\nE1,a,x\nE1,b,y\n", encoding="utf-8")
    elif bad == "repeated_pair":
        (old / "data" / "pairs.csv").write_text("id,k2,v\nE2,a,x\nE1,a,x\nE2,a,z\n", encoding="utf-8")
    elif bad == "extra_cell":
        table.write_text("id,k2,v\nE1,a,x\nE2,a,y,SECRET\n", encoding="utf-8")
    elif bad == "not_utf8":
        table.write_bytes(b"id,k2,v\nE1,a,\xff\n")
    elif bad in ("field_twice", "no_key"):
        descriptor = _descriptor(old)
        schema = descriptor["resources"][0]["schema"]
        if bad == "field_twice":
            schema["fields"].append(schema["fields"][0])
        else:
            schema["primaryKey"] = ["nope"]
        (old / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    elif bad in ("too_large", "zip_too_large"):
        monkeypatch.setattr(snapshot_module, "MAX_FILE_BYTES", 64)
        table.write_text("id,k2,v\n" + "".join(f"E{i},a,x\n" for i in range(20)), encoding="utf-8")
        if bad == "zip_too_large":
            old = zipped(old)
    elif bad == "not_a_file":
        table.unlink()
        table.mkdir()
    assert main(["diff", str(old), str(new)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sce diff: ") and message in err, err
    assert "Traceback" not in err and "SECRET" not in err


def test_zip_member_larger_than_it_claims_is_refused(tmp_path, capsys, monkeypatch):
    """The limit counts the bytes inflated, not the size the zip's directory states."""
    old, new = _small(tmp_path)
    (old / "data" / "t.csv").write_text("id,k2,v\n" + "".join(f"E{i},a,x\n" for i in range(50)), encoding="utf-8")
    archive = zipped(old)
    monkeypatch.setattr(snapshot_module, "MAX_FILE_BYTES", 100)
    real_getinfo = zipfile.ZipFile.getinfo

    def lying_getinfo(self, name):
        info = real_getinfo(self, name)
        if name.endswith("t.csv"):
            info.file_size = 10  # what a crafted zip could claim
        return info

    monkeypatch.setattr(zipfile.ZipFile, "getinfo", lying_getinfo)
    assert main(["diff", str(archive), str(new)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sce diff: ") and "Traceback" not in err


def test_corrupt_zip_member_is_exit_2(tmp_path, capsys):
    old, new = _small(tmp_path)
    (old / "data" / "t.csv").write_text("id,k2,v\n" + "".join(f"E{i},a,x\n" for i in range(50)), encoding="utf-8")
    archive = zipped(old)
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("old/data/t.csv")
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start:start + 8] = b"\xff" * 8  # no valid deflate block starts so
    archive.write_bytes(bytes(data))
    assert main(["diff", str(archive), str(new)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sce diff: ") and "cannot read data/t.csv" in err and "Traceback" not in err
