"""Imported sources: each source's row, written by the last claim citing it."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..common import SourceSpec
from .sql import POS_SCALE, insert_columns, numbered, old_columns, old_rows, rows_table, uses_of


def source_rows(con: Any, specs: list[SourceSpec]) -> None:
    """Table ``sources_out``: the package's sources, each written by the last claim citing it."""
    rows = {r["source_id"]: r for r in old_rows(con, "sources")}
    spans = uses_of(con, f"SELECT source AS spec, ord * {POS_SCALE} + pos AS o FROM claims_in JOIN ev USING (line)")
    for number, _, _ in sorted(spans, key=lambda s: s[2]):
        s = specs[number]
        rows[s.source_id] = {"source_id": s.source_id, "publisher": s.publisher, "title": s.title,
                             "published_date": s.published_date, "language": s.language,
                             "source_type": s.source_type, "notes": s.notes}
    rows_table(con, "sources_out", rows.values(), old_columns(con, "sources"))



def store_source_ids(con: Any, specs: list[SourceSpec]) -> None:
    """Table ``source_ids``: each spec's id, a number per distinct id (k), and its origin's number:
    what the verification rule counts (common.verification), the publisher, else the document; NULL
    for a reference source."""
    source_of = [s.source_id for s in specs]
    origins = [None if s.source_type == "reference" else (s.publisher.strip().lower() or s.source_id)
               for s in specs]
    # Each origin as a number (the rule counts distinct ones: numbers count faster than text).
    number: dict[str, int] = {}
    origin = [None if o is None else number.setdefault(o, len(number)) for o in origins]
    con.execute("CREATE TABLE source_ids (source INTEGER, source_id VARCHAR, k INTEGER, origin INTEGER)")
    insert_columns(con, "source_ids", {"source": list(range(len(source_of))), "source_id": source_of,
                                       "k": numbered(source_of), "origin": pa.array(origin, pa.int32())})
