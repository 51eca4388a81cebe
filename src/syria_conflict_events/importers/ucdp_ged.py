"""UCDP Georeferenced Event Dataset (GED) CSV -> SCE records.

Columns are matched by name, so every published column set works (with or without relid,
code_status, the *_dset_id columns, where_description, gwnoa/gwnob; best/low/high or the older
best_est/low_est/high_est). Crosswalks come from the declaration's ``ucdp`` attributes; where
UCDP's code maps to several SCE codes the choice is made here and documented in
docs/importers.md:

* type_of_violence 1 (state-based) and 2 (non-state) -> battles / armed_clash: UCDP does not
  say whether territory changed hands or whether the fighting was remote;
  3 (one-sided) -> violence_against_civilians / attack.
* side_a / side_b -> roles side_a / side_b (the codes named like UCDP's), whatever the type.
* Places: where_prec 1, 2 and 5 give a point place named by where_coordinates (deduplicated by
  name and coordinates rounded to 4 decimals), 3 the district (adm_2), 4 the governorate
  (adm_1), 6 the country; 7 (international waters or airspace) cannot be placed and is reported.
* Each event gets a claim by UCDP (the compiler) carrying the fatality figures and deaths by
  side, and one claim per source UCDP lists, by that source's publisher, without figures (UCDP
  gives figures per event, not per source).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from ..declaration import Declaration
from .common import (
    ActorSpec,
    ClaimSpec,
    EventRecord,
    ImporterError,
    PlaceSpec,
    Problem,
    SourceSpec,
    clean,
    country_code,
    crosswalk,
    guard_cells,
    inside_country,
    parse_count,
    parse_date,
)
from .staging import Staging

SCHEME = "ucdp_ged"
REQUIRED = ("id", "type_of_violence", "side_a", "side_b", "where_prec", "date_prec", "date_start",
            "date_end", "latitude", "longitude")
# type_of_violence -> (event_type, sub_event_type); checked against the declaration's crosswalk.
DEFAULT_TYPES = {"1": ("battles", "armed_clash"), "2": ("battles", "armed_clash"),
                 "3": ("violence_against_civilians", "attack")}
UCDP_NAME = "Uppsala Conflict Data Program"
# Words UCDP appends to where_coordinates, and the place type they name.
_SUFFIX_TYPES = {"village": "village", "town": "town", "city": "city", "suburb": "neighbourhood",
                 "neighbourhood": "neighbourhood", "neighborhood": "neighbourhood", "quarter": "neighbourhood",
                 "airport": "facility", "airbase": "facility", "base": "facility", "prison": "facility",
                 "hospital": "facility", "dam": "facility"}
_STRIPPED_SUFFIXES = {"village", "town", "city"}  # UCDP's type tags, not part of the name
_PREPOSITION = {"1": "at", "2": "near", "3": "in", "4": "in", "5": "in", "6": "in"}
# Fatality figures: (name, the columns that may hold it, first one found with a value wins).
_FIGURES = (("low", ("low", "low_est")), ("best", ("best", "best_est")), ("high", ("high", "high_est")),
            ("deaths_a", ("deaths_a",)), ("deaths_b", ("deaths_b",)), ("deaths_civilians", ("deaths_civilians",)),
            ("deaths_unknown", ("deaths_unknown",)))
# The columns a row's place is made from (with its country), and those of its listed sources.
_PLACE_COLUMNS = ("adm_1", "adm_2", "where_coordinates", "where_description", "where_prec", "latitude", "longitude")
_SOURCE_COLUMNS = ("source_office", "source_date", "source_headline", "source_article")


@dataclass
class Options:
    country: str | None = None  # ISO3, label or GW code
    date_from: str | None = None
    date_to: str | None = None
    scheme_version: str = ""


def _alias(row: dict[str, str], *names: str) -> str:
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


def _split_sources(office_cell: str, date_cell: str, headline: str, article: str) -> list[tuple[str, str, str]]:
    """(publisher, date, headline) of each source UCDP lists (cells source_office, source_date,
    source_headline, source_article); several are joined with ';'.

    Headlines may contain ';' themselves: then source_article (quoted "office,date,headline"
    items separated by ';') separates them; failing that the title stays unknown."""
    offices = [clean(o) for o in office_cell.split(";")]
    dates = [d.strip() for d in date_cell.split(";")]
    if len(dates) != len(offices):
        dates = [""] * len(offices)
    heads = headline.split(";")
    if len(heads) != len(offices):
        heads = _headlines_from_article(article, offices, dates)
    out = []
    for office, date, head in zip(offices, dates, heads, strict=True):
        if office or clean(head):
            out.append((office, date, clean(head)))
    return out


def _headlines_from_article(article: str, offices: list[str], dates: list[str]) -> list[str]:
    items = next(csv.reader([article.strip()], delimiter=";", quotechar='"'), []) if article.strip() else []
    if len(items) == len(offices):
        heads = []
        for item, office, date in zip(items, offices, dates, strict=True):
            prefix = f"{office},{date},"
            if not item.startswith(prefix):
                break
            heads.append(item[len(prefix):])
        else:
            return heads
    return [""] * len(offices)


def _ucdp_source(version: str) -> SourceSpec:
    title = "UCDP Georeferenced Event Dataset" + (f" version {version}" if version else "")
    return SourceSpec(UCDP_NAME, title, "", "en", "compilation",
                      "The compiled dataset itself: its event row gives the fatality figures.")


UCDP_ACTOR = ActorSpec(("name", UCDP_NAME), UCDP_NAME, "compiler",
                       notes="Compiler of the UCDP GED; claimant of the figures UCDP codes per event.")


_LABELS: dict[tuple[int, str], str] = {}


def _country_label(decl: Declaration, iso3: str) -> str:
    key = (id(decl), iso3)
    if key not in _LABELS:
        _LABELS[key] = decl.vocabularies["country"].get(iso3).label  # type: ignore[union-attr]
    return _LABELS[key]


_ADMIN: dict[tuple, tuple[PlaceSpec, PlaceSpec | None, PlaceSpec | None, str]] = {}
_ACTORS: dict[tuple, ActorSpec] = {}


def _admin_places(decl: Declaration, iso3: str, adm1: str, adm2: str
                  ) -> tuple[PlaceSpec, PlaceSpec | None, PlaceSpec | None, str]:
    """(country, governorate, district, admin1 name) from UCDP's admin names (cached: few distinct)."""
    key = (id(decl), iso3, adm1, adm2)
    if key not in _ADMIN:
        _ADMIN[key] = _make_admin_places(decl, iso3, adm1, adm2)
    return _ADMIN[key]


