"""UCDP GED rows mapped column-wise: each batch of the export (read by Arrow) is filtered by
--country/--from/--to first, so dropped rows cost nothing more; every value a row maps to is
computed once per distinct raw value (countries, dates, precisions, figures, actors, places,
source lists) by the row-by-row mapping's own functions, and spread over the rows by Arrow.

A row is mapped here only when everything about it is ordinary: a numeric id, a known country,
dates in order, known codes, figures in order, both sides named, a place that maps without a
problem, and identifiers without surrounding spaces. Every other row (a problem, a warning, or
anything unusual) goes to :meth:`UcdpRows.map`, which reports it exactly as before.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ...declaration import Declaration
from ..arrow_read import filter_batch, map_columnar, map_guarded, split_odd
from ..columns import mapped, mapped_many
from ..common import clean, country_code, crosswalk, parse_count, parse_date, read_rows
from ..staging import Staging
from .actors import UCDP_ACTOR, side_actor
from .claims import FIGURES, SOURCE_COLUMNS, count_text, figures_claim, listed_source_claims
from .places import PLACE_COLUMNS, map_place
from .rows import DEFAULT_TYPES, PREPOSITION, REQUIRED, Options, UcdpRows, alias

_ACTOR_COLUMNS = {"a": ("side_a", "side_a_new_id", "side_a_dset_id", "side_a_id", "gwnoa"),
                  "b": ("side_b", "side_b_new_id", "side_b_dset_id", "side_b_id", "gwnob")}
_EXTERNAL = (("ucdp_ged_relid", ("relid",)), ("ucdp_conflict", ("conflict_new_id", "conflict_dset_id")),
             ("ucdp_dyad", ("dyad_new_id", "dyad_dset_id")))
COLUMNS = sorted({*REQUIRED, "country", "country_id", *(c for _, cs in FIGURES for c in cs),
                  *(c for cs in _ACTOR_COLUMNS.values() for c in cs), *PLACE_COLUMNS, *SOURCE_COLUMNS,
                  "event_clarity", *(c for _, cs in _EXTERNAL for c in cs)})
_NUMERIC_ID = "^[0-9]+$"
_NO_EDGE_SPACE = "(?s)^([!-~](.*[!-~])?)?$"  # first and last characters printable ASCII, not spaces
_CLARITY_NOTE = "UCDP codes this as an aggregate of incidents reported together (event_clarity 2)."


def read_columnar(path: Path, rows: UcdpRows) -> bool:
    """Map the export column-wise; False (nothing staged) when Arrow cannot read it as the csv
    module would (the caller maps it row by row)."""
    def reset() -> None:
        rows.staging.clear()
        rows.countries.clear()

    return map_columnar(path, REQUIRED, COLUMNS, lambda: _BatchMapper(rows).batch, reset)


class _BatchMapper:
    def __init__(self, rows: UcdpRows):
        self.rows = rows
        st = rows.staging
        self.ucdp_source = st.sources.number(rows.ucdp_source)
        self.ucdp_actor = st.actors.number(UCDP_ACTOR)
        self.sub_labels = rows.sub_labels
        self.figure_columns = [c for _, aliases in FIGURES for c in aliases]
        self.source_claims: dict[tuple[str, ...], list[tuple[int, int, str]]] = {}
        self.caches: dict[str, dict] = {}  # per kind of value, kept from batch to batch

    def _cache(self, kind: str) -> dict:
        return self.caches.setdefault(kind, {})

    # --- per distinct value ---------------------------------------------------------------------

    def _country(self, name: str, code: str) -> str | None:
        rows = self.rows
        key = (name, code)
        if key not in rows.countries:
            rows.countries[key] = country_code(rows.decl, name=name.split(",")[0], attribute="ucdp",
                                               value=code.split(",")[0])
        return rows.countries[key]

    def _figures(self, *raw: str) -> tuple[bool, str, str, str, str, str, str, str]:
        """(ordinary, low, best, high, civilian deaths, UCDP's claim, the event's low and high by
        the fatality rule) from the figure columns; not ordinary when a figure is not a count or
        the figures need a warning."""
        row = dict(zip(self.figure_columns, raw, strict=True))
        figures: dict[str, int | None] = {}
        try:
            for name, aliases in FIGURES:
                figures[name] = parse_count(alias(row, *aliases))
        except ValueError:
            return False, "", "", "", "", "", "", ""
        low, best, high = figures["low"], figures["best"], figures["high"]
        known = [v for v in (low, best, high) if v is not None]
        civilians = figures["deaths_civilians"]
        cap = high if high is not None else best
        ordinary = known == sorted(known) and not (civilians is not None and cap is not None and civilians > cap)
        event_low = min((v for v in (low, best) if v is not None), default=None)
        event_high = max((v for v in (high, best) if v is not None), default=None)
        return (ordinary, count_text(low), count_text(best), count_text(high), count_text(civilians),
                figures_claim(figures), count_text(event_low), count_text(event_high))

    def _place(self, iso3: str, *raw: str) -> tuple[int, str, int]:
        """(the place's number, the name the summary uses, the number of its raw cells: see
        UcdpRows.place_idents); -1 when the place has a problem."""
        if not iso3:
            return -1, "", -1
        rows = self.rows
        key = (iso3, *raw)
        place = rows.places.get(key)
        row = dict(zip(PLACE_COLUMNS, raw, strict=True))
        if place is None:
            problems: list = []
            place = map_place(rows.decl, row, iso3, 0, rows.rel, problems)
            if place is None or problems:
                return -1, "", -1
            rows.places[key] = place
        return (rows.staging.places.number(place), clean(row["where_coordinates"]) or place.name,
                rows.place_idents.setdefault(key, len(rows.place_idents)))

    def _actor(self, side: str, new_id: str, dset_id: str, old_id: str, gw: str) -> int:
        ids = {"n": new_id, "d": dset_id, "o": old_id}
        return self.rows.staging.actors.number(side_actor(self.rows.decl, clean(side), alias(ids, "n", "d", "o"), gw))

    def _sources(self, *cells: str) -> list[tuple[int, int, str]]:
        """(source, claimant, claim) of each source UCDP lists in the four source cells."""
        cached = self.source_claims.get(cells)
        if cached is None:
            st = self.rows.staging
            cached = self.source_claims[cells] = [(st.sources.number(c.source), st.actors.number(c.claimant), c.claim)
                                                  for c in listed_source_claims(*cells)]
        return cached

    # --- per batch ------------------------------------------------------------------------------

    def batch(self, lines: pa.Array, cols: dict[str, pa.Array], present: list[str]) -> None:
        rows, options, decl = self.rows, self.rows.options, self.rows.decl
        # Rows whose cells the import guards (common.guard_cells) are mapped row by row.
        lines, cols = map_guarded(lines, cols, present, rows.map)
        n = len(lines)
        if n == 0:
            return
        iso3 = mapped([cols["country"], cols["country_id"]], self._country, pa.string(), self._cache("country"))
        start = mapped([cols["date_start"]], parse_date, pa.string(), self._cache("date"))
        kept = filter_batch(rows.staging, options, rows.wanted, lines, cols, iso3, start)
        if kept is None:
            return
        lines, cols, iso3, start = kept
        m: dict[str, pa.Array] = {"line": lines, "start": start}
        m["end"] = mapped([cols["date_end"]], parse_date, pa.string(), self._cache("date"))
        m["date_precision"] = mapped([cols["date_prec"]], lambda v: _first(crosswalk(
            decl, "date_precision", "ucdp", v.strip())), pa.string())
        m["tov"] = mapped([cols["type_of_violence"]], lambda v: v.strip() if v.strip() in DEFAULT_TYPES else None,
                          pa.string())
        m["where_prec"] = mapped([cols["where_prec"]], lambda v: v.strip(), pa.string())
        m["location"] = mapped([cols["where_prec"]], lambda v: _first(crosswalk(
            decl, "location_precision", "ucdp", v.strip())), pa.string())
        ordinary, m["low"], m["best"], m["high"], m["civilians"], m["claim"], m["ev_low"], m["ev_high"] = mapped_many(
            [cols[c] for c in self.figure_columns], self._figures, [pa.bool_(), *[pa.string()] * 7],
            self._cache("figures"))
        m["side_a"] = mapped([cols["side_a"]], clean, pa.string(), self._cache("name"))
        m["side_b"] = mapped([cols["side_b"]], clean, pa.string(), self._cache("name"))
        m["place"], m["where"], m["ident"] = mapped_many(
            [pc.fill_null(iso3, ""), *(cols[c] for c in PLACE_COLUMNS)], self._place,
            [pa.int64(), pa.string(), pa.int64()], self._cache("place"))
        checks = [
            pc.match_substring_regex(cols["id"], _NUMERIC_ID), pc.is_valid(iso3), pc.is_valid(start),
            pc.is_valid(m["end"]), pc.greater_equal(m["end"], start), pc.is_valid(m["date_precision"]),
            pc.is_valid(m["tov"]), pc.is_valid(m["location"]), ordinary, pc.not_equal(m["side_a"], ""),
            pc.not_equal(m["side_b"], ""), pc.greater_equal(m["place"], 0),
            *(pc.match_substring_regex(cols[c], _NO_EDGE_SPACE) for _, cs in _EXTERNAL for c in cs),
        ]
        plain_rows = split_odd(checks, lines, cols, m, present, rows.map)
        if plain_rows is not None:
            self._stage(*plain_rows)

    def _stage(self, cols: dict[str, pa.Array], m: dict[str, pa.Array]) -> None:
        rows, st = self.rows, self.rows.staging
        lines, n = m["line"], len(m["line"])
        ids = cols["id"]
        types = mapped([m["tov"]], lambda t: DEFAULT_TYPES[t], pa.struct([("e", pa.string()), ("s", pa.string())]))
        sub = pc.struct_field(types, "s")
        label = mapped([sub], lambda s: self.sub_labels[s], pa.string())
        preposition = mapped([m["where_prec"]], lambda w: PREPOSITION.get(w, ""), pa.string())
        summary = pc.binary_join_element_wise(
            label, " involving ", m["side_a"], " and ", m["side_b"], " ", preposition, " ", m["where"],
            " (UCDP GED event ", ids, ").", "")
        clarity_2 = mapped([cols["event_clarity"]], lambda v: v.strip() == "2", pa.bool_())
        fields = {
            "date_start": m["start"], "date_end": m["end"], "date_precision": m["date_precision"],
            "event_type": pc.struct_field(types, "e"), "sub_event_type": sub, "location_precision": m["location"],
            "fatalities_low": m["ev_low"], "fatalities_best": m["best"], "fatalities_high": m["ev_high"],
            "civilian_fatalities": m["civilians"], "summary": summary,
            "confidence": pc.if_else(clarity_2, "low", "medium"),
            "notes": pc.if_else(clarity_2, _CLARITY_NOTE, ""),
        }
        empty = pa.array([""] * n)
        st.append("events_in", [lines, ids, m["place"].cast(pa.int32()), m["ident"],
                                *(fields.get(f, empty) for f in st.event_fields)])
        for pos, side, role in ((0, "a", rows.role_a[0]), (1, "b", rows.role_b[0])):
            actor = mapped([cols[c] for c in _ACTOR_COLUMNS[side]], self._actor, pa.int32(), self._cache("actor"))
            st.append("actors_in", [lines, _constant(pos, n, pa.int32()), actor, _constant(role, n, pa.string())])
        st.append("claims_in", [lines, _constant(2, n, pa.int32()), _constant(self.ucdp_source, n, pa.int32()),
                                _constant(self.ucdp_actor, n, pa.int32()), m["claim"], m["best"],
                                _constant("asserts", n, pa.string()), m["low"], m["high"]])
        self._stage_source_claims(cols, lines)
        pos = _constant(0, n, pa.int32())
        for scheme, aliases in _EXTERNAL:
            value = mapped([cols[c] for c in aliases],
                           lambda *v, a=aliases: alias(dict(zip(a, v, strict=True)), *a), pa.string())
            present = pc.not_equal(value, "")
            if pc.any(present).as_py():
                st.append("ext_in", [pc.filter(lines, present), pc.filter(pos, present),
                                     _constant(scheme, n, pa.string()).filter(present), pc.filter(value, present)])
            pos = pc.add(pos, present.cast(pa.int32()))

    def _stage_source_claims(self, cols: dict[str, pa.Array], lines: pa.Array) -> None:
        from ..columns import distinct

        codes, keys = distinct([cols[c] for c in SOURCE_COLUMNS])
        offsets, sources, claimants, texts = [0], [], [], []
        for key in keys:
            for source, claimant, text in self._sources(*key):
                sources.append(source)
                claimants.append(claimant)
                texts.append(text)
            offsets.append(len(sources))
        if not sources:
            return
        per_group = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(range(len(sources)), pa.int32()))
        per_row = pc.take(per_group, codes)
        template = pc.list_flatten(per_row)
        parent = pc.list_parent_indices(per_row)
        within = pc.subtract(pa.array(range(len(template)), pa.int64()),
                             pc.take(per_row.offsets.cast(pa.int64()), parent))
        self.rows.staging.append("claims_in", [
            pc.take(lines, parent), pc.add(within, 3).cast(pa.int32()),
            pc.take(pa.array(sources, pa.int32()), template), pc.take(pa.array(claimants, pa.int32()), template),
            pc.take(pa.array(texts, pa.string()), template),
            _constant("", len(template), pa.string()), _constant("asserts", len(template), pa.string()),
            _constant("", len(template), pa.string()), _constant("", len(template), pa.string())])


def _first(codes: list[str]) -> str | None:
    return codes[0] if codes else None


def _constant(value: object, n: int, kind: pa.DataType) -> pa.Array:
    return pa.repeat(pa.scalar(value, kind), n)

def read_ucdp(path: Path, decl: Declaration, options: Options, staging: Staging) -> None:
    """Each row of the export to ``staging`` (see :meth:`UcdpRows.map`). A later row with the id of
    an imported one is reported by the assembly (:func:`assembly.resolve_duplicates`). The file is
    read by Arrow, column-wise, when it can be (this module); else row by row."""
    rows = UcdpRows(path, decl, options, staging)
    if read_columnar(path, rows):
        return
    for line, row in read_rows(path, required=REQUIRED):
        rows.map(line, row)
