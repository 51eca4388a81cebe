"""Each rule of the validator, proven by a fixture that breaks it (and the valid fixture that
passes, tests/test_smoke.py). Every case checks the rule id, the file, the row and the column
that the error names, and that validation changed no file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from syria_conflict_events.validation import render, validate_package


def _tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _row(rows: dict, table: str, key: str, value: str) -> dict:
    return next(r for r in rows[table] if r[key] == value)


def _set(table: str, key: str, value: str, **cells: str) -> Callable[[dict], None]:
    def edit(rows: dict) -> None:
        _row(rows, table, key, value).update(cells)
    return edit


def _drop(table: str, **match: str) -> Callable[[dict], None]:
    def edit(rows: dict) -> None:
        rows[table] = [r for r in rows[table] if any(r.get(k) != v for k, v in match.items())]
    return edit


def _both(*edits: Callable[[dict], None]) -> Callable[[dict], None]:
    def edit(rows: dict) -> None:
        for e in edits:
            e(rows)
    return edit


def _add_claim(event: str, source: str, claimant: str, stance: str = "asserts",
               published: str | None = None) -> Callable[[dict], None]:
    """A third claim (CLM-000003, line 4 of claims.csv) citing ``source``."""
    def edit(rows: dict) -> None:
        rows["claims"].append({"claim_id": "CLM-000003", "event_id": event, "source_id": source,
                               "claimant_actor_id": claimant, "claim": "The agency reported the same fighting.",
                               "stance": stance})
        if published is not None:
            _row(rows, "sources", "source_id", source)["published_date"] = published
    return edit


def _duplicate_event(rows: dict) -> None:
    rows["events"].insert(1, dict(rows["events"][0]))


def _swap_actor_order(rows: dict) -> None:
    rows["actors"][0], rows["actors"][1] = rows["actors"][1], rows["actors"][0]


def _retire(table: str, rid: str, replaced_by: str = "") -> Callable[[dict], None]:
    def edit(rows: dict) -> None:
        rows["retired_ids"].append({"table_name": table, "retired_id": rid, "retired_in_version": "0.1.0",
                                    "replaced_by": replaced_by, "reason": "Merged into another row in review."})
    return edit


E, A, P, G = "data/events.csv", "data/actors.csv", "data/places.csv", "data/agreements.csv"

# (id, edit, expected (path, line, column, rule))
ROW_CASES = [
    ("duplicate-id", _duplicate_event, (E, 3, "event_id", "primary-key")),
    ("broken-foreign-key", _set("events", "event_id", "SCE-000002", place_id="nowhere"),
     (E, 3, "place_id", "foreign-key")),
    ("impossible-date", _set("events", "event_id", "SCE-000002", date_start="2024-02-30"),
     (E, 3, "date_start", "type")),
    ("end-before-start", _set("events", "event_id", "SCE-000002", date_end="2024-11-26"),
     (E, 3, "date_end", "date-order")),
    ("low-above-best", _set("events", "event_id", "SCE-000001", fatalities_low="5"),
     (E, 2, "fatalities_best", "fatalities-order")),
    ("unknown-vocabulary-code", _set("events", "event_id", "SCE-000002", event_type="skirmish"),
     (E, 3, "event_type", "enum")),
    ("unknown-location-precision", _set("events", "event_id", "SCE-000002", location_precision="9"),
     (E, 3, "location_precision", "enum")),
    ("bad-id-pattern", _set("actors", "actor_id", "syrian-state-media", actor_id="Syrian State Media"),
     (A, 5, "actor_id", "pattern")),
    ("required-empty", _set("events", "event_id", "SCE-000002", summary=""), (E, 3, "summary", "required")),
    ("too-short", _set("events", "event_id", "SCE-000002", summary="Fighting"), (E, 3, "summary", "min-length")),
    ("negative-count", _set("events", "event_id", "SCE-000001", fatalities_low="-1"),
     (E, 2, "fatalities_low", "minimum")),
    ("formula-equals", _set("events", "event_id", "SCE-000002", summary="=HYPERLINK(\"x\") fighting"),
     (E, 3, "summary", "formula-cell")),
    ("formula-plus", _set("actors", "actor_id", "syrian-arab-army", name="+Syrian Arab Army"),
     (A, 4, "name", "formula-cell")),
    ("formula-minus", _set("events", "event_id", "SCE-000002", notes="-1 day uncertain"),
     (E, 3, "notes", "formula-cell")),
    ("formula-at", _set("actors", "actor_id", "syrian-arab-army", aliases="@SAA"),
     (A, 4, "aliases", "formula-cell")),
    ("stray-whitespace", _set("actors", "actor_id", "syrian-arab-army", name="Syrian Arab Army "),
     (A, 4, "name", "whitespace")),
    ("control-character", _set("events", "event_id", "SCE-000002", summary="Fighting\ton the western edge."),
     (E, 3, "summary", "control-character")),
    ("bidi-override", _set("actors", "actor_id", "syrian-arab-army", name="Syrian \u202eymrA barA"),
     (A, 4, "name", "control-character")),
    ("swapped-coordinates", _set("places", "place_id", "aleppo", latitude="40.14", longitude="35.33"),
     (P, 2, "latitude", "coordinates-outside-country")),
    ("half-coordinates", _set("places", "place_id", "aleppo", longitude=""),
     (P, 2, "longitude", "coordinates-incomplete")),
    ("parent-cycle", _set("places", "place_id", "syria", parent_place_id="aleppo-university"),
     (P, 4, "parent_place_id", "parent-cycle")),
    ("actor-self-parent", _set("actors", "actor_id", "syrian-arab-army", parent_actor_id="syrian-arab-army"),
     (A, 4, "parent_actor_id", "parent-cycle")),
    ("parent-country", _set("places", "place_id", "aleppo-university", country_iso3="TUR"),
     (P, 3, "country_iso3", "parent-country")),
    ("event-without-claim", _both(_drop("claims", claim_id="CLM-000001"),
                                  _set("events", "event_id", "SCE-000001", fatalities_low="", fatalities_best="",
                                       fatalities_high="", verification="single_source")),
     (E, 2, "event_id", "event-without-claim")),
    ("event-without-actor", _drop("event_actors", event_id="SCE-000001"), (E, 2, "event_id", "event-without-actor")),
    ("fatalities-without-figure", _set("events", "event_id", "SCE-000002", fatalities_best="3"),
     (E, 3, "fatalities_best", "fatalities-without-figure")),
    ("civilians-above-high", _set("events", "event_id", "SCE-000001", civilian_fatalities="5"),
     (E, 2, "civilian_fatalities", "civilian-fatalities")),
    ("sub-type-of-other-type", _set("events", "event_id", "SCE-000002", sub_event_type="air_drone_strike"),
     (E, 3, "sub_event_type", "sub-event-type")),
    ("verification-not-the-rule", _set("events", "event_id", "SCE-000002", verification="corroborated"),
     (E, 3, "verification", "verification-rule")),
    ("corroborated-needs-two-origins", _both(_add_claim("SCE-000002", "wire-report", "syrian-arab-army")),
     (E, 3, "verification", "verification-rule")),
    ("denial-makes-contested", _add_claim("SCE-000001", "wire-report", "hayat-tahrir-al-sham", stance="denies"),
     (E, 2, "verification", "verification-rule")),
    ("fatalities-not-from-claims", _set("events", "event_id", "SCE-000001", fatalities_high="6"),
     (E, 2, "fatalities_best", "fatalities-rule")),
    ("running-toll-is-not-the-event-figure", _set("claims", "claim_id", "CLM-000001", figure_scope="cumulative"),
     (E, 2, "fatalities_best", "fatalities-without-figure")),
    ("figure-without-scope", _set("claims", "claim_id", "CLM-000001", figure_scope=""),
     ("data/claims.csv", 2, "figure_scope", "figure-scope")),
    ("scope-without-figure", _set("claims", "claim_id", "CLM-000002", figure_scope="event"),
     ("data/claims.csv", 3, "figure_scope", "figure-scope")),
    ("report-before-event", _add_claim("SCE-000002", "wire-report", "syrian-arab-army", published="2024-11-20"),
     ("data/claims.csv", 4, "source_id", "source-before-event")),
    ("source-nobody-can-open", _set("sources", "source_id", "news-report", archive_file=""),
     ("data/sources.csv", 3, "url", "source-unopenable")),
    ("url-without-publisher", _set("sources", "source_id", "wire-report", publisher=""),
     ("data/sources.csv", 4, "publisher", "url-without-publisher")),
    ("url-bare-ip", _set("sources", "source_id", "wire-report", url="http://192.168.1.20/report"),
     ("data/sources.csv", 4, "url", "pattern")),
    ("url-not-http", _set("sources", "source_id", "wire-report", url="ftp://example.org/report"),
     ("data/sources.csv", 4, "url", "pattern")),
    ("coordinates-without-source", _set("places", "place_id", "aleppo", coordinates_source_id=""),
     (P, 2, "coordinates_source_id", "coordinates-without-source")),
    ("arabic-name-without-source", _set("actors", "actor_id", "syrian-arab-army", name_ar="الجيش العربي السوري"),
     (A, 4, "name_ar_source_id", "name-ar-without-source")),
    ("violates-before-effective", _set("agreements", "agreement_id", "de-escalation-2019",
                                       date_effective="2025-01-01"),
     ("data/event_agreements.csv", 2, "agreement_id", "violates-before-effective")),
    ("agreement-dates", _set("agreements", "agreement_id", "de-escalation-2019", date_signed="2019-12-01"),
     (G, 2, "date_effective", "agreement-date-order")),
    ("claim-of-other-event", _set("event_agreements", "event_id", "SCE-000002", claim_id="CLM-000001"),
     ("data/event_agreements.csv", 2, "claim_id", "claim-event-mismatch")),
    ("rows-out-of-order", _swap_actor_order, (A, 2, None, "row-order")),
    ("retired-id-reused", _retire("events", "SCE-000001"),
     ("data/retired_ids.csv", 2, "retired_id", "retired-id-in-use")),
    ("tombstone-replacement-missing", _retire("events", "SCE-000009", "SCE-000010"),
     ("data/retired_ids.csv", 2, "replaced_by", "replaced-by-missing")),
    ("external-id-of-missing-row", _set("external_ids", "scheme", "pax", entity_id="no-such-agreement"),
     ("data/external_ids.csv", 2, "entity_id", "entity-missing")),
]


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in ROW_CASES], ids=[c[0] for c in ROW_CASES])
def test_row_rule(make_package, edit, expected):
    root = make_package(edit)
    before = _tree_hash(root)
    report = validate_package(root)
    found = {(e.path, e.row, e.column, e.rule) for e in report.errors}
    assert expected in found, render(report)
    assert report.exit_code == 1
    assert _tree_hash(root) == before, "validation must never modify a file"


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in ROW_CASES], ids=[c[0] for c in ROW_CASES])
def test_pandera_and_vectorised_engines_agree(make_package, edit, expected):
    """The semantic rules give the same cells whether pandera runs them or the vectorised path."""
    root = make_package(edit)
    by_pandera = validate_package(root, frictionless="never", pandera="always")
    vectorised = validate_package(root, frictionless="never", pandera="never")
    assert (by_pandera.engine, vectorised.engine) == ("pandera", "vectorised")
    cells = [{(e.path, e.row, e.column, e.rule) for e in r.errors} for r in (by_pandera, vectorised)]
    assert cells[0] == cells[1]
    assert expected in cells[0]


def test_every_error_is_reported_not_just_the_first(make_package):
    root = make_package(_both(
        _set("events", "event_id", "SCE-000002", date_end="2024-11-26", event_type="skirmish"),
        _set("actors", "actor_id", "syrian-arab-army", name=" SAA"),
    ))
    rules = {e.rule for e in validate_package(root).errors}
    assert {"date-order", "enum", "whitespace"} <= rules


# --- file-level cases: mutate the bytes of one file ----------------------------------------

FILE_CASES = [
    ("crlf", lambda b: b.replace(b"\n", b"\r\n"), "line-ending", 1),
    ("bom", lambda b: b"\xef\xbb\xbf" + b, "bom", 1),
    ("non-utf8", lambda b: b.replace(b"western", "w\xe9stern".encode("latin-1")), "encoding", 3),
    ("semicolons", lambda b: b.replace(b",", b";"), "delimiter", 1),
    ("empty-file", lambda b: b"", "empty-file", None),
    ("missing-column", lambda b: b.replace(b",notes", b"").replace(b",medium,verified,", b",medium,verified")
     .replace(b",low,unverified,", b",low,unverified"), "missing-column", 1),
    ("extra-column", lambda b: b.replace(b",notes\n", b",notes,colour\n", 1), "extra-column", 1),
    ("column-order", lambda b: b.replace(b"event_id,date_start", b"date_start,event_id", 1), "column-order", 1),
    ("short-row", lambda b: b.rstrip(b"\n").rsplit(b",", 1)[0] + b"\n", "malformed-row", 3),
    ("unclosed-quote", lambda b: b.rstrip(b"\n") + b'"\n', "malformed-row", None),
    ("nul-byte", lambda b: b.replace(b"western", b"west\x00ern"), "control-character", 3),
    ("no-final-newline", lambda b: b.rstrip(b"\n"), "final-newline", 3),
]


@pytest.mark.parametrize(("mutate", "rule", "line"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_file_rule(valid_package, mutate, rule, line):
    path = valid_package / "data" / "events.csv"
    path.write_bytes(mutate(path.read_bytes()))
    before = _tree_hash(valid_package)
    report = validate_package(valid_package)
    hits = [e for e in report.errors if e.rule == rule and e.path == "data/events.csv"]
    assert hits, render(report)
    if line is not None:
        assert hits[0].row == line
    assert report.exit_code == 1
    assert _tree_hash(valid_package) == before


def test_missing_table_file(valid_package):
    (valid_package / "data" / "claims.csv").unlink()
    report = validate_package(valid_package)
    assert ("data/claims.csv", "missing-file") in {(e.path, e.rule) for e in report.errors}
    # Rules needing the missing table are skipped, not reported as violations of every event.
    assert "event-without-claim" not in {e.rule for e in report.errors}
    assert report.exit_code == 1


def test_descriptor_not_json_is_unreadable(valid_package):
    (valid_package / "datapackage.json").write_text("{not json", encoding="utf-8")
    report = validate_package(valid_package)
    assert [e.rule for e in report.errors] == ["descriptor-unreadable"]
    assert report.exit_code == 2


def test_descriptor_path_outside_package(valid_package):
    import json

    desc = json.loads((valid_package / "datapackage.json").read_text())
    desc["resources"][0]["path"] = "../../etc/passwd"
    (valid_package / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    report = validate_package(valid_package)
    rules = {e.rule for e in report.errors}
    assert "unsafe-path" in rules and "descriptor-drift" in rules
    assert report.exit_code == 1


def test_descriptor_typo_is_caught(valid_package):
    import json

    desc = json.loads((valid_package / "datapackage.json").read_text())
    desc["resources"][0]["primarykey"] = ["event_id"]  # the profile alone would accept this
    (valid_package / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    errors = validate_package(valid_package).errors
    assert any(e.rule == "descriptor-invalid" and "primarykey" in e.message for e in errors)


def test_deeply_nested_descriptor_is_refused(valid_package):
    (valid_package / "datapackage.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    report = validate_package(valid_package)
    assert report.exit_code == 2
    assert report.errors[0].rule == "descriptor-unreadable"