def _make_admin_places(decl: Declaration, iso3: str, adm1: str, adm2: str
                       ) -> tuple[PlaceSpec, PlaceSpec | None, PlaceSpec | None, str]:
    country = PlaceSpec(_country_label(decl, iso3), "country", iso3)
    admin1 = adm1
    for suffix in (" governorate", " province"):
        if admin1.lower().endswith(suffix):
            admin1 = admin1[: -len(suffix)].strip()
    gov = PlaceSpec(adm1, "governorate", iso3, admin1, parent=country) if adm1 else None
    district = PlaceSpec(adm2, "district", iso3, admin1, parent=gov or country) if adm2 else None
    return country, gov, district, admin1


def _place(decl: Declaration, row: dict[str, str], iso3: str, line: int, path: str,
           problems: list[Problem]) -> PlaceSpec | None:
    adm1, adm2 = clean(row.get("adm_1")), clean(row.get("adm_2"))
    country, gov, district, admin1 = _admin_places(decl, iso3, adm1, adm2)
    where = clean(row.get("where_coordinates")) or clean(row.get("where_description"))
    prec = row["where_prec"].strip()
    if prec in ("1", "2", "5"):
        try:
            lat, lon = float(row["latitude"]), float(row["longitude"])
        except ValueError:
            problems.append(Problem(path, line, "latitude", "latitude/longitude are not numbers"))
            return None
        if not inside_country(decl, iso3, lat, lon):
            problems.append(Problem(path, line, "latitude", f"({lat}, {lon}) lies outside the bounding box of "
                                    f"{iso3}; reported, not moved"))
            return None
        words = where.split()
        suffix = words[-1].lower() if words else ""
        if prec == "5":
            place_type, name = "region", where
        else:
            place_type = _SUFFIX_TYPES.get(suffix, "region")
            name = " ".join(words[:-1]) if suffix in _STRIPPED_SUFFIXES and len(words) > 1 else where
        if not name:
            problems.append(Problem(path, line, "where_coordinates", "no place name"))
            return None
        return PlaceSpec(name, place_type, iso3, admin1, f"{round(lat, 4):.4f}".rstrip("0").rstrip("."),
                         f"{round(lon, 4):.4f}".rstrip("0").rstrip("."), parent=district or gov or country)
    if prec == "3":
        if district is None and where:
            district = PlaceSpec(where, "district", iso3, admin1, parent=gov or country)
        if district is None:
            problems.append(Problem(path, line, "adm_2", "where_prec 3 (district) without a district name"))
        return district
    if prec == "4":
        if gov is None and where:
            gov = PlaceSpec(where, "governorate", iso3, where, parent=country)
        if gov is None:
            problems.append(Problem(path, line, "adm_1", "where_prec 4 (governorate) without a governorate name"))
        return gov
    if prec == "6":
        return country
    problems.append(Problem(path, line, "where_prec", f"{prec!r}: no place in a country can hold it "
                            "(7 = international waters or airspace)" if prec == "7" else f"{prec!r} is not 1-7"))
    return None


