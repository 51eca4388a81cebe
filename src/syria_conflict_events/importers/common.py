"""What every importer shares: reading a hostile CSV export, crosswalks from the declaration,
slugs, the neutral records an importer produces, and the assembly that turns them into an SCE
package (stable ids on re-import, deduplicated places/actors/sources, canonical CSV, a change
report). The output directory belongs to the importer: rows it did not write are refused."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import hashlib
import json
import operator
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..canonical import to_bytes, write_atomic
from ..declaration import Declaration
from ..generate import generated_files
from ..table_schema import TABLE_SCHEMA_DIR
from ..text_rules import CONTROL, FORBIDDEN, forbidden_character, is_nfc, nfc

MAX_INPUT_BYTES = 1024 * 1024 * 1024
FORMULA_START = "=+-@"
_CONTROL = re.compile(CONTROL)
_FORBIDDEN = re.compile(FORBIDDEN)
# The longest cell an import keeps: SCE's text is a name or a sentence or two; an export cell
# longer than this is cut (and reported) so that one row cannot fill the package.
MAX_CELL_CHARS = 2000
_NUMBER = re.compile(r"^\s*[-+]?[0-9]+(\.[0-9]*)?\s*$")
_SPACES = re.compile(r"\s+")
_DATE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T][0-9:.]+)?$")
_ID_NUMBER = re.compile(r"^[A-Z]+-([0-9]+)$")


class ImporterError(Exception):
    """The input cannot be imported at all (or --strict met a problem): exit 2 (or 1)."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True, order=True)
class Problem:
    """An input row that could not be mapped: reported, counted, never silently dropped."""

    path: str
    row: int
    column: str
    reason: str
    warning: bool = False  # the row was imported, with the part named here left out of the event

    def text(self) -> str:
        return f"{self.path}:{self.row}:{self.column}: {'warning: ' if self.warning else ''}{self.reason}"


# --- reading -----------------------------------------------------------------------------------

_CHUNK = 16 * 1024 * 1024


