"""ACLED export CSV -> SCE records, for a user who holds the export under their own ACLED licence.

The output stays on the user's machine: nothing from ACLED is committed to this repository, and
the importer copies no ACLED text (its ``notes`` column is not read; summaries and claims are
written from the coded columns). Columns are matched by name (the current export and the older
one with numeric inter codes both work). Crosswalks come from the declaration's ``acled``
attributes; where one ACLED code maps to several SCE codes the choice is made here (see
docs/importers.md):

* time_precision 2 -> week, 3 -> month (the event date is a single day in the export);
* geo_precision 1 -> location precision 1, 2 -> 2, 3 -> 4 (the governorate, ACLED's admin1);
* actor1 -> side_a, actor2 -> side_b, assoc_actor_1/2 -> associated;
* inter codes (digits, or the newer text labels) -> actor_type via actor_type's ``acled``.

Each event gets a claim by ACLED (the compiler) carrying its fatality count, and one claim per
publisher ACLED lists in ``source``, recorded in the ACLED export as their source (ACLED names
publishers, not documents). A publisher named as ACLED itself is the compiler: its claim is ACLED's.
"""

from __future__ import annotations

import datetime as dt
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

SCHEME = "acled_event"
REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "country", "location",
            "latitude", "longitude", "fatalities")
ACLED_NAME = "Armed Conflict Location & Event Data (ACLED)"
# ACLED code -> preferred SCE code where the declaration's crosswalk offers several.
PREFERRED = {("date_precision", "2"): "week", ("date_precision", "3"): "month",
             ("location_precision", "3"): "4"}


@dataclass
class Options:
    country: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    scheme_version: str = ""


def _pick(decl: Declaration, vocabulary: str, value: str) -> str | None:
    codes = crosswalk(decl, vocabulary, "acled", value)
    if not codes:
        return None
    preferred = PREFERRED.get((vocabulary, value))
    if preferred is not None and preferred not in codes:
        raise ImporterError(f"the ACLED default {preferred!r} for {vocabulary} {value} is not in the declaration's "
                            "crosswalk (schemas/vocabularies.yaml)")
    return preferred or codes[0]


def _event_date(text: str) -> str | None:
    value = parse_date(text)
    if value is None:
        try:  # the export tool writes "29 November 2024"
            value = dt.datetime.strptime(text.strip(), "%d %B %Y").date().isoformat()
        except ValueError:
            return None
    return value


def _inter(decl: Declaration, raw: str) -> str | None:
    """ACLED inter code from a digit or the newer text label ('State forces')."""
    text = clean(raw)
    if not text:
        return None
    vocab = decl.vocabularies["acled_inter"]
    if text.isdigit():
        return text if text in vocab.values else None
    folded = text.casefold()
    return next((c.code for c in vocab.codes if c.label.casefold() == folded), None)


ACLED_ACTOR = ActorSpec(("name", ACLED_NAME), ACLED_NAME, "compiler",
                        notes="Compiler of the ACLED export; claimant of the figures ACLED codes per event.")


def _acled_source(version: str) -> SourceSpec:
    title = "ACLED export held by the user" + (f" (version {version})" if version else "")
    return SourceSpec(ACLED_NAME, title, "", "en", "compilation",
                      "A user's own ACLED export under the ACLED licence; not redistributed.")


