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
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from ..canonical import write_atomic
from ..declaration import Declaration, Table
from ..generate import generated_files
from ..table_schema import TABLE_SCHEMA_DIR
from .common import ActorSpec, ImporterError, PlaceSpec, SourceSpec, slugify, unique_slug
from .csv_stream import Unwritable, line_sql, write_if_changed, write_lines_if_changed
from .staging import Staging

BATCH_ROWS = 65_536
BLOCK_BYTES = 2 << 20
_ID_NUMBER = r"^[A-Z]+-([0-9]+)$"
POS_SCALE = 1 << 20  # (event order, position in the event) as one number: order * POS_SCALE + position


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- the package already in the output directory -----------------------------------------------

# Tables the import writes anew, whose old rows matter only for these columns (the others are
# read as "": every row is still parsed, so a malformed file is refused as before).
_OLD_COLUMNS_USED = {"claims": ("claim_id", "event_id", "source_id", "claimant_actor_id"), "event_actors": ()}


def load_existing(con: Any, out: Path, decl: Declaration) -> None:
    """Each table of ``out`` (empty when absent) as DuckDB table ``old_<name>``: every declared
    column as text ("" for an empty cell, a missing column, or one the import does not use), plus
    ``_row``, its file order. Read a batch at a time."""
    for table in decl.tables.values():
        path = out / table.path
        name = _q("old_" + table.name)
        columns = ", ".join(f"{_q(n)} VARCHAR" for n in table.field_names)
        con.execute(f"CREATE TABLE {name} (_row BIGINT, {columns})")
        if path.is_file():
            schema = pa.schema([("_row", pa.int64()), *((n, pa.string()) for n in table.field_names)])
            batches = pa.RecordBatchReader.from_batches(  # noqa: F841  (read by DuckDB by its name)
                schema, (b for t in _read_existing(path, table) for b in t.to_batches()))
            con.execute(f"INSERT INTO {name} SELECT * FROM batches")  # one insert, streamed


