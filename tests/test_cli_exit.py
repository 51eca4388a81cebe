"""The console entry point ends the process itself once the command is done (native thread pools
can abort the interpreter's finalisation, apache/arrow#34314): what the command printed still
reaches the reader, its exit code is kept, and threads it left running finish first."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from syria_conflict_events import cli


class _Exited(Exception):
    def __init__(self, code: int):
        self.code = code


@pytest.fixture
def exits(monkeypatch):
    def fake_exit(code: int) -> None:
        raise _Exited(code)

    monkeypatch.setattr(cli.os, "_exit", fake_exit)


@pytest.mark.parametrize("code", [0, 1, 2, 130])
def test_run_exits_with_the_commands_code(exits, monkeypatch, code):
    monkeypatch.setattr(cli, "main", lambda argv=None: code)
    with pytest.raises(_Exited) as exited:
        cli.run([])
    assert exited.value.code == code


@pytest.mark.parametrize(("raised", "code"), [(None, 0), (0, 0), (2, 2), ("a message", 1)])
def test_run_keeps_the_code_of_a_system_exit(exits, monkeypatch, capsys, raised, code):
    def main(argv=None):
        raise SystemExit(raised)

    monkeypatch.setattr(cli, "main", main)
    with pytest.raises(_Exited) as exited:
        cli.run([])
    assert exited.value.code == code
    if isinstance(raised, str):
        assert raised in capsys.readouterr().err


def test_run_waits_for_a_thread_the_command_left_running(exits, monkeypatch):
    finished = threading.Event()

    def main(argv=None):
        threading.Thread(target=lambda: (time.sleep(0.2), finished.set())).start()
        return 0

    monkeypatch.setattr(cli, "main", main)
    with pytest.raises(_Exited):
        cli.run([])
    assert finished.is_set()


def test_output_written_to_a_pipe_is_all_there(tmp_path):
    """stdout to a pipe is block-buffered: without the flush the tail would be lost at _exit. The
    exported CSV (the claims table, well over one buffer) arrives whole, byte for byte."""
    from conftest import REPO

    result = subprocess.run([sys.executable, "-m", "syria_conflict_events", "export", "claims", "--format", "csv",
                             "--package", str(REPO)], capture_output=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = (REPO / "data" / "claims.csv").read_bytes()
    assert len(expected) > 64 * 1024
    assert result.stdout == expected


def test_a_usage_error_still_exits_2():
    result = subprocess.run([sys.executable, "-m", "syria_conflict_events", "no-such-command"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
