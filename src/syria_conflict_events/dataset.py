"""Every table of a package at once, with the joins people make every time.

Joins follow the foreign keys of the Table Schemas, so no column is named here: a referenced
row's columns are added with a prefix taken from the foreign-key field (``place_id`` ->
``place_``; ``claimant_actor_id`` -> ``claimant_actor_``, and ``actor_type`` becomes
``claimant_actor_type`` rather than ``claimant_actor_actor_type``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from .loader.specs import ForeignKeySpec, TableSpec


def _prefixed(prefix: str, column: str) -> str:
    last = prefix.rstrip("_").rsplit("_", 1)[-1] + "_"
    if column.startswith(last):
        return prefix[: len(prefix) - len(last)] + column
    return prefix + column


class Dataset(Mapping[str, "pd.DataFrame"]):
    """A read-only mapping of table name -> typed DataFrame (``ds["events"]`` or ``ds.events``)."""

    def __init__(self, tables: dict[str, pd.DataFrame], specs: dict[str, TableSpec], *,
                 version: str = "", root: Path | None = None):
        self._tables = dict(tables)
        self._specs = dict(specs)
        self.version = version
        self.root = root

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self._tables[name]
        except KeyError:
            raise KeyError(f"unknown table {name!r}; tables: {', '.join(self._tables)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("_tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._tables]

    def __repr__(self) -> str:
        rows = ", ".join(f"{n}={len(f)}" for n, f in self._tables.items())
        return f"<Dataset {self.version or '?'}: {rows}>"

    # --- joins ----------------------------------------------------------------------------

    def foreign_keys(self, table: str, target: str) -> list[ForeignKeySpec]:
        return [fk for fk in self._specs[table].foreign_keys if fk.table == target and len(fk.fields) == 1]

    def expand(self, table: str, *targets: str) -> pd.DataFrame:
        """``table`` with the columns of the rows its foreign keys point at in each of ``targets``
        (left joins: no row is dropped or repeated; unmatched keys give missing values)."""
        frame = self[table]
        for target in targets:
            fks = self.foreign_keys(table, target)
            if not fks:
                raise ValueError(f"table {table!r} has no foreign key to {target!r}")
            for fk in fks:
                frame = self._join(frame, fk)
        return frame

    def _join(self, frame: pd.DataFrame, fk: ForeignKeySpec) -> pd.DataFrame:
        key, ref = fk.fields[0], fk.reference[0]
        prefix = (key[:-3] if key.endswith("_id") else key) + "_"
        other = self[fk.table]
        renamed = {c: _prefixed(prefix, c) for c in other.columns if c != ref}
        clash = sorted(set(renamed.values()) & set(frame.columns))
        if clash:
            raise ValueError(f"joining {fk.table} on {key} would duplicate columns {clash}")
        right = other.rename(columns=renamed).rename(columns={ref: key})
        right = right.drop_duplicates(subset=[key])  # an invalid duplicate key must not repeat rows
        merged = frame.merge(right, on=key, how="left", sort=False)
        merged.index = frame.index
        return merged

    def events_with_places(self) -> pd.DataFrame:
        """Events with the columns of their place (``place_name``, ``place_latitude``, ...)."""
        return self.expand("events", "places")

    def actors_by_role(self, role: str | None = None, *, wide: bool = False) -> pd.DataFrame:
        """Event-actor links with each actor's columns (``actor_name``, ``actor_type``, ...).

        ``role`` keeps one role. ``wide=True`` gives one row per event that has actors and one
        column per role holding that role's actor ids, ``"; "``-joined in table order.
        """
        links = self.expand("event_actors", "actors")
        spec = self._specs["event_actors"]
        event_key = self.foreign_keys("event_actors", "events")[0].fields[0]
        actor_key = self.foreign_keys("event_actors", "actors")[0].fields[0]
        role_field = next(k for k in spec.primary_key if k not in (event_key, actor_key))
        roles = list(self["event_actors"][role_field].cat.categories)
        if role is not None:
            if role not in roles:
                raise ValueError(f"unknown role {role!r}; roles: {', '.join(map(str, roles))}")
            links = links[links[role_field] == role].reset_index(drop=True)
        if not wide:
            return links
        groups = links.groupby([event_key, role_field], observed=True, sort=False)[actor_key]
        joined = groups.agg(lambda ids: "; ".join(ids.dropna()))
        wide_frame = joined.unstack(role_field).reindex(columns=roles if role is None else [role])
        return wide_frame.reset_index().rename_axis(columns=None)

    def claims_with_sources(self) -> pd.DataFrame:
        """Claims with their source's columns and their claimant actor's columns."""
        targets = [t for t in ("sources", "actors") if self.foreign_keys("claims", t)]
        return self.expand("claims", *targets)
