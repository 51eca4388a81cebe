"""Imported actors: a slug for each new actor when first met (as an event's actor or a claimant),
its row written by its last use; rows already in the package keep their other columns."""

from __future__ import annotations

from typing import Any

from ..common import ACTOR_KEY_SCHEMES, ActorSpec, slugify, unique_slug
from .sql import POS_SCALE, insert_columns, numbered, old_columns, old_rows, rows_table, uses_of


def actor_rows(con: Any, specs: list[ActorSpec]
               ) -> tuple[list[str], set[tuple[str, str, str]], dict[tuple[str, str, str], str]]:
    """The actor id of each actor spec, the external ids of the actors the import names, and
    those of the package's actors it does not name (with their scheme version: kept as they were,
    so a later import finds such an actor again by its key); table ``actors_out``."""
    rows: dict[str, dict[str, str]] = {}
    by_key: dict[tuple[str, str], str] = {}
    keyed: set[str] = set()  # actors made for a scheme's key (their external id says which)
    old_external: dict[tuple[str, str, str], str] = {}
    for r in old_rows(con, "external_ids"):
        if r["table_name"] == "actors":
            by_key[(r["scheme"], r["value"])] = r["entity_id"]
            old_external[(r["entity_id"], r["scheme"], r["value"])] = r["scheme_version"]
            if r["scheme"] in ACTOR_KEY_SCHEMES:
                keyed.add(r["entity_id"])
    old = old_rows(con, "actors")
    for r in old:
        # A ("name", ...) key (a publisher, a compiler) finds the actor it made, never one made for a
        # scheme's key that shares its name: a publisher named as an event's actor has an actor of
        # its own in the first import, and keeps it in a re-import.
        if r["actor_id"] not in keyed:
            by_key.setdefault(("name", r["name"]), r["actor_id"])
        rows[r["actor_id"]] = r
    taken = set(rows)
    spans = uses_of(con, f"SELECT actor AS spec, ord * {POS_SCALE} + pos AS o FROM actors_in JOIN ev USING (line) "
                         f"UNION ALL SELECT claimant, ord * {POS_SCALE} + pos FROM claims_in JOIN ev USING (line)")
    ids: list[str] = [""] * len(specs)
    for number, _, _ in spans:
        spec = specs[number]
        if spec.key not in by_key:
            by_key[spec.key] = unique_slug(slugify(spec.name), taken)
        ids[number] = by_key[spec.key]
    external: set[tuple[str, str, str]] = set()
    for number, _, _ in sorted(spans, key=lambda s: s[2]):
        spec, aid = specs[number], ids[number]
        rows[aid] = {**rows.get(aid, {}), "actor_id": aid, "name": spec.name, "actor_type": spec.actor_type,
                     "country_iso3": spec.country_iso3, "acled_inter_code": spec.acled_inter_code,
                     "notes": spec.notes}
        external.update((aid, scheme, value) for scheme, value in spec.external_ids)
    rows_table(con, "actors_out", rows.values(), old_columns(con, "actors"))
    named = {ids[number] for number, _, _ in spans}
    kept = {key: version for key, version in old_external.items() if key[0] not in named and key[0] in rows}
    return ids, external, kept



def store_actor_ids(con: Any, actor_of: list[str]) -> None:
    """Table ``actor_ids``: each spec's id, and a number per distinct id (k: the claims are grouped
    by numbers, not text)."""
    con.execute("CREATE TABLE actor_ids (actor INTEGER, actor_id VARCHAR, k INTEGER)")
    insert_columns(con, "actor_ids", {"actor": list(range(len(actor_of))), "actor_id": actor_of,
                                      "k": numbered(actor_of)})
