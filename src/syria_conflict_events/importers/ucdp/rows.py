"""UCDP GED events, one row at a time: every check and message of a row, its fields, and the
places, actors and claims it names (made by :mod:`.places`, :mod:`.actors`, :mod:`.claims`).

* type_of_violence 1 (state-based) and 2 (non-state) -> battles / armed_clash: UCDP does not
  say whether territory changed hands or whether the fighting was remote;
  3 (one-sided) -> violence_against_civilians / attack.
* side_a / side_b -> roles side_a / side_b (the codes named like UCDP's), whatever the type.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...declaration import Declaration
from ..common import (
    ClaimSpec,
    EventRecord,
    ImporterError,
    PlaceSpec,
    Problem,
    clean,
    country_code,
    crosswalk,
    guard_cells,
    parse_count,
    parse_date,
)
from ..staging import Staging
from .actors import UCDP_ACTOR, side_actor
from .claims import FIGURES, SOURCE_COLUMNS, count_text, dataset_source, figures_claim, listed_source_claims
from .places import PLACE_COLUMNS, map_place

SCHEME = "ucdp_ged"
REQUIRED = ("id", "type_of_violence", "side_a", "side_b", "where_prec", "date_prec", "date_start",
            "date_end", "latitude", "longitude")
# type_of_violence -> (event_type, sub_event_type); checked against the declaration's crosswalk.
DEFAULT_TYPES = {"1": ("battles", "armed_clash"), "2": ("battles", "armed_clash"),
                 "3": ("violence_against_civilians", "attack")}
PREPOSITION = {"1": "at", "2": "near", "3": "in", "4": "in", "5": "in", "6": "in"}


@dataclass
class Options:
    country: str | None = None  # ISO3, label or GW code
    date_from: str | None = None
    date_to: str | None = None
    scheme_version: str = ""


def alias(row: dict[str, str], *names: str) -> str:
    for n in names:
        if row.get(n, "").strip():
            return row[n].strip()
    return ""


def _country_filter(decl: Declaration, wanted: str | None) -> str | None:
    if not wanted:
        return None
    iso3 = country_code(decl, name=wanted, attribute="ucdp", value=wanted)
    if iso3 is None:
        raise ImporterError(f"--country {wanted!r} is not in the country vocabulary "
                            f"({', '.join(decl.vocabularies['country'].values)})")
    return iso3


def check_crosswalk(decl: Declaration) -> None:
    """The default type choices must agree with the declaration's ``ucdp`` crosswalk."""
    sub_vocab = decl.vocabularies["sub_event_type"]
    for tov, (etype, sub) in DEFAULT_TYPES.items():
        code = sub_vocab.get(sub)
        if (etype not in crosswalk(decl, "event_type", "ucdp", tov) or sub not in crosswalk(
                decl, "sub_event_type", "ucdp", tov) or code is None or code.extra.get(sub_vocab.parent) != etype):
            raise ImporterError(f"declaration and UCDP defaults disagree for type_of_violence {tov}: "
                                f"{etype}/{sub} (schemas/vocabularies.yaml, ucdp attributes)")