def _check_utf8(path: Path) -> None:
    """The whole file is UTF-8, checked in chunks before any row is read (an export is refused as
    a whole, never half imported); the error names the line of the first bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    lines = 1
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            try:
                if not chunk.isascii() or not chunk:
                    decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                line = lines + chunk.count(b"\n", 0, max(exc.start, 0))
                bad = chunk[max(exc.start, 0):max(exc.start, 0) + 1].hex() or "(end of file)"
                raise ImporterError(f"{path}:{line}: byte 0x{bad} is not valid UTF-8 (save the export as UTF-8)"
                                    ) from None
            if not chunk:
                return
            lines += chunk.count(b"\n")


def read_rows(path: Path, *, required: Iterable[str], max_bytes: int = MAX_INPUT_BYTES
              ) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by column name) for each data row; columns are matched by name.

    Raises ImporterError for a file that is missing, too large, not UTF-8, or lacks a required
    column. Extra columns are ignored, whatever their position. The file is read as a stream
    (the whole export held as text and parsed from memory took 2.3 GB for a 217 MB file)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImporterError(f"{path}: {size:,} bytes is more than the limit of {max_bytes:,}")
        _check_utf8(path)
        fh = path.open(encoding="utf-8-sig", newline="")  # a byte-order mark is dropped
    except OSError as exc:
        raise ImporterError(f"{path}: cannot read: {exc.strerror}") from exc
    old_limit = csv.field_size_limit(max(size, 1 << 17))  # a cell may be as long as the file
    try:
        reader = csv.reader(fh, strict=True)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise ImporterError(f"{path}: the file is empty (no header row)") from None
        missing = [c for c in required if c not in header]
        if missing:
            raise ImporterError(f"{path}:1: missing column(s) {', '.join(missing)}; "
                                f"the header has {', '.join(header[:60])}")
        start = reader.line_num + 1
        try:
            for cells in reader:
                if cells:
                    if len(cells) != len(header):
                        yield start, {"__bad__": f"{len(cells)} cells where the header has {len(header)}"}
                    else:
                        yield start, dict(zip(header, cells, strict=True))
                start = reader.line_num + 1
        except csv.Error as exc:
            raise ImporterError(f"{path}:{reader.line_num}: cannot parse the CSV: {exc}") from exc
        except (UnicodeDecodeError, OSError) as exc:  # the file changed after it was checked
            raise ImporterError(f"{path}:{reader.line_num}: cannot read: {exc}") from exc
    finally:
        csv.field_size_limit(old_limit)
        fh.close()


# --- cells -------------------------------------------------------------------------------------

def guard_cells(path: str, line: int, row: dict[str, str]) -> list[Problem]:
    """Bring one input row within the package's limits, in place, and say what was changed, per
    cell (warnings: the row is still imported): characters the validator refuses are removed,
    text is composed to NFC (no report: the text reads the same), an over-long cell is cut, and a
    leading formula character (which :func:`clean` drops) is reported rather than dropped silently."""
    notes = []
    for column, value in row.items():
        if not value or (value.isascii() and len(value) <= MAX_CELL_CHARS and value.lstrip()[:1] not in FORMULA_START):
            continue  # the common case: nothing to change or report
        if not value.isascii():
            found = forbidden_character(value)
            if found:
                value = _FORBIDDEN.sub("", value)
                notes.append(Problem(path, line, column, f"{found} removed (not allowed in SCE text)", True))
            if not is_nfc(value):
                value = nfc(value)
        if len(value) > MAX_CELL_CHARS:
            notes.append(Problem(path, line, column, f"{len(value):,} characters cut to {MAX_CELL_CHARS:,}", True))
            value = value[:MAX_CELL_CHARS]
        first = value.lstrip()[:1]
        if first and first in FORMULA_START and not _NUMBER.match(value):
            notes.append(Problem(path, line, column, f"leading {first!r} removed (a spreadsheet would run the "
                                 "cell as a formula)", True))
        row[column] = value
    return notes


def clean(value: str | None) -> str:
    """One line of text: control characters and runs of spaces become one space, trimmed, and no
    leading character a spreadsheet would run as a formula."""
    if not value:
        return ""
    if value.isprintable() and "  " not in value and value.strip() == value and value[0] not in FORMULA_START:
        return value  # the common case, without the regular expressions
    text = _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()
    return text.lstrip(FORMULA_START).strip()


# Dates and counts repeat across an export's rows: the parsers below are pure, so their results are
# kept (a bounded number of them).
@functools.lru_cache(maxsize=1 << 14)
def parse_date(value: str) -> str | None:
    """YYYY-MM-DD from a date or a datetime cell (UCDP writes '2016-01-01 00:00:00.000')."""
    match = _DATE.match(value.strip())
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1)).isoformat()
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 14)
def parse_count(value: str) -> int | None:
    """A non-negative integer count ('12', '12.0'); None when empty. Raises ValueError otherwise."""
    text = value.strip()
    if not text:
        return None
    number = float(text)
    if number < 0 or number != int(number) or number > 2**53:
        raise ValueError(text)
    return int(number)


def slugify(text: str, max_length: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:max_length].strip("-")
    return slug or "unnamed"


def unique_slug(base: str, taken: set[str]) -> str:
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:8]


_CROSSWALKS: dict[tuple[int, str, str], dict[str, list[str]]] = {}


def crosswalk(decl: Declaration, vocabulary: str, attribute: str, value: str) -> list[str]:
    """Codes of a vocabulary whose ``acled`` or ``ucdp`` equivalent includes ``value`` (the
    declaration may list several, comma-separated), in declaration order."""
    key = (id(decl.vocabularies[vocabulary]), vocabulary, attribute)
    table = _CROSSWALKS.get(key)
    if table is None:
        table = {}
        for code in decl.vocabularies[vocabulary].codes:
            for equivalent in (getattr(code, attribute) or "").split(","):
                if equivalent.strip():
                    table.setdefault(equivalent.strip(), []).append(code.code)
        _CROSSWALKS[key] = table
    return list(table.get(value, []))


_COUNTRIES: dict[tuple[int, str, str, str], str | None] = {}


def country_code(decl: Declaration, *, name: str = "", attribute: str = "ucdp", value: str = "") -> str | None:
    """ISO3 code from the country vocabulary: by crosswalk value (GW code, ACLED name) or label."""
    key = (id(decl), name, attribute, value)
    if key not in _COUNTRIES:
        _COUNTRIES[key] = _country_code(decl, name, attribute, value)
    return _COUNTRIES[key]


def _country_code(decl: Declaration, name: str, attribute: str, value: str) -> str | None:
    for code in decl.vocabularies["country"].codes:
        if value and getattr(code, attribute) == value.strip():
            return code.code
    folded = name.strip().casefold()
    for code in decl.vocabularies["country"].codes:
        if folded and folded in (code.label.casefold(), code.code.casefold(), (code.acled or "").casefold()):
            return code.code
    return None


_BOXES: dict[tuple[int, str], tuple[float, ...] | None] = {}


def inside_country(decl: Declaration, iso3: str, latitude: float, longitude: float) -> bool:
    key = (id(decl), iso3)
    if key not in _BOXES:
        code = decl.vocabularies["country"].get(iso3)
        box = code.extra.get("bbox") if code else None
        _BOXES[key] = tuple(float(v) for v in box) if box else None
    box = _BOXES[key]
    if box is None:
        return True
    lon0, lat0, lon1, lat1 = box
    return lat0 <= latitude <= lat1 and lon0 <= longitude <= lon1


# --- neutral records ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PlaceSpec:
    name: str
    place_type: str
    country_iso3: str
    admin1: str = ""
    latitude: str = ""
    longitude: str = ""
    parent: PlaceSpec | None = None
    notes: str = ""

    @property
    def key(self) -> tuple[str, ...]:
        """Places are the same when country, admin1, type, name and rounded point agree."""
        return (self.country_iso3, self.admin1, self.place_type, self.name, self.latitude, self.longitude)


@dataclass(frozen=True)
class ActorSpec:
    key: tuple[str, str]  # (external scheme, value) or ("name", name)
    name: str
    actor_type: str
    country_iso3: str = ""
    acled_inter_code: str = ""
    external_ids: tuple[tuple[str, str], ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class SourceSpec:
    publisher: str
    title: str
    published_date: str
    language: str
    source_type: str
    notes: str = ""

    @property
    def source_id(self) -> str:
        """Content-derived, so the same document gets the same id in every import."""
        return _source_id(self.publisher, self.published_date, self.title)


@functools.lru_cache(maxsize=1 << 16)  # an export names the same documents again and again
def _source_id(publisher: str, published_date: str, title: str) -> str:
    head = slugify(" ".join(p for p in (publisher or "source", published_date) if p), 48)
    return f"{head}-{short_hash(publisher, published_date, title)}"


@dataclass(frozen=True)
class ClaimSpec:
    source: SourceSpec
    claimant: ActorSpec
    claim: str
    fatalities_claimed: str = ""
    stance: str = "asserts"
    fatalities_claimed_low: str = ""
    fatalities_claimed_high: str = ""

    @property
    def figure_scope(self) -> str:
        """An imported dataset's figures count the deaths of its event (never a running toll)."""
        figures = (self.fatalities_claimed, self.fatalities_claimed_low, self.fatalities_claimed_high)
        return "event" if any(figures) else ""


