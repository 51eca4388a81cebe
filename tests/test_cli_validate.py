"""`sce validate` as contributors and CI meet it: exit codes, output formats, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO

SCE = [sys.executable, "-m", "syria_conflict_events"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SCE, *map(str, args)], capture_output=True, text=True, cwd=REPO, timeout=300)


def test_valid_package_exits_0(valid_package):
    result = run("validate", valid_package)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid:")


def test_invalid_package_exits_1_with_located_errors(valid_package):
    path = valid_package / "data" / "events.csv"
    path.write_text(path.read_text().replace("2024-11-27,2024-11-29", "2024-11-27,2024-02-30"))
    result = run("validate", valid_package)
    assert result.returncode == 1
    assert "data/events.csv:3:date_end: type:" in result.stderr
    assert "hint:" in result.stderr
    assert "Traceback" not in result.stderr


def test_json_format_carries_the_same_errors(valid_package):
    path = valid_package / "data" / "actors.csv"
    path.write_text(path.read_text().replace("Syrian Arab Army,", "=Syrian Arab Army,"))
    result = run("validate", valid_package, "--format", "json")
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["valid"] is False and payload["exit_code"] == 1
    err = next(e for e in payload["errors"] if e["rule"] == "formula-cell")
    assert (err["path"], err["row"], err["column"]) == ("data/actors.csv", 4, "name")
    assert err["hint"]


def test_github_format_annotates_lines(valid_package):
    path = valid_package / "data" / "events.csv"
    path.write_text(path.read_text().replace(",skirmish,", ",x,").replace(",battles,", ",skirmish,"))
    result = run("validate", valid_package, "--format", "github")
    assert result.returncode == 1
    assert "::error file=data/events.csv,line=3,title=enum::" in result.stdout


def test_unreadable_descriptor_exits_2(valid_package):
    (valid_package / "datapackage.json").write_bytes(b"\xff\xfe not json")
    result = run("validate", valid_package)
    assert result.returncode == 2
    assert "descriptor-unreadable" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_directory_exits_2(tmp_path):
    result = run("validate", tmp_path / "nope")
    assert result.returncode == 2
    assert "not a directory" in result.stderr


def test_bad_usage_exits_2():
    assert run("validate", "--format", "yaml").returncode == 2
    assert run("no-such-command").returncode == 2


def test_version_is_printed_on_stdout_and_exits_0():
    from importlib.metadata import version

    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"sce {version('syria-conflict-events')}"


def test_the_generated_descriptor_is_not_checked_again(valid_package):
    """A package whose datapackage.json is exactly the generated one needs neither jsonschema nor
    frictionless at large sizes (the generated descriptor is checked by tests/test_metadata.py);
    an edited one is still checked against both schemas (tests/test_validate_rules.py)."""
    code = (
        "import sys\n"
        "from syria_conflict_events.validation import validate_package\n"
        f"report = validate_package({str(valid_package)!r}, frictionless='never', pandera='never')\n"
        "print(report.valid, *(m for m in ('jsonschema', 'frictionless') if m in sys.modules))\n"
        "import os; sys.stdout.flush(); os._exit(0)\n"  # as cli.run leaves: native pools can abort finalisation
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True"]
