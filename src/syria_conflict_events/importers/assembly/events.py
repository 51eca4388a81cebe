"""Imported events: duplicates of an id resolved, each event's order and SCE id (kept, or the
next number), and the events' rows (with their verification) compared with the package's."""

from __future__ import annotations

from typing import Any

from ...declaration import Declaration
from ..common import ImporterError
from ..staging import Staging
from .sql import ID_NUMBER, numbered_id, quote


def resolve_duplicates(st: Staging, *, column: str, label: str, path: str) -> None:
    """Keep the first mapped row of each id; report the later ones (and rows with problems after
    it) as "already on line N", and drop the warnings of rows not imported."""
    con = st.con
    st.flush()
    con.execute("CREATE TABLE first_line AS SELECT ext, min(line) AS line FROM events_in GROUP BY ext")
    prefix = f"{path}:"
    reason = f":{column}: {label} "
    con.execute(
        "INSERT INTO problems SELECT r.line, 0, false, ? || r.line || ? || r.ext || ' already on line ' || f.line "
        "FROM (SELECT line, ext FROM events_in UNION ALL SELECT line, ext FROM rejected) r "
        "JOIN first_line f ON f.ext = r.ext AND f.line < r.line", [prefix, reason])
    con.execute("DELETE FROM problems WHERE warning AND seq > 0 AND line NOT IN (SELECT line FROM first_line)")


def event_ids(con: Any, scheme: str) -> None:
    """Table ``ev``: each imported event with its order and SCE id (kept, or new)."""
    con.execute("CREATE TABLE event_of AS SELECT value, arg_max(entity_id, _row) AS event_id FROM old_external_ids "
                "WHERE table_name = 'events' AND scheme = ? GROUP BY value", [scheme])
    con.execute("CREATE TABLE retired_events AS SELECT DISTINCT retired_id FROM old_retired_ids "
                "WHERE table_name = 'events'")
    next_event = con.execute(
        "SELECT coalesce(max(TRY_CAST(regexp_extract(id, ?, 1) AS HUGEINT)), 0) + 1 FROM "
        "(SELECT entity_id AS id FROM old_external_ids WHERE table_name = 'events' "
        "UNION ALL SELECT retired_id FROM retired_events)",
        [ID_NUMBER]).fetchone()[0]
    digits = "regexp_full_match(e.ext, '[0-9]+')"
    con.execute(f"""
        CREATE TABLE ordered AS
        SELECT e.line, e.ext, CASE WHEN r.retired_id IS NULL THEN o.event_id END AS kept,
               row_number() OVER (ORDER BY NOT {digits},
                                  CASE WHEN {digits} THEN length(ltrim(e.ext, '0')) ELSE 0 END,
                                  CASE WHEN {digits} THEN ltrim(e.ext, '0') ELSE '' END, e.ext, e.line) AS ord
        FROM events_in e SEMI JOIN first_line f USING (line) LEFT JOIN event_of o ON o.value = e.ext
        LEFT JOIN retired_events r ON r.retired_id = o.event_id""")
    con.execute(f"""
        CREATE TABLE ev AS
        SELECT ord, line, ext, coalesce(kept, {numbered_id("SCE", int(next_event) - 1,
               "row_number() OVER (PARTITION BY kept IS NULL ORDER BY ord)")}) AS event_id, kept IS NULL AS added
        FROM ordered""")
    con.execute("DROP TABLE ordered")  # its memory is DuckDB's again (a table it no longer needs spills)


def refuse_foreign_events(con: Any, importer: str) -> None:
    """Refuse a package holding events without an external id from this importer (one it did not
    write). Called once events.csv is read (:func:`existing.load_late`), before it is replaced:
    an events.csv with the bytes the import writes holds only the import's events."""
    foreign = con.execute("SELECT event_id FROM old_events WHERE event_id NOT IN (SELECT event_id FROM event_of) "
                          "ORDER BY _row LIMIT 1").fetchall()
    if foreign:
        raise ImporterError(f"the output directory holds events that no {importer} import wrote "
                            f"(e.g. {foreign[0][0]}); import into a new or importer-owned directory")


def _event_select(decl: Declaration) -> str:
    names = decl.tables["events"].field_names
    cells = {"event_id": "ev.event_id", "place_id": "p.place_id",
             "verification": "coalesce(v.verification, 'background_only')"}
    return ", ".join(f"{cells.get(n, 'e.' + quote(n))} AS {quote(n)}" for n in names)


def events_out(con: Any, decl: Declaration) -> None:
    """View ``events_out``: the new events' rows, with their verification."""
    # The verification rule (common.verification) over each event's claims.
    con.execute("""
        CREATE TABLE verified AS
        SELECT c.line, CASE WHEN bool_or(c.stance IN ('denies', 'disputes')) THEN 'contested'
                            WHEN count(DISTINCT s.origin) >= 2 THEN 'corroborated'
                            WHEN count(DISTINCT s.origin) = 1 THEN 'single_source'
                            ELSE 'background_only' END AS verification
        FROM claims_in c JOIN source_ids s USING (source) GROUP BY c.line""")
    # A view: its rows are made once, as they are written (a table cost a copy of every event).
    con.execute(f"CREATE VIEW events_out AS SELECT {_event_select(decl)}, ev.ord AS o "
                "FROM ev JOIN events_in e USING (line) JOIN place_ids p USING (place) "
                "LEFT JOIN verified v USING (line)")


def compare_events(con: Any, decl: Declaration, *, file_changed: bool) -> None:
    """Table ``compared``: the changed columns of each event the package held ("" if none). When
    events.csv kept its bytes every event is one the package held, unchanged: no comparison."""
    if not file_changed:
        con.execute("CREATE TABLE compared AS SELECT event_id, '' AS changed, ord AS o FROM ev")
        return
    names = decl.tables["events"].field_names
    old = "(SELECT * FROM old_events QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY _row DESC) = 1)"
    diffs = ", ".join(f"CASE WHEN n.{quote(c)} <> o.{quote(c)} THEN '{c}' END" for c in names)
    con.execute(f"CREATE TABLE compared AS SELECT n.event_id, concat_ws(',', {diffs}) AS changed, n.o "
                f"FROM events_out n JOIN {old} o USING (event_id)")
