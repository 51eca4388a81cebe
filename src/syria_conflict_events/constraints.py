"""The constraint kinds a field may declare, each in one place: its YAML key, the field types it
applies to, and what every translator makes of it (the Table Schema, the JSON Schema, the
vectorised Arrow check that the validator and pandera run, the SQLite CHECK, the data
dictionary's wording) with its rule id, title, hint and message.

The translators loop over :data:`CONSTRAINTS`; a part a translator cannot express is an explicit
:class:`Absent` with its reason, so a new kind cannot be added without saying what each
translator does with it (tests/test_constraints.py). The declaration refuses a kind on a type
outside :attr:`Constraint.types`.

No import of the declaration (it imports this module) and no pyarrow at import time: the
declaration is read by commands that never touch Arrow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .markdown_text import code

if TYPE_CHECKING:
    import pyarrow as pa

    Column = pa.Array | pa.ChunkedArray
    # A vectorised check: Arrow values -> boolean column, True (or null, for a missing value) where the cell passes.
    ArrowRule = Callable[[Column], Column]

# ``decl`` below is a declaration.Declaration and ``f`` a declaration.Field (not imported: see above).
Decl = Any
FieldLike = Any


@dataclass(frozen=True)
class Absent:
    """A translator that does not express this kind, and why (the validator still checks it)."""

    reason: str


@dataclass(frozen=True)
class Constraint:
    """One constraint kind. Every callable takes the declaration and a field that carries the
    kind (:meth:`present`)."""

    key: str  # the key in schemas/fields.yaml and the attribute of declaration.Field
    types: tuple[str, ...]  # the field types that can carry it
    rule: str  # the validator's rule id (validation/rules/columns.py lists it with title and hint)
    title: str
    hint: str
    # Table Schema: (key, value); ``field_level`` keys sit beside "type", the rest in "constraints".
    table_schema_key: str
    table_schema_value: Callable[[Decl, FieldLike], Any]
    field_level: bool
    json_schema: Callable[[Decl, FieldLike], dict[str, Any]] | Absent
    arrow: Callable[[Decl, FieldLike], ArrowRule]
    # The CHECK condition on the quoted column name (the column is not NULL where it is evaluated).
    sql: Callable[[Decl, FieldLike, str], str] | Absent
    sql_reads_value: bool  # False: the CHECK reads the text only through length() (formats/sqlite.py)
    dictionary: Callable[[Decl, FieldLike], str]
    # The finding's message, from the value as shown (repr) and the field.
    message: Callable[[str, FieldLike], str]

    def present(self, f: FieldLike) -> bool:
        return getattr(f, self.key) is not None


# --- the Arrow checks (pyarrow imported on first use) -------------------------------------------

def _matches(pattern: str) -> ArrowRule:
    """re.match semantics, as pandera's str_matches and the Table Schema pattern (declared
    patterns are anchored)."""
    import pyarrow.compute as pc

    anchored = pattern if pattern.startswith("^") else f"^(?:{pattern})"
    return lambda arr: pc.match_substring_regex(arr, anchored)


def _in_vocabulary(decl: Decl, f: FieldLike) -> ArrowRule:
    import pyarrow as pa
    import pyarrow.compute as pc

    enum = list(decl.enum(f))
    return lambda arr: pc.is_in(arr, value_set=pa.array(enum).cast(arr.type))


def _at_least(decl: Decl, f: FieldLike) -> ArrowRule:
    import pyarrow.compute as pc

    return lambda arr, m=f.minimum: pc.greater_equal(arr, m)


def _at_most(decl: Decl, f: FieldLike) -> ArrowRule:
    import pyarrow.compute as pc

    return lambda arr, m=f.maximum: pc.less_equal(arr, m)


def _long_enough(decl: Decl, f: FieldLike) -> ArrowRule:
    import pyarrow.compute as pc

    return lambda arr, n=f.min_length: pc.greater_equal(pc.utf8_length(arr), n)


# --- formats --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Format:
    """A ``format`` value: what it means, as a regular expression (matched at the start: the
    Arrow check) and as a SQLite condition (plain SQLite has no regular expressions)."""

    name: str
    meaning: str
    regex: str
    sql: Callable[[str], str]


def _uri_sql(c: str) -> str:
    # The scheme is everything before the first ':' (a scheme holds no ':'): a letter, then
    # letters, digits, '+', '.' or '-' (in a GLOB class a '-' before ']' is itself).
    return (f"instr({c}, ':') > 1 AND substr({c}, 1, 1) GLOB '[A-Za-z]' AND "
            f"NOT substr({c}, 2, instr({c}, ':') - 2) GLOB '*[^A-Za-z0-9+.-]*'")


# Frictionless (rfc3986) takes a "uri" to be any text that starts with a scheme and ':'.
FORMATS: dict[str, Format] = {
    "uri": Format("uri", "an address that starts with its scheme (such as https:)",
                  r"^[A-Za-z][A-Za-z0-9+.\-]*:", _uri_sql),
}


def _has_format(decl: Decl, f: FieldLike) -> ArrowRule:
    return _matches(FORMATS[f.format].regex)


# --- SQL --------------------------------------------------------------------------------------

def sql_literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"no SQL literal for {value!r}")
    return repr(value)


def vocabulary_anchor(name: str) -> str:
    """The data dictionary's anchor of a vocabulary's section (its heading "Vocabulary `name`")."""
    return f"vocabulary-{name}"


# --- the registry -----------------------------------------------------------------------------

VOCABULARY = Constraint(
    key="vocabulary", types=("string", "integer"), rule="enum",
    title="a code is not in the field's vocabulary",
    hint="Use one of the codes listed for this field in the data dictionary (schemas/vocabularies.yaml).",
    table_schema_key="enum", table_schema_value=lambda decl, f: decl.enum(f), field_level=False,
    json_schema=lambda decl, f: {"enum": decl.enum(f) if f.required else [*decl.enum(f), None]},
    arrow=_in_vocabulary,
    sql=lambda decl, f, c: f"{c} IN ({', '.join(sql_literal(v) for v in decl.enum(f))})", sql_reads_value=True,
    dictionary=lambda decl, f: f"one of [{f.vocabulary}](#{vocabulary_anchor(f.vocabulary)})",
    message=lambda shown, f: f"{shown} is not a code of vocabulary {f.vocabulary!r}",
)

PATTERN = Constraint(
    key="pattern", types=("string",), rule="pattern",
    title="a cell does not match the field's pattern",
    hint="Check the identifier's form in the data dictionary (e.g. SCE-000001, lowercase-slugs).",
    table_schema_key="pattern", table_schema_value=lambda decl, f: f.pattern, field_level=False,
    json_schema=lambda decl, f: {"pattern": f.pattern},
    arrow=lambda decl, f: _matches(f.pattern),
    sql=Absent("plain SQLite has no regular expressions; the validator checks the pattern"), sql_reads_value=False,
    dictionary=lambda decl, f: f"matches {code(f.pattern)}",
    message=lambda shown, f: f"{shown} does not match {f.pattern}",
)

MINIMUM = Constraint(
    key="minimum", types=("integer", "number"), rule="minimum",
    title="a number is below the field's minimum",
    hint="Counts cannot be negative; coordinates are degrees within -90..90 / -180..180.",
    table_schema_key="minimum", table_schema_value=lambda decl, f: f.minimum, field_level=False,
    json_schema=lambda decl, f: {"minimum": f.minimum},
    arrow=_at_least,
    sql=lambda decl, f, c: f"{c} >= {sql_literal(f.minimum)}", sql_reads_value=True,
    dictionary=lambda decl, f: f"≥ {f.minimum:g}",
    message=lambda shown, f: f"{shown} is below {f.minimum}",
)

MAXIMUM = Constraint(
    key="maximum", types=("integer", "number"), rule="maximum",
    title="a number is above the field's maximum",
    hint="Check for a typo or swapped latitude/longitude.",
    table_schema_key="maximum", table_schema_value=lambda decl, f: f.maximum, field_level=False,
    json_schema=lambda decl, f: {"maximum": f.maximum},
    arrow=_at_most,
    sql=lambda decl, f, c: f"{c} <= {sql_literal(f.maximum)}", sql_reads_value=True,
    dictionary=lambda decl, f: f"≤ {f.maximum:g}",
    message=lambda shown, f: f"{shown} is above {f.maximum}",
)

MIN_LENGTH = Constraint(
    key="min_length", types=("string",), rule="min-length",
    title="a text cell is shorter than allowed",
    hint="Write a full sentence in your own words.",
    table_schema_key="minLength", table_schema_value=lambda decl, f: f.min_length, field_level=False,
    json_schema=lambda decl, f: {"minLength": f.min_length},
    arrow=_long_enough,
    sql=lambda decl, f, c: f"length({c}) >= {f.min_length}", sql_reads_value=False,
    dictionary=lambda decl, f: f"at least {f.min_length} characters",
    message=lambda shown, f: f"{shown}: {MIN_LENGTH.title}",
)

FORMAT = Constraint(
    key="format", types=("string",), rule="format",
    title="a cell does not have the field's format",
    hint="URLs must be full http(s) addresses; leave empty unless certain.",
    table_schema_key="format", table_schema_value=lambda decl, f: f.format, field_level=True,
    # jsonschema checks "uri" only when the optional rfc3987 package is installed: the keyword
    # would hold in some installations and not in others. The release's JSON records are written
    # from validated tables, whose format the validator has checked.
    json_schema=Absent("JSON Schema's uri format is checked only with an optional package"),
    arrow=_has_format,
    sql=lambda decl, f, c: FORMATS[f.format].sql(c), sql_reads_value=True,
    dictionary=lambda decl, f: f"format {f.format}",
    message=lambda shown, f: f"{shown} is not a {f.format}: {FORMATS[f.format].meaning}",
)

# In the order every translator writes them (the Table Schema's and JSON Schema's keys, the
# validator's findings, the SQLite CHECK, the data dictionary's wording).
CONSTRAINTS: tuple[Constraint, ...] = (VOCABULARY, PATTERN, MINIMUM, MAXIMUM, MIN_LENGTH, FORMAT)
BY_RULE: dict[str, Constraint] = {c.rule: c for c in CONSTRAINTS}


def declared(f: FieldLike) -> list[Constraint]:
    """The kinds ``f`` carries, in :data:`CONSTRAINTS` order."""
    return [c for c in CONSTRAINTS if getattr(f, c.key) is not None]


def refusal(name: str, spec: dict[str, Any]) -> str | None:
    """Why a field's YAML ``spec`` cannot carry its constraints (None when it can): a kind on a
    type outside its types, or a format no engine checks."""
    for c in CONSTRAINTS:
        if spec.get(c.key) is not None and spec.get("type") not in c.types:
            return (f"field {name}: {c.key} applies to {' and '.join(c.types)} fields, "
                    f"not to a {spec.get('type')} field")
    fmt = spec.get("format")
    if fmt is not None and fmt not in FORMATS:
        return f"field {name}: format {fmt!r} is not one the validator checks ({', '.join(FORMATS)})"
    return None
