"""Shared fixtures: a small, valid SCE package written from Python rows, so every test can
break exactly one thing and see exactly one rule fire."""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.generate import generated_files

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# Hypothesis profiles for the robustness tests, registered once for the whole session
# (`make test`, the fast tier, runs HYPOTHESIS_PROFILE=fast: 10 examples per property; `make test-all`
# the default 50; HYPOTHESIS_PROFILE=deep runs 1,000).
_SLOW_FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile("fast", max_examples=10, deadline=None, suppress_health_check=_SLOW_FIXTURES)
settings.register_profile("default", max_examples=50, deadline=None, suppress_health_check=_SLOW_FIXTURES)
settings.register_profile("deep", max_examples=1000, deadline=None, suppress_health_check=_SLOW_FIXTURES)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# One row per table (plus what the rules need); cells not listed stay empty.
VALID_ROWS: dict[str, list[dict[str, str]]] = {
    "events": [
        {"event_id": "SCE-000001", "date_start": "2024-11-29", "date_end": "2024-11-29",
         "date_precision": "day", "event_type": "explosions_remote_violence",
         "sub_event_type": "shelling_artillery_missile_attack", "place_id": "aleppo-university",
         "location_precision": "1", "fatalities_low": "4", "fatalities_best": "4",
         "fatalities_high": "4", "summary": "Projectiles struck student housing at the university.",
         "confidence": "medium", "verification": "single_source"},
        {"event_id": "SCE-000002", "date_start": "2024-11-27", "date_end": "2024-11-29",
         "date_precision": "range", "event_type": "battles", "sub_event_type": "armed_clash",
         "place_id": "aleppo", "location_precision": "2",
         "summary": "Fighting on the western edge of the city.", "confidence": "low",
         "verification": "single_source"},
    ],
    "actors": [
        {"actor_id": "hayat-tahrir-al-sham", "name": "Hayat Tahrir al-Sham", "aliases": "HTS",
         "actor_type": "rebel_group", "parent_actor_id": "military-operations-command",
         "country_iso3": "SYR", "acled_inter_code": "2"},
        {"actor_id": "military-operations-command", "name": "Military Operations Command",
         "actor_type": "operations_room", "country_iso3": "SYR", "acled_inter_code": "2"},
        {"actor_id": "syrian-arab-army", "name": "Syrian Arab Army", "actor_type": "state_armed_force",
         "country_iso3": "SYR", "acled_inter_code": "1"},
        {"actor_id": "syrian-state-media", "name": "Syrian state media", "actor_type": "media",
         "country_iso3": "SYR"},
    ],
    "places": [
        {"place_id": "aleppo", "name": "Aleppo", "place_type": "city", "parent_place_id": "syria",
         "country_iso3": "SYR", "admin1": "Aleppo", "latitude": "36.2", "longitude": "37.15",
         "coordinates_source_id": "gazetteer", "coordinates_ref": "record 1"},
        {"place_id": "aleppo-university", "name": "Aleppo University", "place_type": "facility",
         "parent_place_id": "aleppo", "country_iso3": "SYR", "admin1": "Aleppo"},
        {"place_id": "syria", "name": "Syria", "place_type": "country", "country_iso3": "SYR"},
    ],
    "agreements": [
        {"agreement_id": "de-escalation-2019", "name": "De-escalation agreement of 2019",
         "agreement_type": "de_escalation_memorandum", "date_effective": "2019-10-22",
         "status": "violated", "summary": "An arrangement meant to lower the fighting in the northwest.",
         "source_id": "news-report"},
    ],
    "sources": [
        {"source_id": "gazetteer", "publisher": "Example Gazetteer", "title": "A gazetteer of places",
         "url": "https://gazetteer.example.org/", "language": "en", "source_type": "compilation"},
        {"source_id": "news-report", "title": "An English-language news report", "language": "en",
         "source_type": "newspaper", "archive_file": "000_49386f4fa5e44b2d.txt"},
        {"source_id": "wire-report", "publisher": "Example News", "title": "Fighting reported west of Aleppo",
         "published_date": "2024-11-29", "url": "https://www.example.org/news/aleppo-fighting",
         "language": "en", "source_type": "newspaper", "credited_agency": "AFP"},
    ],
    "event_actors": [
        {"event_id": "SCE-000001", "actor_id": "hayat-tahrir-al-sham", "role": "perpetrator"},
        {"event_id": "SCE-000002", "actor_id": "hayat-tahrir-al-sham", "role": "side_a"},
        {"event_id": "SCE-000002", "actor_id": "syrian-arab-army", "role": "side_b"},
    ],
    "claims": [
        {"claim_id": "CLM-000001", "event_id": "SCE-000001", "source_id": "news-report",
         "claimant_actor_id": "syrian-state-media", "claim": "State media said four people died there.",
         "fatalities_claimed": "4", "figure_scope": "event", "stance": "asserts"},
        {"claim_id": "CLM-000002", "event_id": "SCE-000002", "source_id": "news-report",
         "claimant_actor_id": "syrian-arab-army", "claim": "The army said it fought the attackers.",
         "stance": "asserts"},
    ],
    "event_agreements": [
        {"event_id": "SCE-000002", "agreement_id": "de-escalation-2019", "relation": "violates",
         "asserted_by_actor_id": "syrian-arab-army", "claim_id": "CLM-000002"},
    ],
    "agreement_parties": [
        {"agreement_id": "de-escalation-2019", "actor_id": "syrian-arab-army", "party_role": "beneficiary"},
    ],
    "retired_ids": [],
    "control": [
        {"control_id": "CTL-000001", "place_id": "aleppo", "actor_id": "syrian-arab-army", "control_state": "held",
         "date_to": "2024-11-28", "claim_id": "CLM-000001"},
    ],
    "external_ids": [
        {"table_name": "agreements", "entity_id": "de-escalation-2019", "scheme": "pax", "value": "2274"},
    ],
}


