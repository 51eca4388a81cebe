"""Public pandera models: they accept what the loader returns, report what the validator reports,
and load(..., validate=True) runs them."""

from __future__ import annotations

import pandas as pd
import pytest
from pandera.errors import SchemaError, SchemaErrors

import syria_conflict_events as sce
from syria_conflict_events import models
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.models import TableValidationError
from syria_conflict_events.validation import validate_package

DECL = load_declaration()

# One broken cell or row per case; each breaks a different kind of rule.
BREAKS = {
    "sub-event-type": lambda r: r["events"][0].update(sub_event_type="armed_clash"),
    "date-order": lambda r: r["events"][1].update(date_end="2024-11-20"),
    "fatalities-order": lambda r: r["events"][0].update(fatalities_low="9"),
    "foreign-key": lambda r: r["events"][0].update(place_id="nowhere"),
    "primary-key": lambda r: r["actors"].append(dict(r["actors"][-1])),
    "whitespace": lambda r: r["events"][0].update(summary=" Projectiles struck student housing."),
    "formula-cell": lambda r: r["claims"][0].update(claim="=HYPERLINK(1) said four died"),
    "parent-cycle": lambda r: r["places"][2].update(parent_place_id="aleppo-university"),
    "event-without-claim": lambda r: r["claims"].pop(0),
    "pattern": lambda r: r["actors"][0].update(wikidata_id="X12"),
}


def test_every_model_accepts_the_loaded_tables(valid_package):
    ds = sce.load_all(root=valid_package)
    for name in DECL.tables:
        getattr(models, name).validate(ds[name])
        models.schema(name, tables=ds).validate(ds[name])


def test_models_are_one_per_declared_table():
    assert set(DECL.tables) <= set(dir(models))
    with pytest.raises(AttributeError):
        models.not_a_table  # noqa: B018
    with pytest.raises(KeyError, match="unknown table"):
        models.schema("not_a_table")


def test_model_checks_loader_dtypes(valid_package):
    events = sce.load("events", root=valid_package)
    for column, wrong in [("event_type", "str"), ("date_start", "datetime64[ns]"), ("fatalities_best", "float64")]:
        with pytest.raises((SchemaError, SchemaErrors), match="dtype"):
            models.events.validate(events.astype({column: wrong}), lazy=True)


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_models_report_what_the_validator_reports(make_package, rule):
    pkg = make_package(BREAKS[rule])
    report = validate_package(pkg, frictionless="never")
    expected = {(e.path, e.row, e.column, e.rule) for e in report.errors if e.layer == "semantic"}
    assert rule in {r for *_, r in expected}
    with pytest.raises(TableValidationError) as caught:
        sce.load_all(root=pkg, validate=True)
    got = {(e.path, e.row, e.column, e.rule) for e in caught.value.errors}
    assert got == expected
    assert rule in str(caught.value)


def test_single_table_validation_skips_rules_needing_other_tables(make_package):
    pkg = make_package(BREAKS["foreign-key"])
    sce.load("events", root=pkg, validate=True)  # places not loaded: the key cannot be checked
    with pytest.raises(TableValidationError, match=r"data/events.csv:2:place_id: foreign-key"):
        sce.load_all(root=pkg, validate=True)


def test_validate_true_turns_unreadable_cells_into_errors(make_package):
    pkg = make_package(lambda r: r["events"][1].update(date_start="2024-02-30", event_type="batles"))
    with pytest.raises(TableValidationError) as caught:
        sce.load("events", root=pkg, validate=True)
    rows = {(e.row, e.column, e.rule) for e in caught.value.errors}
    assert (3, "date_start", "type") in rows
    assert (3, "event_type", "enum") in rows
    assert "'2024-02-30' is not a valid value" in str(caught.value)


def test_derived_frames_can_be_checked(valid_package):
    events = sce.load("events", root=valid_package)
    recent = events[events["date_start"] >= pd.Timestamp("2024-11-28")]
    models.events.validate(recent)
    broken = recent.assign(fatalities_low=pd.array([99], dtype="Int64"))
    with pytest.raises(SchemaErrors, match="fatalities-order"):
        models.events.validate(broken, lazy=True)
