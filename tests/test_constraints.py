"""The constraint registry (constraints.py): every kind is expressed by every translator (or says
why one cannot), the declaration refuses a kind on a type that cannot carry it, and `format: uri`
is one rule in every engine: the vectorised checks, pandera, the Frictionless layer and SQLite."""

from __future__ import annotations

import copy
import dataclasses
import shutil
import sqlite3
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import REPO, VALID_ROWS, write_package

from syria_conflict_events.constraints import CONSTRAINTS, FORMAT, Absent, Constraint
from syria_conflict_events.declaration import (
    _FIELD_KEYS,
    FIELD_TYPES,
    DeclarationError,
    Field,
    _field,
    load_declaration,
)
from syria_conflict_events.exceptions import ReleaseError
from syria_conflict_events.formats.sqlite import _checks, schema_sql, write_sqlite
from syria_conflict_events.json_schemas import field_json_schema
from syria_conflict_events.release.columns import read_typed_tables
from syria_conflict_events.release.dictionary import constraints as dictionary_constraints
from syria_conflict_events.table_schema import field_descriptor
from syria_conflict_events.validation.findings import message
from syria_conflict_events.validation.frictionless_layer import _CONSTRAINT_RULE, run_frictionless
from syria_conflict_events.validation.rules import RULES
from syria_conflict_events.validation.runner import validate_package
from syria_conflict_events.validation.vectorised import arrow_rules

DECL = load_declaration()

# Per kind: (field type, declared value, a value that passes, a value that fails). A new kind
# needs its line here, and then every translator below must express it.
SAMPLES: dict[str, tuple[str, object, object, object]] = {
    "vocabulary": ("string", "confidence", "low", "sure"),
    "pattern": ("string", "^[a-z]+$", "abc", "ABC"),
    "minimum": ("integer", 0, 0, -1),
    "maximum": ("number", 90.0, 90.0, 90.5),
    "min_length": ("string", 3, "abc", "ab"),
    "format": ("string", "uri", "https://example.org/a", "www.example.org/a"),
}


def _fields(kind: Constraint) -> tuple[Field, Field]:
    """A field without the kind and the same field with it."""
    ftype, declared, _, _ = SAMPLES[kind.key]
    plain = Field(name="x", type=ftype, description="A field.")
    return plain, dataclasses.replace(plain, **{kind.key: declared})


def _table(fields: tuple[Field, ...]):
    return dataclasses.replace(DECL.tables["events"], fields=fields)


def test_the_registry_holds_every_constraint_key_of_the_yaml():
    not_constraints = {"type", "description", "required", "text", "example"}
    assert {c.key for c in CONSTRAINTS} == _FIELD_KEYS - not_constraints
    assert set(SAMPLES) == {c.key for c in CONSTRAINTS}
    assert len({c.rule for c in CONSTRAINTS}) == len(CONSTRAINTS)


@pytest.mark.parametrize("kind", CONSTRAINTS, ids=lambda c: c.key)
def test_every_translator_expresses_every_kind(kind):
    plain, constrained = _fields(kind)
    assert field_descriptor(DECL, constrained) != field_descriptor(DECL, plain)  # Table Schema
    if isinstance(kind.json_schema, Absent):
        assert kind.json_schema.reason
        assert field_json_schema(DECL, constrained) == field_json_schema(DECL, plain)
    else:
        assert field_json_schema(DECL, constrained) != field_json_schema(DECL, plain)
    assert kind.rule in dict(arrow_rules(DECL, constrained))  # the vectorised engine and pandera
    assert kind.rule not in dict(arrow_rules(DECL, plain))
    if isinstance(kind.sql, Absent):
        assert kind.sql.reason
        assert _checks(DECL, constrained) == _checks(DECL, plain)
    else:
        assert len(_checks(DECL, constrained)) == len(_checks(DECL, plain)) + 1  # SQLite CHECK
    assert dictionary_constraints(DECL, constrained) and not dictionary_constraints(DECL, plain)
    assert RULES[kind.rule].layer == "table-schema" and RULES[kind.rule].title == kind.title
    assert RULES[kind.rule].hint == kind.hint
    # Frictionless names a broken constraint by its Table Schema key; a broken format is a type error.
    assert kind.field_level or _CONSTRAINT_RULE[kind.table_schema_key] == kind.rule
    table = _table((constrained,))
    _, _, _, bad = SAMPLES[kind.key]
    assert message(kind.rule, table, "x", bad, DECL) == kind.message(repr(bad), constrained)


