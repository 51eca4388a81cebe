"""The data model, declared once in ``schemas/*.yaml``, loaded into typed objects.

Everything else (Table Schemas, datapackage.json, JSON Schemas, pandera schemas, SQLite DDL,
loader dtypes, the docs' data dictionary) is generated from a :class:`Declaration`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .constraints import refusal
from .paths import schemas_dir

FIELD_TYPES = ("string", "integer", "number", "date")
# The vocabulary of table names is derived from tables.yaml, never written by hand.
TABLE_VOCABULARY = "table"
# A package's schemas/*.yaml are read like its data, as hostile input: each file is bounded (the
# project's largest is ~26 KB) and may not use YAML anchors or aliases (an alias bomb expands a
# few hundred bytes into gigabytes; the declaration has no use for them).
MAX_YAML_BYTES = 1024 * 1024


class DeclarationError(ValueError):
    """The declaration under schemas/ is inconsistent."""


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    definition: str
    acled: str | None = None
    ucdp: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Vocabulary:
    name: str
    description: str
    codes: tuple[Code, ...]
    parent: str | None = None  # e.g. sub_event_type codes each belong to an event_type code

    @property
    def values(self) -> list[str]:
        return [c.code for c in self.codes]

    def get(self, code: str) -> Code | None:
        return next((c for c in self.codes if c.code == code), None)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    required: bool = False
    vocabulary: str | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    format: str | None = None
    text: bool = False
    example: Any = None


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    table: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    # Optional fields the `sce new` example shows beside the required ones (a row rule asks for one).
    example_fields: tuple[str, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def path(self) -> str:
        return f"data/{self.name}.csv"


@dataclass(frozen=True)
class Declaration:
    package: dict[str, Any]
    vocabularies: dict[str, Vocabulary]
    fields: dict[str, Field]
    tables: dict[str, Table]

    @property
    def version(self) -> str:
        return str(self.package["version"])

    @property
    def name(self) -> str:
        return str(self.package["name"])

    def enum(self, f: Field) -> list[Any] | None:
        """Allowed values of a field, typed as the field's type."""
        if f.vocabulary is None:
            return None
        values = self.vocabularies[f.vocabulary].values
        return [int(v) for v in values] if f.type == "integer" else list(values)


