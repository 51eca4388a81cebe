"""The importer's two ways of numbering claims give the same package: the shortcut taken when
every claim is its own (event, source, claimant) and all or none keep an id, and the general
grouping (assembly/claims.py). Both are run on the fixtures, first import and re-imports, and
the shortcut is shown to be taken where it applies and not where it does not. A re-import first
numbers the claims as a first import would and keeps that only when claims.csv keeps its bytes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from syria_conflict_events.cli import main
from syria_conflict_events.importers.assembly import claims

FIXTURES = Path(__file__).parent / "fixtures"
KINDS = {"ucdp-ged": FIXTURES / "ucdp_ged_small.csv", "acled": FIXTURES / "acled_small.csv"}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _import(kind: str, source: Path, out: Path, monkeypatch, *, fast: bool) -> list[bool]:
    """Import with the shortcut allowed or not; whether the shortcut's condition held."""
    seen: list[bool] = []
    check = claims._all_distinct_and_alike

    def spy(con, keys):
        seen.append(check(con, keys))
        return seen[-1]

    monkeypatch.setattr(claims, "FAST", fast)
    monkeypatch.setattr(claims, "_all_distinct_and_alike", spy)
    assert main(["import", kind, str(source), "--out", str(out)]) == 0
    return seen


def _without_rows(source: Path, target: Path, keep: int) -> Path:
    """The export with only its first ``keep`` data rows (a re-import then retires the rest, and
    an import of the whole file after it keeps some claim ids and adds others)."""
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows[:1 + keep])
    target.write_text(buf.getvalue(), encoding="utf-8")
    return target


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_first_import_and_re_import_are_the_same_either_way(kind, tmp_path, capsys, monkeypatch):
    source = KINDS[kind]
    fast, general = tmp_path / "fast", tmp_path / "general"
    assert _import(kind, source, fast, monkeypatch, fast=True) == [True]  # a first import: none kept
    _import(kind, source, general, monkeypatch, fast=False)
    assert _snapshot(fast) == _snapshot(general)
    # the idempotent re-import: numbered as a first import would, claims.csv keeps its bytes, done
    assert _import(kind, source, fast, monkeypatch, fast=True) == [True]
    _import(kind, source, general, monkeypatch, fast=False)
    assert _snapshot(fast) == _snapshot(general)
    capsys.readouterr()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_re_import_keeping_some_ids_and_adding_others_takes_the_general_way(kind, tmp_path, capsys,
                                                                             monkeypatch):
    source = KINDS[kind]
    part = _without_rows(source, tmp_path / "part.csv", keep=3)
    fast, general = tmp_path / "fast", tmp_path / "general"
    for out, allowed in ((fast, True), (general, False)):
        _import(kind, part, out, monkeypatch, fast=allowed)
    assert _snapshot(fast) == _snapshot(general)
    # numbered as a first import would, claims.csv changes: made again keeping the ids (some kept,
    # some new: the general way)
    assert _import(kind, source, fast, monkeypatch, fast=True) == [True, False]
    _import(kind, source, general, monkeypatch, fast=False)
    assert _snapshot(fast) == _snapshot(general)
    capsys.readouterr()


def test_acled_listing_itself_as_a_publisher_gives_the_same_claims_either_way(tmp_path, capsys, monkeypatch):
    """A publisher named as ACLED itself is ACLED's own claim (the same event, source and
    claimant): one claim id, whichever way the claims are numbered."""
    rows = list(csv.reader(io.StringIO(KINDS["acled"].read_text(encoding="utf-8"))))
    column = [h.strip().lower() for h in rows[0]].index("source")
    rows[1][column] = "Armed Conflict Location & Event Data (ACLED); Example Agency"
    source = tmp_path / "self.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    source.write_text(buf.getvalue(), encoding="utf-8")
    fast, general = tmp_path / "fast", tmp_path / "general"
    _import("acled", source, fast, monkeypatch, fast=True)
    _import("acled", source, general, monkeypatch, fast=False)
    assert _snapshot(fast) == _snapshot(general)
    ids = [r["claim_id"] for r in csv.DictReader(io.StringIO((fast / "data" / "claims.csv").read_text()))]
    assert len(ids) == len(set(ids))
    capsys.readouterr()
