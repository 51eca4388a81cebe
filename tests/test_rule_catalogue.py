"""The rule catalogue (validation/rules/, one module per family) holds every rule with its
explanation and, where it has one, its kernel: no kernel runs without a catalogue entry, each
kernel reads only the columns its entry names, and both engines take the key rules (required,
primary key, foreign key) from the same kernels."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.validation import validate_package
from syria_conflict_events.validation.arrays import to_mask
from syria_conflict_events.validation.context import Context
from syria_conflict_events.validation.rules import FAMILIES, ROW_LEVEL, RULES, columns, row_rules
from syria_conflict_events.validation.vectorised import arrow_rules

DECL = load_declaration()
LAYERS = {"file", "json-schema", "table-schema", "semantic"}


def test_every_rule_has_its_explanation():
    assert len(RULES) == sum(len(family.RULES) for family in FAMILIES), "a rule id is defined twice"
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id and rule.layer in LAYERS, rule_id
        assert rule.title.strip() and rule.hint.strip(), rule_id


def test_every_kernel_in_a_family_module_is_a_catalogue_entry():
    """A function of a family module with a row kernel's signature (t, ctx) runs through a rule."""
    run = {runs.check for rule in RULES.values() for runs in rule.runs}
    for family in FAMILIES:
        kernels = [fn for name, fn in vars(family).items()
                   if inspect.isfunction(fn) and fn.__module__ == family.__name__
                   and list(inspect.signature(fn).parameters) == ["t", "ctx"]]
        assert [fn.__name__ for fn in kernels if fn not in run] == [], family.__name__


def test_every_rule_an_engine_runs_is_in_the_catalogue():
    ran = {rule.id for name in DECL.tables for rule, _ in row_rules(name)}
    ran |= {rule for table in DECL.tables.values() for f in table.fields for rule, _ in arrow_rules(DECL, f)}
    assert ran - set(RULES) == set()
    assert all(runs.table in (*DECL.tables, ROW_LEVEL) for rule in RULES.values() for runs in rule.runs)


def test_reads_name_declared_columns():
    for rule in RULES.values():
        assert bool(rule.reads) == bool(rule.runs and rule.runs[0].table != ROW_LEVEL), rule.id
        for name in rule.reads:
            table, _, column = name.partition(".")
            assert column in DECL.tables[table].field_names, f"{rule.id}: {name}"


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    from conftest import write_package

    report = validate_package(write_package(tmp_path_factory.mktemp("rules") / "pkg"), keep_tables=True)
    assert report.valid
    return report.tables


def _outcome(check, table: str, data: dict) -> np.ndarray | None:
    result = check(data[table], Context(DECL, tables=dict(data)))
    return None if result is None else to_mask(result)


@pytest.mark.parametrize("rule_id", [r.id for r in RULES.values() if r.runs])
def test_each_kernel_reads_only_the_columns_its_entry_names(tables, rule_id):
    """Each kernel, given tables cut down to the columns its entry reads (and every table's
    primary key, by which rows are named), runs and gives what it gives on the whole tables."""
    rule = RULES[rule_id]
    reads = {name.partition(".")[::2] for name in rule.reads}
    cut = {name: data.select(list(dict.fromkeys(
        [*DECL.tables[name].primary_key, *(c for t, c in reads if t == name)]))) for name, data in tables.items()}
    for runs in rule.runs:
        names = list(DECL.tables) if runs.table == ROW_LEVEL else [runs.table]
        for name in names:
            check = runs.check(DECL.tables[name]) if runs.table == ROW_LEVEL else runs.check
            whole, part = _outcome(check, name, tables), _outcome(check, name, cut)
            assert (whole is None) == (part is None) and (whole is None or (whole == part).all()), (rule_id, name)


def test_both_engines_take_the_key_rules_from_the_same_kernels(make_package, monkeypatch):
    """required, primary-key and foreign-key are the kernels of rules.columns in both engines:
    with each kernel made blind, neither engine reports its rule."""
    def edit(rows):
        rows["events"][0]["summary"] = ""  # required
        rows["actors"].append(dict(rows["actors"][-1]))  # primary key
        rows["events"][1]["place_id"] = "nowhere"  # foreign key
    root = make_package(edit)
    key_rules = {"required", "primary-key", "foreign-key"}
    for engine in ("always", "never"):
        found = {e.rule for e in validate_package(root, frictionless="never", pandera=engine).errors}
        assert key_rules <= found, engine
    monkeypatch.setattr(columns, "missing", lambda values: np.zeros(len(values), dtype=bool))
    monkeypatch.setattr(columns, "repeated", lambda table, data, keys, memo: np.zeros(data.num_rows, dtype=bool))
    monkeypatch.setattr(columns, "unfound", lambda values, keys, rows=None: np.zeros(len(values), dtype=bool))
    for engine in ("always", "never"):
        found = {e.rule for e in validate_package(root, frictionless="never", pandera=engine).errors}
        assert not key_rules & found, engine


def test_both_engines_cap_a_composite_key_alike(make_package, monkeypatch):
    """The composite key (a whole-frame check in pandera, per key column in the vectorised run)
    is listed and capped the same way by both engines (findings.capped)."""
    from syria_conflict_events.validation import runner, semantic

    monkeypatch.setattr(semantic, "MAX_ERRORS_PER_RULE", 3)
    monkeypatch.setattr(runner, "MAX_ERRORS_PER_RULE", 3)

    def edit(rows):
        rows["event_actors"][1:1] = [dict(rows["event_actors"][0]) for _ in range(6)]  # six repeats of row 2
    root = make_package(edit)
    reports = [[(e.row, e.column, e.rule, e.message) for e in validate_package(
        root, frictionless="never", pandera=engine).errors] for engine in ("always", "never")]
    assert reports[0] == reports[1]
    counted = [m for row, _, rule, m in reports[0] if row is None and rule == "primary-key"]
    assert len(counted) == 3 and all(m.startswith("3 more rows break this rule") for m in counted)
