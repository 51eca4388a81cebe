"""The new package written: each table's rows as a query, sorted by key and written as a stream,
with datapackage.json and the Table Schemas; only files whose bytes change are rewritten."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...canonical import write_atomic
from ...declaration import Declaration, Table
from ...generate import generated_files
from ...table_schema import TABLE_SCHEMA_DIR
from ..csv_stream import (
    Unwritable,
    discard_all,
    line_sql,
    replace_all,
    write_if_changed,
    write_lines_if_changed,
)
from .sql import POS_SCALE, WRITE_ROWS, insert_columns, quote


def output_queries(con: Any, decl: Declaration, event_scheme: str, scheme_version: str,
                   actor_external: set[tuple[str, str, str]],
                   kept_external: dict[tuple[str, str, str], str] | None = None) -> dict[str, str]:
    """The query giving each table's new rows (its declared columns, and ``o``: the order in which
    the row-by-row assembly built them, which breaks ties between equal keys). ``kept_external``:
    external ids of actors the import does not name, kept with their scheme version."""
    kept_external = kept_external or {}
    ae = [(*key, scheme_version) for key in sorted(actor_external)]
    ae += [(*key, kept_external[key]) for key in sorted(set(kept_external) - set(actor_external))]
    con.execute("CREATE TABLE actor_external (entity_id VARCHAR, scheme VARCHAR, value VARCHAR, "
                "scheme_version VARCHAR, o BIGINT)")
    insert_columns(con, "actor_external", {"entity_id": [a[0] for a in ae], "scheme": [a[1] for a in ae],
                                           "value": [a[2] for a in ae], "scheme_version": [a[3] for a in ae],
                                           "o": list(range(len(ae)))})
    con.execute("CREATE TABLE consts (scheme VARCHAR, scheme_version VARCHAR)")
    insert_columns(con, "consts", {"scheme": [event_scheme], "scheme_version": [scheme_version]})
    last = "(SELECT coalesce(max(ord), 0) + 1 FROM ev)"
    return {
        "events": "SELECT * FROM events_out",
        "places": "SELECT *, _row AS o FROM places_out",
        "actors": "SELECT *, _row AS o FROM actors_out",
        "sources": "SELECT *, _row AS o FROM sources_out",
        "event_actors": f"SELECT ev.event_id, a.actor_id, r.role, min(ev.ord * {POS_SCALE} + r.pos) AS o "
                        "FROM actors_in r JOIN ev USING (line) JOIN actor_ids a USING (actor) GROUP BY ALL",
        "claims": "SELECT * FROM claims_out",
        "external_ids": f"""
            SELECT table_name, entity_id, scheme, value, scheme_version, min(o) AS o FROM (
              SELECT 'events' AS table_name, ev.event_id AS entity_id, x.scheme, x.value, c.scheme_version,
                     ev.ord * {POS_SCALE} + x.pos AS o
              FROM (SELECT line, 0 AS pos, (SELECT scheme FROM consts) AS scheme, ext AS value FROM ev
                    UNION ALL SELECT line, pos + 1, scheme, value FROM ext_in) x
              JOIN ev USING (line) CROSS JOIN consts c
              UNION ALL
              SELECT 'actors', entity_id, scheme, value, scheme_version, {last} * {POS_SCALE} + o
              FROM actor_external
            ) GROUP BY ALL""",
        "retired_ids": "SELECT * FROM retired_out",
    }


def _generated(decl: Declaration) -> dict[str, bytes]:
    """datapackage.json and the Table Schemas it references, so the directory stands alone
    (`frictionless validate DIR/datapackage.json` works as well as `sce validate DIR`)."""
    return {rel: text.encode("utf-8") for rel, text in generated_files(decl).items()
            if rel == "datapackage.json" or rel.startswith(f"{TABLE_SCHEMA_DIR}/")}


class Redo(Exception):
    """Raised by a ``before_replace`` callback: the table's rows are not final; nothing replaced.
    :func:`write_package` calls the table's ``redo`` and writes the table again."""


def write_package(con: Any, decl: Declaration, out: Path, queries: dict[str, str],
                  before_replace: dict[str, Callable[[], None]] | None = None,
                  redo: dict[str, Callable[[], None]] | None = None) -> list[str]:
    """Write every file whose bytes change; the relative paths written, in the old order.
    ``before_replace``: per table, called before its file is replaced (the old one still there);
    when it raises :class:`Redo`, ``redo[table]`` is called and the table written again."""
    before_replace, redo = dict(before_replace or {}), redo or {}
    out.mkdir(parents=True, exist_ok=True)
    (out / "data").mkdir(exist_ok=True)
    generated = {}
    for rel, data in _generated(decl).items():
        path = out / rel
        if not (path.is_file() and path.read_bytes() == data):
            generated[rel] = data
    written = list(generated)
    # Every new file is put in place only once all are made: an error on the way (an old file
    # found malformed when read late) leaves the package as it was.
    pending: list[tuple[Path, Path]] = []
    try:
        for table in decl.tables.values():
            try:
                changed = _write_table(con, table, out, queries, before_replace.get(table.name), pending)
            except Redo:
                redo[table.name]()
                before_replace.pop(table.name)
                changed = _write_table(con, table, out, queries, None, pending)
            if changed:
                written.append(table.path)
    except BaseException:
        discard_all(pending)
        raise
    for rel, data in generated.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out / rel, data)
    replace_all(pending)
    return written


def _write_table(con: Any, table: Table, out: Path, queries: dict[str, str],
                 before_replace: Callable[[], None] | None, pending: list[tuple[Path, Path]]) -> bool:
    query = queries.get(table.name, f"SELECT *, _row AS o FROM {quote('old_' + table.name)}")
    present = set(con.sql(f"SELECT * FROM ({query}) LIMIT 0").columns)
    columns = ", ".join(quote(n) if n in present else f"'' AS {quote(n)}" for n in table.field_names)
    order = ", ".join([*(quote(k) for k in table.primary_key), "o"])
    rows = f"SELECT {columns}, o FROM ({query})"
    line = line_sql([f"coalesce({quote(n)}, '')" for n in table.field_names])
    lines = con.sql(f"SELECT {line} AS line FROM ({rows}) ORDER BY {order}").to_arrow_reader(WRITE_ROWS)
    try:  # the lines made by DuckDB, on both cores
        return write_lines_if_changed(out / table.path, table, lines, before_replace, pending)
    except Unwritable:  # a cell with a line break: the canonical writer's proof, cell by cell
        lines.close()
        return write_if_changed(out / table.path, table, con.sql(
            f"SELECT * EXCLUDE (o) FROM ({rows}) ORDER BY {order}").to_arrow_reader(WRITE_ROWS),
            before_replace, pending)