class AcledRows:
    """Maps one row of the export at a time, exactly (every check, every message): the path of the
    rows the columnar reader (:mod:`.acled_columnar`) leaves to it, and of every row of a file it
    cannot read."""

    def __init__(self, path: Path, decl: Declaration, options: Options, staging: Staging):
        self.decl, self.options, self.staging = decl, options, staging
        self.wanted = None
        if options.country:
            self.wanted = country_code(decl, name=options.country, attribute="acled", value=options.country)
            if self.wanted is None:
                raise ImporterError(f"--country {options.country!r} is not in the country vocabulary")
        self.rel = str(path)
        self.source = _acled_source(options.scheme_version)

    def note_inter_codes(self, row: dict[str, str]) -> None:
        """An actor's type comes from the first inter code ACLED gives it as actor1/actor2, in any
        row of the file (filtered out or not)."""
        inter_of = self.staging.inter_of
        for actor_col, inter_col in (("actor1", "inter1"), ("actor2", "inter2")):
            name = clean(row.get(actor_col))
            if name and name not in inter_of:
                inter = _inter(self.decl, row.get(inter_col, ""))
                if inter:
                    inter_of[name] = inter

    def map(self, line: int, row: dict[str, str], *, inter_noted: bool = False) -> None:
        """The row to ``staging``: an event, a row not imported with its problems, or a row left
        out by --country/--from/--to (counted)."""
        decl, options, staging, wanted, rel = self.decl, self.options, self.staging, self.wanted, self.rel
        sub_vocab, source = decl.vocabularies["sub_event_type"], self.source
        if "__bad__" in row:
            staging.rejected(line, "", [Problem(rel, line, "-", row["__bad__"])])
            return
        if not inter_noted:
            self.note_inter_codes(row)
        errs: list[Problem] = []
        cell_notes = guard_cells(rel, line, row)
        event_id = clean(row["event_id_cnty"])
        iso3 = country_code(decl, name=row["country"], attribute="acled", value=clean(row["country"]))
        if wanted and iso3 != wanted:
            staging.filtered += 1
            return
        date = _event_date(row["event_date"])
        if date and not (options.date_from or date) <= date <= (options.date_to or date):
            staging.filtered += 1
            return
        if not event_id:
            errs.append(Problem(rel, line, "event_id_cnty", "empty ACLED event id"))
        if iso3 is None:
            errs.append(Problem(rel, line, "country", f"{row['country']!r} is not in the country vocabulary"))
        if date is None:
            errs.append(Problem(rel, line, "event_date", f"{row['event_date']!r} is not a date"))
        etype = _pick(decl, "event_type", clean(row["event_type"]))
        sub = _pick(decl, "sub_event_type", clean(row["sub_event_type"]))
        if etype is None:
            errs.append(Problem(rel, line, "event_type", f"{row['event_type']!r} is not an ACLED event type"))
        if sub is None:
            errs.append(Problem(rel, line, "sub_event_type",
                                f"{row['sub_event_type']!r} is not an ACLED sub-event type"))
        elif etype and sub_vocab.get(sub).extra.get(sub_vocab.parent) != etype:  # type: ignore[union-attr]
            errs.append(Problem(rel, line, "sub_event_type", f"{row['sub_event_type']!r} is not a kind of "
                                f"{row['event_type']!r}"))
        date_precision = _pick(decl, "date_precision", clean(row.get("time_precision", "1")) or "1")
        if date_precision is None:
            errs.append(Problem(rel, line, "time_precision", f"{row.get('time_precision')!r} is not 1, 2 or 3"))
        geo = clean(row.get("geo_precision", "1")) or "1"
        location_precision = _pick(decl, "location_precision", geo)
        if location_precision is None:
            errs.append(Problem(rel, line, "geo_precision", f"{geo!r} is not 1, 2 or 3"))
        try:
            fatalities = parse_count(row["fatalities"])
        except ValueError:
            errs.append(Problem(rel, line, "fatalities", f"{row['fatalities']!r} is not a count"))
            fatalities = None
        actor1, actor2 = clean(row["actor1"]), clean(row.get("actor2"))
        if not actor1:
            errs.append(Problem(rel, line, "actor1", "no actor named"))
        place = _place(decl, row, iso3, geo, line, rel, errs) if iso3 else None
        if errs or place is None:
            staging.rejected(line, event_id, errs, cell_notes)  # notes: for the rows the filters kept
            return
        actors = [(_pending(actor1), "side_a")]
        if actor2:
            actors.append((_pending(actor2), "side_b"))
        for col in ("assoc_actor_1", "assoc_actor_2"):
            for name in (clean(n) for n in row.get(col, "").split(";")):
                if name and name not in (actor1, actor2):
                    actors.append((_pending(name), "associated"))
        label = sub_vocab.get(sub).label  # type: ignore[union-attr]
        who = actor1 + (f" and {actor2}" if actor2 else "")
        fields = {
            "date_start": date, "date_end": date, "date_precision": date_precision, "event_type": etype,
            "sub_event_type": sub, "location_precision": location_precision,
            # ACLED gives one figure: the event's low, best and high are that figure (the fatality rule).
            "fatalities_low": "" if fatalities is None else str(fatalities),
            "fatalities_best": "" if fatalities is None else str(fatalities),
            "fatalities_high": "" if fatalities is None else str(fatalities),
            "summary": f"{label} involving {who} at {place.name} (ACLED event {event_id}).",
            "confidence": "medium",
        }
        count = "" if fatalities is None else str(fatalities)
        claims = [ClaimSpec(source, ACLED_ACTOR, f"ACLED codes the event with {count or 'no'} reported fatalities.",
                            count)]
        # ACLED listing itself by its name is the compiler (actors are one per name): its claim in this
        # source is the one above, and a second claim by the same actor would repeat its id.
        for publisher in sorted({clean(p) for p in row.get("source", "").split(";")} - {"", ACLED_NAME}):
            claimant = ActorSpec(("name", publisher), publisher, "media",
                                 notes="Publisher ACLED lists as a source; actor type assumed by the importer.")
            claims.append(ClaimSpec(source, claimant, f"Reported by {publisher}, as ACLED records."))
        staging.event(EventRecord(line, event_id, fields, place, actors, claims), [], cell_notes)




