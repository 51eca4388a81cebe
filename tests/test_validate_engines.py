"""The Frictionless layer (the standard's own check, run on small packages) and the vectorised
layer (the same Table Schema rules from the same declaration, run at any size) flag the same
(file, row, column, rule) cells on bad packages."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import VALID_ROWS, write_package

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.validation.frictionless_layer import run_frictionless
from syria_conflict_events.validation.semantic import typed_table
from syria_conflict_events.validation.structure import read_raw_table
from syria_conflict_events.validation.vectorised import column_errors

TABLE_SCHEMA_RULES = {"type", "required", "enum", "pattern", "minimum", "maximum", "min-length", "format",
                      "primary-key", "foreign-key"}


def _cells(errors) -> set[tuple]:
    """Comparable cells: a duplicated key is one finding per row (Frictionless names no column)."""
    out = set()
    for e in errors:
        if e.rule in TABLE_SCHEMA_RULES:
            out.add((e.path, e.row, None if e.rule == "primary-key" else e.column, e.rule))
    return out


def _both_layers(root: Path) -> tuple[set[tuple], set[tuple]]:
    decl = load_declaration()
    tables, vectorised = {}, []
    for table in decl.tables.values():
        raw, file_errors = read_raw_table(root, table)
        assert raw is not None, file_errors
        tables[table.name], type_errors = typed_table(table, raw.arrow)
        vectorised += type_errors
    for table in decl.tables.values():
        vectorised += column_errors(decl, table, tables[table.name], tables)
    # As the runner does: a cell that is not of its type is not also called empty.
    mistyped = {(e.path, e.row, e.column) for e in vectorised if e.rule == "type"}
    vectorised = [e for e in vectorised if not (e.rule == "required" and (e.path, e.row, e.column) in mistyped)]
    standard = run_frictionless(root, decl, set(decl.tables))
    return _cells(standard), _cells(vectorised)


def _many_broken_cells(rows: dict) -> None:
    rows["event_actors"].insert(1, dict(rows["event_actors"][0]))
    rows["events"][1].update(fatalities_low="x", fatalities_best="-3", location_precision="1.5",
                             date_end="2024-13-01", summary="=short", event_type="", confidence="sure",
                             event_id="SCE-2")
    rows["places"][0].update(latitude="91", longitude="abc")
    rows["actors"][0].update(aliases="HTS |", wikidata_id="Q0", acled_inter_code="9", parent_actor_id="nobody")
    rows["claims"][0].update(claim_id="CLM-1", fatalities_claimed="1e3", source_id="missing-source")
    rows["claims"].append(dict(rows["claims"][1]))
    rows["sources"][0].update(url="ftp://x", language="eng", published_date="2024-02-30")
    rows["external_ids"].append(dict(rows["external_ids"][0]))
    rows["retired_ids"].append({"table_name": "nonsense", "retired_id": "", "retired_in_version": "1.0",
                                "reason": "short"})


def _edge_values(rows: dict) -> None:
    rows["events"][0].update(fatalities_low="0", fatalities_best="007", fatalities_high="4", date_start="2024-02-29",
                             date_end="2024-02-29")
    rows["events"][1].update(fatalities_low="-0", location_precision="7", date_start="2023-02-29")
    rows["places"][0].update(latitude="-90", longitude="180.0000001")
    rows["places"][1].update(latitude="1e1", longitude=".5")
    rows["claims"][1].update(fatalities_claimed="+1")
    rows["agreements"][0].update(date_signed="2019-1-01", pax_id="12a")
    rows["actors"][3].update(country_iso3="XXX", acled_inter_code="")


def _urls_without_scheme(rows: dict) -> None:
    rows["sources"][0].update(url="gazetteer.example.org/")  # no scheme: the uri format and the pattern
    rows["sources"][2].update(url="1http://www.example.org/")  # a scheme starts with a letter


CASES: dict[str, Callable[[dict], None]] = {"many-broken-cells": _many_broken_cells, "edge-values": _edge_values,
                                            "urls-without-scheme": _urls_without_scheme}


def _known_differences() -> dict[str, dict[tuple, str]]:
    """Where the two layers differ on purpose (tests/fixtures/engine_differences.yaml), by case."""
    data = yaml.safe_load((Path(__file__).parent / "fixtures" / "engine_differences.yaml").read_text(encoding="utf-8"))
    return {case: {(d["path"], d["row"], d["column"], d["rule"]): d["reason"] for d in cells}
            for case, cells in (data or {}).items()}


KNOWN_DIFFERENCES = _known_differences()


def test_every_known_difference_names_a_case_and_a_reason():
    assert set(KNOWN_DIFFERENCES) <= set(CASES)
    assert all(reason.strip() for cells in KNOWN_DIFFERENCES.values() for reason in cells.values())


@pytest.mark.parametrize("case", list(CASES))
def test_frictionless_and_vectorised_layers_agree(tmp_path, case):
    rows = copy.deepcopy(VALID_ROWS)
    CASES[case](rows)
    standard, vectorised = _both_layers(write_package(tmp_path / "pkg", rows))
    assert standard, "the case must break Table Schema rules"
    stricter = set(KNOWN_DIFFERENCES.get(case, {}))
    assert standard | stricter == vectorised, {"only frictionless": standard - vectorised,
                                               "only vectorised": vectorised - standard - stricter}
    assert not stricter & standard, "a known difference that no longer differs: remove it from the list"


def test_valid_package_passes_both(valid_package):
    assert _both_layers(valid_package) == (set(), set())