def verification(claims: list[ClaimSpec]) -> str:
    """The verification rule of validation.sourcing_rules for one event's claims (imported
    sources credit no agency, so a claim's origin is its publisher, else its document)."""
    if any(c.stance in ("denies", "disputes") for c in claims):
        return "contested"
    origins = {(c.source.publisher.strip().lower() or c.source.source_id) for c in claims
               if c.source.source_type != "reference"}
    return "corroborated" if len(origins) >= 2 else "single_source" if origins else "background_only"


@dataclass
class EventRecord:
    line: int
    external_value: str  # the id in the imported dataset (event scheme)
    fields: dict[str, str]  # event fields other than event_id and place_id
    place: PlaceSpec
    actors: list[tuple[ActorSpec, str]]  # (actor, role)
    claims: list[ClaimSpec]
    external_ids: list[tuple[str, str]] = field(default_factory=list)  # more (scheme, value) of the event


@dataclass
class ImportResult:
    rows: dict[str, list[dict[str, str]]]
    added: list[tuple[str, str]] = field(default_factory=list)  # (event_id, external value)
    changed: dict[str, list[str]] = field(default_factory=dict)  # event_id -> changed columns
    retired: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    written: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "events": len(self.rows.get("events", [])),
            "added": [{"event_id": e, "external_id": v} for e, v in self.added],
            "changed": [{"event_id": e, "columns": c} for e, c in sorted(self.changed.items())],
            "retired": [{"event_id": e, "external_id": v} for e, v in self.retired],
            "unchanged": self.unchanged,
            "files_written": self.written,
        }