@pytest.mark.parametrize("kind", CONSTRAINTS, ids=lambda c: c.key)
def test_each_arrow_check_passes_the_good_value_and_fails_the_bad_one(kind):
    ftype, _, good, bad = SAMPLES[kind.key]
    _, constrained = _fields(kind)
    check = dict(arrow_rules(DECL, constrained))[kind.rule]
    arrow_type = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64()}[ftype]
    assert check(pa.array([good, bad], arrow_type)).to_pylist() == [True, False]  # engines skip missing cells


@pytest.mark.parametrize("kind", [c for c in CONSTRAINTS if not isinstance(c.sql, Absent)], ids=lambda c: c.key)
def test_each_sql_check_passes_the_good_value_and_fails_the_bad_one(kind):
    _, _, good, bad = SAMPLES[kind.key]
    _, constrained = _fields(kind)
    sql = kind.sql(DECL, constrained, '"x"')
    con = sqlite3.connect(":memory:")
    assert [con.execute(f'SELECT {sql} FROM (SELECT ? AS "x")', [v]).fetchone()[0] for v in (good, bad)] == [1, 0]


def _refusals() -> list[tuple[Constraint, str]]:
    return [(kind, ftype) for kind in CONSTRAINTS for ftype in FIELD_TYPES if ftype not in kind.types]


@pytest.mark.parametrize(("kind", "ftype"), _refusals(), ids=lambda v: v.key if isinstance(v, Constraint) else v)
def test_a_kind_on_a_type_that_cannot_carry_it_is_refused(kind, ftype):
    declared = SAMPLES[kind.key][1]
    with pytest.raises(DeclarationError, match=rf"field x: {kind.key} applies to .* not to a {ftype} field"):
        _field("x", {"type": ftype, "description": "A field.", kind.key: declared})


def test_each_kind_is_accepted_on_each_type_that_can_carry_it():
    for kind in CONSTRAINTS:
        for ftype in kind.types:
            declared = SAMPLES[kind.key][1]
            assert kind.present(_field("x", {"type": ftype, "description": "A field.", kind.key: declared}))


def _declaration_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    path = tmp_path / "schemas" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path / "schemas"


def test_a_table_override_a_type_cannot_carry_is_refused(tmp_path):
    """A table may override a field's declaration (tables.yaml); the override is checked too."""
    schemas = _declaration_with(tmp_path, "tables.yaml", "    - fatalities_best\n",
                                "    - {name: fatalities_best, pattern: '^[0-9]+$'}\n")
    with pytest.raises(DeclarationError, match="field fatalities_best of table events: pattern applies to string"):
        load_declaration(schemas)


def test_a_format_no_engine_checks_is_refused(tmp_path):
    schemas = _declaration_with(tmp_path, "fields.yaml", "  format: uri\n", "  format: email\n")
    with pytest.raises(DeclarationError, match="format 'email' is not one the validator checks"):
        load_declaration(schemas)


# --- format: uri, in every engine ---------------------------------------------------------------

# Frictionless (rfc3986, a URI reference with a scheme) is the definition; the Arrow check and
# the SQLite CHECK must agree with it on every one of these.
URI_CASES = ["https://example.org/a", "HTTP://X", "mailto:someone", "h:", "a+b.c-d:x", "www.example.org/a",
             ":x", "1a:b", "ht tp://x", "é:x", "hé:x", "http//x", "a/b:c", "a?b:c", "a#b:c", "ab", "-a:b",
             "a_b:c", "x:y:z"]


def _frictionless_uri(value: str) -> bool:
    import frictionless

    field = frictionless.fields.StringField(name="x", format="uri")
    return field.create_value_reader()(value) is not None


