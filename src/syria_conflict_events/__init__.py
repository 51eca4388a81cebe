"""Syria Conflict Events (SCE): a validated, source-attributed dataset of events in the Syrian
armed conflict.

    import syria_conflict_events as sce
    events = sce.load("events")           # bundled data, typed, offline
    ds = sce.load_all()                   # every table, with join helpers
    old = sce.load("events", version="1.0.0")  # a pinned, checksum-verified release
    sce.versions()                        # releases that can be fetched
    sce.tables()                          # the tables and what each holds
    sce.load("events", start="2024-11-27", end="2024-11-30", place="aleppo-governorate")
    sce.cite()                            # how to cite the release (style="bibtex")
    sce.control_on("2024-12-01")          # who held each place on a day

Importing the package is cheap: pandas, pyarrow and pandera load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dataset import Dataset
    from .download import ChecksumError, DownloadError, ReleaseError, UnknownVersionError, UnsafeArchiveError
    from .loader import DataWarning, PackageError, cite, load, load_all, tables, versions
    from .territory import control_on

# Public name -> module that defines it (imported on first access).
_LAZY = {
    "load": "loader", "load_all": "loader", "versions": "loader", "tables": "loader", "cite": "loader",
    "DataWarning": "loader",
    "PackageError": "loader", "Dataset": "dataset", "ReleaseError": "download",
    "UnknownVersionError": "download", "ChecksumError": "download", "DownloadError": "download",
    "UnsafeArchiveError": "download", "control_on": "territory",
}

__all__ = [
    "ChecksumError", "DataWarning", "Dataset", "DownloadError", "PackageError", "ReleaseError",
    "UnknownVersionError", "UnsafeArchiveError", "__version__", "cite", "control_on", "load", "load_all", "tables",
    "versions",
]


def _version() -> str:
    # importlib.metadata costs ~60 ms: every `sce` command would pay it at start-up.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("syria-conflict-events")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