# --- existing output ---------------------------------------------------------------------------

def read_existing(out: Path, decl: Declaration) -> dict[str, list[dict[str, str]]]:
    """Rows of a package already in ``out`` (empty when there is none)."""
    rows: dict[str, list[dict[str, str]]] = {}
    for table in decl.tables.values():
        path = out / table.path
        if not path.is_file():
            rows[table.name] = []
            continue
        rows[table.name] = [cells for _, cells in read_rows(path, required=table.primary_key)]
        if any("__bad__" in r for r in rows[table.name]):
            raise ImporterError(f"{path}: malformed rows; the output directory is not an importer's package")
        if rows[table.name]:  # every row has the header's columns: fill the fields it lacks
            missing = [name for name in table.field_names if name not in rows[table.name][0]]
            for r in rows[table.name] if missing else ():
                for name in missing:
                    r[name] = ""
    return rows


def _number(ident: str) -> int:
    match = _ID_NUMBER.match(ident)
    return int(match.group(1)) if match else 0


class IdSequence:
    """Next free sequential id (SCE-000001, CLM-000001): past every id used or retired."""

    def __init__(self, prefix: str, used: Iterable[str]):
        self.prefix = prefix
        self.next = max((_number(u) for u in used), default=0) + 1

    def take(self) -> str:
        ident = f"{self.prefix}-{self.next:06d}"
        self.next += 1
        return ident


# --- assembly ----------------------------------------------------------------------------------

