"""The public API: :func:`load`, :func:`load_all`, :func:`versions`, and the sources they read
(the bundled copy, a package directory, a pinned release fetched and verified)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from .. import download
from . import catalogue
from .convert import _warn, convert
from .descriptor import Package, open_package, read_text_table
from .filters import EventFilter, apply
from .specs import CellProblem, TableSpec

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from ..dataset import Dataset


def _read(package: Package, table: str, *, verify: bool = True) -> tuple[pd.DataFrame, list[CellProblem]]:
    frame, problems = convert(read_text_table(package, table, verify=verify), package.spec(table))
    frame.attrs = catalogue.table_attrs(package, table)  # its description and the release version
    return frame, problems


def read_table(package: Package, table: str, *, verify: bool = True) -> pd.DataFrame:
    """The typed frame of one table of ``package``; warns (DataWarning) about unreadable cells.

    With ``verify``, a table listed in the package's SHA256SUMS must match its checksum.
    """
    frame, problems = _read(package, table, verify=verify)
    _warn(problems, stacklevel=2)
    return frame


def open_source(version: str | None = None, root: str | Path | None = None, base_url: str | None = None,
                cache_dir: str | Path | None = None, *, refresh: bool = False) -> Package:
    """The package to read: a directory (``root``), a pinned release (``version``, fetched and
    verified on first use) or, by default, the bundled copy."""
    if version is not None and root is not None:
        raise ValueError("give either version= (a published release) or root= (a package directory), not both")
    if root is not None:
        return open_package(root)
    if version is not None:
        return open_package(download.extracted_release(version, base_url=base_url, cache_dir=cache_dir,
                                                       refresh=refresh))
    from ..paths import resource_root

    return open_package(resource_root())


Frames = dict[str, "pd.DataFrame"]
T = TypeVar("T")


def _verified_read(names: list[str] | None, version: str | None, root: str | Path | None, base_url: str | None,
                   cache_dir: str | Path | None, read: Callable[[Package], T]) -> tuple[Package, T]:
    """``read`` of the source; a cached release whose file no longer matches SHA256SUMS is
    extracted again and read once more."""
    package = open_source(version, root, base_url, cache_dir)
    for name in names or []:
        package.spec(name)  # unknown table: fail before downloading more or reading anything
    for attempt in (1, 2):
        try:
            return package, read(package)
        except download.ChecksumError:
            if version is None or attempt == 2:
                raise
            package = open_source(version, root, base_url, cache_dir, refresh=True)
    raise AssertionError("unreachable")


def load_text(table: str, *, version: str | None = None, root: str | Path | None = None,
              base_url: str | None = None, cache_dir: str | Path | None = None) -> tuple[TableSpec, pa.Table]:
    """One table's spec and its cells as text (empty = null), from the same sources as
    :func:`load` (checksums verified the same way), without converting anything."""
    package, text = _verified_read([table], version, root, base_url, cache_dir,
                                   lambda p: read_text_table(p, table))
    return package.spec(table), text


def _read_all(names: list[str] | None, version: str | None, root: str | Path | None, base_url: str | None,
              cache_dir: str | Path | None) -> tuple[Package, Frames, dict[str, list[CellProblem]]]:
    """Read tables; a cached release whose file no longer matches SHA256SUMS is extracted again."""
    package, results = _verified_read(names, version, root, base_url, cache_dir,
                                      lambda p: {n: _read(p, n) for n in names or p.table_names})
    frames = {n: frame for n, (frame, _) in results.items()}
    return package, frames, {n: problems for n, (_, problems) in results.items() if problems}


def _check(frames: Frames, problems: dict[str, list[CellProblem]], validate: bool) -> None:
    if not validate:
        for found in problems.values():
            _warn(found, stacklevel=3)
        return
    from ..models import validate_tables

    validate_tables(frames, problems)


def load(table: str, *, version: str | None = None, validate: bool = False, root: str | Path | None = None,
         base_url: str | None = None, cache_dir: str | Path | None = None, start: object = None,
         end: object = None, event_type: str | Iterable[str] | None = None,
         place: str | Iterable[str] | None = None) -> pd.DataFrame:
    """One table as a typed pandas DataFrame.

    - ``version=None``: the data bundled with this package (no network).
    - ``version="X.Y.Z"``: that published release, downloaded once, verified against the
      registered SHA-256 and cached (see :mod:`syria_conflict_events.download`).
    - ``root=``: a package directory (datapackage.json + data/), e.g. an extracted release.
    - ``validate=True`` runs the table's pandera model (:mod:`syria_conflict_events.models`, the
      rules of the installed version, needs the ``validate`` extra) and raises
      ``TableValidationError`` listing every failure, including cells that could not be read
      (without it those only raise a :class:`DataWarning` and become missing).
    - Filters, as in the ACLED and UCDP clients: ``start``/``end`` (dates, inclusive) keep the
      events whose span overlaps that range; ``event_type`` one code or a list; ``place`` a place
      ID or a list, each with the places within it (``place="aleppo-governorate"`` includes
      Aleppo city). They apply to ``events`` and to the tables with an ``event_id`` column (the
      rows of the selected events). Validation, when asked for, runs on the whole table.

    The frame's ``attrs`` carry the table's name, title and description and the release version.
    """
    wanted = EventFilter(start, end, event_type, place)
    names = [table, *wanted.tables_needed(table)] if wanted.active else [table]
    _, frames, problems = _read_all(names, version, root, base_url, cache_dir)
    _check({table: frames[table]}, {k: v for k, v in problems.items() if k == table}, validate)
    return apply(table, frames[table], frames, wanted) if wanted.active else frames[table]


def load_all(*, version: str | None = None, validate: bool = False, root: str | Path | None = None,
             base_url: str | None = None, cache_dir: str | Path | None = None, start: object = None,
             end: object = None, event_type: str | Iterable[str] | None = None,
             place: str | Iterable[str] | None = None) -> Dataset:
    """Every table, as a :class:`~syria_conflict_events.dataset.Dataset` (a mapping of frames with
    join helpers). Arguments as for :func:`load`; validation includes the cross-table rules and,
    as in :func:`load`, runs on the whole tables.

    The filters (``start``, ``end``, ``event_type``, ``place``) select events as :func:`load` does:
    ``events`` and every table with an ``event_id`` column (claims, event actors, event agreements,
    control) keep the rows of the selected events, as ``load(table, ...)`` of each would give.
    The tables the events point to (places, actors, sources, agreements, ...) stay whole, so the
    join helpers find every row they need; ``external_ids`` and ``retired_ids`` stay whole too.
    """
    from ..dataset import Dataset

    wanted = EventFilter(start, end, event_type, place)
    package, frames, problems = _read_all(None, version, root, base_url, cache_dir)
    _check(frames, problems, validate)
    if wanted.active:
        frames = {n: apply(n, f, frames, wanted) if n == "events" or "event_id" in f.columns else f
                  for n, f in frames.items()}
    return Dataset(frames, {n: package.spec(n) for n in frames}, version=package.version, root=package.root)


NOTHING_PUBLISHED = ("no release has been published yet: the release registry of this installation is empty, "
                     "so load(version=...) has nothing to fetch; load() reads the copy bundled with the package")


class Versions(list[str]):
    """The published versions (a plain list, oldest first) that says so when it is empty."""

    def __repr__(self) -> str:
        return super().__repr__() if self else f"[]  # {NOTHING_PUBLISHED}"

    def __str__(self) -> str:
        return ", ".join(self) if self else NOTHING_PUBLISHED


def tables(*, version: str | None = None, root: str | Path | None = None, base_url: str | None = None,
           cache_dir: str | Path | None = None) -> pd.DataFrame:
    """The package's tables with their titles and descriptions (index: the table name), from the
    same sources as :func:`load`; nothing is read but ``datapackage.json``."""
    return catalogue.tables_frame(open_source(version, root, base_url, cache_dir))


def cite(style: Literal["text", "bibtex"] = "text", *, version: str | None = None, root: str | Path | None = None,
         base_url: str | None = None, cache_dir: str | Path | None = None) -> str:
    """How to cite the release (``style="bibtex"`` for a BibTeX entry), from its own metadata."""
    return catalogue.cite(open_source(version, root, base_url, cache_dir), style)


def versions() -> Versions:
    """Published releases this installation can fetch and verify (oldest first). Empty when none
    has been published; the empty list's ``repr`` (what the prompt shows) says so."""
    return Versions(download.known_versions())
