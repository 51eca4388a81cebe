"""The columnar importer writes the same bytes as the row-by-row importer it replaced.

tests/fixtures/import_sha256.json holds the SHA-256 of every data file the previous importer
(commit d945632) wrote for: the real UCDP GED sample (``full``), the sample filtered by
``--from 2017-03-01 --to 2017-09-30 --country SYR`` (``filtered``), the sample's first 8,000 rows
imported and then the whole sample into the same directory (``grown``: ids kept, new ones numbered
after them), and the two small fixtures. The sample lives in ../shared, beside the repository;
those cases skip when it is absent. When the declaration (schemas/*.yaml) changes what an import
writes, the hashes are regenerated from an import by the code of that commit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from syria_conflict_events.cli import main

HERE = Path(__file__).parent
HASHES = json.loads((HERE / "fixtures" / "import_sha256.json").read_text(encoding="utf-8"))
SAMPLE = HERE.resolve().parents[1] / "shared" / "samples" / "ucdp-ged-syria-2016-2019.csv"
needs_sample = pytest.mark.skipif(not SAMPLE.is_file(), reason=f"real UCDP GED sample not present at {SAMPLE} "
                                  "(../shared is absent in this clone)")


def _hashes(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((out / "data").glob("*.csv"))}


def _import(kind: str, source: Path, out: Path, *options: str) -> None:
    assert main(["import", kind, str(source), "--out", str(out), *options]) == 0


def test_ucdp_fixture_bytes(tmp_path, capsys):
    _import("ucdp-ged", HERE / "fixtures" / "ucdp_ged_small.csv", tmp_path / "pkg")
    assert _hashes(tmp_path / "pkg") == HASHES["ucdp_small"]


def test_acled_fixture_bytes(tmp_path, capsys):
    _import("acled", HERE / "fixtures" / "acled_small.csv", tmp_path / "pkg")
    assert _hashes(tmp_path / "pkg") == HASHES["acled_small"]


@needs_sample
def test_real_sample_bytes_and_idempotent_reimport(tmp_path, capsys):
    out = tmp_path / "pkg"
    _import("ucdp-ged", SAMPLE, out)
    assert _hashes(out) == HASHES["full"]
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    _import("ucdp-ged", SAMPLE, out)
    assert "0 file(s) written" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


@needs_sample
def test_real_sample_filtered_bytes(tmp_path, capsys):
    _import("ucdp-ged", SAMPLE, tmp_path / "pkg", "--from", "2017-03-01", "--to", "2017-09-30", "--country", "SYR")
    assert _hashes(tmp_path / "pkg") == HASHES["filtered"]


@needs_sample
def test_real_sample_grown_bytes(tmp_path, capsys):
    half = tmp_path / "half.csv"
    with SAMPLE.open("rb") as src:
        half.write_bytes(b"".join(line for _, line in zip(range(8001), src, strict=False)))
    out = tmp_path / "pkg"
    _import("ucdp-ged", half, out)
    _import("ucdp-ged", SAMPLE, out)
    assert "8,579 added" in capsys.readouterr().out
    assert _hashes(out) == HASHES["grown"]


@pytest.mark.parametrize(("kind", "fixture", "options"), [
    ("ucdp-ged", "ucdp_ged_small.csv", []), ("acled", "acled_small.csv", []),
    ("acled", "acled_small.csv", ["--country", "SYR", "--from", "2024-11-30"]),
])
def test_row_by_row_and_columnwise_reads_agree(tmp_path, capsys, kind, fixture, options):
    """A file Arrow does not read as the csv module would (here: CRLF line endings) is imported row
    by row; the columnar path gives the same package and the same messages."""
    source = HERE / "fixtures" / fixture
    crlf = tmp_path / fixture
    crlf.write_bytes(source.read_bytes().replace(b"\n", b"\r\n"))
    _import(kind, source, tmp_path / "columnar", *options)
    columnar = capsys.readouterr()
    _import(kind, crlf, tmp_path / "rows", *options)
    rows = capsys.readouterr()
    assert _hashes(tmp_path / "columnar") == _hashes(tmp_path / "rows")
    assert columnar.err.replace(str(source), "F") == rows.err.replace(str(crlf), "F")
    assert columnar.out.replace(str(source), "F").replace("columnar", "D") == \
        rows.out.replace(str(crlf), "F").replace("rows", "D")


def test_a_kept_cell_with_a_line_break_is_written_as_the_canonical_writer_writes_it(tmp_path, capsys):
    """Rows the import passes through (a table it does not write, here agreements) may hold a cell
    the importer's cleaning would not let in; the table is then written cell by cell."""
    import csv
    import io

    from syria_conflict_events.declaration import load_declaration

    out = tmp_path / "pkg"
    _import("ucdp-ged", HERE / "fixtures" / "ucdp_ged_small.csv", out)
    names = load_declaration().tables["agreements"].field_names
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    writer.writerow([f"two\nlines {n}" if n == "summary" else f"x-{n}" for n in names])
    (out / "data" / "agreements.csv").write_text(buf.getvalue(), encoding="utf-8")
    _import("ucdp-ged", HERE / "fixtures" / "ucdp_ged_small.csv", out)
    assert (out / "data" / "agreements.csv").read_text(encoding="utf-8") == buf.getvalue()
