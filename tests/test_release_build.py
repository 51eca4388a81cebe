"""The release build: every format is written, described in datapackage.json with its size and
hash, consistent with the source CSV, and the whole release passes `frictionless validate`."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import frictionless
import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import dist_leftovers

from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.json_schemas import table_json_schema
from syria_conflict_events.release import ReleaseError, build_release
from syria_conflict_events.release.build import release_name
from syria_conflict_events.release.dictionary import data_dictionary

pytestmark = pytest.mark.release_build

DECL = load_declaration()
NAME = release_name(DECL)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """(package root, dist, progress lines) of one build of the small valid package."""
    from conftest import write_package

    base = tmp_path_factory.mktemp("build")
    root = write_package(base / "pkg")
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## 0.1.0\n- First release.\n", encoding="utf-8")
    lines: list[str] = []
    build_release(root, base / "dist", update_registry=False, progress=lines.append)
    return root, base / "dist", lines


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_release_holds_every_format_and_document(built):
    _, dist, _ = built
    out = dist / NAME
    for t in DECL.tables:
        for rel in (f"data/{t}.csv", f"json/{t}.json", f"parquet/{t}.parquet"):
            assert (out / rel).is_file(), rel
    for rel in ("datapackage.json", "README.md", "DATA-DICTIONARY.md", "CHANGELOG.md", "SHA256SUMS",
                f"sqlite/{DECL.name}.sqlite", "geojson/places.geojson", "geojson/events.geojson"):
        assert (out / rel).is_file(), rel
    assert (dist / f"{NAME}.zip").is_file()
    assert dist_leftovers(dist) == [], "temporary directories left behind"


def test_descriptor_describes_every_file_with_size_and_hash(built):
    _, dist, _ = built
    out = dist / NAME
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["version"] == DECL.version
    described = {r["path"]: r for r in descriptor["resources"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(described) == on_disk - {"datapackage.json", "SHA256SUMS"}
    for rel, r in described.items():
        assert r["bytes"] == (out / rel).stat().st_size
        assert r["hash"] == f"sha256:{_sha256(out / rel)}"
    tables = [r for r in descriptor["resources"] if r.get("type") == "table"]
    assert [r["name"] for r in tables] == list(DECL.tables)
    assert all(isinstance(r["schema"], dict) and r["schema"]["primaryKey"] for r in tables)


def test_frictionless_validates_the_release(built):
    _, dist, _ = built
    report = frictionless.validate(str(dist / NAME / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])


def test_frictionless_catches_a_tampered_file(built, tmp_path):
    import shutil

    _, dist, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(dist / NAME, copy)
    with (copy / "parquet" / "events.parquet").open("ab") as fh:
        fh.write(b"x")
    report = frictionless.validate(str(copy / "datapackage.json"))
    assert not report.valid
    assert {row[0] for row in report.flatten(["type"])} & {"hash-count", "byte-count"}


def test_checksums_cover_every_file(built):
    _, dist, _ = built
    out = dist / NAME
    lines = (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    sums = dict(reversed(line.split("  ", 1)) for line in lines)
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert set(sums) == on_disk
    assert all(_sha256(out / rel) == digest for rel, digest in sums.items())
    assert list(sums) == sorted(sums)


def test_zip_holds_the_same_files_under_one_folder(built):
    _, dist, _ = built
    out = dist / NAME
    with zipfile.ZipFile(dist / f"{NAME}.zip") as zf:
        files = {i.filename: i for i in zf.infolist() if not i.is_dir()}
        assert {n.split("/", 1)[0] for n in zf.namelist()} == {NAME}
        for name, info in files.items():
            rel = name.split("/", 1)[1]
            assert zf.read(name) == (out / rel).read_bytes()
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
    assert len(files) == sum(1 for p in out.rglob("*") if p.is_file())


def test_csv_is_the_source_bytes(built):
    root, dist, _ = built
    for t in DECL.tables.values():
        assert (dist / NAME / t.path).read_bytes() == (root / t.path).read_bytes()


def test_json_records_match_csv_and_their_schema(built):
    root, dist, _ = built
    for t in DECL.tables.values():
        records = json.loads((dist / NAME / "json" / f"{t.name}.json").read_text(encoding="utf-8"))
        jsonschema.validate(records, table_json_schema(DECL, t))
        rows = list(csv.DictReader(io.StringIO((root / t.path).read_text(encoding="utf-8"))))
        assert len(records) == len(rows)
        for rec, row in zip(records, rows, strict=True):
            assert list(rec) == t.field_names
            for f in t.fields:
                text = row[f.name]
                expected = None if text == "" else {"integer": int, "number": float}.get(f.type, str)(text)
                assert rec[f.name] == expected


def test_parquet_types_follow_the_declaration(built):
    _, dist, _ = built
    events = pq.read_table(dist / NAME / "parquet" / "events.parquet")
    assert events.schema.field("date_start").type == pa.date32()
    assert events.schema.field("fatalities_best").type == pa.int64()
    assert events.schema.field("event_id").nullable is False
    assert pa.types.is_dictionary(events.schema.field("event_type").type)
    frame = events.to_pandas()
    assert list(frame["event_type"].cat.categories) == DECL.vocabularies["event_type"].values
    assert json.loads(events.schema.metadata[b"primary_key"]) == ["event_id"]
    places = pq.read_table(dist / NAME / "parquet" / "places.parquet")
    assert places.schema.field("latitude").type == pa.float64()
    assert places.num_rows == len(json.loads((dist / NAME / "json" / "places.json").read_text()))


def test_sqlite_holds_every_row_and_the_vocabularies(built):
    _, dist, _ = built
    con = sqlite3.connect(dist / NAME / "sqlite" / f"{DECL.name}.sqlite")
    try:
        for t in DECL.tables.values():
            records = json.loads((dist / NAME / "json" / f"{t.name}.json").read_text(encoding="utf-8"))
            assert con.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0] == len(records)
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        codes = con.execute("SELECT code FROM sce_vocabulary WHERE vocabulary = 'confidence' ORDER BY position")
        assert [c for (c,) in codes] == DECL.vocabularies["confidence"].values
        assert dict(con.execute("SELECT key, value FROM sce_package"))["version"] == DECL.version
    finally:
        con.close()


def test_geojson_points_come_from_places(built):
    _, dist, _ = built
    places = json.loads((dist / NAME / "geojson" / "places.geojson").read_text(encoding="utf-8"))
    events = json.loads((dist / NAME / "geojson" / "events.geojson").read_text(encoding="utf-8"))
    by_id = {f["id"]: f for f in places["features"]}
    assert places["type"] == events["type"] == "FeatureCollection"
    for f in places["features"]:
        p = f["properties"]
        if p["latitude"] is None:
            assert f["geometry"] is None
        else:
            assert f["geometry"] == {"type": "Point", "coordinates": [p["longitude"], p["latitude"]]}
    for f in events["features"]:
        assert f["geometry"] == by_id[f["properties"]["place_id"]]["geometry"]


def test_data_dictionary_is_the_generated_one(built):
    from syria_conflict_events.release.build import read_tables
    from syria_conflict_events.release.dictionary import examples_in_package

    root, dist, _ = built
    text = (dist / NAME / "DATA-DICTIONARY.md").read_text(encoding="utf-8")
    assert text == data_dictionary(DECL, examples_in_package(DECL, read_tables(root, DECL)))
    # Each table's examples come from its own rows: places.name shows a place, not an armed group.
    assert "Hayat Tahrir al-Sham" not in text.split("### Table `places`", 1)[1].split("### Table", 1)[0]
    for t in DECL.tables.values():
        assert f"### Table `{t.name}`" in text
        assert all(f"| `{f}` |" in text for f in t.field_names)
    for v in DECL.vocabularies.values():
        assert f"### Vocabulary `{v.name}`" in text


def test_progress_reports_every_step(built):
    _, _, lines = built
    steps = [line for line in lines if line.startswith("[")]
    assert steps[0].startswith("[1/") and "validate" in steps[0]
    total = int(steps[0].split("/")[1].split("]")[0])
    assert len(steps) == total
    # writers run in several threads; each line is numbered as it is printed
    assert [int(line[1:].split("/")[0]) for line in steps] == list(range(1, total + 1))
    assert lines[-1].startswith("Built ")


def test_registry_is_merged_not_overwritten(tmp_path, valid_package):
    dist = tmp_path / "dist"
    dist.mkdir()
    other = {"file": "syria-conflict-events-0.0.1.zip", "sha256": "0" * 64}
    (dist / "releases.json").write_text(json.dumps({"releases": {"0.0.1": other, DECL.version: {"file": "x",
                                                    "sha256": "1" * 64}}}), encoding="utf-8")
    zip_path = build_release(valid_package, dist, update_registry=False, progress=lambda _: None)
    registry = json.loads((dist / "releases.json").read_text(encoding="utf-8"))["releases"]
    assert registry["0.0.1"] == other
    assert registry[DECL.version] == {"file": zip_path.name, "sha256": _sha256(zip_path)}
    assert list(registry) == ["0.0.1", DECL.version]


def test_committed_registry_is_updated_in_a_checkout(tmp_path, valid_package):
    pkg_dir = valid_package / "src" / "syria_conflict_events"
    pkg_dir.mkdir(parents=True)
    zip_path = build_release(valid_package, tmp_path / "dist", progress=lambda _: None)
    registry = json.loads((pkg_dir / "releases.json").read_text(encoding="utf-8"))
    assert registry == {"releases": {DECL.version: {"file": zip_path.name, "sha256": _sha256(zip_path)}}}


def test_unreadable_registry_is_a_clear_error(tmp_path, valid_package):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "releases.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReleaseError, match="release registry"):
        build_release(valid_package, dist, update_registry=False, progress=lambda _: None)


def test_cli_build_and_wrapper_script(tmp_path, valid_package, capsys):
    code = main(["build", str(valid_package), "--dist", str(tmp_path / "dist"), "--no-site", "--no-registry"])
    assert code == 0
    out = capsys.readouterr().out
    assert "[1/" in out and "validate" in out and f"{NAME}.zip" in out
    assert (tmp_path / "dist" / f"{NAME}.zip").is_file()


def test_wrapper_script_runs_sce_build(tmp_path, valid_package):
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "scripts" / "build_release.py"
    done = subprocess.run([sys.executable, str(script), str(valid_package), "--dist", str(tmp_path / "d"),
                           "--no-site", "--no-registry"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "d" / f"{NAME}.zip").is_file()
