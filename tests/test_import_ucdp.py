"""sce import ucdp-ged: a hand-written fixture in UCDP GED's column layout (tests/fixtures), its
re-import, a newer version of it, bad input, and the real Syria sample from ../shared."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from syria_conflict_events.cli import main
from syria_conflict_events.validation import render, validate_package

FIXTURE = Path(__file__).parent / "fixtures" / "ucdp_ged_small.csv"
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "ucdp-ged-syria-2016-2019.csv"
IMPORTED_IDS = ["900001", "900002", "900003", "900004", "900005", "900006", "900010", "900012"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def _import(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["import", "ucdp-ged", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _external(out: Path) -> dict[tuple[str, str], str]:
    """(scheme, value) -> entity_id for every external id of the package."""
    return {(r["scheme"], r["value"]): r["entity_id"] for r in _rows(out / "data" / "external_ids.csv")}


def test_fixture_imports_to_a_valid_package(tmp_path, capsys):
    out = tmp_path / "pkg"
    code, stdout, stderr = _import(capsys, str(FIXTURE), "--out", str(out))
    assert code == 0, stderr
    report = validate_package(out)
    assert report.valid, render(report)
    events = _rows(out / "data" / "events.csv")
    ext = _external(out)
    assert sorted(v for (s, v) in ext if s == "ucdp_ged") == sorted(IMPORTED_IDS)
    assert len(events) == len(IMPORTED_IDS)
    assert "8 events imported" in stdout and "4 row(s) not mapped" in stdout and "1 warning(s)" in stdout


def test_unmapped_rows_are_reported_with_file_row_column(tmp_path, capsys):
    code, _, stderr = _import(capsys, str(FIXTURE), "--out", str(tmp_path / "pkg"))
    assert code == 0
    lines = stderr.splitlines()
    expected = [f"{FIXTURE}:8:where_prec:", f"{FIXTURE}:9:latitude:", f"{FIXTURE}:10:date_start:",
                f"{FIXTURE}:12:country:", f"{FIXTURE}:11:low: warning:"]
    for prefix in expected:
        assert any(line.startswith(prefix) for line in lines), (prefix, stderr)
    assert "outside the bounding box of SYR" in stderr


def test_crosswalk_choices(tmp_path, capsys):
    out = tmp_path / "pkg"
    _import(capsys, str(FIXTURE), "--out", str(out))
    ext = _external(out)
    events = {r["event_id"]: r for r in _rows(out / "data" / "events.csv")}

    def event(ucdp_id: str) -> dict[str, str]:
        return events[ext[("ucdp_ged", ucdp_id)]]

    assert (event("900001")["event_type"], event("900001")["sub_event_type"]) == ("battles", "armed_clash")
    assert (event("900002")["event_type"], event("900002")["sub_event_type"]) == ("battles", "armed_clash")
    assert event("900003")["event_type"] == "violence_against_civilians"
    assert event("900003")["sub_event_type"] == "attack"
    assert event("900002")["date_precision"] == "range" and event("900005")["date_precision"] == "month"
    assert [event(i)["location_precision"] for i in ("900001", "900002", "900003", "900004", "900005")] == \
        ["1", "2", "3", "4", "6"]
    places = {r["place_id"]: r for r in _rows(out / "data" / "places.csv")}
    assert places[event("900003")["place_id"]]["place_type"] == "district"
    assert places[event("900004")["place_id"]]["place_type"] == "governorate"
    assert places[event("900005")["place_id"]]["place_type"] == "country"
    # The same village at the same coordinates is one place.
    assert event("900001")["place_id"] == event("900012")["place_id"] == "alpha"
    assert places["alpha"]["place_type"] == "village" and places["alpha"]["parent_place_id"] == "example-district"
    # Figures: low/best/high on the event; UCDP (the compiler) claims them with deaths by side.
    assert (event("900001")["fatalities_low"], event("900001")["fatalities_best"],
            event("900001")["fatalities_high"]) == ("3", "3", "5")
    # Unordered figures: the event keeps the best estimate and says why.
    assert (event("900010")["fatalities_low"], event("900010")["fatalities_best"],
            event("900010")["fatalities_high"]) == ("3", "3", "3")
    assert "not ordered" in event("900010")["notes"]
    roles = {(r["event_id"], r["role"]): r["actor_id"] for r in _rows(out / "data" / "event_actors.csv")}
    assert roles[(ext[("ucdp_ged", "900001")], "side_a")] == "government-of-syria"
    assert roles[(ext[("ucdp_ged", "900001")], "side_b")] == "example-insurgents"


def test_sources_split_and_claims(tmp_path, capsys):
    out = tmp_path / "pkg"
    _import(capsys, str(FIXTURE), "--out", str(out))
    ext = _external(out)
    sources = {r["source_id"]: r for r in _rows(out / "data" / "sources.csv")}
    claims = _rows(out / "data" / "claims.csv")

    def claims_of(ucdp_id: str) -> list[dict[str, str]]:
        return [c for c in claims if c["event_id"] == ext[("ucdp_ged", ucdp_id)]]

    first = claims_of("900001")
    assert len(first) == 3  # UCDP's own claim with the figures, and one per listed source
    titles = sorted(sources[c["source_id"]]["title"] for c in first)
    assert titles == ["Clashes near Alpha", "Fighting reported in Alpha", "UCDP Georeferenced Event Dataset"]
    by_ucdp = [c for c in first if c["claimant_actor_id"] == "uppsala-conflict-data-program"]
    assert by_ucdp[0]["fatalities_claimed"] == "3"
    assert "2 on side A, 1 on side B, 0 civilians, 0 unknown" in by_ucdp[0]["claim"]
    assert all(c["fatalities_claimed"] == "" for c in first if c is not by_ucdp[0])
    # A headline containing ';' is separated through source_article.
    titles4 = sorted(sources[c["source_id"]]["title"] for c in claims_of("900004"))
    assert "Shelling; casualties reported" in titles4 and "Second report" in titles4
    # A date that is not a date is not invented: published_date stays empty and notes say what UCDP gave.
    undated = [sources[c["source_id"]] for c in claims_of("900005") if c["claimant_actor_id"] == "example-monitor"]
    assert undated[0]["published_date"] == "" and "not dated" in undated[0]["notes"]
    assert all(s["url"] == "" for s in sources.values())


def test_every_ucdp_id_is_mapped(tmp_path, capsys):
    out = tmp_path / "pkg"
    _import(capsys, str(FIXTURE), "--out", str(out))
    ext = _external(out)
    eid = ext[("ucdp_ged", "900002")]
    assert ext[("ucdp_ged_relid", "SYR-2017-1-900002")] == eid
    assert ("ucdp_conflict", "901") in ext and ("ucdp_dyad", "902") in ext
    assert ext[("ucdp_actor", "9003")] == "example-front" and ext[("ucdp_actor", "9001")] == "government-of-syria"


def test_reimport_of_the_same_file_changes_nothing(tmp_path, capsys):
    out = tmp_path / "pkg"
    _import(capsys, str(FIXTURE), "--out", str(out))
    before = _snapshot(out)
    code, stdout, _ = _import(capsys, str(FIXTURE), "--out", str(out))
    assert code == 0
    assert _snapshot(out) == before
    assert "0 added, 0 changed, 0 retired, 8 unchanged" in stdout and "0 file(s) written" in stdout


def test_columns_are_matched_by_name_not_position(tmp_path, capsys):
    rows = _rows(FIXTURE)
    shuffled = list(reversed(list(rows[0])))
    moved = _write_csv(tmp_path / "reordered.csv", rows, shuffled)
    _import(capsys, str(FIXTURE), "--out", str(tmp_path / "a"))
    _import(capsys, str(moved), "--out", str(tmp_path / "b"))
    for table in ("events", "places", "actors", "claims", "sources", "external_ids"):
        assert (tmp_path / "a" / "data" / f"{table}.csv").read_bytes() == \
            (tmp_path / "b" / "data" / f"{table}.csv").read_bytes()


def test_a_smaller_column_set_imports(tmp_path, capsys):
    """Without relid, code_status, *_dset_id, where_description, gwnoa/gwnob, source_article."""
    dropped = {"relid", "code_status", "conflict_dset_id", "dyad_dset_id", "side_a_dset_id", "side_b_dset_id",
               "where_description", "gwnoa", "gwnob", "source_article", "geom_wkt", "priogrid_gid"}
    rows = _rows(FIXTURE)
    small = _write_csv(tmp_path / "small.csv", rows, [c for c in rows[0] if c not in dropped])
    out = tmp_path / "pkg"
    code, _, stderr = _import(capsys, str(small), "--out", str(out))
    assert code == 0, stderr
    assert validate_package(out).valid
    assert not any(s == "ucdp_ged_relid" for s, _ in _external(out))


def test_newer_version_keeps_ids_and_reports_changes(tmp_path, capsys):
    out = tmp_path / "pkg"
    _import(capsys, str(FIXTURE), "--out", str(out))
    first = _external(out)
    rows = _rows(FIXTURE)
    rows = [r for r in rows if r["id"] != "900003"]  # withdrawn by UCDP
    for r in rows:
        if r["id"] == "900002":
            r["best"], r["high"] = "3", "4"  # revised figures
    added = dict(rows[0], id="900013", relid="SYR-2017-1-900013", source_headline="A new report",
                 source_office="Example Wire", source_date="2017-04-01", source_article="")
    newer = _write_csv(tmp_path / "newer.csv", [*rows, added])
    changes = tmp_path / "changes.json"
    code, stdout, _ = _import(capsys, str(newer), "--out", str(out), "--changes", str(changes))
    assert code == 0
    second = _external(out)
    for ucdp_id in IMPORTED_IDS:
        if ucdp_id != "900003":
            assert second[("ucdp_ged", ucdp_id)] == first[("ucdp_ged", ucdp_id)]
    new_id = second[("ucdp_ged", "900013")]
    assert new_id == "SCE-000009"  # past every id used before, never a reused one
    withdrawn = first[("ucdp_ged", "900003")]
    retired = _rows(out / "data" / "retired_ids.csv")
    assert [(r["table_name"], r["retired_id"]) for r in retired] == [("events", withdrawn)]
    report = json.loads(changes.read_text(encoding="utf-8"))
    assert report["added"] == [{"event_id": new_id, "external_id": "900013"}]
    assert report["retired"] == [{"event_id": withdrawn, "external_id": "900003"}]
    assert report["changed"] == [{"event_id": first[("ucdp_ged", "900002")],
                                  "columns": ["fatalities_best", "fatalities_high"]}]
    assert "1 added, 1 changed, 1 retired" in stdout
    assert validate_package(out).valid, render(validate_package(out))


def test_filters(tmp_path, capsys):
    out = tmp_path / "pkg"
    code, stdout, stderr = _import(capsys, str(FIXTURE), "--out", str(out), "--country", "SYR",
                                   "--from", "2017-03-02", "--to", "2017-12-31")
    assert code == 0
    ext = _external(out)
    assert sorted(v for (s, v) in ext if s == "ucdp_ged") == ["900002"]
    assert "country" not in stderr  # Chad is filtered out, not reported
    assert "filtered out" in stdout


def test_strict_fails_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "pkg"
    code, _, stderr = _import(capsys, str(FIXTURE), "--out", str(out), "--strict")
    assert code == 1
    assert "could not be mapped (--strict)" in stderr
    assert not out.exists()


@pytest.mark.parametrize("content, message", [
    (b"id,side_a\n1,x\n", "missing column(s)"),
    (b"", "empty"),
    (b"\xff\xfeid\n", "not valid UTF-8"),
])
def test_unreadable_input_is_a_clear_error(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    out = tmp_path / "pkg"
    code, _, stderr = _import(capsys, str(bad), "--out", str(out))
    assert code == 2
    assert message in stderr and "Traceback" not in stderr
    assert not out.exists()


@pytest.fixture
def small_chunks(monkeypatch):
    """The importer's UTF-8 check reads 7 bytes at a time: characters split across chunks."""
    from syria_conflict_events.importers import common

    monkeypatch.setattr(common, "_CHUNK", 7)


