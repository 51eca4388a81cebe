"""One child process measured: wall time, CPU time and peak resident memory (os.wait4 gives that
child's own rusage). Shared by the benchmark scripts; stderr goes to a file, so a chatty child
never blocks on a full pipe, and its tail is kept for the report when the child fails."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    wall: float
    peak_mib: float
    code: int
    cpu: float = 0.0  # user + system seconds of the child, all its threads (steadier than wall under load)
    stderr: str = ""
    system: float = 0.0  # of cpu, the kernel's part (page faults, copies into the page cache)


def measure(cmd: list[str], cwd: Path | None = None, timeout: float = 3600) -> Run:
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    return Run(wall, usage.ru_maxrss / 1024, proc.returncode, usage.ru_utime + usage.ru_stime, tail, usage.ru_stime)


def fastest(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.wall)


def package_of_size(n: int, packages: Path, workdir: Path) -> Path:
    """``packages/sce-N`` when it exists, else ``workdir/sce-N``, generated there once by
    generate_package.py (deterministic: the same N gives the same files)."""
    pkg = packages / f"sce-{n}"
    if (pkg / "datapackage.json").is_file():
        return pkg
    pkg = workdir / f"sce-{n}"
    if not (pkg / "datapackage.json").is_file():
        script = Path(__file__).resolve().parent / "generate_package.py"
        subprocess.run([sys.executable, str(script), str(n), str(pkg)], check=True, stdout=subprocess.DEVNULL)
    return pkg
