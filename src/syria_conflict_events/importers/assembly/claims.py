"""Imported claims: an (event, source, claimant) keeps the package's claim id, else takes the next.

The claims are grouped and numbered by integers (the event's order, the source's and claimant's
numbers per distinct id), never by their text, and the package's ids are matched by the same
numbers; the source and claimant ids (long, repeated text) join the rows only as they are written
(issue 17: grouping the rows with their text cost 34 s at 2.5M ACLED rows)."""

from __future__ import annotations

from typing import Any

from .sql import ID_NUMBER, POS_SCALE, numbered_id

# The shortcut for distinct claims (False: always the general grouping; the tests compare both).
FAST = True


_MADE = ("claims_out", "claim_text", "claims_numbered", "triple_ids", "claim_keys", "claim_base", "claim_of")


def claim_rows(con: Any, *, keep_ids: bool = True) -> None:
    """Table ``claims_numbered`` and view ``claims_out``: each claim with its id (kept, or the next
    after the package's). A claim is an (event, source, claimant); the same one twice in an event
    keeps one id, and an exact repeat of a row is written once.

    ``keep_ids=False``: the package's ids are not looked up and the claims are numbered from
    CLM-000001, as a first import numbers them: a re-import tries this first, and its claims.csv
    is right when it comes out with the bytes it had (every claim then has the id it held); when
    not, the claims are made again with the ids kept (see :func:`assemble_and_write`). Made again
    when called again."""
    _drop(con)
    old = "old_claims" if keep_ids else "(SELECT * FROM old_claims LIMIT 0)"
    # The package's claim ids, keyed by the same numbers (an id the import no longer names matches nothing).
    con.execute(f"""
        CREATE TABLE claim_of AS
        SELECT ev.ord, s.k AS sk, a.k AS ak, arg_max(o.claim_id, o._row) AS claim_id
        FROM {old} o JOIN ev USING (event_id)
        JOIN (SELECT DISTINCT source_id, k FROM source_ids) s USING (source_id)
        JOIN (SELECT DISTINCT actor_id, k FROM actor_ids) a ON a.actor_id = o.claimant_actor_id
        GROUP BY ALL""")
    next_claim = con.execute("SELECT coalesce(max(TRY_CAST(regexp_extract(claim_id, ?, 1) AS HUGEINT)), 0) + 1 "
                             f"FROM {old}", [ID_NUMBER]).fetchone()[0]
    # Per imported event: its claims' count, first and last position, distinct (source, claimant)
    # pairs, and how many claims the events before it hold (base): a claim's rank among all
    # claims, when they are all distinct. base as BIGINT: DuckDB's sum is a HUGEINT, and printing
    # HUGEINT ids cost 4 s at 5M claims.
    con.execute("""
        CREATE TABLE claim_base AS
        SELECT ev.line, ev.ord, ev.event_id, c.n, c.lo, c.hi - c.lo + 1 = c.n AS contiguous,
               c.pairs = c.n AS pairs_distinct,
               coalesce(sum(c.n) OVER (ORDER BY ev.ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::BIGINT
                 AS base
        FROM (SELECT c.line, count(*) AS n, min(c.pos) AS lo, max(c.pos) AS hi, count(DISTINCT (s.k, a.k)) AS pairs
              FROM claims_in c JOIN source_ids s USING (source) JOIN actor_ids a ON a.actor = c.claimant
              GROUP BY c.line) c
        JOIN ev USING (line)""")
    # Each claim row with its keys. The shortcut reads them once, as claims.csv is written (a table
    # of every claim with its text spilled ≈ 1 GB to disk at 2.5M ACLED rows).
    keys = f"""
        SELECT c.source, c.claimant, c.claim, c.fatalities, c.low, c.high, c.stance, b.event_id, b.ord,
               b.ord * {POS_SCALE} + c.pos AS o, s.k AS sk, a.k AS ak, b.base + c.pos - b.lo AS rank0,
               k.claim_id AS kept
        FROM claims_in c JOIN claim_base b USING (line) JOIN source_ids s USING (source)
        JOIN actor_ids a ON a.actor = c.claimant
        LEFT JOIN claim_of k ON k.ord = b.ord AND k.sk = s.k AND k.ak = a.k"""
    if FAST and _all_distinct_and_alike(con, keys):
        # Each claim is its own (event, source, claimant), and all keep their ids or none does:
        # the rules give each its kept id, or the next number in the order of the rows.
        con.execute(f"""
            CREATE VIEW claims_numbered AS
            SELECT * EXCLUDE (ord, sk, ak, rank0, kept),
                   coalesce(kept, {numbered_id("CLM", int(next_claim) - 1, "rank0 + 1")}) AS claim_id, 1 AS n
            FROM ({keys})""")
        return _views(con)
    con.execute(f"CREATE TABLE claim_keys AS {keys}")
    # A claim's number follows the order of its first rows (first_o); n: its rows.
    con.execute(f"""
        CREATE TABLE triple_ids AS
        SELECT ord, sk, ak, n, coalesce(kept, {numbered_id("CLM", int(next_claim) - 1,
               "row_number() OVER (PARTITION BY kept IS NULL ORDER BY first_o)")}) AS claim_id
        FROM (SELECT ord, sk, ak, min(o) AS first_o, count(*) AS n, any_value(kept) AS kept
              FROM claim_keys GROUP BY ord, sk, ak)""")
    con.execute("""
        CREATE TABLE claims_numbered AS
        SELECT c.* EXCLUDE (ord, sk, ak, rank0, kept), t.claim_id, t.n
        FROM claim_keys c JOIN triple_ids t USING (ord, sk, ak)""")
    con.execute("DROP TABLE claim_keys")
    _views(con)


def _drop(con: Any) -> None:
    kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
    for name in _MADE:
        if name in kinds:
            con.execute(f"DROP {'VIEW' if kinds[name] == 'VIEW' else 'TABLE'} {name}")


def _all_distinct_and_alike(con: Any, keys: str) -> bool:
    """No (event, source, claimant) twice, each event's claims at consecutive positions, and
    either every claim keeps an id or none does."""
    distinct, contiguous, total = con.execute(
        "SELECT coalesce(bool_and(pairs_distinct), true), coalesce(bool_and(contiguous), true), coalesce(sum(n), 0) "
        "FROM claim_base").fetchone()
    if not (distinct and contiguous):
        return False
    if not con.execute("SELECT count(*) FROM claim_of").fetchone()[0]:
        return True  # no claim keeps an id (a first import, or claims numbered afresh)
    kept = con.execute(f"SELECT count(kept) FROM ({keys})").fetchone()[0]
    return kept in (0, total)


def _views(con: Any) -> None:
    """View ``claims_out``: the rows as written (ids joined; an exact repeat of a row once)."""
    con.execute("""
        CREATE VIEW claim_text AS
        SELECT c.claim_id, c.event_id, s.source_id, a.actor_id AS claimant_actor_id, c.claim,
               c.fatalities AS fatalities_claimed, c.low AS fatalities_claimed_low, c.high AS fatalities_claimed_high,
               CASE WHEN c.fatalities <> '' OR c.low <> '' OR c.high <> '' THEN 'event' ELSE '' END AS figure_scope,
               c.stance, c.o, c.n
        FROM claims_numbered c JOIN source_ids s USING (source) JOIN actor_ids a ON a.actor = c.claimant""")
    con.execute("""
        CREATE VIEW claims_out AS
        SELECT * EXCLUDE (n) FROM claim_text WHERE n = 1
        UNION ALL
        SELECT * EXCLUDE (n, o), min(o) AS o FROM claim_text WHERE n > 1 GROUP BY ALL""")