def test_a_bad_byte_late_in_the_file_names_its_line_and_nothing_is_written(tmp_path, capsys, small_chunks):
    data = FIXTURE.read_bytes()
    lines = data.split(b"\n")
    lines[5] = lines[5].replace(b",", b",\xe9", 1)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\n".join(lines))
    code, _, stderr = _import(capsys, str(bad), "--out", str(tmp_path / "pkg"))
    assert code == 2 and f"{bad}:6: byte 0xe9 is not valid UTF-8" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "pkg").exists()


def test_a_character_cut_at_the_end_of_the_file_is_refused(tmp_path, capsys, small_chunks):
    bad = tmp_path / "cut.csv"
    bad.write_bytes(FIXTURE.read_bytes() + "\u0627".encode()[:1])
    code, _, stderr = _import(capsys, str(bad), "--out", str(tmp_path / "pkg"))
    assert code == 2 and "is not valid UTF-8" in stderr and "Traceback" not in stderr


def test_characters_across_chunks_and_a_byte_order_mark_read_as_they_are(tmp_path, capsys, small_chunks):
    rows = _rows(FIXTURE)
    rows[0]["side_b"] = "\u062c\u064a\u0634 \u0627\u0644\u0641\u062a\u062d"  # Arabic, 2 bytes a character
    marked = tmp_path / "bom.csv"
    _write_csv(marked, rows)
    marked.write_bytes(b"\xef\xbb\xbf" + marked.read_bytes())
    code, _, stderr = _import(capsys, str(marked), "--out", str(tmp_path / "pkg"))
    assert code == 0, stderr
    events = (tmp_path / "pkg" / "data" / "events.csv").read_text(encoding="utf-8")
    assert f"and {rows[0]['side_b']} " in events  # the summary names both sides


