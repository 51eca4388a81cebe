"""Imported claims: an (event, source, claimant) keeps the package's claim id, else takes the next."""

from __future__ import annotations

from typing import Any

from .sql import ID_NUMBER, POS_SCALE


def claim_rows(con: Any) -> None:
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
                             "FROM old_claims", [ID_NUMBER]).fetchone()[0]
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

