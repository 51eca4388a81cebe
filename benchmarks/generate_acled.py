"""Write a deterministic, synthetic export of N rows in ACLED's column layout (the current export's
31 columns, in its order) for the importer's benchmark. No ACLED data: every value is made up
("Synthetic group 12", "Place 310"), from a seeded generator; the same N gives the same bytes.

The shape follows an export: about 1 % of rows in Lebanon (the rest in Syria), ~2,000 places,
~300 actors with inter codes as text labels, one to three publishers per event, associated actors
on one row in five, dates over 2012-2024 in both of ACLED's date formats, and a notes column the
importer never reads.

    .venv/bin/python benchmarks/generate_acled.py 2500000 /tmp/acled-2500000.csv
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from pathlib import Path

HEADER = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
          "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
          "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
          "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities",
          "tags", "timestamp"]
TYPES = [("Battles", "Armed clash"), ("Battles", "Government regains territory"),
         ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
         ("Explosions/Remote violence", "Air/drone strike"),
         ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
         ("Violence against civilians", "Attack"), ("Violence against civilians", "Abduction/forced disappearance"),
         ("Protests", "Peaceful protest"), ("Riots", "Mob violence"),
         ("Strategic developments", "Looting/property destruction")]
INTERS = ["State forces", "Rebel group", "Political militia", "Identity militia", "Rioters", "Protesters", "Civilians",
          "External/other forces"]
COUNTRIES = (("SYR", "Syria", 760, (32.4, 37.2), (35.8, 42.2)), ("LBN", "Lebanon", 422, (33.1, 34.6), (35.2, 36.5)))
START = dt.date(2012, 1, 1)


def rows(n: int, seed: int = 17):
    rng = random.Random(seed)
    actors = [(f"Synthetic group {i}", INTERS[i % len(INTERS)]) for i in range(300)]
    publishers = [f"Synthetic outlet {i}" for i in range(120)]
    places = []
    for i in range(2000):
        iso, country, code, (lat0, lat1), (lon0, lon1) = COUNTRIES[1 if i % 100 == 0 else 0]
        places.append((iso, country, code, f"Governorate {i % 14}", f"District {i % 60}", f"Place {i}",
                       f"{rng.uniform(lat0, lat1):.4f}", f"{rng.uniform(lon0, lon1):.4f}"))
    for i in range(n):
        iso, country, code, admin1, admin2, location, lat, lon = places[rng.randrange(len(places))]
        event_type, sub = TYPES[rng.randrange(len(TYPES))]
        (a1, i1), (a2, i2) = actors[rng.randrange(300)], actors[rng.randrange(300)]
        if rng.random() < 0.1:
            a2, i2 = "", ""
        assoc = actors[rng.randrange(300)][0] if rng.random() < 0.2 else ""
        day = START + dt.timedelta(days=rng.randrange(4700))
        date = day.isoformat() if i % 10 else f"{day.day} {day.strftime('%B')} {day.year}"
        source = "; ".join(rng.sample(publishers, rng.randrange(1, 4)))
        yield (f"{iso}{i + 1}", date, str(day.year), str(rng.choice((1, 1, 1, 2, 3))), "Political violence",
               event_type, sub, a1, assoc, i1, a2, "", i2, f"{i1}-{i2}", "", str(code), "Middle East", country,
               admin1, admin2, "", location, lat, lon, str(rng.choice((1, 1, 2, 3))), source, "National",
               f"Synthetic note {i}: text the importer never reads, about as long as an ACLED note is.",
               str(rng.choice((0, 0, 0, 1, 2, 5, 12))), "", "1700000000")


def write(n: int, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows(n))
    return path


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    write(int(sys.argv[1]), Path(sys.argv[2]))
