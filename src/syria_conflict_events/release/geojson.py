"""Places and events as GeoJSON (RFC 7946) FeatureCollections.

A place's point is its own latitude/longitude; an event's point is its place's. A place recorded
without a point (an area) keeps ``"geometry": null`` rather than a guessed centre, so every row is
in the file and no coordinate is invented. Properties are the JSON records' fields.

:func:`write_places_geojson` and :func:`write_events_geojson` stream the same bytes that
``generate.dumps`` gives for :func:`places_geojson` and :func:`events_geojson`, from typed Arrow
tables (:mod:`.columns`), a batch of features at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from ..declaration import Declaration, Table
from .json_text import as_array, batches, object_texts, value_texts, write_array

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


# Features are items of the "features" array (indent 4); their members' objects open at indent 6.
_FEATURE_INDENT, _MEMBER_INDENT = 4, 6


def _located(places: pa.Table) -> pa.Array:
    lon, lat = (as_array(places.column(n)) for n in (LONGITUDE, LATITUDE))
    return pc.and_(pc.is_valid(lon), pc.is_valid(lat))


def _point_texts(places: pa.Table) -> pa.Array:
    """Each place's geometry as JSON text at the members' indentation ("null" without a point)."""
    pad = " " * _MEMBER_INDENT
    lon, lat = value_texts(places.column(LONGITUDE)), value_texts(places.column(LATITUDE))
    point = pc.binary_join_element_wise(
        "{\n" + pad + '  "type": "Point",\n' + pad + '  "coordinates": [\n' + pad + "    ", lon,
        ",\n" + pad + "    ", lat, "\n" + pad + "  ]\n" + pad + "}", "")
    return pc.if_else(_located(places), point, "null")


def located_places(places: pa.Table) -> int:
    """How many places have a point."""
    return int(pc.sum(_located(places)).as_py() or 0)


def _features(ids: pa.Array, geometry: pa.Array, keys: list[str], props: list[pa.Array], rows: int) -> pa.Array:
    properties = object_texts(keys, props, _MEMBER_INDENT, rows)
    return object_texts(["type", "id", "geometry", "properties"], ['"Feature"', ids, geometry, properties],
                        _FEATURE_INDENT, rows)


def _write_collection(out: BinaryIO, features) -> None:
    out.write(b'{\n  "type": "FeatureCollection",\n  "features": ')
    write_array(out, features, 2)
    out.write(b"\n}\n")


def write_places_geojson(decl: Declaration, places: pa.Table, path: Path) -> None:
    key = place_key(decl)

    def features():
        for batch in batches(places):
            props = [value_texts(c) for c in batch.columns]
            yield _features(props[batch.column_names.index(key)], _point_texts(batch), batch.column_names, props,
                            batch.num_rows)

    with path.open("wb") as out:
        _write_collection(out, features())


def write_events_geojson(decl: Declaration, events: pa.Table, places: pa.Table, path: Path) -> None:
    table = decl.tables[EVENTS]
    (key,) = table.primary_key
    fk = _place_fk(decl, table)
    place_ids = places.column(place_key(decl)).combine_chunks()
    # Text of each place's point and name, by position; an event whose place is missing gets nulls.
    points = _point_texts(places)
    names = (value_texts(places.column("name")) if "name" in places.column_names
             else pa.array(["null"] * places.num_rows, pa.string()))
    keys = list(events.column_names)
    if "place_name" not in keys:
        keys.append("place_name")

    def features():
        for batch in batches(events):
            at = pc.index_in(batch.column(fk), value_set=place_ids)  # the first row with the id: ids are unique
            props = [value_texts(c) for c in batch.columns]
            name = pc.fill_null(pc.take(names, at), "null")
            props = [name if k == "place_name" else props[i] for i, k in enumerate(batch.column_names)]
            if len(props) < len(keys):
                props.append(name)
            geometry = pc.fill_null(pc.take(points, at), "null")
            yield _features(props[keys.index(key)], geometry, keys, props, batch.num_rows)

    with path.open("wb") as out:
        _write_collection(out, features())
