"""Imported places: a slug for each new place when first met (a place before its parents), its row
written by the last event that names it, and the point's citation."""

from __future__ import annotations

from typing import Any

from ..common import PlaceSpec, SourceSpec, slugify, unique_slug
from .sql import insert_columns, old_columns, old_rows, rows_table, uses_of


def _chain(spec: PlaceSpec | None) -> list[PlaceSpec]:
    chain = []
    while spec is not None:
        chain.append(spec)
        spec = spec.parent
    return chain


def place_rows(con: Any, specs: list[PlaceSpec], importer: str, sources: list[SourceSpec]) -> list[str]:
    """The place id of each place spec; table ``places_out`` with the rows of every place. A place
    with a point cites it from the dataset (the source of the event's first claim) and the event
    where the row-by-row assembly last began writing the row: where the place spec object it held
    (``events_in.ident``) last changed, in event order."""
    rows: dict[str, dict[str, str]] = {}
    by_key: dict[tuple[str, ...], str] = {}
    for r in old_rows(con, "places"):
        rows[r["place_id"]] = r
        by_key[(r["country_iso3"], r["admin1"], r["place_type"], r["name"], r["latitude"], r["longitude"])] = \
            r["place_id"]
    taken = set(rows)
    spans = uses_of(con, "SELECT place AS spec, ord AS o FROM events_in JOIN ev USING (line)")
    for number, _, _ in spans:
        for spec in _chain(specs[number]):
            if spec.key not in by_key:
                by_key[spec.key] = unique_slug(slugify(spec.name), taken)
    cited = _point_citations(con, [(n, by_key[specs[n].key]) for n, _, _ in spans
                                   if specs[n].latitude and specs[n].longitude], sources)
    for number, _, _ in sorted(spans, key=lambda s: s[2]):
        for spec in _chain(specs[number]):
            pid = by_key[spec.key]
            located = bool(spec.latitude and spec.longitude)
            gazetteer, ext = cited.get(pid, ("", "")) if located else ("", "")
            previous = rows.get(pid, {})
            rows[pid] = {"place_id": pid, "name": spec.name, "place_type": spec.place_type,
                         "parent_place_id": by_key[spec.parent.key] if spec.parent else "",
                         "country_iso3": spec.country_iso3, "admin1": spec.admin1, "latitude": spec.latitude,
                         "longitude": spec.longitude, "coordinates_source_id": gazetteer,
                         "coordinates_ref": f"{importer} event {ext}" if located else "", "notes": spec.notes,
                         "name_ar": previous.get("name_ar", ""),
                         "name_ar_source_id": previous.get("name_ar_source_id", "")}
    rows_table(con, "places_out", rows.values(), old_columns(con, "places"))
    return [by_key.get(s.key, "") for s in specs]  # "" for a place only rows not imported name


def store_place_ids(con: Any, place_of: list[str]) -> None:
    """Table ``place_ids``: each place spec's id."""
    con.execute("CREATE TABLE place_ids (place INTEGER, place_id VARCHAR)")
    insert_columns(con, "place_ids", {"place": list(range(len(place_of))), "place_id": place_of})


def _point_citations(con: Any, located: list[tuple[int, str]], sources: list[SourceSpec]
                     ) -> dict[str, tuple[str, str]]:
    """For each place id with a point (``located``: the spec numbers naming it as an event's
    place), (the source id of its citing event's first claim, that event's external id)."""
    if not located:
        return {}
    con.execute("CREATE TEMP TABLE located (place INTEGER, place_id VARCHAR)")
    insert_columns(con, "located", {"place": [n for n, _ in located], "place_id": [p for _, p in located]})
    rows = con.execute("""
        WITH uses AS (
          SELECT l.place_id, ev.ord, ev.line, ev.ext, e.ident,
                 lag(e.ident) OVER (PARTITION BY l.place_id ORDER BY ev.ord) AS previous
          FROM events_in e JOIN ev USING (line) JOIN located l USING (place)),
        starts AS (
          SELECT place_id, arg_max(line, ord) AS line, arg_max(ext, ord) AS ext FROM uses
          WHERE previous IS NULL OR previous <> ident GROUP BY place_id)
        SELECT s.place_id, coalesce((SELECT arg_min(c.source, c.pos) FROM claims_in c WHERE c.line = s.line), -1),
               s.ext
        FROM starts s""").fetchall()
    con.execute("DROP TABLE located")
    return {pid: (sources[source].source_id if source >= 0 else "", ext) for pid, source, ext in rows}