class UcdpRows:
    """Maps one row of the export at a time, exactly (every check, every message): the path of the
    rows the columnar reader (:mod:`.columnar`) leaves to it, and of every row of a file it
    cannot read."""

    def __init__(self, path: Path, decl: Declaration, options: Options, staging: Staging):
        check_crosswalk(decl)
        self.decl, self.options, self.staging = decl, options, staging
        self.wanted = _country_filter(decl, options.country)
        self.rel = str(path)
        self.sub_labels = {c.code: c.label for c in decl.vocabularies["sub_event_type"].codes}
        self.ucdp_source = dataset_source(options.scheme_version)
        self.role_a = crosswalk(decl, "role", "ucdp", "side_a")
        self.role_b = crosswalk(decl, "role", "ucdp", "side_b")
        # An export repeats countries, places, figures and source lists from row to row: what each
        # maps to is computed once per distinct raw value in this file (places only when they mapped
        # without a problem, which must be reported at every row that has it).
        self.countries: dict[tuple[str, str], str | None] = {}
        self.places: dict[tuple[str, ...], PlaceSpec] = {}
        self.figure_claims: dict[tuple[int | None, ...], ClaimSpec] = {}
        # The number of each distinct place_key: the row-by-row importer held one place spec object
        # per key, and a place's point cites the event where that object last began to write it.
        self.place_idents: dict[tuple[str, ...], int] = {}

    def map(self, line: int, row: dict[str, str]) -> None:
        """The row to ``staging``: an event (with its warnings), a row not imported with its
        problems, or a row left out by --country/--from/--to (counted)."""
        decl, options, staging, wanted, rel = self.decl, self.options, self.staging, self.wanted, self.rel
        sub_labels, ucdp_source, role_a, role_b = self.sub_labels, self.ucdp_source, self.role_a, self.role_b
        countries, places, figure_claims = self.countries, self.places, self.figure_claims
        if "__bad__" in row:
            staging.rejected(line, "", [Problem(rel, line, "-", row["__bad__"])])
            return
        row_problems: list[Problem] = []
        warnings: list[Problem] = []
        cell_notes = guard_cells(rel, line, row)
        ucdp_id = row["id"].strip()
        country_name = row.get("country", "")
        country_key = (country_name, row.get("country_id", ""))
        if country_key not in countries:
            countries[country_key] = country_code(decl, name=country_name.split(",")[0], attribute="ucdp",
                                                  value=country_key[1].split(",")[0])
        iso3 = countries[country_key]
        if wanted and iso3 != wanted:
            staging.filtered += 1
            return
        start, end = parse_date(row["date_start"]), parse_date(row["date_end"])
        if start and not (options.date_from or start) <= start <= (options.date_to or start):
            staging.filtered += 1
            return
        warnings.extend(cell_notes)  # reported for the rows the filters kept
        if not ucdp_id:
            row_problems.append(Problem(rel, line, "id", "empty UCDP event id"))
        if iso3 is None:
            row_problems.append(Problem(rel, line, "country", f"{country_name!r} is not in the country vocabulary"))
        if start is None:
            row_problems.append(Problem(rel, line, "date_start", f"{row['date_start']!r} is not a date"))
        if end is None:
            row_problems.append(Problem(rel, line, "date_end", f"{row['date_end']!r} is not a date"))
        elif start and end < start:
            row_problems.append(Problem(rel, line, "date_end", f"{end} is before date_start {start}"))
        date_precision = crosswalk(decl, "date_precision", "ucdp", row["date_prec"].strip())
        if not date_precision:
            row_problems.append(Problem(rel, line, "date_prec", f"{row['date_prec']!r} has no SCE equivalent"))
        tov = row["type_of_violence"].strip()
        if tov not in DEFAULT_TYPES:
            row_problems.append(Problem(rel, line, "type_of_violence", f"{tov!r} is not 1, 2 or 3"))
        where_prec = row["where_prec"].strip()
        location = crosswalk(decl, "location_precision", "ucdp", where_prec)
        figures: dict[str, int | None] = {}
        for name, aliases in FIGURES:
            raw = alias(row, *aliases)
            try:
                figures[name] = parse_count(raw)
            except ValueError:
                row_problems.append(Problem(rel, line, aliases[0], f"{raw!r} is not a count"))
        low, best, high = figures.get("low"), figures.get("best"), figures.get("high")
        notes = []
        # Inconsistent figures stay in UCDP's claim; the event keeps what is consistent (a warning).
        known = [v for v in (low, best, high) if v is not None]
        if known != sorted(known):
            warnings.append(Problem(rel, line, "low", f"low {low}, best {best}, high {high} are not ordered: "
                                    "the event keeps the best estimate only", warning=True))
            notes.append(f"UCDP's low {low}, best {best} and high {high} are not ordered; low and high are left to "
                         "UCDP's claim.")
            low = high = None
        civilians = figures.get("deaths_civilians")
        cap = high if high is not None else best
        if civilians is not None and cap is not None and civilians > cap:
            warnings.append(Problem(rel, line, "deaths_civilians", f"{civilians} civilians exceed {cap} deaths: "
                                    "the event leaves civilian deaths to UCDP's claim", warning=True))
            notes.append(f"UCDP's {civilians} civilian deaths exceed its {cap} deaths; left to UCDP's claim.")
            civilians = None
        side_a, side_b = clean(row["side_a"]), clean(row["side_b"])
        for col, value in (("side_a", side_a), ("side_b", side_b)):
            if not value:
                row_problems.append(Problem(rel, line, col, "no actor named"))
        place: PlaceSpec | None = None
        if iso3:
            place_key = (iso3, *(row.get(c) or "" for c in PLACE_COLUMNS))
            place = places.get(place_key)
            if place is None:
                before = len(row_problems)
                place = map_place(decl, row, iso3, line, rel, row_problems)
                if place is not None and len(row_problems) == before:
                    places[place_key] = place
        if row_problems or place is None or not location:
            if not row_problems:
                row_problems.append(Problem(rel, line, "where_prec", "cannot place the event"))
            staging.rejected(line, ucdp_id, row_problems)
            return
        etype, sub = DEFAULT_TYPES[tov]
        actor_a = side_actor(decl, side_a, alias(row, "side_a_new_id", "side_a_dset_id", "side_a_id"),
                         row.get("gwnoa", ""))
        actor_b = side_actor(decl, side_b, alias(row, "side_b_new_id", "side_b_dset_id", "side_b_id"),
                         row.get("gwnob", ""))
        where = clean(row.get("where_coordinates")) or place.name
        clarity_2 = row.get("event_clarity", "").strip() == "2"
        fields = {
            "date_start": start, "date_end": end, "date_precision": date_precision[0], "event_type": etype,
            "sub_event_type": sub, "location_precision": location[0],
            # The event's figures are what UCDP's claim gives, by the fatality rule.
            "fatalities_low": count_text(min((v for v in (low, best) if v is not None), default=None)),
            "fatalities_best": count_text(best),
            "fatalities_high": count_text(max((v for v in (high, best) if v is not None), default=None)),
            "civilian_fatalities": count_text(civilians),
            "summary": f"{sub_labels[sub]} involving {side_a} and {side_b} {PREPOSITION[where_prec]} "
                       f"{where} (UCDP GED event {ucdp_id}).",
            "confidence": "low" if clarity_2 else "medium",
            "notes": " ".join(notes + (["UCDP codes this as an aggregate of incidents reported together "
                                        "(event_clarity 2)."] if clarity_2 else [])),
        }
        figure_key = tuple(figures.values())
        ucdp_claim = figure_claims.get(figure_key)
        if ucdp_claim is None:
            ucdp_claim = figure_claims[figure_key] = ClaimSpec(
                ucdp_source, UCDP_ACTOR, figures_claim(figures), count_text(best),
                fatalities_claimed_low=count_text(low), fatalities_claimed_high=count_text(high))
        claims = [ucdp_claim, *listed_source_claims(*(row.get(c, "") for c in SOURCE_COLUMNS))]
        external = [(s, v) for s, v in (("ucdp_ged_relid", row.get("relid", "").strip()),
                                         ("ucdp_conflict", alias(row, "conflict_new_id", "conflict_dset_id")),
                                         ("ucdp_dyad", alias(row, "dyad_new_id", "dyad_dset_id"))) if v]
        staging.event(EventRecord(line, ucdp_id, fields, place, [(actor_a, role_a[0]), (actor_b, role_b[0])],
                                  claims, external), warnings,
                      ident=self.place_idents.setdefault(place_key, len(self.place_idents)))
