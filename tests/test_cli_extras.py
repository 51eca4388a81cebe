"""`sce validate` in an install without the ``validate`` extra: one line naming the extra, exit 2,
no traceback. The missing modules are simulated with a sitecustomize that makes ``import pandera``
and ``import frictionless`` fail, as they do where the extra was not installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BLOCKER = '''
import sys

class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, _NotInstalled())
'''


def sce_without(blocked: set[str], tmp_path: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(BLOCKER.format(blocked=sorted(blocked)), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "syria_conflict_events", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.mark.parametrize("blocked", [{"pandera"}, {"frictionless"}, {"pandera", "frictionless"}])
def test_validate_without_the_extra_names_it(valid_package, tmp_path, blocked):
    result = sce_without(blocked, tmp_path, valid_package, "validate")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("sce validate: needs the 'validate' extra")
    assert "pip install 'syria-conflict-events[validate]'" in last


def test_the_blocker_really_blocks(tmp_path):
    result = sce_without({"pandera"}, tmp_path, tmp_path, "--version")
    assert result.returncode == 0
    probe = subprocess.run([sys.executable, "-c", "import pandera"], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(tmp_path / "site")})
    assert probe.returncode == 1 and "ModuleNotFoundError" in probe.stderr


def test_build_without_the_extra_names_it(valid_package, tmp_path):
    result = sce_without({"pandera", "frictionless"}, tmp_path, valid_package, "build", "--no-site", "--no-registry",
                         "--dist", str(tmp_path / "dist"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "pip install 'syria-conflict-events[validate]'" in result.stderr.strip().splitlines()[-1]
