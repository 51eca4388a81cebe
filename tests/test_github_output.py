"""The pull-request workflow's output: every error reaches the author. GitHub shows ten error
annotations per step, so `--format github` also says when there are more and writes every error
to the job summary ($GITHUB_STEP_SUMMARY); `sce fmt --check` annotations carry a line number.
Run as the workflow runs them: the real command, with GITHUB_STEP_SUMMARY pointing at a file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO

SCE = [sys.executable, "-m", "syria_conflict_events"]
ANNOTATION = re.compile(r"^::error file=([^,]+)(?:,line=(\d+))?,title=([^:]+)::(.*)$")


def run_in_actions(summary: Path, *args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true"}
    return subprocess.run([*SCE, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def _many_errors(root: Path, n: int) -> None:
    """``n`` events with an unknown place: ``n`` foreign-key errors."""
    path = root / "data" / "events.csv"
    header, *rows = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    template = rows[0].split(",")
    names = header.split(",")
    out = [header, *rows]
    for i in range(n):
        cells = list(template)
        cells[names.index("event_id")] = f"SCE-9{i:05d}"
        cells[names.index("place_id")] = f"nowhere-{i}"
        out.append(",".join(cells))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def test_validate_more_errors_than_annotations_all_reach_the_summary(valid_package, tmp_path):
    _many_errors(valid_package, 25)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    result = run_in_actions(summary, "validate", valid_package, "--format", "github")
    assert result.returncode == 1, result.stderr
    annotations = [m for m in map(ANNOTATION.match, result.stdout.splitlines()) if m]
    fk = [m for m in annotations if m.group(3) == "foreign-key"]
    assert len(fk) == 25 and all(m.group(2) for m in fk)  # every error has its line
    assert "::notice title=more errors than annotations::" in result.stdout
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n")  # appended, as GitHub expects
    assert "error(s)" in text and "| file | line | column | rule | message | how to fix |" in text
    for i in range(25):
        assert f"nowhere-{i}" in text
    table_rows = [line for line in text.splitlines() if line.startswith("| data/")]
    assert len(table_rows) == len(annotations)


def test_validate_few_errors_no_notice_and_valid_summary(valid_package, tmp_path):
    summary = tmp_path / "summary.md"
    result = run_in_actions(summary, "validate", valid_package, "--format", "github")
    assert result.returncode == 0
    assert "::notice" not in result.stdout
    assert ": valid" in summary.read_text(encoding="utf-8")


def test_summary_cells_cannot_break_the_table(valid_package, tmp_path):
    path = valid_package / "data" / "events.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",aleppo,", ",a|b<script>,", 1), encoding="utf-8")
    summary = tmp_path / "summary.md"
    run_in_actions(summary, "validate", valid_package, "--format", "github")
    rows = [line for line in summary.read_text(encoding="utf-8").splitlines() if line.startswith("| data/")]
    assert rows and all(line.count("|") == 7 for line in rows)
    assert "<script>" not in summary.read_text(encoding="utf-8")


def test_no_summary_outside_actions(valid_package, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    result = subprocess.run([*SCE, "validate", str(valid_package), "--format", "github"], capture_output=True,
                            text=True, env=env, timeout=300)
    assert result.returncode == 0


def test_unwritable_summary_is_not_fatal(valid_package, tmp_path):
    result = run_in_actions(tmp_path / "no" / "such" / "dir" / "summary.md", "validate", valid_package,
                            "--format", "github")
    assert result.returncode == 0
    assert "cannot write the job summary" in result.stderr and "Traceback" not in result.stderr


def test_fmt_check_annotations_carry_a_line_and_reach_the_summary(valid_package, tmp_path):
    path = valid_package / "data" / "actors.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[2], lines[3] = lines[3], lines[2]  # rows 3 and 4 out of order
    path.write_text("\n".join(lines), encoding="utf-8")
    bad = valid_package / "data" / "places.csv"
    text = bad.read_text(encoding="utf-8").split("\n")
    text[1] = text[1] + ",extra"  # a row with too many cells: refused, with its line
    bad.write_text("\n".join(text), encoding="utf-8")
    summary = tmp_path / "summary.md"
    result = run_in_actions(summary, "fmt", "--check", "--format", "github", cwd=valid_package)
    assert result.returncode == 2, result.stdout + result.stderr
    annotations = {m.group(1): m for m in map(ANNOTATION.match, result.stdout.splitlines()) if m}
    assert annotations["data/actors.csv"].group(2) == "3"
    assert annotations["data/places.csv"].group(2) == "2"
    text = summary.read_text(encoding="utf-8")
    assert "| data/actors.csv | 3 |" in text and "| data/places.csv | 2 |" in text


def test_the_workflow_runs_the_commands_that_write_the_summary():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "pr.yml").read_text(encoding="utf-8"))
    runs = [step.get("run", "") for step in workflow["jobs"]["data"]["steps"]]
    assert any("sce validate" in r and "--format github" in r for r in runs)
    assert any("sce fmt" in r and "--check" in r and "--format github" in r for r in runs)
