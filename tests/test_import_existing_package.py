"""The package already in the output directory, as a re-import reads it: a file it cannot read as
the importer wrote it is refused (nothing written), and one it can is read cell for cell (empty and
quoted cells, repeated header names, extra columns, a byte order mark)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from syria_conflict_events.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "ucdp_ged_small.csv"


def _import(capsys, out: Path) -> tuple[int, str]:
    code = main(["import", "ucdp-ged", str(FIXTURE), "--out", str(out)])
    return code, capsys.readouterr().err


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("first") / "pkg"
    assert main(["import", "ucdp-ged", str(FIXTURE), "--out", str(out)]) == 0
    return out


@pytest.fixture
def pkg(imported, tmp_path) -> Path:
    return Path(shutil.copytree(imported, tmp_path / "pkg"))


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize(("table", "damage", "message"), [
    ("events", lambda ls: [*ls[:2], ls[2].rsplit(b",", 1)[0] + b"\n", *ls[3:]], "malformed rows"),
    ("events", lambda ls: [*ls[:2], ls[2].rstrip(b"\n") + b",extra\n", *ls[3:]], "malformed rows"),
    ("places", lambda ls: [*ls[:-1], ls[-1].rstrip(b"\n") + b',"unclosed\n'], "malformed rows"),
    ("claims", lambda ls: [*ls[:1], ls[1].rsplit(b",", 2)[0] + b"\n", *ls[2:]], "malformed rows"),
    ("event_actors", lambda ls: [*ls[:1], b"x\n", *ls[1:]], "malformed rows"),
    ("events", lambda ls: [*ls[:2], ls[2].replace(b",", b",\xff", 1), *ls[3:]], "malformed rows"),  # not UTF-8
    ("claims", lambda ls: [*ls[:1], b"\xfe" + ls[1], *ls[2:]], "malformed rows"),  # in claim_id, a column read
    # in the claim's text, a column the import does not read back (the file is checked whole)
    ("claims", lambda ls: [*ls[:1], ls[1].replace(b" codes ", b" \xff\xfe "), *ls[2:]], "not valid UTF-8"),
    ("events", lambda ls: [], "the file is empty (no header row)"),
    ("actors", lambda ls: [ls[0].replace(b"actor_id", b"actor"), *ls[1:]], "missing column(s) actor_id"),
])
def test_an_unreadable_existing_file_is_refused_and_nothing_written(pkg, capsys, table, damage, message):
    path = pkg / "data" / f"{table}.csv"
    path.write_bytes(b"".join(damage(_lines(path))))
    before = _snapshot(pkg)
    code, err = _import(capsys, pkg)
    assert code == 2 and message in err and f"{table}.csv" in err and "Traceback" not in err, err
    assert _snapshot(pkg) == before


def test_a_re_import_reads_the_cells_as_written(pkg, capsys, imported):
    """Quoted, empty and BOM-marked cells read as their text; a column the declaration lacks is
    dropped and the file rewritten to the same bytes as a clean re-import's."""
    places = pkg / "data" / "places.csv"
    lines = _lines(places)
    places.write_bytes(b"\xef\xbb\xbf" + lines[0].rstrip(b"\n") + b",note\n"
                       + b"".join(line.rstrip(b"\n") + b',"a, ""b"""\n' for line in lines[1:]))
    code, err = _import(capsys, pkg)
    assert code == 0, err
    assert _snapshot(pkg) == _snapshot(imported)


def test_an_idempotent_re_import_writes_nothing_and_changes_nothing(pkg, capsys, imported):
    before = {p: p.stat().st_mtime_ns for p in pkg.rglob("*") if p.is_file()}
    assert main(["import", "ucdp-ged", str(FIXTURE), "--out", str(pkg)]) == 0
    out = capsys.readouterr().out
    assert "0 added, 0 changed, 0 retired" in out and "0 file(s) written" in out
    assert {p: p.stat().st_mtime_ns for p in pkg.rglob("*") if p.is_file()} == before
    assert _snapshot(pkg) == _snapshot(imported)



