"""Commands act on the package in front of them: run without a path inside a directory that holds
a datapackage.json (or below it), `sce validate`, `build`, `fmt`, `coverage`, `new` and `diff` read
that package, as git finds its repository, and say on stderr which package they read; only outside
any package do they fall back to the bundled copy, and they say so. Run as a user would: the real
command in a subprocess, from the directory in question."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO

SCE = [sys.executable, "-m", "syria_conflict_events"]


def sce(cwd: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SCE, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


def _break(package: Path) -> None:
    """A date that does not exist: an error the bundled copy does not have."""
    path = package / "data" / "events.csv"
    path.write_text(path.read_text().replace("2024-11-27,2024-11-29", "2024-11-27,2024-02-30"))


def test_validate_reads_the_package_in_the_current_directory(valid_package):
    _break(valid_package)
    result = sce(valid_package, "validate")
    assert result.returncode == 1, result.stderr
    assert "data/events.csv:3:date_end: type:" in result.stderr
    assert f"sce validate: package {valid_package.resolve()}" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_finds_the_package_from_a_subdirectory(valid_package):
    _break(valid_package)
    deeper = valid_package / "data" / "notes"
    deeper.mkdir()
    result = sce(deeper, "validate")
    assert result.returncode == 1, result.stderr
    assert "data/events.csv:3:date_end" in result.stderr
    assert str(valid_package.resolve()) in result.stderr


def test_a_valid_copy_is_named_when_it_is_valid(repo_copy):
    result = sce(repo_copy / "data", "validate")
    assert result.returncode == 0, result.stderr
    assert f"package {repo_copy.resolve()}" in result.stderr


def test_outside_any_package_the_bundled_copy_is_used_and_named(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    result = sce(outside, "validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid:")
    assert "no datapackage.json in the current directory or above it: using the bundled copy" in result.stderr


def test_a_path_given_wins_and_is_named(valid_package, tmp_path):
    _break(valid_package)
    result = sce(REPO, "validate", valid_package)
    assert result.returncode == 1
    assert f"sce validate: package {valid_package}" in result.stderr


def test_fmt_check_reads_the_package_in_the_current_directory(valid_package):
    path = valid_package / "data" / "actors.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    result = sce(valid_package, "fmt", "--check")
    assert result.returncode == 1, result.stderr
    assert "data/actors.csv: not in canonical form" in result.stdout
    assert f"sce fmt: package {valid_package.resolve()}" in result.stderr
    fixed = sce(valid_package / "data", "fmt")
    assert fixed.returncode == 0, fixed.stderr
    assert b"\r\n" not in path.read_bytes()


def test_new_adds_to_the_package_in_the_current_directory(valid_package):
    before = (valid_package / "data" / "actors.csv").read_text()
    result = sce(valid_package, "new", "actor", "--set", "name=Test Brigade", "--set", "actor_type=armed_group",
                 "--dry-run")
    assert f"sce new: package {valid_package.resolve()}" in result.stderr
    assert "Traceback" not in result.stderr
    assert (valid_package / "data" / "actors.csv").read_text() == before


def test_coverage_reads_the_package_in_the_current_directory(valid_package):
    result = sce(valid_package, "coverage", "--format", "csv")
    assert result.returncode in (0, 1), result.stderr
    assert f"sce coverage: package {valid_package.resolve()}" in result.stderr
    assert "Traceback" not in result.stderr


def test_diff_compares_against_the_package_in_the_current_directory(repo_copy, tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(repo_copy, old)
    path = repo_copy / "data" / "actors.csv"
    text = path.read_text()
    first = text.splitlines()[1].split(",")[0]
    path.write_text(text.replace(f"\n{first},", f"\n{first}-renamed,", 1))
    result = sce(repo_copy / "data", "diff", old, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert f"{first}-renamed" in result.stdout
    assert f"sce diff: package {repo_copy.resolve()}" in result.stderr


def test_build_validates_the_package_in_the_current_directory(valid_package):
    _break(valid_package)
    result = sce(valid_package, "build", "--no-site", "--no-registry")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"sce build: package {valid_package.resolve()}" in result.stderr
    assert "date_end" in result.stderr
    assert not (valid_package / "dist").exists() or not any((valid_package / "dist").glob("*.zip"))
