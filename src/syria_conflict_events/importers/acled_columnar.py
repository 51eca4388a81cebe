"""ACLED rows mapped column-wise, as :mod:`.ucdp.columnar` maps UCDP GED's: each batch read by
Arrow, filtered by --country/--from/--to first, every value computed once per distinct raw value
by the row mapping's own functions and spread over the rows by Arrow. A row is mapped here only
when everything about it is ordinary; every other row goes to :meth:`AcledRows.map`.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..declaration import Declaration
from .acled import (
    ACLED_ACTOR,
    ACLED_NAME,
    REQUIRED,
    AcledRows,
    ActorSpec,
    Options,
    _event_date,
    _inter,
    _pending,
    _pick,
    _place,
)
from .arrow_read import filter_batch, map_columnar, map_guarded, split_odd
from .columns import distinct, expand, mapped, mapped_many
from .common import clean, country_code, parse_count, read_rows
from .staging import Staging

_ACTORS = ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2")
_PLACE = ("admin1", "admin2", "location", "latitude", "longitude")
COLUMNS = sorted({*REQUIRED, *_ACTORS, "inter1", "inter2", *_PLACE, "geo_precision", "time_precision", "source"})
_PLAIN_ID = "^[A-Za-z0-9_.:/-]+$"  # clean() leaves such an id as it is


def read_columnar(path: Path, rows: AcledRows) -> bool:
    """Map the export column-wise; False (nothing staged) when Arrow cannot read it as the csv
    module would (the caller maps it row by row)."""
    return map_columnar(path, REQUIRED, COLUMNS, lambda: _BatchMapper(rows).batch, rows.staging.clear)


class _BatchMapper:
    def __init__(self, rows: AcledRows):
        self.rows = rows
        st = rows.staging
        self.acled_source = st.sources.number(rows.source)
        self.acled_actor = st.actors.number(ACLED_ACTOR)
        self.sub_vocab = rows.decl.vocabularies["sub_event_type"]
        self.caches: dict[str, dict] = {}  # per kind of value, kept from batch to batch

    def _cache(self, kind: str) -> dict:
        return self.caches.setdefault(kind, {})

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

    def _pending(self, name: str) -> int:
        """The number of the actor named ``name`` (typed once the file is read); -1 for no name."""
        return self.rows.staging.actors.number(_pending(name)) if name else -1

    def _assoc(self, *cells: str) -> list[int]:
        """The numbers of the associated actors named in the two cells, in order."""
        return [self._pending(name) for cell in cells for name in (clean(n) for n in cell.split(";")) if name]

    def _publisher(self, publisher: str) -> int:
        return self.rows.staging.actors.number(ActorSpec(
            ("name", publisher), publisher, "media",
            notes="Publisher ACLED lists as a source; actor type assumed by the importer."))

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
        self._note_inter_codes(cols)
        # Rows whose cells the import guards (common.guard_cells) are mapped row by row.
        lines, cols = map_guarded(lines, cols, present, lambda line, row: rows.map(line, row, inter_noted=True))
        n = len(lines)
        if n == 0:
            return
        iso3 = mapped([cols["country"]], lambda c: country_code(decl, name=c, attribute="acled", value=clean(c)),
                      pa.string(), self._cache("country"))
        date = mapped([cols["event_date"]], _event_date, pa.string(), self._cache("date"))
        kept = filter_batch(rows.staging, options, rows.wanted, lines, cols, iso3, date)
        if kept is None:
            return
        lines, cols, iso3, date = kept
        m: dict[str, pa.Array] = {"line": lines, "date": date}
        m["etype"], m["sub"], m["label"] = mapped_many([cols["event_type"], cols["sub_event_type"]], self._types,
                                                       [pa.string()] * 3, self._cache("types"))
        m["date_precision"] = mapped([cols["time_precision"]], lambda v: _pick(
            decl, "date_precision", clean(v or "1") or "1"), pa.string(), self._cache("time_precision"))
        geo = mapped([cols["geo_precision"]], lambda v: clean(v or "1") or "1", pa.string(), self._cache("geo"))
        m["location"] = mapped([geo], lambda g: _pick(decl, "location_precision", g), pa.string(),
                               self._cache("location"))
        m["fatalities"] = mapped([cols["fatalities"]], _count_text, pa.string(), self._cache("fatalities"))
        m["place"], m["place_name"] = mapped_many([pc.fill_null(iso3, ""), geo, *(cols[c] for c in _PLACE)],
                                                  self._place, [pa.int64(), pa.string()], self._cache("place"))
        actor1 = mapped([cols["actor1"]], clean, pa.string(), self._cache("name"))
        actor2 = mapped([cols["actor2"]], clean, pa.string(), self._cache("name"))
        m["actor1"] = mapped([actor1], self._pending, pa.int32(), self._cache("actor"))
        m["actor2"] = mapped([actor2], self._pending, pa.int32(), self._cache("actor"))
        m["who"] = pc.binary_join_element_wise(
            actor1, pc.if_else(pc.equal(actor2, ""), "", pc.binary_join_element_wise(" and ", actor2, "")), "")
        checks = [
            pc.match_substring_regex(cols["event_id_cnty"], _PLAIN_ID), pc.is_valid(iso3), pc.is_valid(date),
            pc.is_valid(m["etype"]), pc.is_valid(m["date_precision"]), pc.is_valid(m["location"]),
            pc.is_valid(m["fatalities"]), pc.greater_equal(m["place"], 0), pc.not_equal(actor1, ""),
        ]
        plain_rows = split_odd(checks, lines, cols, m, present, lambda line, row: rows.map(line, row, inter_noted=True))
        if plain_rows is not None:
            self._stage(*plain_rows)

    def _stage(self, cols: dict[str, pa.Array], m: dict[str, pa.Array]) -> None:
        st = self.rows.staging
        lines, n = m["line"], len(m["line"])
        ids = cols["event_id_cnty"]
        summary = pc.binary_join_element_wise(m["label"], " involving ", m["who"], " at ", m["place_name"],
                                              " (ACLED event ", ids, ").", "")
        fields = {
            "date_start": m["date"], "date_end": m["date"], "date_precision": m["date_precision"],
            "event_type": m["etype"], "sub_event_type": m["sub"], "location_precision": m["location"],
            # ACLED gives one figure: the event's low, best and high are that figure (the fatality rule).
            "fatalities_low": m["fatalities"], "fatalities_best": m["fatalities"], "fatalities_high": m["fatalities"],
            "summary": summary, "confidence": pa.repeat(pa.scalar("medium"), n),
        }
        empty = pa.repeat(pa.scalar("", pa.string()), n)
        st.append("events_in", [lines, ids, m["place"].cast(pa.int32()), pc.negate(lines),  # a place object per row
                                *(fields.get(f, empty) for f in st.event_fields)])
        # The event's actors (positions 0..k-1), then ACLED's claim (k), then one per publisher.
        has_actor2 = pc.greater_equal(m["actor2"], 0)
        st.append("actors_in", [lines, pa.repeat(pa.scalar(0, pa.int32()), n), m["actor1"],
                                pa.repeat(pa.scalar("side_a"), n)])
        k2 = pc.sum(has_actor2.cast(pa.int64())).as_py()
        st.append("actors_in", [pc.filter(lines, has_actor2), pa.repeat(pa.scalar(1, pa.int32()), k2),
                                pc.filter(m["actor2"], has_actor2), pa.repeat(pa.scalar("side_b"), k2)])
        count = pc.add(has_actor2.cast(pa.int64()), 1)
        codes, keys = distinct([cols["assoc_actor_1"], cols["assoc_actor_2"]])
        lists = [self._cache("assoc").get(k) or self._cache("assoc").setdefault(k, self._assoc(*k)) for k in keys]
        row, _, item = expand(codes, [len(a) for a in lists])
        if len(item):
            named = pc.take(pa.array([a for names in lists for a in names], pa.int32()), item)
            keep = pc.and_(pc.not_equal(named, pc.take(m["actor1"], row)),
                           pc.not_equal(named, pc.take(m["actor2"], row)))
            kept_row, kept_named = pc.filter(row, keep), pc.filter(named, keep)
            within = _runs(kept_row)
            st.append("actors_in", [pc.take(lines, kept_row), pc.add(pc.take(count, kept_row), within).cast(pa.int32()),
                                    kept_named, pa.repeat(pa.scalar("associated"), len(kept_row))])
            per_row = pa.table({"r": kept_row}).group_by("r", use_threads=False).aggregate([("r", "count")])
            extra = pa.repeat(pa.scalar(0, pa.int64()), n).to_pylist()
            for r, c in zip(per_row.column("r").to_pylist(), per_row.column("r_count").to_pylist(), strict=True):
                extra[r] = c
            count = pc.add(count, pa.array(extra, pa.int64()))
        texts = mapped([m["fatalities"]], lambda f: f"ACLED codes the event with {f or 'no'} reported fatalities.",
                       pa.string(), self._cache("claim"))
        st.append("claims_in", [lines, count.cast(pa.int32()), pa.repeat(pa.scalar(self.acled_source, pa.int32()), n),
                                pa.repeat(pa.scalar(self.acled_actor, pa.int32()), n), texts, m["fatalities"],
                                pa.repeat(pa.scalar("asserts"), n), empty, empty])
        # Publishers: the cell split at ";", cleaned, each once per event, in code point order; ACLED
        # itself by name is the compiler, whose claim is above (as AcledRows.map).
        parts = pc.split_pattern(cols["source"], ";")
        token_row = pc.list_parent_indices(parts)
        names = mapped([pc.list_flatten(parts)], clean, pa.string(), self._cache("name"))
        named = pc.and_(pc.not_equal(names, ""), pc.not_equal(names, ACLED_NAME))
        table = pa.table({"r": pc.filter(token_row, named), "p": pc.filter(names, named)}).sort_by(
            [("r", "ascending"), ("p", "ascending")])
        if table.num_rows:
            r, p = table.column("r").combine_chunks(), table.column("p").combine_chunks()
            first = pc.or_(pc.not_equal(r, pa.concat_arrays([pa.array([-1], r.type), r[:-1]])),
                           pc.not_equal(p, pa.concat_arrays([pa.array([""], p.type), p[:-1]])))
            r, p = pc.filter(r, first), pc.filter(p, first)
            k = len(r)
            st.append("claims_in", [
                pc.take(lines, r), pc.add(pc.add(pc.take(count, r), _runs(r)), 1).cast(pa.int32()),
                pa.repeat(pa.scalar(self.acled_source, pa.int32()), k),
                mapped([p], self._publisher, pa.int32(), self._cache("publisher")),
                mapped([p], lambda name: f"Reported by {name}, as ACLED records.", pa.string(), self._cache("report")),
                pa.repeat(pa.scalar("", pa.string()), k), pa.repeat(pa.scalar("asserts"), k),
                pa.repeat(pa.scalar("", pa.string()), k), pa.repeat(pa.scalar("", pa.string()), k)])


def _runs(rows: pa.Array) -> pa.Array:
    """For sorted row numbers, each one's position in its run of equal numbers (0, 1, ...)."""
    n = len(rows)
    index = pa.array(range(n), pa.int64())
    if n == 0:
        return index
    start = pc.not_equal(rows, pa.concat_arrays([pa.array([-1], rows.type), rows[:-1]]))
    run = pc.subtract(pc.cumulative_sum(start.cast(pa.int64())), 1)
    return pc.subtract(index, pc.take(pc.filter(index, start), run))


def _count_text(value: str) -> str | None:
    try:
        count = parse_count(value)
    except ValueError:
        return None
    return "" if count is None else str(count)

def read_acled(path: Path, decl: Declaration, options: Options, staging: Staging) -> None:
    """Each row of the export to ``staging`` (see :meth:`AcledRows.map`); read by Arrow, column-wise,
    when it can be (:mod:`.acled_columnar`), else row by row. Actors are staged by name and made
    into specs once the whole file is read (:func:`actor_specs`)."""
    rows = AcledRows(path, decl, options, staging)
    if read_columnar(path, rows):
        return
    for line, row in read_rows(path, required=REQUIRED):
        rows.map(line, row)
