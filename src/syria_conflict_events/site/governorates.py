"""Syria's governorates on the site's maps: Natural Earth's 1:10m admin-1 layer (public domain),
shipped with the docs as ``docs/assets/map/syria-governorates.geojson`` by
``scripts/syria_governorates.py``, and the reviewed table that links a place of
``data/places.csv`` to its feature. Nothing is matched by name at build time: a place reaches a
polygon only through ``FEATURES``, and a feature whose name is not the one reviewed stops the
build (a regenerated layer must be reviewed again)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..exceptions import ReleaseError
from .geo import Projection, read_asset, rings_path

LAYER_FILE = Path("assets") / "map" / "syria-governorates.geojson"
# Natural Earth's "UNDOF": the UN Disengagement Observer Force's area of separation on the Golan,
# an admin-1 unit of its own in the layer. Drawn as the buffer zone it is, never as a governorate.
BUFFER_ZONE = "SYR-5261"

# place_id -> (the feature's adm1_code, its name in Natural Earth), reviewed by hand against both
# files. The buffer zone is the place `golan-buffer-zone` ("Golan buffer zone (area of separation)").
FEATURES: dict[str, tuple[str, str]] = {
    "latakia-governorate": ("SYR-134", "Lattakia"),
    "tartus-governorate": ("SYR-135", "Tartus"),
    "raqqa-governorate": ("SYR-136", "Ar Raqqah"),
    "aleppo-governorate": ("SYR-137", "Aleppo"),
    "hama-governorate": ("SYR-138", "Hamah"),
    "homs-governorate": ("SYR-139", "Homs (Hims)"),
    "idlib-governorate": ("SYR-140", "Idlib"),
    "hasakah-governorate": ("SYR-141", "Hasaka (Al Haksa)"),
    "deir-ez-zor-governorate": ("SYR-142", "Dayr Az Zawr"),
    "as-suwayda-governorate": ("SYR-143", "As Suwayda'"),
    "rif-dimashq-governorate": ("SYR-144", "Rif Dimashq"),
    "quneitra-governorate": ("SYR-145", "Quneitra"),
    "daraa-governorate": ("SYR-146", "Dar`a"),
    "damascus-governorate": ("SYR-4843", "Damascus"),
    "golan-buffer-zone": (BUFFER_ZONE, "UNDOF"),
}


@dataclass(frozen=True)
class Shape:
    """A feature of the layer as the map draws it."""

    code: str  # adm1_code
    place_id: str  # the place it stands for
    d: str  # SVG path data
    buffer_zone: bool


def read_layer(docs_dir: Path) -> dict[str, Any]:
    return read_asset(docs_dir, LAYER_FILE)


def shapes(layer: dict[str, Any], proj: Projection) -> list[Shape]:
    """Every feature of the layer, in the layer's order, with the place it stands for."""
    place_of = {code: pid for pid, (code, _) in FEATURES.items()}
    reviewed = {code: name for code, name in FEATURES.values()}
    out = []
    for feature in layer["features"]:
        code, name = feature["properties"]["adm1_code"], feature["properties"]["name"]
        if reviewed.get(code) != name:
            raise ReleaseError(f"{LAYER_FILE}: feature {code} ({name}) is not in the reviewed table "
                               "site/governorates.py FEATURES")
        rings = [ring for polygon in feature["geometry"]["coordinates"] for ring in polygon]
        out.append(Shape(code, place_of[code], rings_path(rings, proj), code == BUFFER_ZONE))
    return out


def enclosing_feature(place_id: str, places: dict[str, dict[str, Any]]) -> str | None:
    """The place of ``FEATURES`` that is ``place_id`` or encloses it (following ``parent_place_id``),
    else None (the country, a region across governorates, a place outside Syria)."""
    seen: set[str] = set()
    current = places.get(place_id)
    while current is not None and current["place_id"] not in seen:
        seen.add(current["place_id"])
        if current["place_id"] in FEATURES:
            return current["place_id"]
        current = places.get(current.get("parent_place_id") or "")
    return None
