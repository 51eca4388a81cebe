"""sce.load / load_all on package directories and the bundled data: types from the schema,
identifiers untouched, invalid cells reported, bad packages refused with a clear error."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pandas as pd
import pytest

import syria_conflict_events as sce
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.loader import DataWarning, PackageError
from syria_conflict_events.typed import pandas_dtypes, to_typed
from syria_conflict_events.validation.structure import read_raw_table

DECL = load_declaration()


def test_dtypes_are_the_declared_ones(valid_package):
    for name, table in DECL.tables.items():
        frame = sce.load(name, root=valid_package)
        assert list(frame.columns) == table.field_names
        assert dict(frame.dtypes) == pandas_dtypes(DECL, table), name


def test_values_equal_the_typed_reading_of_the_validator(valid_package):
    for name, table in DECL.tables.items():
        raw, errors = read_raw_table(valid_package, table)
        assert not errors
        expected, bad = to_typed(DECL, table, raw.frame)
        assert not bad.any().any()
        pd.testing.assert_frame_equal(sce.load(name, root=valid_package), expected.reset_index(drop=True))


def test_identifiers_and_codes_are_never_coerced(make_package):
    def edit(rows):
        rows["external_ids"][0]["value"] = "007"
        rows["agreements"][0]["pax_id"] = "0042"

    pkg = make_package(edit)
    external = sce.load("external_ids", root=pkg)
    assert external.loc[0, "value"] == "007"
    assert external["value"].dtype == "str"
    assert sce.load("agreements", root=pkg).loc[0, "pax_id"] == "0042"
    events = sce.load("events", root=pkg)
    assert events["event_id"].tolist() == ["SCE-000001", "SCE-000002"]


def test_types_and_missing_values(valid_package):
    events = sce.load("events", root=valid_package)
    assert events.loc[0, "date_start"] == pd.Timestamp("2024-11-29")
    assert events.loc[0, "fatalities_best"] == 4
    assert pd.isna(events.loc[1, "fatalities_best"])  # empty cell: <NA>, not 0 or NaN float
    assert pd.isna(events.loc[0, "notes"])
    places = sce.load("places", root=valid_package)
    assert places.loc[0, "latitude"] == pytest.approx(36.2)
    # Every declared code is a category, used or not.
    vocab = DECL.vocabularies[DECL.tables["events"].field("event_type").vocabulary]
    assert list(events["event_type"].cat.categories) == vocab.values


def test_bundled_tables_load_without_arguments():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the bundled data may be mid-edit
        for name, table in DECL.tables.items():
            frame = sce.load(name)
            assert list(frame.columns) == table.field_names
            assert dict(frame.dtypes) == pandas_dtypes(DECL, table)


def test_unknown_table_names_the_tables(valid_package):
    with pytest.raises(KeyError, match=r"unknown table 'event'.*events"):
        sce.load("event", root=valid_package)


def test_version_and_root_together_are_refused(valid_package):
    with pytest.raises(ValueError, match="either version"):
        sce.load("events", root=valid_package, version="0.1.0")


@pytest.mark.parametrize(("column", "value", "rule"), [
    ("date_start", "2024-13-01", "valid value"),
    ("fatalities_best", "4.0", "valid value"),
    ("event_type", "batles", "not a code"),
    ("location_precision", "9", "not a code"),
    ("location_precision", "x", "valid value"),
])
def test_invalid_cells_warn_with_line_and_become_missing(make_package, column, value, rule):
    pkg = make_package(lambda rows: rows["events"][1].update({column: value}))
    with pytest.warns(DataWarning, match=rf"data/events.csv.*{column}: 1 cell.*{rule}.*line 3 '{value}'"):
        warnings.simplefilter("error", pd.errors.PandasChangeWarning)  # no deprecated pandas call on the way
        events = sce.load("events", root=pkg)
    assert pd.isna(events.loc[1, column])
    assert dict(events.dtypes) == pandas_dtypes(DECL, DECL.tables["events"])


def test_an_unknown_code_beside_an_unreadable_cell_becomes_missing(make_package):
    """The careful path (a column with a cell that is not a number) meets a code outside the
    vocabulary too: both become missing, both are reported, and pandas' deprecated cast of unknown
    codes to a categorical (an error in a later pandas) is not used."""
    pkg = make_package(lambda rows: (rows["events"][0].update(location_precision="9"),
                                     rows["events"][1].update(location_precision="x")))
    with pytest.warns(DataWarning, match=r"location_precision: 2 cell\(s\).*line 2 '9'.*line 3 'x'"):
        warnings.simplefilter("error", pd.errors.PandasChangeWarning)
        events = sce.load("events", root=pkg)
    assert events["location_precision"].isna().tolist()[:2] == [True, True]


def test_valid_package_loads_without_warnings(valid_package):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sce.load_all(root=valid_package)


def _write(path, text):
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("damage", ["header", "row", "missing-file", "descriptor", "escaping-path", "schema-ref"])
def test_unreadable_packages_raise_package_error(valid_package, damage):
    events = valid_package / "data" / "events.csv"
    descriptor = valid_package / "datapackage.json"
    if damage == "header":
        _write(events, events.read_text().replace("event_id,", "id,", 1))
        match = r"header does not match.*missing \['event_id'\], unexpected \['id'\]"
    elif damage == "row":
        _write(events, events.read_text() + "a,b\n")
        match = "cannot parse"
    elif damage == "missing-file":
        events.unlink()
        match = "no data file"
    elif damage == "descriptor":
        _write(descriptor, "{not json")
        match = "not valid JSON"
    else:
        meta = json.loads(descriptor.read_text())
        key = "path" if damage == "escaping-path" else "schema"
        meta["resources"][0][key] = "../../etc/passwd"
        _write(descriptor, json.dumps(meta))
        match = "not a relative path inside the package"
    before = {p: p.read_bytes() for p in valid_package.rglob("*") if p.is_file()}
    with pytest.raises(PackageError, match=match):
        sce.load("events", root=valid_package)
    assert {p: p.read_bytes() for p in valid_package.rglob("*") if p.is_file()} == before


def test_missing_directory(tmp_path):
    with pytest.raises(PackageError, match="not a package directory"):
        sce.load("events", root=tmp_path / "nope")


def test_inline_and_referenced_schemas_both_work(valid_package):
    from syria_conflict_events.generate import dumps, generated_files
    from syria_conflict_events.table_schema import package_descriptor

    expected = sce.load("events", root=valid_package)
    # Referenced schema files present (as in the repository and a release).
    for rel, text in generated_files().items():
        if rel.startswith("schemas/table-schemas/"):
            (valid_package / rel).parent.mkdir(parents=True, exist_ok=True)
            _write(valid_package / rel, text)
    pd.testing.assert_frame_equal(sce.load("events", root=valid_package), expected)
    _write(valid_package / "datapackage.json", dumps(package_descriptor(DECL, inline=True)))
    pd.testing.assert_frame_equal(sce.load("events", root=valid_package), expected)


def test_import_is_cheap_and_public_names_resolve():
    code = (
        "import sys, syria_conflict_events as sce\n"
        "heavy = [m for m in ('pandas', 'pyarrow', 'pandera', 'frictionless', 'pooch', 'yaml') if m in sys.modules]\n"
        "print(heavy)\n"
        "print(all(getattr(sce, n) is not None for n in sce.__all__))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "True"]


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'lod'"):
        sce.lod  # noqa: B018


def test_an_older_release_loads_by_its_own_table_schema(valid_package):
    """The loader's specs come from the package's Table Schemas, not from the installed
    declaration: a release whose events had another column set and types loads as it declared."""
    from syria_conflict_events.generate import dumps
    from syria_conflict_events.table_schema import package_descriptor

    descriptor = package_descriptor(DECL, inline=True)
    (events,) = (r for r in descriptor["resources"] if r["name"] == "events")
    fields = [f for f in events["schema"]["fields"] if f["name"] != "notes"]
    for f in fields:
        if f["name"] == "fatalities_best":
            f["type"] = "number"  # a column whose type changed since
    fields.append({"name": "old_note", "type": "string"})  # a column dropped since
    events["schema"]["fields"] = fields
    _write(valid_package / "datapackage.json", dumps(descriptor))
    frame = pd.read_csv(valid_package / "data" / "events.csv", dtype=str, keep_default_na=False)
    frame = frame.drop(columns="notes").assign(old_note="kept")
    frame.to_csv(valid_package / "data" / "events.csv", index=False, lineterminator="\n")

    got = sce.load("events", root=valid_package)
    assert list(got.columns) == [f["name"] for f in fields]
    assert str(got["fatalities_best"].dtype) == "Float64"
    assert got["old_note"].tolist() == ["kept"] * len(got)
    assert sce.load_all(root=valid_package).events.columns.tolist() == list(got.columns)