def assemble(decl: Declaration, records: list[EventRecord], existing: dict[str, list[dict[str, str]]], *,
             event_scheme: str, scheme_version: str, importer: str) -> ImportResult:
    """Build every table from the records, keeping the ids of rows already in ``existing``."""
    ext = existing["external_ids"]
    event_of = {r["value"]: r["entity_id"] for r in ext
                if r["table_name"] == "events" and r["scheme"] == event_scheme}
    imported = set(event_of.values())
    foreign = [r["event_id"] for r in existing["events"] if r["event_id"] not in imported]
    if foreign:
        raise ImporterError(f"the output directory holds events that no {importer} import wrote "
                            f"(e.g. {foreign[0]}); import into a new or importer-owned directory")
    old_events = {r["event_id"]: r for r in existing["events"]}
    retired_rows = list(existing["retired_ids"])
    retired_events = {r["retired_id"] for r in retired_rows if r["table_name"] == "events"}
    events_seq = IdSequence("SCE", list(old_events) + list(retired_events))
    claims_seq = IdSequence("CLM", [r["claim_id"] for r in existing["claims"]])
    result = ImportResult(rows={})

    # Places: existing rows keep their ids; parents first so children can point at them.
    place_rows = {r["place_id"]: dict(r) for r in existing["places"]}
    place_by_key = {(r["country_iso3"], r["admin1"], r["place_type"], r["name"], r["latitude"], r["longitude"]):
                    r["place_id"] for r in existing["places"]}
    taken_places = set(place_rows)
    # A row is the last one written for its id. Specs are shared between records (importers cache
    # them), and the spec that wrote a row last would write the same row again: skip that.
    place_writer: dict[str, PlaceSpec] = {}

    def place_id(spec: PlaceSpec, gazetteer: str, ref: str) -> str:
        """``gazetteer`` and ``ref``: the source and record the place's point comes from."""
        key = spec.key
        pid = place_by_key.get(key)
        if pid is None:
            pid = unique_slug(slugify(spec.name), taken_places)
            place_by_key[key] = pid
        parent = place_id(spec.parent, gazetteer, ref) if spec.parent else ""
        if place_writer.get(pid) is not spec:
            place_writer[pid] = spec
            located = bool(spec.latitude and spec.longitude)
            previous = place_rows.get(pid, {})
            place_rows[pid] = {"place_id": pid, "name": spec.name, "place_type": spec.place_type,
                               "parent_place_id": parent, "country_iso3": spec.country_iso3, "admin1": spec.admin1,
                               "latitude": spec.latitude, "longitude": spec.longitude,
                               "coordinates_source_id": gazetteer if located else "",
                               "coordinates_ref": ref if located else "", "notes": spec.notes,
                               "name_ar": previous.get("name_ar", ""),
                               "name_ar_source_id": previous.get("name_ar_source_id", "")}
        return pid

    actor_rows = {r["actor_id"]: dict(r) for r in existing["actors"]}
    actor_by_key: dict[tuple[str, str], str] = {}
    for r in ext:
        if r["table_name"] == "actors":
            actor_by_key[(r["scheme"], r["value"])] = r["entity_id"]
    for r in existing["actors"]:
        actor_by_key.setdefault(("name", r["name"]), r["actor_id"])
    taken_actors = set(actor_rows)
    actor_external: set[tuple[str, str, str]] = set()
    actor_writer: dict[str, ActorSpec] = {}

    def actor_id(spec: ActorSpec) -> str:
        aid = actor_by_key.get(spec.key)
        if aid is None:
            aid = unique_slug(slugify(spec.name), taken_actors)
            actor_by_key[spec.key] = aid
        if actor_writer.get(aid) is spec:
            return aid
        actor_writer[aid] = spec
        actor_rows[aid] = {**actor_rows.get(aid, {}), "actor_id": aid, "name": spec.name,
                           "actor_type": spec.actor_type, "country_iso3": spec.country_iso3,
                           "acled_inter_code": spec.acled_inter_code, "notes": spec.notes}
        for scheme, value in spec.external_ids:
            actor_external.add((aid, scheme, value))
        return aid

    source_rows = {r["source_id"]: dict(r) for r in existing["sources"]}
    source_writer: dict[str, SourceSpec] = {}
    claim_of = {(r["event_id"], r["source_id"], r["claimant_actor_id"]): r["claim_id"] for r in existing["claims"]}

    events, event_actors, claims, external = [], [], [], []
    event_fields = decl.tables["events"].field_names
    seen_values: set[str] = set()
    # New events are numbered in the order of the imported dataset's ids (numeric where they are).
    ordered = sorted(records, key=lambda r: (not r.external_value.isdigit(),
                                             int(r.external_value) if r.external_value.isdigit() else 0,
                                             r.external_value))
    for rec in ordered:
        seen_values.add(rec.external_value)
        eid = event_of.get(rec.external_value)
        if eid is None or eid in retired_events:
            eid = events_seq.take()
            result.added.append((eid, rec.external_value))
        # The dataset's own claim comes first: its source is the gazetteer of the event's place.
        dataset = rec.claims[0].source if rec.claims else None
        pid = place_id(rec.place, dataset.source_id if dataset else "", f"{importer} event {rec.external_value}")
        row = {"event_id": eid, "place_id": pid, **rec.fields, "verification": verification(rec.claims)}
        row = {name: row.get(name, "") for name in event_fields}
        old = old_events.get(eid)
        if old is not None:
            diff = [k for k in row if row[k] != old.get(k, "")]
            if diff:
                result.changed[eid] = diff
            else:
                result.unchanged += 1
        events.append(row)
        for spec, role in rec.actors:
            event_actors.append({"event_id": eid, "actor_id": actor_id(spec), "role": role})
        for claim in rec.claims:
            source = claim.source
            sid = source.source_id
            if source_writer.get(sid) is not source:
                source_writer[sid] = source
                source_rows[sid] = {"source_id": sid, "publisher": source.publisher, "title": source.title,
                                    "published_date": source.published_date, "language": source.language,
                                    "source_type": source.source_type, "notes": source.notes}
            claimant = actor_id(claim.claimant)
            key = (eid, sid, claimant)
            if key not in claim_of:
                claim_of[key] = claims_seq.take()
            claims.append({"claim_id": claim_of[key], "event_id": eid, "source_id": sid,
                           "claimant_actor_id": claimant, "claim": claim.claim,
                           "fatalities_claimed": claim.fatalities_claimed,
                           "fatalities_claimed_low": claim.fatalities_claimed_low,
                           "fatalities_claimed_high": claim.fatalities_claimed_high,
                           "figure_scope": claim.figure_scope, "stance": claim.stance})
        for scheme, value in [(event_scheme, rec.external_value), *rec.external_ids]:
            external.append({"table_name": "events", "entity_id": eid, "scheme": scheme, "value": value,
                             "scheme_version": scheme_version})

    for value, eid in sorted(event_of.items()):
        if value not in seen_values and eid not in retired_events:
            result.retired.append((eid, value))
            retired_rows.append({"table_name": "events", "retired_id": eid, "retired_in_version": decl.version,
                                 "replaced_by": "",
                                 "reason": f"No longer in the {importer} file last imported (its id {value})."})
    for aid, scheme, value in sorted(actor_external):
        external.append({"table_name": "actors", "entity_id": aid, "scheme": scheme, "value": value,
                         "scheme_version": scheme_version})

    result.rows = {
        "events": events, "places": list(place_rows.values()), "actors": list(actor_rows.values()),
        "sources": list(source_rows.values()), "event_actors": _unique(event_actors), "claims": _unique(claims),
        "external_ids": _unique(external), "retired_ids": retired_rows,
    }
    for name in decl.tables:
        result.rows.setdefault(name, list(existing.get(name, [])))
    return result


