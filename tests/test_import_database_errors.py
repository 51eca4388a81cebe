"""When DuckDB fails during an import (out of memory under its limit, or an error it meets while
Arrow streams its rows, which pyarrow raises as an OSError without strerror), `sce import` exits 2
with the database's own message, never a traceback or "None", and the package stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from syria_conflict_events.cli import main
from syria_conflict_events.importers import assembly, staging

FIXTURE = Path(__file__).parent / "fixtures" / "acled_small.csv"


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_out_of_memory_is_a_clear_error_and_nothing_is_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(staging, "MEMORY_LIMIT", "1MB")
    out = tmp_path / "pkg"
    assert main(["import", "acled", str(FIXTURE), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the import's database failed, nothing written: Out of Memory Error" in err
    assert "Traceback" not in err and "None" not in err
    assert not (out / "data").exists() or not any((out / "data").iterdir())


def test_a_failed_re_import_leaves_the_package_as_it_was(tmp_path, capsys, monkeypatch):
    out = tmp_path / "pkg"
    assert main(["import", "acled", str(FIXTURE), "--out", str(out)]) == 0
    before = _files(out)
    monkeypatch.setattr(staging, "MEMORY_LIMIT", "1MB")
    assert main(["import", "acled", str(FIXTURE), "--out", str(out)]) == 2
    assert "Out of Memory Error" in capsys.readouterr().err
    assert _files(out) == before


@pytest.mark.parametrize("error", [OSError("Out of Memory Error: failed to pin block of size 256.0 KiB"),
                                   OSError(5, "Input/output error")])
def test_an_os_error_names_its_cause(tmp_path, capsys, monkeypatch, error):
    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(assembly, "assemble_and_write", failing)
    out = tmp_path / "pkg"
    assert main(["import", "acled", str(FIXTURE), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out}: {error.strerror or error}" in err and ": None" not in err