def _actor(decl: Declaration, name: str, ucdp_id: str, gw: str) -> ActorSpec:
    key = (id(decl), name, ucdp_id, gw)
    if key not in _ACTORS:
        _ACTORS[key] = _make_actor(decl, name, ucdp_id, gw)
    return _ACTORS[key]


def _make_actor(decl: Declaration, name: str, ucdp_id: str, gw: str) -> ActorSpec:
    iso3 = ""
    if name.startswith("Government of "):
        actor_type = "state_armed_force"
        gw_first = gw.split(",")[0].strip()
        iso3 = country_code(decl, name=name[len("Government of "):], attribute="ucdp", value=gw_first) or ""
    elif name.casefold() == "civilians":
        actor_type = "civilians"
    else:
        actor_type = "rebel_group"
    key = ("ucdp_actor", ucdp_id) if ucdp_id else ("name", name)
    return ActorSpec(key, name, actor_type, iso3, external_ids=(("ucdp_actor", ucdp_id),) if ucdp_id else (),
                     notes="Actor type set by the UCDP GED importer from the actor's name; review it.")


class UcdpRows:
    """Maps one row of the export at a time, exactly (every check, every message): the path of the
    rows the columnar reader (:mod:`.ucdp_columnar`) leaves to it, and of every row of a file it
    cannot read."""

    def __init__(self, path: Path, decl: Declaration, options: Options, staging: Staging):
        check_crosswalk(decl)
        self.decl, self.options, self.staging = decl, options, staging
        self.wanted = _country_filter(decl, options.country)
        self.rel = str(path)
        self.sub_labels = {c.code: c.label for c in decl.vocabularies["sub_event_type"].codes}
        self.ucdp_source = _ucdp_source(options.scheme_version)
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
        for name, aliases in _FIGURES:
            raw = _alias(row, *aliases)
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
            place_key = (iso3, *(row.get(c) or "" for c in _PLACE_COLUMNS))
            place = places.get(place_key)
            if place is None:
                before = len(row_problems)
                place = _place(decl, row, iso3, line, rel, row_problems)
                if place is not None and len(row_problems) == before:
                    places[place_key] = place
        if row_problems or place is None or not location:
            if not row_problems:
                row_problems.append(Problem(rel, line, "where_prec", "cannot place the event"))
            staging.rejected(line, ucdp_id, row_problems)
            return
        etype, sub = DEFAULT_TYPES[tov]
        actor_a = _actor(decl, side_a, _alias(row, "side_a_new_id", "side_a_dset_id", "side_a_id"),
                         row.get("gwnoa", ""))
        actor_b = _actor(decl, side_b, _alias(row, "side_b_new_id", "side_b_dset_id", "side_b_id"),
                         row.get("gwnob", ""))
        where = clean(row.get("where_coordinates")) or place.name
        clarity_2 = row.get("event_clarity", "").strip() == "2"
        fields = {
            "date_start": start, "date_end": end, "date_precision": date_precision[0], "event_type": etype,
            "sub_event_type": sub, "location_precision": location[0],
            # The event's figures are what UCDP's claim gives, by the fatality rule.
            "fatalities_low": _text(min((v for v in (low, best) if v is not None), default=None)),
            "fatalities_best": _text(best),
            "fatalities_high": _text(max((v for v in (high, best) if v is not None), default=None)),
            "civilian_fatalities": _text(civilians),
            "summary": f"{sub_labels[sub]} involving {side_a} and {side_b} {_PREPOSITION[where_prec]} "
                       f"{where} (UCDP GED event {ucdp_id}).",
            "confidence": "low" if clarity_2 else "medium",
            "notes": " ".join(notes + (["UCDP codes this as an aggregate of incidents reported together "
                                        "(event_clarity 2)."] if clarity_2 else [])),
        }
        figure_key = tuple(figures.values())
        ucdp_claim = figure_claims.get(figure_key)
        if ucdp_claim is None:
            ucdp_claim = figure_claims[figure_key] = ClaimSpec(
                ucdp_source, UCDP_ACTOR, _figures_claim(figures), _text(best),
                fatalities_claimed_low=_text(low), fatalities_claimed_high=_text(high))
        claims = [ucdp_claim, *_source_claims(*(row.get(c, "") for c in _SOURCE_COLUMNS))]
        external = [(s, v) for s, v in (("ucdp_ged_relid", row.get("relid", "").strip()),
                                         ("ucdp_conflict", _alias(row, "conflict_new_id", "conflict_dset_id")),
                                         ("ucdp_dyad", _alias(row, "dyad_new_id", "dyad_dset_id"))) if v]
        staging.event(EventRecord(line, ucdp_id, fields, place, [(actor_a, role_a[0]), (actor_b, role_b[0])],
                                  claims, external), warnings,
                      ident=self.place_idents.setdefault(place_key, len(self.place_idents)))






