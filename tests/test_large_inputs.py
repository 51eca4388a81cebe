"""Large and hostile inputs: a 200 MB CSV is validated (and checked by `sce fmt --check`) within
bounded memory, measured as the peak resident set size of a subprocess; files over the size
limits are refused with a clear message before they are read.

The 200 MB tests take about a minute each on a laptop (they are marked slow:
`pytest -m "not slow"` skips them); the memory bound is generous on purpose (4 GiB), it guards
against a blow-up, not against a few percent."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, VALID_ROWS, write_package

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.validation import validate_package
from syria_conflict_events.validation.json_layer import MAX_JSON_BYTES
from syria_conflict_events.validation.runner import PANDERA_AUTO_MAX_ROWS
from syria_conflict_events.validation.semantic import MAX_ERRORS_PER_RULE
from syria_conflict_events.validation.structure import DEFAULT_MAX_BYTES

TARGET_BYTES = 200 * 1000 * 1000
MEMORY_BOUND = 4 * 1024**3
EVENTS = load_declaration().tables["events"]

# Runs one `sce` command and reports the process's own peak memory (ru_maxrss is in KiB on Linux).
_MEASURE = """
import os, resource, sys
from syria_conflict_events.cli import main
code = main(sys.argv[1:])
print(f"MAXRSS_KIB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
sys.stdout.flush(); sys.stderr.flush()
os._exit(code)  # as the sce entry point leaves (cli.run): no finalisation for native pools to abort
"""


def run_measured(*args: str | Path) -> tuple[subprocess.CompletedProcess[str], int]:
    result = subprocess.run([sys.executable, "-c", _MEASURE, *map(str, args)], capture_output=True,
                            text=True, cwd=REPO, timeout=1800)
    line = next(x for x in result.stderr.splitlines() if x.startswith("MAXRSS_KIB "))
    return result, int(line.split()[1]) * 1024


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _grow_events(root: Path, *, max_bytes: int, max_rows: int, repeat: int) -> Path:
    """Append well-formed, sorted event rows (no claim, no actor: two rule failures on every row)
    to the package's events.csv until it has ``max_bytes`` bytes or ``max_rows`` new rows."""
    template = dict(VALID_ROWS["events"][1], summary=" ".join(["Fighting on the western edge of the city."] * repeat))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(
        ["{id}" if n == "event_id" else template.get(n, "") for n in EVENTS.field_names])
    line = buf.getvalue()
    path = root / EVENTS.path
    existing = path.read_bytes()
    first = len(VALID_ROWS["events"]) + 1
    last = first + max_rows
    with path.open("wb") as fh:
        fh.write(existing)
        size, start = len(existing), first
        while size < max_bytes and start < last:
            ids = range(start, min(start + 10_000, last))
            chunk = "".join(line.replace("{id}", f"SCE-{i:06d}") for i in ids).encode()
            fh.write(chunk)
            size += len(chunk)
            start = ids.stop
    assert start < 1_000_000  # six-digit IDs, so the file stays in canonical order
    return root


@pytest.fixture(scope="module")
def big_package(tmp_path_factory) -> Path:
    """The small valid package, with events.csv grown to 200 MB."""
    root = write_package(tmp_path_factory.mktemp("large") / "pkg")
    return _grow_events(root, max_bytes=TARGET_BYTES, max_rows=10**6, repeat=5)


@pytest.mark.slow
def test_200mb_csv_is_validated_within_bounded_memory(big_package):
    path = big_package / EVENTS.path
    assert path.stat().st_size >= TARGET_BYTES
    before = _sha256(path)
    result, peak = run_measured("validate", big_package, "--format", "json", "--frictionless", "auto")
    assert result.returncode == 1, result.stderr[-2000:]
    payload = json.loads(result.stdout)
    assert payload["rows"]["events"] > 600_000
    rules = {e["rule"] for e in payload["errors"]}
    assert rules == {"event-without-claim", "event-without-actor"}
    # Each rule lists its first MAX_ERRORS_PER_RULE rows, then one line counts the rest.
    assert payload["error_count"] == 2 * (MAX_ERRORS_PER_RULE + 1)
    summaries = [e for e in payload["errors"] if e["row"] is None]
    assert len(summaries) == 2 and all("more rows break this rule" in e["message"] for e in summaries)
    assert peak < MEMORY_BOUND, f"peak memory {peak / 2**30:.2f} GiB"
    assert _sha256(path) == before


@pytest.mark.slow
def test_200mb_csv_fmt_check_within_bounded_memory(big_package):
    before = _sha256(big_package / EVENTS.path)
    result, peak = run_measured("fmt", big_package, "--check")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert peak < MEMORY_BOUND, f"peak memory {peak / 2**30:.2f} GiB"
    assert _sha256(big_package / EVENTS.path) == before


@pytest.mark.slow
def test_pandera_engine_stays_bounded_when_a_rule_fails_on_every_row(tmp_path):
    """Up to PANDERA_AUTO_MAX_ROWS rows the semantic rules run through pandera, which lists a
    failed row rule once per column of each failing row: 190,000 failing rows (25 MB) took
    3.3 GB before the rules kept only the rows that are reported (now about 0.4 GB)."""
    rows = PANDERA_AUTO_MAX_ROWS - 100
    root = _grow_events(write_package(tmp_path / "pkg"), max_bytes=10**9, max_rows=rows, repeat=1)
    result, peak = run_measured("validate", root, "--format", "json")
    assert result.returncode == 1, result.stderr[-2000:]
    payload = json.loads(result.stdout)
    assert sum(payload["rows"].values()) <= PANDERA_AUTO_MAX_ROWS  # the pandera engine ran
    assert payload["error_count"] == 2 * (MAX_ERRORS_PER_RULE + 1)
    counts = sorted(e["message"] for e in payload["errors"] if e["row"] is None)
    assert counts == [f"{rows - MAX_ERRORS_PER_RULE:,} more rows break this rule (only the first "
                      f"{MAX_ERRORS_PER_RULE:,} of {rows:,} are listed)"] * 2
    assert peak < 2 * 1024**3, f"peak memory {peak / 2**30:.2f} GiB"


def _sparse(path: Path, size: int) -> None:
    """A file of ``size`` bytes that takes no disk space (the limits look at the size first)."""
    with path.open("r+b" if path.exists() else "wb") as fh:
        fh.truncate(size)


def test_csv_over_the_limit_is_refused_before_it_is_read(valid_package):
    path = valid_package / EVENTS.path
    _sparse(path, DEFAULT_MAX_BYTES + 1)
    report = validate_package(valid_package)
    assert report.exit_code == 1
    (error,) = [e for e in report.errors if e.path == EVENTS.path]
    assert error.rule == "file-too-large"
    assert f"{DEFAULT_MAX_BYTES + 1:,} bytes is more than the limit of {DEFAULT_MAX_BYTES:,}" in error.message
    assert path.stat().st_size == DEFAULT_MAX_BYTES + 1


def test_max_bytes_option_lowers_the_limit(valid_package, capsys):
    from syria_conflict_events.cli import main

    assert main(["validate", str(valid_package), "--max-bytes", "100", "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert {e["rule"] for e in payload["errors"]} == {"file-too-large"}


def test_fmt_refuses_a_file_over_its_limit(valid_package, capsys):
    from syria_conflict_events.cli import main

    path = valid_package / EVENTS.path
    _sparse(path, DEFAULT_MAX_BYTES + 1)
    assert main(["fmt", str(valid_package)]) == 2
    err = capsys.readouterr().err
    assert "more than the limit" in err and "file left unchanged" in err
    assert path.stat().st_size == DEFAULT_MAX_BYTES + 1


def test_json_table_over_the_limit_is_refused(valid_package):
    _sparse(valid_package / "data" / "events.json", MAX_JSON_BYTES + 1)
    report = validate_package(valid_package, frictionless="never")
    (error,) = report.errors
    assert (error.path, error.rule) == ("data/events.json", "json-schema")
    assert "more than the limit" in error.message


def test_descriptor_over_the_limit_is_unreadable(valid_package):
    _sparse(valid_package / "datapackage.json", MAX_JSON_BYTES + 1)
    report = validate_package(valid_package)
    assert report.exit_code == 2
    assert [e.rule for e in report.errors] == ["descriptor-unreadable"]


@pytest.mark.parametrize("engine", ["always", "never"])
def test_errors_per_rule_are_capped_in_every_layer(tmp_path, monkeypatch, engine):
    """Frictionless, pandera and the vectorised rules all stop listing a rule after the cap (here
    lowered to 10) and one line counts the rest, so the report stays small whatever the file."""
    from syria_conflict_events.validation import runner, semantic

    monkeypatch.setattr(semantic, "MAX_ERRORS_PER_RULE", 10)
    monkeypatch.setattr(runner, "MAX_ERRORS_PER_RULE", 10)
    root = _grow_events(write_package(tmp_path / "pkg"), max_bytes=10**9, max_rows=30, repeat=1)
    path = root / EVENTS.path
    path.write_bytes(path.read_bytes().replace(b",battles,armed_clash,", b",battle,armed_clash,"))
    report = validate_package(root, frictionless="always", pandera=engine)
    listed: dict[tuple, int] = {}
    for e in report.errors:
        if e.row is not None:
            listed[(e.rule, e.column)] = listed.get((e.rule, e.column), 0) + 1
    assert listed[("enum", "event_type")] == 10
    assert listed[("event-without-claim", "event_id")] == 10
    assert max(listed.values()) == 10
    counts = {(e.rule, e.column): e.message for e in report.errors if e.row is None}
    assert "more rows break this rule" in counts[("enum", "event_type")]
    assert counts[("event-without-claim", "event_id")].startswith("20 more rows break this rule")
