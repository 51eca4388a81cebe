"""The staged rows of an import (:mod:`.staging`) and the package already in the output directory
become the new package, in SQL on DuckDB, written as a stream.

The rules are those of the row-by-row assembly this replaced, and its output bytes are the same
(tests/test_import_byte_identical.py):

* events are processed in the order of the imported dataset's ids (numeric ones first, by value);
  an id imported before keeps its SCE id, a new one takes the next number after every id used or
  retired; the first row of an id that maps without a problem is imported, a later row with that
  id is reported as a duplicate;
* places, actors and sources: a new one gets its slug when first met in that order (a place before
  its parents), and its row is written by the last event that names it; rows already in the
  package keep their ids and their other columns (``name_ar``);
* a claim keeps its id when the package has the same (event, source, claimant); new claims are
  numbered in the order they are met;
* events the file no longer holds are retired.

Only the distinct places, actors and sources are Python objects; every per-event table stays in
DuckDB, whose memory is bounded (it spills to disk), and is written sorted, a batch at a time.

This module runs the steps in order; each table's step is its own module: :mod:`.existing` (the
package already there), :mod:`.events`, :mod:`.places`, :mod:`.actors`, :mod:`.sources`,
:mod:`.claims`, :mod:`.retired`, :mod:`.output` (the queries and the write), on :mod:`.sql`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...declaration import Declaration
from ..staging import Staging
from .actors import actor_rows, store_actor_ids
from .claims import claim_rows
from .events import compare_events, event_ids, events_out, refuse_foreign_events, resolve_duplicates
from .existing import load_existing, load_late
from .output import Redo, output_queries, write_package
from .places import place_rows, store_place_ids
from .retired import retire_events
from .sources import source_rows, store_source_ids

__all__ = ["Outcome", "assemble_and_write", "load_existing", "resolve_duplicates"]


@dataclass
class Outcome:
    events: int = 0
    added: int = 0
    changed: int = 0
    retired: int = 0
    unchanged: int = 0
    written: list[str] = field(default_factory=list)
    report: dict[str, object] = field(default_factory=dict)  # the change report, when asked for


def assemble_and_write(st: Staging, decl: Declaration, out: Path, *, event_scheme: str, scheme_version: str,
                       importer: str, report: bool) -> Outcome:
    import pyarrow as pa

    # The reading's Arrow buffers are free now: returned to the system, DuckDB's memory has room.
    pa.default_memory_pool().release_unused()
    con = st.con
    load_existing(con, out, decl)
    outcome = Outcome()
    event_ids(con, event_scheme)
    place_of = place_rows(con, st.places.items, importer, st.sources.items)
    actor_of, actor_external, kept_external = actor_rows(con, st.actors.items)
    source_rows(con, st.sources.items)
    store_place_ids(con, place_of)
    store_actor_ids(con, actor_of)
    store_source_ids(con, st.sources.items)
    # A re-import numbers the claims first as a first import would: when claims.csv comes out with
    # the bytes it had, every claim has the id it held, and the old claims were never read (the
    # idempotent re-import); else they are read and the claims made again, keeping their ids.
    try_fresh = (out / decl.tables["claims"].path).is_file()
    claim_rows(con, keep_ids=not try_fresh)
    retire_events(con, decl.version, importer)
    outcome.events, outcome.added, outcome.retired = (int(v) for v in con.execute(
        "SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM ev WHERE added), "
        "(SELECT count(*) FROM new_retired)").fetchone())
    events_out(con, decl)
    queries = output_queries(con, decl, event_scheme, scheme_version, actor_external, kept_external)
    # The old events' columns are read only when events.csv is about to change: an events.csv
    # whose bytes did not change (the idempotent re-import) needs no comparison of every event.
    before_replace: dict[str, Callable[[], None]] = {
        "events": lambda: (load_late(con, out, decl, "events"), refuse_foreign_events(con, importer)),
        "event_actors": lambda: load_late(con, out, decl, "event_actors")}
    redo: dict[str, Callable[[], None]] = {}
    if try_fresh:
        before_replace["claims"] = _keep_claim_ids
        redo["claims"] = lambda: (load_late(con, out, decl, "claims"), claim_rows(con, keep_ids=True))
    outcome.written = write_package(con, decl, out, queries, before_replace, redo)
    compare_events(con, decl, file_changed=decl.tables["events"].path in outcome.written)
    outcome.changed, outcome.unchanged = (int(v) for v in con.execute(
        "SELECT count(*) FILTER (WHERE changed <> ''), count(*) FILTER (WHERE changed = '') FROM compared"
    ).fetchone())
    if report:
        outcome.report = _change_report(con, outcome)
    return outcome


def _keep_claim_ids() -> None:
    raise Redo("claims.csv changes: its claims are made again, keeping the package's ids")


def _change_report(con: Any, outcome: Outcome) -> dict[str, object]:
    """The change report (`--changes`): what the row-by-row importer's summary listed."""
    added = con.execute("SELECT event_id, ext FROM ev WHERE added ORDER BY ord").fetchall()
    changed = con.execute("SELECT event_id, changed FROM compared WHERE changed <> '' ORDER BY event_id").fetchall()
    retired = con.execute("SELECT event_id, value FROM new_retired ORDER BY value").fetchall()
    return {
        "events": outcome.events,
        "added": [{"event_id": e, "external_id": v} for e, v in added],
        "changed": [{"event_id": e, "columns": c.split(",")} for e, c in changed],
        "retired": [{"event_id": e, "external_id": v} for e, v in retired],
        "unchanged": outcome.unchanged,
        "files_written": outcome.written,
    }