def _source_claims(office_cell: str, date_cell: str, headline_cell: str, article_cell: str) -> list[ClaimSpec]:
    """One claim per source UCDP lists, by its publisher, without figures."""
    claims = []
    for office, date, headline in _split_sources(office_cell, date_cell, headline_cell, article_cell):
        published = parse_date(date) or ""
        title = headline or f"Report by {office or 'an unnamed publisher'} listed by UCDP GED (no title given)"
        source = SourceSpec(office, title, published, "en", "unspecified",
                            "Listed as a source by UCDP GED. Language assumed: UCDP codes from English-language "
                            "reports and translations." + ("" if published or not date else
                                                          f" UCDP gives the date as {clean(date)!r}."))
        claimant = _publisher(office) if office else UCDP_ACTOR
        claims.append(ClaimSpec(source, claimant, f"Reported by {office or 'an unnamed publisher'}; UCDP GED lists "
                                "this report as a source of the event."))
    return claims


@functools.cache
def _publisher(office: str) -> ActorSpec:
    return ActorSpec(("name", office), office, "media",
                     notes="Publisher of a source UCDP GED lists; actor type assumed by the importer.")


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _figures_claim(f: dict[str, int | None]) -> str:
    parts = [f"{label} {f[k]}" for k, label in (("low", "low"), ("high", "high")) if f.get(k) is not None]
    sides = [f"{f[k]} {label}" for k, label in (("deaths_a", "on side A"), ("deaths_b", "on side B"),
                                                   ("deaths_civilians", "civilians"), ("deaths_unknown", "unknown"))
             if f.get(k) is not None]
    text = "UCDP GED codes the event"
    if f.get("best") is not None:
        text += f" with {f['best']} deaths (best estimate" + (f"; {', '.join(parts)}" if parts else "") + ")"
    if sides:
        text += ": " + ", ".join(sides)
    return text + "."