def _pending(name: str) -> ActorSpec:
    """An actor named in an event, typed once the whole file is read (:func:`actor_specs`)."""
    return _PENDING.get(name) or _PENDING.setdefault(name, ActorSpec(("acled_actor", name), name, ""))


_PENDING: dict[str, ActorSpec] = {}


def actor_specs(decl: Declaration, staging: Staging) -> None:
    """Replace the staged actors named in events by their specs, typed from ``staging.inter_of``
    (publishers and ACLED itself are complete specs already)."""
    items = staging.actors.items
    for n, spec in enumerate(items):
        if spec.key[0] == "acled_actor" and not spec.actor_type:
            items[n] = _actor(decl, spec.name, staging.inter_of)


def _actor(decl: Declaration, name: str, inter_of: dict[str, str]) -> ActorSpec:
    inter = inter_of.get(name, "")
    types = crosswalk(decl, "actor_type", "acled", inter) if inter else []
    note = "Actor type from ACLED's inter code." if types else "ACLED gives no inter code for this actor; type assumed."
    return ActorSpec(("acled_actor", name), name, types[0] if types else "political_militia",
                     acled_inter_code=inter, external_ids=(("acled_actor", name),), notes=note)


def _place(decl: Declaration, row: dict[str, str], iso3: str, geo: str, line: int, rel: str,
           errs: list[Problem]) -> PlaceSpec | None:
    country = PlaceSpec(decl.vocabularies["country"].get(iso3).label, "country", iso3)  # type: ignore[union-attr]
    admin1, admin2 = clean(row.get("admin1")), clean(row.get("admin2"))
    gov = PlaceSpec(f"{admin1} Governorate", "governorate", iso3, admin1, parent=country) if admin1 else None
    district = PlaceSpec(f"{admin2} District", "district", iso3, admin1, parent=gov or country) if admin2 else None
    if geo == "3" and gov is not None:
        return gov
    name = clean(row["location"])
    try:
        lat, lon = float(row["latitude"]), float(row["longitude"])
    except ValueError:
        errs.append(Problem(rel, line, "latitude", "latitude/longitude are not numbers"))
        return None
    if not inside_country(decl, iso3, lat, lon):
        errs.append(Problem(rel, line, "latitude", f"({lat}, {lon}) lies outside the bounding box of {iso3}; "
                            "reported, not moved"))
        return None
    if not name:
        errs.append(Problem(rel, line, "location", "no place name"))
        return None
    return PlaceSpec(name, "town", iso3, admin1, f"{round(lat, 4):.4f}".rstrip("0").rstrip("."),
                     f"{round(lon, 4):.4f}".rstrip("0").rstrip("."), parent=district or gov or country)