def test_the_uri_format_agrees_with_frictionless_in_arrow_and_sqlite():
    expected = [_frictionless_uri(v) for v in URI_CASES]
    assert any(expected) and not all(expected)
    uri = Field(name="url", type="string", description="An address.", format="uri")
    check = dict(arrow_rules(DECL, uri))["format"]
    assert check(pa.array(URI_CASES)).to_pylist() == expected
    con = sqlite3.connect(":memory:")
    sql = FORMAT.sql(DECL, uri, '"url"')
    assert [bool(con.execute(f'SELECT {sql} FROM (SELECT ? AS "url")', [v]).fetchone()[0]) for v in URI_CASES] \
        == expected


def _bad_url_package(tmp_path: Path) -> Path:
    rows = copy.deepcopy(VALID_ROWS)
    rows["sources"][2]["url"] = "www.example.org/news/aleppo-fighting"  # no scheme: line 4 of sources.csv
    return write_package(tmp_path / "pkg", rows)


def test_a_url_without_a_scheme_is_one_finding_in_both_engines(tmp_path):
    root = _bad_url_package(tmp_path)
    found = {}
    for engine in ("pandera", "never"):
        report = validate_package(root, frictionless="never", pandera="always" if engine == "pandera" else "never")
        found[engine] = [(e.path, e.row, e.column, e.rule, e.message) for e in report.errors
                         if e.column == "url"]
    assert found["pandera"] == found["never"]
    url = "'www.example.org/news/aleppo-fighting'"
    assert ("data/sources.csv", 4, "url", "format",
            f"{url} is not a uri: an address that starts with its scheme (such as https:)") in found["never"]
    # sources.url keeps its own pattern rule and message
    assert any(rule == "pattern" and message.startswith(f"{url} does not match ^https?://")
               for *_, rule, message in found["never"])


def test_the_frictionless_layer_names_the_same_rule(tmp_path):
    root = _bad_url_package(tmp_path)
    errors = run_frictionless(root, DECL, set(DECL.tables))
    assert [(e.path, e.row, e.column, e.rule) for e in errors] == [("data/sources.csv", 4, "url", "format")]
    combined = validate_package(root, frictionless="always", pandera="always").errors
    assert [e.rule for e in combined if e.column == "url" and e.rule == "format"] == ["format"]  # once


def test_the_existing_data_passes_the_uri_format():
    sources = read_typed_tables(REPO, DECL, {})["sources"]
    check = dict(arrow_rules(DECL, DECL.tables["sources"].field("url")))["format"]
    assert sources.num_rows > 0 and check(sources["url"]).to_pylist().count(False) == 0


def test_sqlite_refuses_a_url_without_a_scheme(tmp_path, valid_package):
    con = sqlite3.connect(":memory:")
    con.executescript(schema_sql(DECL))
    row = {"source_id": "a-report", "title": "A report", "language": "en", "source_type": "newspaper",
           "url": "https://example.org/a"}
    insert = f'INSERT INTO sources ({", ".join(row)}) VALUES ({", ".join("?" * len(row))})'
    con.execute(insert, list(row.values()))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        con.execute(insert, list({**row, "source_id": "b-report", "url": "www.example.org/a"}.values()))
    # write_sqlite proves the CHECKs on the data before it loads them (ignore_check_constraints)
    tables = read_typed_tables(valid_package, DECL, {})
    urls = tables["sources"]["url"].to_pylist()
    urls[0] = "www.example.org/a"
    i = tables["sources"].column_names.index("url")
    bad = {**tables, "sources": tables["sources"].set_column(i, "url", pa.array(urls, pa.string()))}
    with pytest.raises(ReleaseError) as info:
        write_sqlite(DECL, bad, tmp_path / "db.sqlite")
    assert any(line.startswith("sources: CHECK constraint failed: url (url = 'www.example.org/a')")
               for line in info.value.details), info.value.details


def test_the_registry_imports_no_pyarrow():
    """The declaration imports the registry, and commands that never touch Arrow read it."""
    import subprocess
    import sys

    code = ("import sys, syria_conflict_events.declaration; "
            "print(any(m == 'pyarrow' or m.startswith('pyarrow.') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
