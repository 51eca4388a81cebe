"""`sce info` and `sce export`: what they print and write, for the bundled data, a package
directory and a pinned release; bad input exits 2 with one clear line and changes nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, VALID_ROWS, write_package

import syria_conflict_events as sce
from syria_conflict_events import download
from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.release import build_release

DECL = load_declaration()
VERSION = DECL.version


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("cli-release")
    pkg = write_package(base / "pkg")
    zip_path = build_release(pkg, base / "dist", update_registry=False, progress=lambda _msg: None)
    return {"pkg": pkg, "dist": base / "dist", "zip": zip_path, "dir": base / "dist" / zip_path.stem}


def sce_cli(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "syria_conflict_events", *map(str, args)],
                          capture_output=True, cwd=REPO, timeout=300)


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


# --- info ----------------------------------------------------------------------------------------

def test_info_text(built):
    result = sce_cli("info", "--package", built["pkg"])
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert out.startswith(f"{DECL.package['title']} {VERSION}\n")
    for table, rows in VALID_ROWS.items():
        assert any(line.split() == [table, str(len(rows))] for line in out.splitlines()), table
    assert f"tables:   {len(DECL.tables)}, {sum(map(len, VALID_ROWS.values()))} rows" in out
    for lic in DECL.package["licenses"]:
        assert lic["name"] in out
    assert f"version {VERSION}" in out.split("cite as:")[1]


def test_info_json_matches_the_loaded_tables(built, capsys):
    assert main(["info", "--package", str(built["pkg"]), "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    ds = sce.load_all(root=built["pkg"])
    assert info["tables"] == {name: len(frame) for name, frame in ds.items()}
    assert info["version"] == VERSION
    assert info["loader_version"] == sce.__version__
    assert [lic["name"] for lic in info["licenses"]] == [lic["name"] for lic in DECL.package["licenses"]]
    assert DECL.package["repository"] in info["citation"]


def test_info_of_the_bundled_data(capsys):
    assert main(["info", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert list(info["tables"]) == list(DECL.tables)
    assert info["version"] == VERSION


def test_info_of_a_pinned_release(built, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(download, "REGISTRY_PATH", built["dist"] / "releases.json")
    url = built["dist"].as_uri()
    assert main(["info", "--version", VERSION, "--base-url", url, "--cache-dir", str(tmp_path), "--format",
                 "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["source"] == str(tmp_path / built["zip"].stem)
    assert info["tables"]["events"] == len(VALID_ROWS["events"])


def test_count_rows_without_final_newline(tmp_path):
    from syria_conflict_events.commands.info import count_rows

    (tmp_path / "a.csv").write_bytes(b"h\n1\n2")
    assert count_rows(tmp_path / "a.csv") == 2
    assert count_rows(tmp_path / "missing.csv") is None


@pytest.mark.parametrize(("args", "message"), [
    (["info", "--package", "/nonexistent/sce"], "not a package directory"),
    (["info", "--version", "9.9.9"], "unknown release version '9.9.9'"),
    (["export", "nope", "--format", "csv"], "unknown table 'nope'; tables: events"),
    (["export", "events", "--format", "parquet"], "give --out PATH"),
    (["export", "events", "--format", "csv", "--out", "/nonexistent/dir/x.csv"], "no such directory"),
])
def test_bad_input_exits_2_with_one_line(args, message, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(download, "REGISTRY_PATH", tmp_path / "releases.json")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_package_and_version_are_exclusive():
    result = sce_cli("export", "events", "--format", "csv", "--package", ".", "--version", VERSION)
    assert result.returncode == 2
    assert b"not allowed with argument" in result.stderr


# --- export --------------------------------------------------------------------------------------

def test_export_csv_to_stdout_is_the_canonical_file(built):
    result = sce_cli("export", "places", "--format", "csv", "--package", built["pkg"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == (built["pkg"] / "data" / "places.csv").read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_equals_the_release_files(built, tmp_path, fmt):
    """Every table, every format: byte-identical to what the release build publishes."""
    folder = {"csv": "data", "json": "json", "parquet": "parquet"}[fmt]
    for table in DECL.tables:
        out = tmp_path / f"{table}.{fmt}"
        assert main(["export", table, "--format", fmt, "--package", str(built["pkg"]), "--out", str(out)]) == 0
        assert out.read_bytes() == (built["dir"] / folder / f"{table}.{fmt}").read_bytes(), table


def test_exported_parquet_reads_back_as_the_loaded_values(built, tmp_path):
    out = tmp_path / "events.parquet"
    assert main(["export", "events", "--format", "parquet", "--package", str(built["pkg"]), "--out", str(out)]) == 0
    back = pd.read_parquet(out)
    loaded = sce.load("events", root=built["pkg"])
    assert list(back.columns) == list(loaded.columns)
    for column in loaded.columns:
        expected = loaded[column].dt.date if loaded[column].dtype.kind == "M" else loaded[column]
        assert [None if pd.isna(v) else v for v in back[column].tolist()] == \
            [None if pd.isna(v) else v for v in expected.tolist()], column


def test_export_from_a_pinned_release(built, tmp_path, monkeypatch):
    monkeypatch.setattr(download, "REGISTRY_PATH", built["dist"] / "releases.json")
    out = tmp_path / "claims.json"
    assert main(["export", "claims", "--format", "json", "--version", VERSION, "--base-url", built["dist"].as_uri(),
                 "--cache-dir", str(tmp_path / "cache"), "--out", str(out)]) == 0
    assert out.read_bytes() == (built["dir"] / "json" / "claims.json").read_bytes()


def test_failed_export_leaves_the_existing_output(built, tmp_path):
    out = tmp_path / "events.csv"
    out.write_bytes(b"keep me\n")
    pkg = tmp_path / "broken"
    shutil.copytree(built["pkg"], pkg)
    events = pkg / "data" / "events.csv"
    events.write_text(events.read_text().replace("event_id,", "id,", 1))
    before = _snapshot(tmp_path)
    assert main(["export", "events", "--format", "csv", "--package", str(pkg), "--out", str(out)]) == 2
    assert _snapshot(tmp_path) == before


def test_export_reports_what_it_wrote(built, tmp_path, capsys):
    out = tmp_path / "events.json"
    assert main(["export", "events", "--format", "json", "--package", str(built["pkg"]), "--out", str(out)]) == 0
    assert capsys.readouterr().err == f"wrote {out} ({len(VALID_ROWS['events'])} rows, {out.stat().st_size:,} bytes)\n"
    assert [p.name for p in tmp_path.iterdir()] == ["events.json"]  # no temporary file left beside it


def test_export_onto_a_directory_exits_2_and_leaves_it(built, tmp_path, capsys):
    target = tmp_path / "taken"
    (target / "inside").mkdir(parents=True)
    assert main(["export", "events", "--format", "csv", "--package", str(built["pkg"]), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"sce export: {target}: cannot write:" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["inside", "taken"]


def test_export_csv_keeps_each_cells_text_and_round_trips(tmp_path, capsys):
    """CSV export writes the text the package stores: "36.20" stays "36.20" (not 36.2) and "007"
    stays "007" (not 7), so exporting a canonical file gives that file back, byte for byte."""
    import copy

    rows = copy.deepcopy(VALID_ROWS)
    rows["places"][0]["latitude"] = "36.20"
    rows["events"][0]["fatalities_best"] = "007"
    pkg = write_package(tmp_path / "pkg", rows)
    for table in rows:
        out = tmp_path / f"{table}.csv"
        assert main(["export", table, "--format", "csv", "--package", str(pkg), "--out", str(out)]) == 0
        assert out.read_bytes() == (pkg / "data" / f"{table}.csv").read_bytes(), table
    capsys.readouterr()
    assert main(["export", "places", "--format", "csv", "--package", str(pkg)]) == 0
    assert ",36.20," in capsys.readouterr().out


def test_export_csv_of_the_bundled_data_is_the_data(tmp_path):
    for table in DECL.tables:
        out = tmp_path / f"{table}.csv"
        assert main(["export", table, "--format", "csv", "--package", str(REPO), "--out", str(out)]) == 0
        assert out.read_bytes() == (REPO / "data" / f"{table}.csv").read_bytes(), table
