"""Deterministic generator of an SCE-shaped, valid package of N synthetic events, for benchmarks.

Shape (per the scale issue): actors ~ N/200, places ~ N/20, sources ~ N/100, 2 event_actors and
1-2 claims per event, a few agreements. Values are synthetic (names like "Synthetic place 12",
addresses under the reserved ``.invalid`` domain); nothing here is a fact about the conflict. The
same N and seed give byte-identical files, and the package passes ``sce validate`` (a test holds
it), so the benchmarks time the work on valid data rather than on error reporting.

The computed columns follow the package's rules by construction: every claim asserts; the first
claim of an event with a figure gives it with scope ``event`` (so low = best = high = that figure);
an event is ``corroborated`` when its two claims' sources have different publishers, else
``single_source``; every report is dated after the last event it could describe.

    python benchmarks/generate_package.py 100000 /tmp/sce-100k
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from collections.abc import Iterable
from pathlib import Path

from syria_conflict_events.declaration import Declaration, load_declaration
from syria_conflict_events.generate import generated_files

FIRST_DAY = dt.date(2011, 3, 15)
DAYS = (dt.date(2024, 12, 8) - FIRST_DAY).days
SEED = 20161222
PUBLISHERS = 50
# Reports dated after every event, so no claim cites a report older than its event.
REPORTS_FROM = dt.date(2024, 12, 9)


def _write(root: Path, decl: Declaration, table: str, rows: Iterable[dict[str, object]]) -> int:
    """Canonical CSV: declared header, rows sorted by primary key as strings."""
    t = decl.tables[table]
    names = t.field_names
    key_idx = [names.index(k) for k in t.primary_key]
    cells = [["" if r.get(n) is None else str(r[n]) for n in names] for r in rows]
    cells.sort(key=lambda c: [c[i] for i in key_idx])
    with (root / t.path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(cells)
    return len(cells)


def generate(n: int, root: Path, seed: int = SEED) -> dict[str, int]:
    """Write the package for ``n`` events under ``root``; return rows per table."""
    decl = load_declaration()
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    for rel, text in generated_files(decl).items():  # schemas too, so `frictionless validate` can run
        if rel == "datapackage.json" or rel.startswith("schemas/table-schemas/"):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
    syr_box = decl.vocabularies["country"].get("SYR").extra["bbox"]  # type: ignore[union-attr]
    lon0, lat0, lon1, lat1 = (float(v) for v in syr_box)
    counts: dict[str, int] = {}

    n_actors, n_places, n_sources = max(10, n // 200), max(20, n // 20), max(5, n // 100)
    actor_types = ["state_armed_force", "rebel_group", "political_militia", "identity_militia", "media"]
    actors = []
    for i in range(n_actors):
        head = i - i % 10  # groups of ten under one parent: exercises the parent-cycle check
        actors.append({
            "actor_id": f"actor-{i:06d}", "name": f"Synthetic actor {i}", "actor_type": actor_types[i % 5],
            "parent_actor_id": None if i == head else f"actor-{head:06d}", "country_iso3": "SYR",
        })
    counts["actors"] = _write(root, decl, "actors", actors)

    places: list[dict[str, object]] = [{"place_id": "syria", "name": "Syria", "place_type": "country",
                                        "country_iso3": "SYR"}]
    n_gov = 14
    for g in range(n_gov):
        places.append({"place_id": f"governorate-{g:02d}", "name": f"Synthetic governorate {g}",
                       "place_type": "governorate", "parent_place_id": "syria", "country_iso3": "SYR",
                       "admin1": f"Synthetic governorate {g}"})
    for i in range(n_places):
        g = i % n_gov
        places.append({
            "place_id": f"place-{i:06d}", "name": f"Synthetic place {i}", "place_type": "town",
            "parent_place_id": f"governorate-{g:02d}", "country_iso3": "SYR",
            "admin1": f"Synthetic governorate {g}",
            "latitude": f"{rng.uniform(lat0 + 0.1, lat1 - 0.1):.4f}",
            "longitude": f"{rng.uniform(lon0 + 0.1, lon1 - 0.1):.4f}",
            "coordinates_source_id": "source-000000", "coordinates_ref": f"synthetic point {i}",
        })
    counts["places"] = _write(root, decl, "places", places)

    sources = [{"source_id": f"source-{i:06d}", "publisher": f"Synthetic publisher {i % PUBLISHERS}",
                "title": f"Synthetic report {i}", "url": f"https://synthetic.invalid/report/{i}",
                "published_date": (REPORTS_FROM + dt.timedelta(days=rng.randrange(365))).isoformat(),
                "language": "en", "source_type": "newspaper"} for i in range(n_sources)]
    counts["sources"] = _write(root, decl, "sources", sources)

    sub_vocab = decl.vocabularies["sub_event_type"]
    subtypes = [(c.extra[sub_vocab.parent], c.code) for c in sub_vocab.codes]
    confidences = decl.vocabularies["confidence"].values
    events, event_actors, claims = [], [], []
    claim_no = 0
    for i in range(1, n + 1):
        event_id = f"SCE-{i:06d}"
        start = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        span = rng.choice((0, 0, 0, 1, 3))
        etype, sub = subtypes[rng.randrange(len(subtypes))]
        figure = rng.randrange(0, 25) if rng.random() < 0.6 else None
        n_claims = 1 + (rng.random() < 0.5)
        cited = [rng.randrange(n_sources) for _ in range(n_claims)]
        origins = {c % PUBLISHERS for c in cited}
        events.append({
            "event_id": event_id, "date_start": start.isoformat(),
            "date_end": (start + dt.timedelta(days=span)).isoformat(),
            "date_precision": "day" if span == 0 else "range", "event_type": etype, "sub_event_type": sub,
            "place_id": f"place-{rng.randrange(n_places):06d}", "location_precision": rng.randrange(1, 6),
            "fatalities_low": figure, "fatalities_best": figure, "fatalities_high": figure,
            "civilian_fatalities": None if figure is None else rng.randrange(0, figure + 1),
            "summary": f"Synthetic event {i}, generated for benchmarks.",
            "confidence": confidences[i % len(confidences)],
            "verification": "corroborated" if len(origins) > 1 else "single_source",
        })
        a = rng.randrange(n_actors)
        b = (a + 1 + rng.randrange(n_actors - 1)) % n_actors
        event_actors.append({"event_id": event_id, "actor_id": f"actor-{a:06d}", "role": "side_a"})
        event_actors.append({"event_id": event_id, "actor_id": f"actor-{b:06d}", "role": "side_b"})
        for k, source in enumerate(cited):
            claim_no += 1
            gives = k == 0 and figure is not None
            claims.append({
                "claim_id": f"CLM-{claim_no:06d}", "event_id": event_id, "source_id": f"source-{source:06d}",
                "claimant_actor_id": f"actor-{rng.randrange(n_actors):06d}",
                "claim": f"Synthetic claim {claim_no} about event {i}.",
                "fatalities_claimed": figure if gives else None, "figure_scope": "event" if gives else None,
                "stance": "asserts",
            })
    counts["events"] = _write(root, decl, "events", events)
    counts["event_actors"] = _write(root, decl, "event_actors", event_actors)
    counts["claims"] = _write(root, decl, "claims", claims)
    del events, event_actors, claims

    agreements = [{"agreement_id": f"agreement-{i}", "name": f"Synthetic agreement {i}",
                   "agreement_type": "ceasefire", "date_effective": f"201{i}-01-01", "status": "lapsed",
                   "summary": f"Synthetic agreement {i}, generated for benchmarks.",
                   "source_id": "source-000000"} for i in range(3)]
    counts["agreements"] = _write(root, decl, "agreements", agreements)
    counts["agreement_parties"] = _write(root, decl, "agreement_parties", [
        {"agreement_id": f"agreement-{i}", "actor_id": f"actor-{i:06d}", "party_role": "signatory"}
        for i in range(3)])
    counts["event_agreements"] = _write(root, decl, "event_agreements", [])
    counts["retired_ids"] = _write(root, decl, "retired_ids", [])
    counts["control"] = _write(root, decl, "control", [])
    counts["external_ids"] = _write(root, decl, "external_ids", [
        {"table_name": "events", "entity_id": f"SCE-{i:06d}", "scheme": "ucdp_ged", "value": str(900000 + i)}
        for i in range(1, n + 1, 100)])
    return counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("n", type=int, help="number of events")
    p.add_argument("out", type=Path, help="package directory to write")
    p.add_argument("--seed", type=int, default=SEED)
    args = p.parse_args(argv)
    counts = generate(args.n, args.out, args.seed)
    print(f"{args.out}: {sum(counts.values()):,} rows " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