def _unique(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows without repeats, first occurrence kept. Every row is built with the same keys in
    the same order, so its values tell it apart."""
    first: dict[tuple[str, ...], dict[str, str]] = {}
    for r in rows:
        first.setdefault(tuple(r.values()), r)
    return list(first.values())


def write_package(out: Path, decl: Declaration, rows: dict[str, list[dict[str, str]]]) -> list[str]:
    """Write datapackage.json and every table in canonical form; only files whose bytes change
    are rewritten (a repeated import leaves the directory untouched)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "data").mkdir(exist_ok=True)
    # The descriptor references the Table Schemas: write them too, so the directory stands alone
    # (`frictionless validate DIR/datapackage.json` works as well as `sce validate DIR`).
    files = {rel: text.encode("utf-8") for rel, text in generated_files(decl).items()
             if rel == "datapackage.json" or rel.startswith(f"{TABLE_SCHEMA_DIR}/")}
    for table in decl.tables.values():
        files[table.path] = to_bytes(table, _cells(rows.get(table.name, []), table.field_names))
    written = []
    for rel, data in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.read_bytes() == data:
            continue
        write_atomic(path, data)
        written.append(rel)
    return written


def _cells(rows: list[dict[str, str]], names: list[str]) -> list[Sequence[str]]:
    """Each row's cells in declared order, "" for a field a row lacks or leaves None."""
    if len(names) > 1:
        get = operator.itemgetter(*names)
        try:
            cells = [get(r) for r in rows]  # the rows the assembly builds hold every field
        except KeyError:
            pass
        else:
            if all(None not in c for c in cells):
                return cells
    return [[r.get(n) or "" for n in names] for r in rows]


def changes_json(result: ImportResult) -> str:
    return json.dumps(result.summary(), indent=2, ensure_ascii=False) + "\n"
