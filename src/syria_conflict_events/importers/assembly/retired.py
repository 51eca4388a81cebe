"""Events the imported file no longer holds, retired with a tombstone after the package's own."""

from __future__ import annotations

from typing import Any


def retire_events(con: Any, version: str, importer: str) -> None:
    """Tables ``new_retired`` (the events to retire) and ``retired_out`` (every tombstone, the
    package's first)."""
    con.execute("CREATE TABLE new_retired AS SELECT o.value, o.event_id FROM event_of o "
                "WHERE o.value NOT IN (SELECT ext FROM ev) "
                "AND o.event_id NOT IN (SELECT retired_id FROM retired_events)")
    con.execute("""
        CREATE TABLE retired_out AS
        SELECT table_name, retired_id, retired_in_version, replaced_by, reason, _row AS o FROM old_retired_ids
        UNION ALL
        SELECT 'events', event_id, ?, '', 'No longer in the ' || ? || ' file last imported (its id ' || value || ').',
               (SELECT count(*) FROM old_retired_ids) + row_number() OVER (ORDER BY value)
        FROM new_retired""", [version, importer])