def _read_yaml(path: Path) -> Any:
    # libyaml's safe loader when built (10x faster, same safety), else the Python one.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_YAML_BYTES + 1)
        if len(data) > MAX_YAML_BYTES:
            raise DeclarationError(f"{path}: more than {MAX_YAML_BYTES:,} bytes; a declaration file is far smaller")
        text = data.decode("utf-8")
        for event in yaml.parse(text, Loader=loader):  # events only: nothing is expanded yet
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise DeclarationError(f"{path}:{mark.line + 1}:{mark.column + 1}: YAML anchors and aliases "
                                       "(&name, *name) are not accepted in a declaration; write the value out")
        return yaml.load(text, Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DeclarationError(f"{path}: cannot read declaration: {exc}") from exc


def package_declaration(root: Path) -> Declaration:
    """The declaration that governs the package at ``root``, for `sce validate`, `sce build` and
    `sce fmt` alike: its own ``schemas/`` when it carries one (a source checkout, a package with a
    new version), else the installed one. CI checks a pull request against the base branch's
    declaration by naming it (``sce validate pr --schemas base/schemas``)."""
    schemas = Path(root) / "schemas"
    return load_declaration(schemas) if (schemas / "package.yaml").is_file() else load_declaration()


def _vocabulary(name: str, spec: dict[str, Any]) -> Vocabulary:
    codes = []
    for raw in spec["codes"]:
        raw = dict(raw)
        base = {k: raw.pop(k, None) for k in ("code", "label", "definition", "acled", "ucdp")}
        if not isinstance(base["code"], str):
            raise DeclarationError(f"vocabulary {name}: code {base['code']!r} must be a string")
        codes.append(
            Code(
                code=base["code"],
                label=str(base["label"]),
                definition=str(base["definition"]),
                acled=None if base["acled"] is None else str(base["acled"]),
                ucdp=None if base["ucdp"] is None else str(base["ucdp"]),
                extra=raw,
            )
        )
    allowed_extra = {"bbox", spec.get("parent")}
    for c in codes:
        if set(c.extra) - allowed_extra:
            raise DeclarationError(
                f"vocabulary {name}: code {c.code} has unknown keys {sorted(set(c.extra) - allowed_extra)}"
                " (quote values that contain commas in YAML flow mappings)"
            )
    values = [c.code for c in codes]
    if len(values) != len(set(values)):
        raise DeclarationError(f"vocabulary {name}: duplicate codes")
    return Vocabulary(name, str(spec["description"]), tuple(codes), spec.get("parent"))


_FIELD_KEYS = {
    "type", "description", "required", "vocabulary", "pattern", "minimum", "maximum",
    "min_length", "format", "text", "example",
}


def _field(name: str, spec: dict[str, Any]) -> Field:
    unknown = set(spec) - _FIELD_KEYS
    if unknown:
        raise DeclarationError(f"field {name}: unknown keys {sorted(unknown)}")
    if spec.get("type") not in FIELD_TYPES:
        raise DeclarationError(f"field {name}: type must be one of {FIELD_TYPES}")
    problem = refusal(name, spec)  # a constraint its type cannot carry (constraints.CONSTRAINTS)
    if problem:
        raise DeclarationError(problem)
    return Field(name=name, **spec)


def load_declaration(directory: Path | None = None) -> Declaration:
    """Load and cross-check the declaration (cached for the default location)."""
    if directory is None:
        return _default_declaration()
    return _load(Path(directory))


@functools.cache
def _default_declaration() -> Declaration:
    return _load(schemas_dir())


def _load(directory: Path) -> Declaration:
    package = _read_yaml(directory / "package.yaml")
    vocab_spec = _read_yaml(directory / "vocabularies.yaml")
    field_spec = _read_yaml(directory / "fields.yaml")
    table_spec = _read_yaml(directory / "tables.yaml")

    vocabularies = {name: _vocabulary(name, spec) for name, spec in vocab_spec.items()}
    vocabularies[TABLE_VOCABULARY] = Vocabulary(
        TABLE_VOCABULARY,
        "The tables of the package.",
        tuple(
            Code(code=t, label=str(spec["title"]), definition=str(spec["description"]))
            for t, spec in table_spec.items()
        ),
    )
    fields = {name: _field(name, spec) for name, spec in field_spec.items()}

    tables: dict[str, Table] = {}
    for tname, spec in table_spec.items():
        tfields = []
        for entry in spec["fields"]:
            override = {"name": entry} if isinstance(entry, str) else dict(entry)
            fname = override.pop("name")
            if fname not in fields:
                raise DeclarationError(f"table {tname}: field {fname} is not declared in fields.yaml")
            merged = {**fields[fname].__dict__, **override}
            problem = refusal(f"{fname} of table {tname}", merged)  # an override may add a constraint
            if problem:
                raise DeclarationError(problem)
            tfields.append(Field(**merged))
        fks = tuple(
            ForeignKey(tuple(fk["fields"]), fk["table"], tuple(fk["reference"]))
            for fk in spec.get("foreign_keys", [])
        )
        tables[tname] = Table(
            name=tname,
            title=str(spec["title"]),
            description=str(spec["description"]),
            fields=tuple(tfields),
            primary_key=tuple(spec["primary_key"]),
            foreign_keys=fks,
            example_fields=tuple(spec.get("example_fields", ())),
        )
    decl = Declaration(package, vocabularies, fields, tables)
    _cross_check(decl)
    return decl


def _cross_check(decl: Declaration) -> None:
    for f in decl.fields.values():
        if f.vocabulary and f.vocabulary not in decl.vocabularies:
            raise DeclarationError(f"field {f.name}: unknown vocabulary {f.vocabulary}")
    for v in decl.vocabularies.values():
        if v.parent:
            parent = decl.vocabularies[v.parent]
            for c in v.codes:
                if c.extra.get(v.parent) not in parent.values:
                    raise DeclarationError(f"vocabulary {v.name}: {c.code} has no valid {v.parent}")
    for t in decl.tables.values():
        names = t.field_names
        if len(names) != len(set(names)):
            raise DeclarationError(f"table {t.name}: duplicate field")
        for k in t.example_fields:
            if k not in t.field_names:
                raise DeclarationError(f"table {t.name}: example field {k} is not one of its fields")
        for k in t.primary_key:
            if k not in names:
                raise DeclarationError(f"table {t.name}: primary key field {k} not in table")
            if not t.field(k).required:
                raise DeclarationError(f"table {t.name}: primary key field {k} must be required")
        for fk in t.foreign_keys:
            if fk.table not in decl.tables:
                raise DeclarationError(f"table {t.name}: foreign key to unknown table {fk.table}")
            target = decl.tables[fk.table]
            if tuple(fk.reference) != target.primary_key:
                raise DeclarationError(
                    f"table {t.name}: foreign key {fk.fields} must reference {fk.table}'s primary key"
                )
            for k in fk.fields:
                if k not in names:
                    raise DeclarationError(f"table {t.name}: foreign key field {k} not in table")
            if len(fk.fields) != 1:  # the validator looks up one column; a second would go unchecked
                raise DeclarationError(
                    f"table {t.name}: foreign key {list(fk.fields)} has {len(fk.fields)} fields; only "
                    "single-column foreign keys are supported (reference a table with a one-column key)"
                )
