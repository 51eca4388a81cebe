"""Metadata self-tests: the declaration is consistent, fully used, and every generated file
equals what it generates (so nothing is declared twice by hand)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO

from syria_conflict_events.declaration import DeclarationError, load_declaration
from syria_conflict_events.generate import generated_files, stale_files
from syria_conflict_events.table_schema import table_schema

DECL = load_declaration()


def test_every_declared_field_is_used():
    used = {f.name for t in DECL.tables.values() for f in t.fields}
    assert set(DECL.fields) - used == set()


def test_every_vocabulary_is_used():
    used = {f.vocabulary for t in DECL.tables.values() for f in t.fields if f.vocabulary}
    assert set(DECL.vocabularies) - used == set()


def test_every_foreign_key_target_exists_and_is_a_primary_key():
    for t in DECL.tables.values():
        for fk in t.foreign_keys:
            target = DECL.tables[fk.table]
            assert tuple(fk.reference) == target.primary_key
            for name in fk.fields:
                assert name in t.field_names


def test_self_references_are_declared():
    selfrefs = {t.name for t in DECL.tables.values() for fk in t.foreign_keys if fk.table == t.name}
    assert selfrefs == {"actors", "places", "agreements"}
    fks = table_schema(DECL, DECL.tables["actors"])["foreignKeys"]
    assert fks == [{"fields": ["parent_actor_id"], "reference": {"resource": "", "fields": ["actor_id"]}},
                   {"fields": ["name_ar_source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}}]


def test_committed_generated_files_equal_generated():
    assert stale_files(REPO) == [], "run `sce generate` and commit"


def test_drift_is_detected(tmp_path):
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    shutil.copy2(REPO / "CITATION.cff", tmp_path / "CITATION.cff")
    (tmp_path / "datapackage.json").write_text(generated_files()["datapackage.json"].replace('"events"', '"evts"', 1))
    assert stale_files(tmp_path) == ["datapackage.json"]


def test_sub_event_types_belong_to_declared_event_types():
    parents = {c.extra["event_type"] for c in DECL.vocabularies["sub_event_type"].codes}
    assert parents <= set(DECL.vocabularies["event_type"].values)


def test_table_vocabulary_is_derived_from_tables():
    assert DECL.vocabularies["table"].values == list(DECL.tables)


def test_declaration_errors_are_reported(tmp_path):
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    tables = tmp_path / "schemas" / "tables.yaml"
    tables.write_text(tables.read_text().replace("- {name: event_id, required: true}", "- {name: evnt_id}", 1))
    with pytest.raises(DeclarationError, match="evnt_id"):
        load_declaration(tmp_path / "schemas")


@pytest.mark.parametrize(("field", "line", "added"), [
    ("fatalities_best", "  minimum: 0\n", "  pattern: '^[0-9]+$'\n"),
    ("fatalities_best", "  minimum: 0\n", "  format: uri\n"),
    ("summary", "  type: string\n", "  minimum: 1\n"),
])
def test_a_constraint_its_type_cannot_carry_is_refused(tmp_path, field, line, added):
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    fields = tmp_path / "schemas" / "fields.yaml"
    text = fields.read_text()
    start = text.index(f"\n{field}:\n") + 1
    at = text.index(line, start) + len(line)
    fields.write_text(text[:at] + added + text[at:])
    key = added.split(":")[0].strip()
    with pytest.raises(DeclarationError, match=rf"field {field}: {key} applies to .* not to a"):
        load_declaration(tmp_path / "schemas")


def test_a_foreign_key_of_several_columns_is_refused(tmp_path):
    """The validator proves single-column foreign keys; a declared key it would only half check is
    an error of the declaration, not a silent gap."""
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    tables = tmp_path / "schemas" / "tables.yaml"
    old = "    - {fields: [place_id], table: places, reference: [place_id]}\n"
    assert old in tables.read_text()
    pair = "    - {fields: [event_id, place_id], table: retired_ids, reference: [table_name, retired_id]}\n"
    tables.write_text(tables.read_text().replace(old, old + pair, 1))
    with pytest.raises(DeclarationError, match=r"foreign key \['event_id', 'place_id'\] has 2 fields"):
        load_declaration(tmp_path / "schemas")


def test_descriptor_passes_the_data_package_profile_and_our_schema():
    import frictionless

    desc = json.loads((REPO / "datapackage.json").read_text())
    jsonschema.validate(desc, frictionless.Package.metadata_profile)
    schema = json.loads((REPO / "schemas/json-schemas/datapackage.schema.json").read_text())
    jsonschema.validate(desc, schema)


def test_json_schemas_are_valid_json_schemas():
    for path in sorted((REPO / "schemas/json-schemas").glob("*.json")):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_repository_package_is_valid():
    from syria_conflict_events.validation import render, validate_package

    report = validate_package(REPO)
    assert report.valid, render(report)


@pytest.mark.frictionless_cli
def test_frictionless_cli_validates_the_repository():
    """Conformance: the standard's own tool accepts datapackage.json and the data."""
    exe = Path(sys.executable).with_name("frictionless")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "frictionless"]
    result = subprocess.run([*cmd, "validate", "datapackage.json"], cwd=REPO, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]
