"""What every importer shares: reading a hostile CSV export row by row, cleaning cells, crosswalks
from the declaration, slugs, and the neutral records an importer produces (places, actors,
sources, claims, events). The columnar readers (:mod:`.arrow_read`), the staging of rows
(:mod:`.staging`) and the assembly into a package (:mod:`.assembly`) build on them."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..declaration import Declaration
from ..text_rules import (
    CONTROL,
    FORBIDDEN,
    drop_formula_lead,
    forbidden_character,
    is_nfc,
    nfc,
    slug,
    starts_formula,
)

MAX_INPUT_BYTES = 1024 * 1024 * 1024
_CONTROL = re.compile(CONTROL)
_FORBIDDEN = re.compile(FORBIDDEN)
# The longest cell an import keeps: SCE's text is a name or a sentence or two; an export cell
# longer than this is cut (and reported) so that one row cannot fill the package.
MAX_CELL_CHARS = 2000
_NUMBER = re.compile(r"^\s*[-+]?[0-9]+(\.[0-9]*)?\s*$")
_SPACES = re.compile(r"\s+")
_DATE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T][0-9:.]+)?$")


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


@dataclass
class Scanned:
    """What one pass over an export's bytes saw, besides its being UTF-8."""
    newlines: int = 0
    quotes: int = 0
    carriage_return: bool = False
    last: bytes = b""  # its last byte


def _check_utf8(path: Path, *, shape: bool = False) -> Scanned:
    """The whole file is UTF-8, checked in chunks before any row is read (an export is refused as
    a whole, never half imported); the error names the line of the first bad byte. With
    ``shape``, counts on the way what the columnar reader asks of the file (one pass instead of
    two: ≈ 0.5 s at 1 GB); other callers pay only for the line count."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    seen = Scanned()
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            try:
                # An ASCII chunk is skipped, unless a character cut at the last chunk's end waits
                # for it: its bytes must then be that character's rest, and ASCII never is.
                if not chunk.isascii() or not chunk or decoder.getstate()[0]:
                    decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                line = 1 + seen.newlines + chunk.count(b"\n", 0, max(exc.start, 0))
                bad = chunk[max(exc.start, 0):max(exc.start, 0) + 1].hex() or "(end of file)"
                raise ImporterError(f"{path}:{line}: byte 0x{bad} is not valid UTF-8 (save the export as UTF-8)"
                                    ) from None
            if not chunk:
                return seen
            seen.newlines += chunk.count(b"\n")
            if shape:
                seen.quotes += chunk.count(b'"')
                seen.carriage_return = seen.carriage_return or b"\r" in chunk
                seen.last = chunk[-1:]


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
        if not value or (value.isascii() and len(value) <= MAX_CELL_CHARS and not starts_formula(value.lstrip())):
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
        if starts_formula(first) and not _NUMBER.match(value):
            notes.append(Problem(path, line, column, f"leading {first!r} removed (a spreadsheet would run the "
                                 "cell as a formula)", True))
        row[column] = value
    return notes


def needs_guard(value: str) -> bool:
    """Whether :func:`guard_cells` changes or reports ``value``: its conditions, in the same order,
    for the columnar readers to ask once per distinct cell (:func:`.arrow_read.guarded`)."""
    if not value or (value.isascii() and len(value) <= MAX_CELL_CHARS and not starts_formula(value.lstrip())):
        return False
    if not value.isascii() and (_FORBIDDEN.search(value) is not None or not is_nfc(value)):
        return True
    if len(value) > MAX_CELL_CHARS:
        return True
    first = value.lstrip()[:1]
    return starts_formula(first) and _NUMBER.match(value) is None


def clean(value: str | None) -> str:
    """One line of text: control characters and runs of spaces become one space, trimmed, and no
    leading character a spreadsheet would run as a formula."""
    if not value:
        return ""
    if value.isprintable() and "  " not in value and value.strip() == value and not starts_formula(value):
        return value  # the common case, without the regular expressions
    text = _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()
    return drop_formula_lead(text)


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
    """The slug `sce new` makes (:func:`text_rules.slug`); "unnamed" for a name that leaves none
    (an import names every row it writes)."""
    return slug(text, max_length) or "unnamed"


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


# The external-id schemes an importer keys actors by (ActorSpec.key), and stores in external_ids.
ACTOR_KEY_SCHEMES = frozenset({"acled_actor", "ucdp_actor"})


@dataclass(frozen=True)
class ActorSpec:
    key: tuple[str, str]  # (a scheme of ACTOR_KEY_SCHEMES, value) or ("name", name)
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
    """The verification rule of validation.rules.sourcing for one event's claims (imported
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
