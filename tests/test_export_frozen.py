"""`sce export` writes the same bytes as the row-by-row implementation it replaced (frozen in
tests/fixtures/export/ by that implementation, commit 782ca04), for packages whose cells are meant
to trip a writer: quotes and commas (line breaks cannot be in a cell), backslashes, tabs and
control characters, non-ASCII text, missing and quoted-empty cells, integers written as ``007``,
numbers in every notation, early dates, integer vocabulary codes, rows out of key order, a BOM and
CRLF line ends; cells that are not of their type (read as missing, with a warning); and a package
whose Table Schemas are not the installed declaration's (an older release, Parquet by pandas).

The CSV files were frozen again for issue 17: CSV export now writes each cell's text as the
package stores it (``007`` stays ``007``, ``1.50`` stays ``1.50``, a cell that is not of its type
keeps its text), where the row-by-row implementation wrote the typed value.

Regenerate only on purpose: ``python tests/test_export_frozen.py --freeze`` (it runs the code on
its PYTHONPATH)."""

from __future__ import annotations

import copy
import csv
import io
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import VALID_ROWS, csv_bytes, write_package

from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.table_schema import package_descriptor

FROZEN = Path(__file__).resolve().parent / "fixtures" / "export"
FORMATS = ("csv", "json", "parquet")
TABLES = ("events", "places", "actors", "sources", "agreements", "claims")

QUOTES = 'He said "stop", then left'
ODD = 'back\\slash\ttab\x01ctl \u00e9\u0644\u062d\u0644\u0628 \U0001f600 "' + "'"


def _tricky_rows() -> dict[str, list[dict[str, str]]]:
    rows = copy.deepcopy(VALID_ROWS)
    ev = rows["events"]
    ev[0].update(summary=QUOTES, fatalities_low="007", fatalities_best="-0", fatalities_high="9007199254740992",
                 civilian_fatalities="", notes=ODD, front="")
    ev[1].update(summary="a, b, and c", notes=" leading and trailing spaces ", date_start="0999-01-02",
                 date_end="0001-01-01", fatalities_low="0", civilian_fatalities="-12")
    ev.insert(0, {**ev[1], "event_id": "SCE-000009", "summary": '"', "notes": ",", "location_precision": "7",
                  "date_start": "2024-02-29", "date_end": "9999-12-31"})  # out of key order
    numbers = ["1.50", "1E5", "-0.0", "0.0001", "0.00001", "1e16", "123456789.123456789", ".5", "5.",
               "1e-300", "-179.99999999999997", "0", "33.333333333333336"]
    places = rows["places"]
    for i, text in enumerate(numbers):
        places.append({"place_id": f"p{i:02d}", "name": f"Place {i}, \"{text}\"", "place_type": "city",
                       "country_iso3": "SYR", "latitude": text, "longitude": numbers[-1 - i],
                       "name_ar": "\u062d\u0644\u0628", "verification": "verified"})
    rows["actors"][0].update(name='"Quoted" at the start', aliases="a,b", acled_inter_code="8")
    rows["sources"][0].update(published_date="2000-02-29", notes="\u00a0non-breaking\u00a0space")
    return rows


def tricky_package(root: Path) -> Path:
    """Cells every writer must get right, some tables not in canonical form."""
    write_package(root, _tricky_rows())
    data = root / "data"
    # places: BOM, CRLF, quoted-empty and needlessly quoted cells
    text = csv_bytes("places", _tricky_rows()["places"]).decode()
    text = text.replace(",,", ',"",', 1).replace("Aleppo University", '"Aleppo University"')
    (data / "places.csv").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    return root


def invalid_package(root: Path) -> Path:
    """Cells that are not of their type or vocabulary: the loader reads them as missing and warns."""
    rows = _tricky_rows()
    rows["events"][0].update(fatalities_low="four", confidence="certain", date_end="2024-02-30")
    rows["events"][1].update(location_precision="9", fatalities_best="1.5")
    rows["places"][0].update(latitude="nan")
    rows["places"][1].update(longitude="inf", place_type="galaxy")
    return write_package(root, rows)


