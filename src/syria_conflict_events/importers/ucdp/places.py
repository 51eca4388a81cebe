"""UCDP GED places: where_prec 1, 2 and 5 give a point place named by where_coordinates
(deduplicated by name and coordinates rounded to 4 decimals), 3 the district (adm_2), 4 the
governorate (adm_1), 6 the country; 7 (international waters or airspace) cannot be placed and is
reported."""

from __future__ import annotations

from ...declaration import Declaration
from ..common import PlaceSpec, Problem, clean, inside_country

# Words UCDP appends to where_coordinates, and the place type they name.
_SUFFIX_TYPES = {"village": "village", "town": "town", "city": "city", "suburb": "neighbourhood",
                 "neighbourhood": "neighbourhood", "neighborhood": "neighbourhood", "quarter": "neighbourhood",
                 "airport": "facility", "airbase": "facility", "base": "facility", "prison": "facility",
                 "hospital": "facility", "dam": "facility"}
_STRIPPED_SUFFIXES = {"village", "town", "city"}  # UCDP's type tags, not part of the name
# The columns a row's place is made from (with its country).
PLACE_COLUMNS = ("adm_1", "adm_2", "where_coordinates", "where_description", "where_prec", "latitude", "longitude")


_LABELS: dict[tuple[int, str], str] = {}


def _country_label(decl: Declaration, iso3: str) -> str:
    key = (id(decl), iso3)
    if key not in _LABELS:
        _LABELS[key] = decl.vocabularies["country"].get(iso3).label  # type: ignore[union-attr]
    return _LABELS[key]


_ADMIN: dict[tuple, tuple[PlaceSpec, PlaceSpec | None, PlaceSpec | None, str]] = {}


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


def map_place(decl: Declaration, row: dict[str, str], iso3: str, line: int, path: str,
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
