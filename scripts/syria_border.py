#!/usr/bin/env python3
"""Regenerate docs/assets/map/syria-border.geojson: Syria's border from Natural Earth's 1:10m
Admin 0 countries (public domain), as redistributed in the npm package world-atlas@2 (TopoJSON).

    npm pack world-atlas@2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/syria_border.py package/countries-10m.json

The governorates (Natural Earth's admin-1 layer) come from another package: see
scripts/syria_governorates.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

SYRIA_ID = "760"  # ISO 3166-1 numeric
OUT = Path(__file__).resolve().parents[1] / "docs" / "assets" / "map" / "syria-border.geojson"
DIGITS = 4  # about 10 m: finer than the 1:10m source


def _arc(topology: dict[str, Any], index: int) -> list[list[float]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    x = y = 0
    points = []
    for dx, dy in topology["arcs"][index if index >= 0 else ~index]:
        x, y = x + dx, y + dy
        points.append([round(x * sx + tx, DIGITS), round(y * sy + ty, DIGITS)])
    return points if index >= 0 else points[::-1]


def _ring(topology: dict[str, Any], arcs: list[int]) -> list[list[float]]:
    ring: list[list[float]] = []
    for i in arcs:
        points = _arc(topology, i)
        ring.extend(points if not ring else points[1:])
    return ring


def syria(topology: dict[str, Any]) -> dict[str, Any]:
    (geometry,) = [g for g in topology["objects"]["countries"]["geometries"] if str(g.get("id")) == SYRIA_ID]
    polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    coords = [[_ring(topology, ring) for ring in polygon] for polygon in polygons]
    return {
        "type": "FeatureCollection",
        "attribution": "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com",
        "license": "Public domain (Natural Earth terms of use: https://www.naturalearthdata.com/about/terms-of-use/)",
        "source": "Natural Earth 4.1.0, Admin 0 countries 1:10m, via the npm package world-atlas 2.0.2",
        "features": [{"type": "Feature", "properties": {"name": "Syria", "iso_n3": SYRIA_ID},
                      "geometry": {"type": "MultiPolygon", "coordinates": coords}}],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("topojson", type=Path, help="world-atlas@2's countries-10m.json")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    collection = syria(json.loads(args.topojson.read_text(encoding="utf-8")))
    args.out.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8", newline="\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
