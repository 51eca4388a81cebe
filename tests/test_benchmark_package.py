"""The benchmarks' synthetic package: valid (so the benchmarks time validation, build and loading
of data that passes, not error reporting) and the same bytes for the same size and seed."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from conftest import REPO

GENERATOR = REPO / "benchmarks" / "generate_package.py"


def _generate(n: int, out: Path) -> None:
    subprocess.run([sys.executable, str(GENERATOR), str(n), str(out)], check=True, capture_output=True,
                   text=True, timeout=300)


def _digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_generated_package_passes_validation(tmp_path: Path) -> None:
    _generate(300, tmp_path / "pkg")
    result = subprocess.run([sys.executable, "-m", "syria_conflict_events", "validate", str(tmp_path / "pkg")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("valid:")
    # Both verification states the generator produces occur, and figures with their scope.
    events = (tmp_path / "pkg" / "data" / "events.csv").read_text(encoding="utf-8")
    assert ",corroborated" in events and ",single_source" in events
    assert ",event," in (tmp_path / "pkg" / "data" / "claims.csv").read_text(encoding="utf-8")


def test_generated_package_is_deterministic(tmp_path: Path) -> None:
    _generate(200, tmp_path / "a")
    _generate(200, tmp_path / "b")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