def _assert_refused_and_unchanged(pkg: Path, capsys, *said: str) -> None:
    """The import exits 2 naming ``said``, and leaves every file as it was (no temporary file)."""
    before = _snapshot(pkg)
    code, err = _import(capsys, pkg)
    assert code == 2 and all(s in err for s in said), err
    assert _snapshot(pkg) == before
    assert not [p for p in pkg.rglob("*.tmp")]


def test_a_malformed_file_read_late_leaves_every_file_as_it_was(pkg, capsys):
    """claims.csv is read only when it would change; found malformed then, after places.csv's new
    bytes were made, the import is refused and no file is replaced (they are put in place only
    once all are made)."""
    places = pkg / "data" / "places.csv"
    lines = _lines(places)
    places.write_bytes(b"".join([*lines[:-1], lines[-1].replace(b",", b",x", 1)]))  # rewritten by an import
    claims = pkg / "data" / "claims.csv"
    lines = _lines(claims)
    claims.write_bytes(b"".join([*lines[:1], lines[1].rsplit(b",", 2)[0] + b"\n", *lines[2:]]))
    _assert_refused_and_unchanged(pkg, capsys, "claims.csv", "malformed rows")


def test_a_well_formed_event_actors_file_that_changes_is_checked_then_replaced(pkg, capsys, imported):
    """event_actors.csv is read only when its bytes change (its old rows are used by no step):
    a row removed by hand is checked as well formed, then written back as the import makes it."""
    path = pkg / "data" / "event_actors.csv"
    lines = _lines(path)
    path.write_bytes(b"".join([*lines[:1], *lines[2:]]))
    code, err = _import(capsys, pkg)
    assert code == 0, err
    assert _snapshot(pkg) == _snapshot(imported)


def test_an_event_the_import_did_not_write_is_refused_and_nothing_written(pkg, capsys):
    """events.csv is read only when it would change; an event added by hand makes it change, and
    is found then, before any file is replaced."""
    path = pkg / "data" / "events.csv"
    lines = _lines(path)
    path.write_bytes(b"".join([*lines, lines[-1].replace(b"SCE-", b"SCE-9", 1)]))
    _assert_refused_and_unchanged(pkg, capsys, "no UCDP GED import wrote", "SCE-9")


def test_files_read_back_only_when_they_change(pkg, capsys, monkeypatch):
    """The idempotent re-import never parses events.csv, event_actors.csv or claims.csv (their
    bytes come out the same); a changed events.csv is read to compare its rows."""
    from syria_conflict_events.importers.assembly import existing

    read: list[str] = []
    real = existing._read
    monkeypatch.setattr(existing, "_read", lambda con, path, *a: (read.append(path.name), real(con, path, *a)))
    assert _import(capsys, pkg)[0] == 0
    assert not {"events.csv", "event_actors.csv", "claims.csv"} & set(read)
    path = pkg / "data" / "events.csv"
    lines = _lines(path)
    path.write_bytes(b"".join([*lines[:1], *lines[2:]]))
    read.clear()
    assert _import(capsys, pkg)[0] == 0
    assert "events.csv" in read


def test_an_id_whose_row_was_deleted_by_hand_is_never_given_again(tmp_path, capsys):
    """events.csv lost its last row by hand, but external_ids.csv still maps that event: a new
    event takes the next number after every id the package's external ids hold, not after the
    rows left in events.csv (that gave the deleted row's id to two events)."""
    lines = FIXTURE.read_bytes().splitlines(keepends=True)
    last = max(lines[1:], key=lambda line: int(line.split(b",")[0]))
    first_file = tmp_path / "without-last.csv"
    first_file.write_bytes(b"".join(line for line in lines if line is not last))
    out = tmp_path / "pkg"
    assert main(["import", "ucdp-ged", str(first_file), "--out", str(out)]) == 0
    events = out / "data" / "events.csv"
    rows = _lines(events)
    top = max(rows[1:], key=lambda row: row.split(b",")[0])
    events.write_bytes(b"".join(row for row in rows if row is not top))
    code, err = _import(capsys, out)
    assert code == 0, err
    ids = [row.split(b",")[0] for row in _lines(events)[1:]]
    assert len(ids) == len(set(ids)) and top.split(b",")[0] in ids
