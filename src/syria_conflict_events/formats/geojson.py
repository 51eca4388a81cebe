"""Places and events as GeoJSON (RFC 7946) FeatureCollections.

A place's point is its own latitude/longitude; an event's point is its place's. A place recorded
without a point (an area) keeps ``"geometry": null`` rather than a guessed centre, so every row is
in the file and no coordinate is invented. Properties are the JSON records' fields.

The files hold one feature a line, in the layout of the JSON records (:mod:`.json_text`)::

    {"type":"FeatureCollection","features":[
    {"type":"Feature","id":"p1","geometry":{"type":"Point","coordinates":[37.1,36.2]},"properties":{...}},
    ...
    ]}

:func:`write_places_geojson` and :func:`write_events_geojson` stream, from typed Arrow tables
(:mod:`.columns`) a batch of features at a time, the bytes :func:`geojson_text` gives for
:func:`places_geojson` and :func:`events_geojson` (the row-wise definition). A place's point is
formatted once and given to its events by one ``take``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..declaration import Declaration, Table
from .json_text import (
    Part,
    as_array,
    batches,
    cell_parts,
    cell_texts,
    compact,
    float_texts,
    in_order,
    line_texts,
    lines_text,
    literal_bytes,
    object_parts,
    write_lines,
)

LATITUDE, LONGITUDE = "latitude", "longitude"
PLACES = "places"
EVENTS = "events"


def _point(record: dict[str, Any] | None) -> dict[str, Any] | None:
    if not record or record.get(LATITUDE) is None or record.get(LONGITUDE) is None:
        return None
    return {"type": "Point", "coordinates": [record[LONGITUDE], record[LATITUDE]]}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


_OPENING, _CLOSING = '{"type":"FeatureCollection","features":[', "]}"


def geojson_text(collection: dict[str, Any]) -> str:
    """A FeatureCollection's text in the files' layout (the definition the writers match)."""
    return lines_text(_OPENING, [compact(f) for f in collection["features"]], _CLOSING)


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


def _located(places: pa.Table | pa.RecordBatch) -> pa.Array:
    lon, lat = (as_array(places.column(n)) for n in (LONGITUDE, LATITUDE))
    return pc.and_(pc.is_valid(lon), pc.is_valid(lat))


def located_places(places: pa.Table) -> int:
    """How many places have a point."""
    return int(pc.sum(_located(places)).as_py() or 0)


def _points(places: pa.Table | pa.RecordBatch) -> pa.Array:
    """Each place's geometry as JSON text; null (written as ``null``) without a point."""
    lon, lat = (float_texts(as_array(places.column(n))) for n in (LONGITUDE, LATITUDE))
    return pc.binary_join_element_wise('{"type":"Point","coordinates":[', lon, ",", lat, "]}", "")


def _feature(ids: list[Part], geometry: Part, properties: list[Part]) -> list[Part]:
    return ['{"type":"Feature","id":', *ids, ',"geometry":', geometry, ',"properties":', *properties, "}"]


def _write(path: Path, table: pa.Table, parts: Callable[[pa.RecordBatch], list[Part]], extra: int) -> None:
    lines = in_order(line_texts(parts, literal_bytes(table, extra)), batches(table))
    with path.open("wb") as out:
        write_lines(out, lines, _OPENING, _CLOSING)


_FEATURE_BYTES = 200  # a bound on the feature's own literal text and a point's


def write_places_geojson(decl: Declaration, places: pa.Table, path: Path) -> None:
    key = place_key(decl)

    def parts(batch: pa.RecordBatch) -> list[Part]:
        props = object_parts(list(zip(batch.column_names, batch.columns, strict=True)))
        return _feature(cell_parts(batch.column(key)), _points(batch), props)

    _write(path, places, parts, _FEATURE_BYTES)


_PLACE_ROW = "\x00place row"  # an added column no declared field can be named like


def write_events_geojson(decl: Declaration, events: pa.Table, places: pa.Table, path: Path) -> None:
    table = decl.tables[EVENTS]
    (key,) = table.primary_key
    fk = _place_fk(decl, table)
    # Each place's point and name are formatted once; an event takes its place's by position (the
    # row of its place id; ids are unique), and an event whose place is missing gets nulls.
    points = _points(places)
    names = (cell_texts(places.column("name")) if "name" in places.column_names
             else pa.nulls(places.num_rows, pa.string()))
    at = pc.index_in(events.column(fk), value_set=as_array(places.column(place_key(decl))))
    keys = list(events.column_names)
    if "place_name" not in keys:
        keys.append("place_name")

    def parts(batch: pa.RecordBatch) -> list[Part]:
        where = batch.column(_PLACE_ROW)
        name = pc.take(names, where)
        members = [(n, [name] if n == "place_name" else batch.column(n)) for n in keys]
        return _feature(cell_parts(batch.column(key)), pc.take(points, where), object_parts(members))

    _write(path, events.append_column(_PLACE_ROW, at), parts, _FEATURE_BYTES + 64)
