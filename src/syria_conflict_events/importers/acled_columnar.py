"""ACLED rows mapped column-wise, as :mod:`.ucdp_columnar` maps UCDP GED's: each batch read by
Arrow, filtered by --country/--from/--to first, every value computed once per distinct raw value
by the row mapping's own functions and spread over the rows by Arrow. A row is mapped here only
when everything about it is ordinary; every other row goes to :meth:`AcledRows.map`.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .acled import ACLED_ACTOR, REQUIRED, AcledRows, ActorSpec, _event_date, _inter, _pending, _pick, _place
from .arrow_read import NotColumnar, header_of, rows_of, text_batches
from .columns import distinct, expand, mapped, mapped_many, positions
from .common import clean, country_code, parse_count

_ACTORS = ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2")
_PLACE = ("admin1", "admin2", "location", "latitude", "longitude")
COLUMNS = sorted({*REQUIRED, *_ACTORS, "inter1", "inter2", *_PLACE, "geo_precision", "time_precision", "source"})
_PLAIN_ID = "^[A-Za-z0-9_.:/-]+$"  # clean() leaves such an id as it is


def read_columnar(path: Path, rows: AcledRows) -> bool:
    """Map the export column-wise; False (nothing staged) when Arrow cannot read it as the csv
    module would (the caller maps it row by row)."""
    shape = header_of(path, REQUIRED)
    if shape is None:
        return False
    header, lines = shape
    present = [c for c in COLUMNS if c in header]
    mapper = _BatchMapper(rows)
    try:
        for row_lines, columns in text_batches(path, header, lines, COLUMNS):
            mapper.batch(row_lines, columns, present)
    except NotColumnar:
        rows.staging.clear()
        return False
    return True


class _BatchMapper:
    def __init__(self, rows: AcledRows):
        self.rows = rows
        st = rows.staging
        self.acled_source = st.sources.number(rows.source)
        self.acled_actor = st.actors.number(ACLED_ACTOR)
        self.sub_vocab = rows.decl.vocabularies["sub_event_type"]
        self.actor_lists: list[list[tuple[int, str]]] = []
        self.claim_lists: list[list[tuple[int, str]]] = []

    # --- per distinct value ---------------------------------------------------------------------

    def _types(self, event_type: str, sub_event_type: str) -> tuple[str | None, str | None, str]:
        """(event type, sub-event type, the sub-event type's label), the types None unless both
        map and agree."""
        decl = self.rows.decl
        etype = _pick(decl, "event_type", clean(event_type))
        sub = _pick(decl, "sub_event_type", clean(sub_event_type))
        if etype is None or sub is None or self.sub_vocab.get(sub).extra.get(self.sub_vocab.parent) != etype:
            return None, None, ""
        return etype, sub, self.sub_vocab.get(sub).label

    def _place(self, iso3: str, geo: str, *raw: str) -> tuple[int, str]:
        if not iso3:
            return -1, ""
        problems: list = []
        place = _place(self.rows.decl, dict(zip(_PLACE, raw, strict=True)), iso3, geo, 0, "", problems)
        if place is None or problems:
            return -1, ""
        return self.rows.staging.places.number(place), place.name

    def _actors(self, actor1: str, actor2: str, assoc1: str, assoc2: str) -> tuple[int, str]:
        """(number of the event's list of (actor, role), the summary's "who")."""
        a1, a2 = clean(actor1), clean(actor2)
        number = self.rows.staging.actors.number
        actors = [(number(_pending(a1)), "side_a")]
        if a2:
            actors.append((number(_pending(a2)), "side_b"))
        for cell in (assoc1, assoc2):
            for name in (clean(n) for n in cell.split(";")):
                if name and name not in (a1, a2):
                    actors.append((number(_pending(name)), "associated"))
        self.actor_lists.append(actors)
        return len(self.actor_lists) - 1, a1 + (f" and {a2}" if a2 else "")

    def _publishers(self, cell: str) -> int:
        st = self.rows.staging
        claims = []
        for publisher in sorted({clean(p) for p in cell.split(";")} - {""}):
            claimant = ActorSpec(("name", publisher), publisher, "media",
                                 notes="Publisher ACLED lists as a source; actor type assumed by the importer.")
            claims.append((st.actors.number(claimant), f"Reported by {publisher}, as ACLED records."))
        self.claim_lists.append(claims)
        return len(self.claim_lists) - 1

    # --- per batch ------------------------------------------------------------------------------

    def _note_inter_codes(self, cols: dict[str, pa.Array]) -> None:
        """The first valid inter code of each actor name, in file order (actor1 before actor2)."""
        inter_of, decl = self.rows.staging.inter_of, self.rows.decl
        candidates = []
        for k, (actor_col, inter_col) in enumerate((("actor1", "inter1"), ("actor2", "inter2"))):
            codes, keys = distinct([cols[actor_col], cols[inter_col]])
            firsts = pa.table({"k": codes, "i": pa.array(range(len(codes)), pa.int64())}).group_by(
                "k", use_threads=False).aggregate([("i", "min")]).sort_by("k").column("i_min").to_pylist()
            for (actor, inter), first in zip(keys, firsts, strict=True):
                name = clean(actor)
                if name and name not in inter_of:
                    candidates.append((first * 2 + k, name, inter))
        for _, name, raw in sorted(candidates):
            if name not in inter_of:
                inter = _inter(decl, raw)
                if inter:
                    inter_of[name] = inter

    def batch(self, lines: pa.Array, cols: dict[str, pa.Array], present: list[str]) -> None:
        rows, options, decl = self.rows, self.rows.options, self.rows.decl
        n = len(lines)
        self._note_inter_codes(cols)
        iso3 = mapped([cols["country"]], lambda c: country_code(decl, name=c, attribute="acled", value=clean(c)),
                      pa.string())
        date = mapped([cols["event_date"]], _event_date, pa.string())
        dropped = pa.array([False] * n)
        if rows.wanted:
            dropped = pc.or_(dropped, pc.fill_null(pc.not_equal(iso3, rows.wanted), True))
        if options.date_from:
            dropped = pc.or_(dropped, pc.fill_null(pc.less(date, options.date_from), False))
        if options.date_to:
            dropped = pc.or_(dropped, pc.fill_null(pc.greater(date, options.date_to), False))
        if pc.any(dropped).as_py():  # left out before anything else is computed for them
            rows.staging.filtered += pc.sum(dropped.cast(pa.int64())).as_py()
            kept = pc.invert(dropped)
            cols = {k: pc.filter(v, kept) for k, v in cols.items()}
            lines, iso3, date = pc.filter(lines, kept), pc.filter(iso3, kept), pc.filter(date, kept)
            if len(lines) == 0:
                return
        m: dict[str, pa.Array] = {"line": lines, "date": date}
        m["etype"], m["sub"], m["label"] = mapped_many([cols["event_type"], cols["sub_event_type"]], self._types,
                                                       [pa.string()] * 3)
        m["date_precision"] = mapped([cols["time_precision"]], lambda v: _pick(
            decl, "date_precision", clean(v or "1") or "1"), pa.string())
        geo = mapped([cols["geo_precision"]], lambda v: clean(v or "1") or "1", pa.string())
        m["location"] = mapped([geo], lambda g: _pick(decl, "location_precision", g), pa.string())
        m["fatalities"] = mapped([cols["fatalities"]], _count_text, pa.string())
        m["place"], m["place_name"] = mapped_many([pc.fill_null(iso3, ""), geo, *(cols[c] for c in _PLACE)],
                                                  self._place, [pa.int64(), pa.string()])
        m["actors"], m["who"] = mapped_many([cols[c] for c in _ACTORS], self._actors, [pa.int64(), pa.string()])
        m["claims"] = mapped([cols["source"]], self._publishers, pa.int64())
        checks = [
            pc.match_substring_regex(cols["event_id_cnty"], _PLAIN_ID), pc.is_valid(iso3), pc.is_valid(date),
            pc.is_valid(m["etype"]), pc.is_valid(m["date_precision"]), pc.is_valid(m["location"]),
            pc.is_valid(m["fatalities"]), pc.greater_equal(m["place"], 0),
            mapped([cols["actor1"]], lambda a: bool(clean(a)), pa.bool_()),
        ]
        ok = pc.fill_null(checks[0], False)
        for check in checks[1:]:
            ok = pc.and_(ok, pc.fill_null(check, False))
        odd = positions(pc.invert(ok))
        if odd:  # mapped row by row, with every message
            for offset, row in zip(odd, rows_of(cols, odd, present), strict=True):
                rows.map(lines[offset].as_py(), row, inter_noted=True)
            if len(odd) == len(lines):
                return
            cols = {k: pc.filter(v, ok) for k, v in cols.items()}
            m = {k: pc.filter(v, ok) for k, v in m.items()}
        self._stage(cols, m)

    def _stage(self, cols: dict[str, pa.Array], m: dict[str, pa.Array]) -> None:
        st = self.rows.staging
        lines, n = m["line"], len(m["line"])
        ids = cols["event_id_cnty"]
        summary = pc.binary_join_element_wise(m["label"], " involving ", m["who"], " at ", m["place_name"],
                                              " (ACLED event ", ids, ").", "")
        fields = {
            "date_start": m["date"], "date_end": m["date"], "date_precision": m["date_precision"],
            "event_type": m["etype"], "sub_event_type": m["sub"], "location_precision": m["location"],
            "fatalities_best": m["fatalities"], "summary": summary,
            "confidence": pa.repeat(pa.scalar("medium"), n), "verification": pa.repeat(pa.scalar("unverified"), n),
        }
        empty = pa.repeat(pa.scalar("", pa.string()), n)
        st.append("events_in", [lines, ids, m["place"].cast(pa.int32()),
                                *(fields.get(f, empty) for f in st.event_fields)])
        # The event's actors (positions 0..k-1), then ACLED's claim (k), then one per publisher.
        actor_codes, actor_lists = _renumbered(m["actors"], self.actor_lists)
        row, within, item = expand(actor_codes, [len(a) for a in actor_lists])
        flat = [a for actors in actor_lists for a in actors]
        st.append("actors_in", [pc.take(lines, row), within.cast(pa.int32()),
                                pc.take(pa.array([a for a, _ in flat], pa.int32()), item),
                                pc.take(pa.array([r for _, r in flat], pa.string()), item)])
        count = pc.take(pa.array([len(a) for a in actor_lists], pa.int32()), actor_codes)
        texts = mapped([m["fatalities"]], lambda f: f"ACLED codes the event with {f or 'no'} reported fatalities.",
                       pa.string())
        st.append("claims_in", [lines, count, pa.repeat(pa.scalar(self.acled_source, pa.int32()), n),
                                pa.repeat(pa.scalar(self.acled_actor, pa.int32()), n), texts, m["fatalities"],
                                pa.repeat(pa.scalar("asserts"), n)])
        claim_codes, claim_lists = _renumbered(m["claims"], self.claim_lists)
        row, within, item = expand(claim_codes, [len(c) for c in claim_lists])
        flat_claims = [c for claims in claim_lists for c in claims]
        if flat_claims:
            k = len(item)
            st.append("claims_in", [
                pc.take(lines, row), pc.add(pc.add(within, 1), pc.take(count, row).cast(pa.int64())).cast(pa.int32()),
                pa.repeat(pa.scalar(self.acled_source, pa.int32()), k),
                pc.take(pa.array([c for c, _ in flat_claims], pa.int32()), item),
                pc.take(pa.array([t for _, t in flat_claims], pa.string()), item),
                pa.repeat(pa.scalar("", pa.string()), k), pa.repeat(pa.scalar("asserts"), k)])
        self.actor_lists.clear()
        self.claim_lists.clear()


def _renumbered(numbers: pa.Array, lists: list[list]) -> tuple[pa.Array, list[list]]:
    """The lists ``numbers`` name (by index into ``lists``), as (codes 0..k-1, the k lists)."""
    encoded = pc.dictionary_encode(numbers)
    return encoded.indices, [lists[i] for i in encoded.dictionary.to_pylist()]


def _count_text(value: str) -> str | None:
    try:
        count = parse_count(value)
    except ValueError:
        return None
    return "" if count is None else str(count)