def test_missing_file_and_bad_dates_are_usage_errors(tmp_path, capsys):
    code, _, stderr = _import(capsys, str(tmp_path / "absent.csv"), "--out", str(tmp_path / "pkg"))
    assert code == 2 and "cannot read" in stderr
    with pytest.raises(SystemExit) as exc:
        main(["import", "ucdp-ged", str(FIXTURE), "--out", str(tmp_path / "pkg"), "--from", "2017-02-30"])
    assert exc.value.code == 2


def test_a_directory_with_other_events_is_refused(valid_package, capsys):
    before = _snapshot(valid_package)
    code, _, stderr = _import(capsys, str(FIXTURE), "--out", str(valid_package))
    assert code == 2 and "no UCDP GED import wrote" in stderr
    assert _snapshot(valid_package) == before


@pytest.mark.skipif(not SAMPLE.is_file(), reason=f"real UCDP GED sample not present at {SAMPLE} "
                    "(../shared is absent in this clone)")
def test_real_ucdp_sample_imports_and_validates(tmp_path, capsys):
    out = tmp_path / "ucdp"
    code, stdout, stderr = _import(capsys, str(SAMPLE), "--out", str(out))
    assert code == 0, stderr[-2000:]
    assert "16,566 events imported" in stdout and "0 row(s) not mapped" in stdout
    report = validate_package(out)
    assert report.valid, render(report)[-3000:]
    assert report.rows["events"] == 16566