def older_schema_package(root: Path) -> Path:
    """A package whose inline Table Schemas differ from the installed declaration: events without
    its notes field and with summary an integer field (unreadable cells), claims with one field."""
    decl = load_declaration()
    descriptor = package_descriptor(decl, inline=True)
    rows = _tricky_rows()
    for res in descriptor["resources"]:
        fields = res["schema"]["fields"]
        if res["name"] == "events":
            res["schema"]["fields"] = [f for f in fields if f["name"] != "notes"]
            for f in res["schema"]["fields"]:
                if f["name"] == "civilian_fatalities":
                    f["type"] = "number"
        if res["name"] == "claims":
            res["schema"] = {"fields": [{"name": "claim_id", "type": "string"}], "primaryKey": ["claim_id"]}
    write_package(root, rows)
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names = [n for n in decl.tables["events"].field_names if n != "notes"]
    writer.writerow(names)
    for row in rows["events"]:
        writer.writerow([row.get(n, "") for n in names])
    (root / "data" / "events.csv").write_text(buf.getvalue(), encoding="utf-8")
    (root / "data" / "claims.csv").write_text("claim_id\nCLM-1\n\"\"\nCLM-3\n", encoding="utf-8")
    return root


CASES = {"tricky": tricky_package, "invalid": invalid_package, "older-schema": older_schema_package}
# The row-by-row export wrote no Parquet of the invalid package: a required field's unreadable cell
# made pyarrow raise (a traceback); test_parquet_of_missing_required_cells_is_refused says what now.
CASE_FORMATS = {"tricky": FORMATS, "invalid": ("csv", "json"), "older-schema": FORMATS}


def export(pkg: Path, table: str, fmt: str, out: Path) -> int:
    return main(["export", table, "--format", fmt, "--package", str(pkg), "--out", str(out)])


def freeze() -> None:  # pragma: no cover - run by hand, see the module's docstring
    import tempfile
    import warnings

    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        for case, build in CASES.items():
            pkg = build(Path(tmp) / case)
            (FROZEN / case).mkdir(parents=True, exist_ok=True)
            for table in TABLES:
                for fmt in CASE_FORMATS[case]:
                    assert export(pkg, table, fmt, FROZEN / case / f"{table}.{fmt}") == 0, (case, table, fmt)
    (FROZEN / "pyarrow-version").write_text(pa.__version__ + "\n")


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("export-cases")
    return {case: build(base / case) for case, build in CASES.items()}


@pytest.mark.filterwarnings("ignore::syria_conflict_events.loader.DataWarning")
@pytest.mark.parametrize(("case", "fmt"), [(c, f) for c, formats in CASE_FORMATS.items() for f in formats])
def test_export_is_the_frozen_output(packages, case, fmt, tmp_path):
    for table in TABLES:
        out = tmp_path / f"{table}.{fmt}"
        assert export(packages[case], table, fmt, out) == 0
        frozen = FROZEN / case / f"{table}.{fmt}"
        if fmt != "parquet" or (FROZEN / "pyarrow-version").read_text().strip() == pa.__version__:
            assert out.read_bytes() == frozen.read_bytes(), (case, table)
        else:  # another pyarrow writes another version string (and may lay out pages differently)
            got, want = pq.read_table(out), pq.read_table(frozen)
            assert got.equals(want, check_metadata=True), (case, table)


def test_cells_unreadable_as_declared_are_missing_with_a_warning(packages, tmp_path):
    out = tmp_path / "events.json"
    with pytest.warns(UserWarning, match="fatalities_low: 1 cell"):
        assert export(packages["invalid"], "events", "json", out) == 0
    records = {r["event_id"]: r for r in json.loads(out.read_bytes())}
    assert records["SCE-000009"]["fatalities_low"] is None
    assert records["SCE-000009"]["confidence"] is None


if __name__ == "__main__" and "--freeze" in sys.argv:
    freeze()