def csv_bytes(table: str, rows: list[dict[str, str]]) -> bytes:
    """Canonical CSV bytes for rows of a declared table (missing cells empty)."""
    names = load_declaration().tables[table].field_names
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.get(n, "") for n in names])
    return buf.getvalue().encode("utf-8")


def write_package(root: Path, rows: dict[str, list[dict[str, str]]] | None = None) -> Path:
    """Write datapackage.json and data/*.csv for ``rows`` (default: VALID_ROWS) under ``root``."""
    rows = VALID_ROWS if rows is None else rows
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "datapackage.json").write_text(generated_files()["datapackage.json"], encoding="utf-8")
    for table, table_rows in rows.items():
        (root / "data" / f"{table}.csv").write_bytes(csv_bytes(table, table_rows))
    return root


@pytest.fixture
def valid_package(tmp_path: Path) -> Path:
    """A fresh copy of the small valid package."""
    return write_package(tmp_path / "pkg")


@pytest.fixture
def make_package(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``make_package(edit)`` where ``edit(rows)`` mutates a deep copy of VALID_ROWS."""
    import copy

    counter = {"n": 0}

    def factory(edit: Callable[[dict], None] | None = None) -> Path:
        rows = copy.deepcopy(VALID_ROWS)
        if edit:
            edit(rows)
        counter["n"] += 1
        return write_package(tmp_path / f"pkg{counter['n']}", rows)

    return factory


@pytest.fixture(scope="module")
def base_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One valid package per test module, to be copied (cheaper than writing it per example)."""
    return write_package(tmp_path_factory.mktemp("base") / "pkg")


@pytest.fixture
def fresh(base_package: Path, tmp_path: Path) -> Callable[[], Path]:
    """Factory: each call gives a new copy of ``base_package`` to break."""
    counter = {"n": 0}

    def copy() -> Path:
        counter["n"] += 1
        dest = tmp_path / f"p{counter['n']}"
        shutil.copytree(base_package, dest)
        return dest

    return copy


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the repository's package (datapackage.json, schemas/, data/)."""
    dest = tmp_path / "repo"
    dest.mkdir()
    shutil.copy2(REPO / "datapackage.json", dest / "datapackage.json")
    shutil.copytree(REPO / "schemas", dest / "schemas")
    shutil.copytree(REPO / "data", dest / "data")
    return dest


def dist_view(dist: Path) -> dict[str, str]:
    """What a reader of ``dist/`` sees: every file reachable through its public names (links
    followed, hidden working entries skipped), each with its SHA-256."""
    import hashlib

    out = {}
    for entry in sorted(dist.iterdir()):
        if entry.name.startswith(".") or entry.name == "current":
            continue
        if entry.is_file():
            out[entry.name] = hashlib.sha256(entry.read_bytes()).hexdigest()
        elif entry.is_dir():
            for folder, _, files in os.walk(entry, followlinks=True):
                for name in files:
                    path = Path(folder) / name
                    out[path.relative_to(dist).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def dist_names(dist: Path) -> list[str]:
    """The public names in ``dist/`` (the generation link ``current`` and hidden entries left out)."""
    return sorted(p.name for p in dist.iterdir() if not p.name.startswith(".") and p.name != "current")


def dist_leftovers(dist: Path) -> list[str]:
    """Hidden entries of ``dist/`` other than the generation ``current`` points to."""
    current = os.readlink(dist / "current") if (dist / "current").is_symlink() else None
    return sorted(p.name for p in dist.iterdir() if p.name.startswith(".") and p.name != current)
