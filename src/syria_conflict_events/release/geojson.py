"""Places and events as GeoJSON (RFC 7946) FeatureCollections.

A place's point is its own latitude/longitude; an event's point is its place's. A place recorded
without a point (an area) keeps ``"geometry": null`` rather than a guessed centre, so every row is
in the file and no coordinate is invented. Properties are the JSON records' fields."""

from __future__ import annotations

from typing import Any

from ..declaration import Declaration, Table

LATITUDE, LONGITUDE = "latitude", "longitude"
PLACES = "places"
EVENTS = "events"


def _point(record: dict[str, Any] | None) -> dict[str, Any] | None:
    if not record or record.get(LATITUDE) is None or record.get(LONGITUDE) is None:
        return None
    return {"type": "Point", "coordinates": [record[LONGITUDE], record[LATITUDE]]}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def place_key(decl: Declaration) -> str:
    (key,) = decl.tables[PLACES].primary_key
    return key


def places_geojson(decl: Declaration, places: list[dict[str, Any]]) -> dict[str, Any]:
    key = place_key(decl)
    return _collection([
        {"type": "Feature", "id": p[key], "geometry": _point(p), "properties": p} for p in places
    ])


def _place_fk(decl: Declaration, events_table: Table) -> str:
    """The events column that references places (from the declared foreign key)."""
    for fk in events_table.foreign_keys:
        if fk.table == PLACES:
            return fk.fields[0]
    raise KeyError("events has no foreign key to places")


def events_geojson(decl: Declaration, events: list[dict[str, Any]], places: list[dict[str, Any]]) -> dict[str, Any]:
    table = decl.tables[EVENTS]
    (key,) = table.primary_key
    fk = _place_fk(decl, table)
    by_id = {p[place_key(decl)]: p for p in places}
    features = []
    for e in events:
        place = by_id.get(e[fk])
        props = {**e, "place_name": place.get("name") if place else None}
        features.append({"type": "Feature", "id": e[key], "geometry": _point(place), "properties": props})
    return _collection(features)


def has_geo_tables(decl: Declaration) -> bool:
    return PLACES in decl.tables and EVENTS in decl.tables and {LATITUDE, LONGITUDE} <= set(
        decl.tables[PLACES].field_names)