def _read_existing(path: Path, table: Table) -> Iterator[pa.Table]:
    import csv

    try:
        with path.open("rb") as fh:
            head = fh.readline()
    except OSError as exc:
        raise ImporterError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        header = [h.strip().lower() for h in next(csv.reader([head.decode("utf-8-sig")]), [])]
    except (UnicodeDecodeError, csv.Error):
        header = []
    if not header:
        raise ImporterError(f"{path}: the file is empty (no header row)")
    missing = [c for c in table.primary_key if c not in header]
    if missing:
        raise ImporterError(f"{path}:1: missing column(s) {', '.join(missing)}; "
                            f"the header has {', '.join(header[:60])}")
    names = [f"c{i}" for i in range(len(header))]  # the header may repeat a name
    position = {h: f"c{i}" for i, h in enumerate(header)}  # the last column of a name, as a dict row has
    used = _OLD_COLUMNS_USED.get(table.name, table.field_names)
    include = [position[f] for f in used if f in position] or names[:1]
    done = 0
    try:
        reader = pacsv.open_csv(
            path, read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, include_columns=include,
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
        for batch in reader:
            n = batch.num_rows
            empty = pa.repeat(pa.scalar("", pa.string()), n)
            columns = [pa.array(range(done, done + n), pa.int64())]
            columns += [batch.column(position[f]) if f in position and f in used else empty for f in table.field_names]
            done += n
            yield pa.table(columns, names=["_row", *table.field_names])
    except (pa.ArrowInvalid, OSError) as exc:
        raise ImporterError(f"{path}: malformed rows; the output directory is not an importer's package ({exc})"
                            ) from None


# --- the result ----------------------------------------------------------------------------------

@dataclass
class Outcome:
    events: int = 0
    added: int = 0
    changed: int = 0
    retired: int = 0
    unchanged: int = 0
    written: list[str] = field(default_factory=list)
    report: dict[str, object] = field(default_factory=dict)  # the change report, when asked for


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
    con.execute("DELETE FROM events_in WHERE line NOT IN (SELECT line FROM first_line)")
    con.execute("DELETE FROM problems WHERE warning AND seq > 0 AND line NOT IN (SELECT line FROM first_line)")


def assemble_and_write(st: Staging, decl: Declaration, out: Path, *, event_scheme: str, scheme_version: str,
                       importer: str, report: bool) -> Outcome:
    con = st.con
    load_existing(con, out, decl)
    outcome = Outcome()
    _event_ids(con, event_scheme, importer)
    place_of = _places(con, st.places.items, importer, st.sources.items)
    actor_of, actor_external = _actors(con, st.actors.items)
    _sources(con, st.sources.items)
    con.execute("CREATE TABLE place_ids (place INTEGER, place_id VARCHAR)")
    _insert(con, "place_ids", {"place": list(range(len(place_of))), "place_id": place_of})
    # Each spec's id, and a number per distinct id (k: the claims are grouped by numbers, not text).
    source_of = [s.source_id for s in st.sources.items]
    con.execute("CREATE TABLE actor_ids (actor INTEGER, actor_id VARCHAR, k INTEGER)")
    _insert(con, "actor_ids", {"actor": list(range(len(actor_of))), "actor_id": actor_of, "k": _numbered(actor_of)})
    # origin: what the verification rule counts (common.verification): the publisher, else the
    # document; NULL for a reference source.
    origin = [None if s.source_type == "reference" else (s.publisher.strip().lower() or s.source_id)
              for s in st.sources.items]
    con.execute("CREATE TABLE source_ids (source INTEGER, source_id VARCHAR, k INTEGER, origin VARCHAR)")
    _insert(con, "source_ids", {"source": list(range(len(source_of))), "source_id": source_of,
                                "k": _numbered(source_of), "origin": pa.array(origin, pa.string())})
    _claims(con)
    _retired(con, decl.version, importer)
    outcome.events, outcome.added, outcome.retired = (int(v) for v in con.execute(
        "SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM ev WHERE added), "
        "(SELECT count(*) FROM new_retired)").fetchone())
    _compare_events(con, decl)
    outcome.changed, outcome.unchanged = (int(v) for v in con.execute(
        "SELECT count(*) FILTER (WHERE changed <> ''), count(*) FILTER (WHERE changed = '') FROM compared"
    ).fetchone())
    queries = _output_queries(con, decl, event_scheme, scheme_version, actor_external)
    outcome.written = _write(con, decl, out, queries)
    if report:
        outcome.report = _report(con, outcome)
    return outcome


def _insert(con: Any, table: str, columns: dict[str, list[Any]]) -> None:
    arrow = pa.table(columns)  # noqa: F841  (read by DuckDB by its name)
    con.execute(f"INSERT INTO {table} SELECT * FROM arrow")


def _event_ids(con: Any, scheme: str, importer: str) -> None:
    """Table ``ev``: each imported event with its order and SCE id (kept, or new)."""
    con.execute("CREATE TABLE event_of AS SELECT value, arg_max(entity_id, _row) AS event_id FROM old_external_ids "
                "WHERE table_name = 'events' AND scheme = ? GROUP BY value", [scheme])
    foreign = con.execute("SELECT event_id FROM old_events WHERE event_id NOT IN (SELECT event_id FROM event_of) "
                          "ORDER BY _row LIMIT 1").fetchone()
    if foreign:
        raise ImporterError(f"the output directory holds events that no {importer} import wrote "
                            f"(e.g. {foreign[0]}); import into a new or importer-owned directory")
    con.execute("CREATE TABLE retired_events AS SELECT DISTINCT retired_id FROM old_retired_ids "
                "WHERE table_name = 'events'")
    next_event = con.execute(
        "SELECT coalesce(max(TRY_CAST(regexp_extract(id, ?, 1) AS HUGEINT)), 0) + 1 FROM "
        "(SELECT event_id AS id FROM old_events UNION ALL SELECT retired_id FROM retired_events)",
        [_ID_NUMBER]).fetchone()[0]
    digits = "regexp_full_match(e.ext, '[0-9]+')"
    con.execute(f"""
        CREATE TABLE ordered AS
        SELECT e.line, e.ext, CASE WHEN r.retired_id IS NULL THEN o.event_id END AS kept,
               row_number() OVER (ORDER BY NOT {digits},
                                  CASE WHEN {digits} THEN length(ltrim(e.ext, '0')) ELSE 0 END,
                                  CASE WHEN {digits} THEN ltrim(e.ext, '0') ELSE '' END, e.ext, e.line) AS ord
        FROM events_in e LEFT JOIN event_of o ON o.value = e.ext
        LEFT JOIN retired_events r ON r.retired_id = o.event_id""")
    con.execute(f"""
        CREATE TABLE ev AS
        SELECT ord, line, ext, coalesce(kept, printf('SCE-%06d', {int(next_event) - 1}::HUGEINT
               + row_number() OVER (PARTITION BY kept IS NULL ORDER BY ord))) AS event_id, kept IS NULL AS added
        FROM ordered""")


def _chain(spec: PlaceSpec | None) -> list[PlaceSpec]:
    chain = []
    while spec is not None:
        chain.append(spec)
        spec = spec.parent
    return chain


def _spans(con: Any, query: str) -> list[tuple[int, int, int]]:
    """(spec number, first use, last use) from ``query``'s (spec, order) rows, by first use."""
    return [tuple(r) for r in con.execute(f"SELECT spec, min(o), max(o) FROM ({query}) GROUP BY spec ORDER BY 2")
            .fetchall()]


def _places(con: Any, specs: list[PlaceSpec], importer: str, sources: list[SourceSpec]) -> list[str]:
    """The place id of each place spec; table ``places_out`` with the rows of every place. A place
    with a point cites it from the dataset (the source of the event's first claim) and the event
    where the row-by-row assembly last began writing the row: where the place spec object it held
    (``events_in.ident``) last changed, in event order."""
    rows: dict[str, dict[str, str]] = {}
    by_key: dict[tuple[str, ...], str] = {}
    for r in _old_rows(con, "places"):
        rows[r["place_id"]] = r
        by_key[(r["country_iso3"], r["admin1"], r["place_type"], r["name"], r["latitude"], r["longitude"])] = \
            r["place_id"]
    taken = set(rows)
    spans = _spans(con, "SELECT place AS spec, ord AS o FROM events_in JOIN ev USING (line)")
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
    _rows_table(con, "places_out", rows.values(), _fields(con, "places"))
    return [by_key.get(s.key, "") for s in specs]  # "" for a place only rows not imported name


def _point_citations(con: Any, located: list[tuple[int, str]], sources: list[SourceSpec]
                     ) -> dict[str, tuple[str, str]]:
    """For each place id with a point (``located``: the spec numbers naming it as an event's
    place), (the source id of its citing event's first claim, that event's external id)."""
    if not located:
        return {}
    con.execute("CREATE TEMP TABLE located (place INTEGER, place_id VARCHAR)")
    _insert(con, "located", {"place": [n for n, _ in located], "place_id": [p for _, p in located]})
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


def _actors(con: Any, specs: list[ActorSpec]) -> tuple[list[str], set[tuple[str, str, str]]]:
    """The actor id of each actor spec and the actors' external ids; table ``actors_out``."""
    rows: dict[str, dict[str, str]] = {}
    by_key: dict[tuple[str, str], str] = {}
    for r in _old_rows(con, "external_ids"):
        if r["table_name"] == "actors":
            by_key[(r["scheme"], r["value"])] = r["entity_id"]
    old = _old_rows(con, "actors")
    for r in old:
        by_key.setdefault(("name", r["name"]), r["actor_id"])
        rows[r["actor_id"]] = r
    taken = set(rows)
    spans = _spans(con, f"SELECT actor AS spec, ord * {POS_SCALE} + pos AS o FROM actors_in JOIN ev USING (line) "
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
    _rows_table(con, "actors_out", rows.values(), _fields(con, "actors"))
    return ids, external


def _sources(con: Any, specs: list[SourceSpec]) -> None:
    """Table ``sources_out``: the package's sources, each written by the last claim citing it."""
    rows = {r["source_id"]: r for r in _old_rows(con, "sources")}
    spans = _spans(con, f"SELECT source AS spec, ord * {POS_SCALE} + pos AS o FROM claims_in JOIN ev USING (line)")
    for number, _, _ in sorted(spans, key=lambda s: s[2]):
        s = specs[number]
        rows[s.source_id] = {"source_id": s.source_id, "publisher": s.publisher, "title": s.title,
                             "published_date": s.published_date, "language": s.language,
                             "source_type": s.source_type, "notes": s.notes}
    _rows_table(con, "sources_out", rows.values(), _fields(con, "sources"))


def _fields(con: Any, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {_q('old_' + table)}").fetchall() if r[0] != "_row"]


def _old_rows(con: Any, table: str) -> list[dict[str, str]]:
    """The rows of a small table of the existing package (places, actors, sources, the actors'
    external ids), in file order."""
    where = " WHERE table_name = 'actors'" if table == "external_ids" else ""
    reader = con.sql(f"SELECT * EXCLUDE (_row) FROM {_q('old_' + table)}{where} ORDER BY _row").to_arrow_reader(
        BATCH_ROWS)
    return [row for batch in reader for row in batch.to_pylist()]


def _rows_table(con: Any, name: str, rows: Any, columns: list[str]) -> None:
    """A table ``name`` of dict rows (text, "" for a column a row lacks), with ``_row``, their order."""
    rows = list(rows)
    data: dict[str, list[Any]] = {"_row": list(range(len(rows)))}
    data.update({c: [r.get(c) or "" for r in rows] for c in columns})
    arrow = pa.table(data)  # noqa: F841  (read by DuckDB by its name)
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM arrow")


def _numbered(ids: list[str]) -> list[int]:
    number: dict[str, int] = {}
    return [number.setdefault(i, len(number)) for i in ids]


def _claims(con: Any) -> None:
    """Table ``claims_out``: each claim with its id (kept, or the next after the package's). A claim
    is an (event, source, claimant); the same one twice in an event keeps one id, and an exact
    repeat of a row is written once."""
    con.execute(f"""
        CREATE TABLE claims_new AS
        SELECT ev.ord, ev.ord * {POS_SCALE} + c.pos AS o, ev.event_id, s.source_id, s.k AS sk,
               a.actor_id AS claimant_actor_id, a.k AS ak, c.claim, c.fatalities, c.low, c.high,
               CASE WHEN c.fatalities <> '' OR c.low <> '' OR c.high <> '' THEN 'event' ELSE '' END AS scope,
               c.stance
        FROM claims_in c JOIN ev USING (line) JOIN source_ids s USING (source) JOIN actor_ids a ON a.actor = c.claimant
    """)
    con.execute("CREATE TABLE triples AS SELECT ord, sk, ak, any_value(event_id) AS event_id, "
                "any_value(source_id) AS source_id, any_value(claimant_actor_id) AS claimant_actor_id, "
                "min(o) AS first_o, count(*) AS n FROM claims_new GROUP BY ord, sk, ak")
    kept = "NULL"
    if con.execute("SELECT count(*) FROM old_claims").fetchone()[0]:
        con.execute("CREATE TABLE claim_of AS SELECT event_id, source_id, claimant_actor_id, "
                    "arg_max(claim_id, _row) AS claim_id FROM old_claims GROUP BY ALL")
        kept = ("(SELECT k.claim_id FROM claim_of k WHERE k.event_id = t.event_id AND k.source_id = t.source_id "
                "AND k.claimant_actor_id = t.claimant_actor_id)")
    next_claim = con.execute("SELECT coalesce(max(TRY_CAST(regexp_extract(claim_id, ?, 1) AS HUGEINT)), 0) + 1 "
                             "FROM old_claims", [_ID_NUMBER]).fetchone()[0]
    con.execute(f"CREATE TABLE triple_kept AS SELECT t.*, {kept} AS kept FROM triples t")
    con.execute(f"""
        CREATE TABLE triple_ids AS
        SELECT ord, sk, ak, n, coalesce(kept, printf('CLM-%06d', {int(next_claim) - 1}::HUGEINT
               + row_number() OVER (PARTITION BY kept IS NULL ORDER BY first_o))) AS claim_id
        FROM triple_kept""")
    con.execute("""
        CREATE TABLE claims_out AS
        SELECT t.claim_id, n.event_id, n.source_id, n.claimant_actor_id, n.claim, n.fatalities AS fatalities_claimed,
               n.low AS fatalities_claimed_low, n.high AS fatalities_claimed_high, n.scope AS figure_scope,
               n.stance, n.o
        FROM claims_new n JOIN triple_ids t USING (ord, sk, ak) WHERE t.n = 1
        UNION ALL
        SELECT t.claim_id, n.event_id, n.source_id, n.claimant_actor_id, n.claim, n.fatalities, n.low, n.high,
               n.scope, n.stance, min(n.o)
        FROM claims_new n JOIN triple_ids t USING (ord, sk, ak) WHERE t.n > 1 GROUP BY ALL""")


def _retired(con: Any, version: str, importer: str) -> None:
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


def _event_select(decl: Declaration) -> str:
    names = decl.tables["events"].field_names
    cells = {"event_id": "ev.event_id", "place_id": "p.place_id",
             "verification": "coalesce(v.verification, 'background_only')"}
    return ", ".join(f"{cells.get(n, 'e.' + _q(n))} AS {_q(n)}" for n in names)


def _compare_events(con: Any, decl: Declaration) -> None:
    """Table ``compared``: the changed columns of each event the package held ("" if none)."""
    names = decl.tables["events"].field_names
    # The verification rule (common.verification) over each event's claims.
    con.execute("""
        CREATE TABLE verified AS
        SELECT c.line, CASE WHEN bool_or(c.stance IN ('denies', 'disputes')) THEN 'contested'
                            WHEN count(DISTINCT s.origin) >= 2 THEN 'corroborated'
                            WHEN count(DISTINCT s.origin) = 1 THEN 'single_source'
                            ELSE 'background_only' END AS verification
        FROM claims_in c JOIN source_ids s USING (source) GROUP BY c.line""")
    con.execute(f"CREATE TABLE events_out AS SELECT {_event_select(decl)}, ev.ord AS o "
                "FROM ev JOIN events_in e USING (line) JOIN place_ids p USING (place) "
                "LEFT JOIN verified v USING (line)")
    old = "(SELECT * FROM old_events QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY _row DESC) = 1)"
    diffs = ", ".join(f"CASE WHEN n.{_q(c)} <> o.{_q(c)} THEN '{c}' END" for c in names)
    con.execute(f"CREATE TABLE compared AS SELECT n.event_id, concat_ws(',', {diffs}) AS changed, n.o "
                f"FROM events_out n JOIN {old} o USING (event_id)")


def _output_queries(con: Any, decl: Declaration, event_scheme: str, scheme_version: str,
                    actor_external: set[tuple[str, str, str]]) -> dict[str, str]:
    """The query giving each table's new rows (its declared columns, and ``o``: the order in which
    the row-by-row assembly built them, which breaks ties between equal keys)."""
    ae = sorted(actor_external)
    con.execute("CREATE TABLE actor_external (entity_id VARCHAR, scheme VARCHAR, value VARCHAR, o BIGINT)")
    _insert(con, "actor_external", {"entity_id": [a for a, _, _ in ae], "scheme": [s for _, s, _ in ae],
                                    "value": [v for _, _, v in ae], "o": list(range(len(ae)))})
    con.execute("CREATE TABLE consts (scheme VARCHAR, scheme_version VARCHAR)")
    _insert(con, "consts", {"scheme": [event_scheme], "scheme_version": [scheme_version]})
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
              SELECT 'actors', entity_id, scheme, value, (SELECT scheme_version FROM consts),
                     {last} * {POS_SCALE} + o FROM actor_external
            ) GROUP BY ALL""",
        "retired_ids": "SELECT * FROM retired_out",
    }


def _generated(decl: Declaration) -> dict[str, bytes]:
    """datapackage.json and the Table Schemas it references, so the directory stands alone
    (`frictionless validate DIR/datapackage.json` works as well as `sce validate DIR`)."""
    return {rel: text.encode("utf-8") for rel, text in generated_files(decl).items()
            if rel == "datapackage.json" or rel.startswith(f"{TABLE_SCHEMA_DIR}/")}


def _write(con: Any, decl: Declaration, out: Path, queries: dict[str, str]) -> list[str]:
    """Write every file whose bytes change; the relative paths written, in the old order."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "data").mkdir(exist_ok=True)
    written = []
    for rel, data in _generated(decl).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.read_bytes() == data:
            continue
        write_atomic(path, data)
        written.append(rel)
    for table in decl.tables.values():
        query = queries.get(table.name, f"SELECT *, _row AS o FROM {_q('old_' + table.name)}")
        present = set(con.sql(f"SELECT * FROM ({query}) LIMIT 0").columns)
        columns = ", ".join(_q(n) if n in present else f"'' AS {_q(n)}" for n in table.field_names)
        order = ", ".join([*(_q(k) for k in table.primary_key), "o"])
        rows = f"SELECT {columns}, o FROM ({query})"
        line = line_sql([f"coalesce({_q(n)}, '')" for n in table.field_names])
        lines = con.sql(f"SELECT {line} AS line FROM ({rows}) ORDER BY {order}").to_arrow_reader(BATCH_ROWS)
        try:  # the lines made by DuckDB, on both cores
            changed = write_lines_if_changed(out / table.path, table, lines)
        except Unwritable:  # a cell with a line break: the canonical writer's proof, cell by cell
            lines.close()
            changed = write_if_changed(out / table.path, table, con.sql(
                f"SELECT * EXCLUDE (o) FROM ({rows}) ORDER BY {order}").to_arrow_reader(BATCH_ROWS))
        if changed:
            written.append(table.path)
    return written


def _report(con: Any, outcome: Outcome) -> dict[str, object]:
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
