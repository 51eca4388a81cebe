"""`sce new` writes the same bytes as the implementation that rewrote the whole table (commit
0fccad8): each case adds one row to a copy of the bundled data as it was then
(tests/fixtures/new/data/) and compares the table file with the one that code wrote
(tests/fixtures/new/expected/<case>.csv). The rows are test rows, not facts.

To freeze the expected files again from the code on the path (only when the canonical form
itself changes on purpose):

    PYTHONPATH=<old checkout>/src python tests/test_new_frozen.py
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.generate import generated_files

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "new"
NEWS = "source_id=news-report-2024-11-29-northwest-offensive"

# name -> (kind, --set values, --id or None, how the starting data is altered or None)
CASES: dict[str, tuple[str, list[str], str | None, str | None]] = {
    "claim-last": ("claim", ["event_id=SCE-000002", NEWS, "claimant_actor_id=syrian-arab-army",
                             'claim=A test claim, with a comma and "quotes".', "stance=asserts"], None, None),
    "event-last": ("event", ["date_start=2024-12-01", "date_end=2024-12-02", "date_precision=range",
                             "event_type=battles", "sub_event_type=armed_clash", "place_id=aleppo-city",
                             "location_precision=2", "summary=A test event at the edge of the city.",
                             "confidence=low", "verification=single_source"], None, None),
    "actor-first": ("actor", ["name=Aaron Test Brigade", "actor_type=rebel_group"],
                    None, None),
    "actor-middle": ("actor", ["name=Local Test Council", "actor_type=rebel_group",
                               "notes=A test row; its note has a comma, and ends here."], None, None),
    "actor-last-id": ("actor", ["name=Zz Test Group", "actor_type=rebel_group"],
                      "zz-test-group", None),
    "place-slug": ("place", ["name=Tall Abyaḍ Test", "name_ar=تل أبيض", f"name_ar_{NEWS}", "place_type=town",
                             "parent_place_id=syria", "country_iso3=SYR", "latitude=36.70", "longitude=38.95",
                             f"coordinates_{NEWS}"],
                   None, None),
    "source-title": ("source", ["title=A test source, \"quoted\" in its title", "language=en",
                                "publisher=Example News", "url=https://www.example.org/test-source",
                                "source_type=newspaper"], None, None),
    "event-actor-middle": ("event-actor", ["event_id=SCE-000002", "actor_id=syrian-arab-army", "role=side_b"],
                           None, None),
    "event-agreement": ("event-agreement", ["event_id=SCE-000003", "agreement_id=israel-hezbollah-ceasefire-2024",
                                            "relation=coincides", "asserted_by_actor_id=unidentified-news-outlet"],
                        None, None),
    "retired-into-empty": ("retired-id", ["table_name=actors", "retired_id=test-retired-actor",
                                          "retired_in_version=0.1.0", "reason=A test tombstone."], None, None),
    "event-crlf": ("event", ["date_start=2024-12-01", "date_end=2024-12-01", "date_precision=day",
                             "event_type=battles", "sub_event_type=armed_clash", "place_id=aleppo-city",
                             "location_precision=2", "summary=A test event in a file with CRLF endings.",
                             "confidence=low", "verification=single_source"], None, "crlf"),
    "actor-unsorted": ("actor", ["name=Middle Test Group", "actor_type=rebel_group"],
                       None, "unsorted"),
}


def _alter(path: Path, how: str | None) -> None:
    """Make the starting file non-canonical: CRLF line endings, or its first two rows swapped."""
    data = path.read_bytes()
    if how == "crlf":
        path.write_bytes(data.replace(b"\n", b"\r\n"))
    elif how == "unsorted":
        header, first, second, rest = data.split(b"\n", 3)
        path.write_bytes(b"\n".join([header, second, first, rest]))


def prepare(root: Path, case: str) -> Path:
    """A package at ``root`` with the frozen starting data, altered as the case says; the path of
    the file the case adds to."""
    kind, _, _, how = CASES[case]
    (root / "data").mkdir(parents=True)
    (root / "datapackage.json").write_text(generated_files()["datapackage.json"], encoding="utf-8")
    for src in sorted((FIXTURES / "data").iterdir()):
        shutil.copyfile(src, root / "data" / src.name)
    table = next(t for t in load_declaration().tables.values()
                 if kind.replace("-", "_") in (t.name, t.name.removesuffix("s")))
    path = root / table.path
    _alter(path, how)
    return path


def add(root: Path, case: str) -> int:
    kind, sets, given, _ = CASES[case]
    args = ["new", kind, "--path", str(root)] + (["--id", given] if given else [])
    for s in sets:
        args += ["--set", s]
    return main(args)


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_bytes_as_the_whole_table_rewrite(tmp_path, capsys, case):
    path = prepare(tmp_path / "pkg", case)
    others = {p.name: p.read_bytes() for p in (tmp_path / "pkg" / "data").iterdir() if p != path}
    assert add(tmp_path / "pkg", case) == 0, capsys.readouterr().err
    assert path.read_bytes() == (FIXTURES / "expected" / f"{case}.csv").read_bytes()
    assert {p.name: p.read_bytes() for p in (tmp_path / "pkg" / "data").iterdir() if p != path} == others
    assert not [p for p in (tmp_path / "pkg" / "data").iterdir() if p.name.startswith(".")]  # no temporary file


def _freeze() -> None:
    import tempfile

    from syria_conflict_events.paths import repo_root

    data = FIXTURES / "data"
    if not data.is_dir():  # the starting data: the bundled data as it is now
        shutil.copytree(Path(repo_root() or ".") / "data", data)
    (FIXTURES / "expected").mkdir(parents=True, exist_ok=True)
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            path = prepare(Path(tmp) / "pkg", case)
            err = io.StringIO()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                code = add(Path(tmp) / "pkg", case)
            if code != 0:
                raise SystemExit(f"{case}: exit {code}: {err.getvalue()}")
            shutil.copyfile(path, FIXTURES / "expected" / f"{case}.csv")
            print(case, "frozen")


if __name__ == "__main__":
    _freeze()