def test_import_loads_no_heavy_library(tmp_path):
    """`sce import` needs none of the validator's libraries: start-up stays short. (DuckDB's Python
    binding imports pandas, about 0.2 s, when it first reads an Arrow table: allowed.)"""
    import subprocess
    import sys

    code = ("import sys\nfrom syria_conflict_events.cli import main\n"
            f"assert main(['import', 'ucdp-ged', {str(FIXTURE)!r}, '--out', {str(tmp_path / 'pkg')!r}]) == 0\n"
            "print('loaded:', *(m for m in ('frictionless', 'pandera', 'jsonschema') if m in sys.modules))\n"
            "import os; sys.stdout.flush(); os._exit(0)")  # as cli.run leaves: native pools can abort finalisation
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == "loaded:", done.stdout
    assert (tmp_path / "pkg" / "data" / "events.csv").is_file()


def test_imported_text_loses_the_characters_the_validator_refuses():
    """The importer cleans with the validator's own pattern (text_rules.CONTROL): a bidirectional
    override in a source field would otherwise make the imported package invalid."""
    import re

    from syria_conflict_events.importers.common import clean
    from syria_conflict_events.text_rules import CONTROL

    for raw in ["Idlib\u202e town", "tab\there", "\u2066Aleppo\u2069", "=SUM(A1)"]:
        assert not re.search(CONTROL, clean(raw)), raw
    assert clean("Idlib\u202e town") == "Idlib town"


def test_a_character_cut_before_an_ascii_chunk_is_refused(tmp_path, small_chunks):
    """A character's first bytes end one chunk, an all-ASCII chunk follows, and the next chunk
    starts with what would complete the character: the file is not UTF-8 (found at the ASCII)."""
    from syria_conflict_events.importers.common import ImporterError, _check_utf8

    bad = tmp_path / "split.csv"
    bad.write_bytes(b"abcde\xe2\x80" + b"x,y\nzzz" + b"\xa6tail\n")  # chunks of 7 bytes
    with pytest.raises(ImporterError, match=r"split\.csv:1: byte 0x78 is not valid UTF-8"):
        _check_utf8(bad)
    good = tmp_path / "whole.csv"
    good.write_bytes(b"abcde\xe2\x80" + b"\xa6,y\nzzzz" + b"tail\n")
    assert _check_utf8(good).newlines == 2
