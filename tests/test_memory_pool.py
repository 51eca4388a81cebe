"""`sce validate` and `sce build` use jemalloc for Arrow where pyarrow has it, unless the user
chose an allocator; the choice is the command's process only."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pytest

PROBE = "from syria_conflict_events.memory_pool import prefer_jemalloc; print(prefer_jemalloc())"


def _backend(env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120,
                            env={k: v for k, v in {**os.environ, **env}.items() if v is not None})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _has_jemalloc() -> bool:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        return False
    return True


@pytest.mark.skipif(not _has_jemalloc(), reason="this pyarrow build has no jemalloc")
def test_jemalloc_is_chosen_by_default():
    assert _backend({"ARROW_DEFAULT_MEMORY_POOL": ""}) == "jemalloc"


def test_the_users_choice_is_kept():
    assert _backend({"ARROW_DEFAULT_MEMORY_POOL": "system"}) == "system"


def test_importing_the_package_changes_nothing():
    code = "import syria_conflict_events.validation, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    fresh = subprocess.run([sys.executable, "-c", "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"],
                           capture_output=True, text=True, timeout=120, env=env)
    assert out.stdout == fresh.stdout and out.stdout.strip()
