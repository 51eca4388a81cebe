"""The release build: validated package in, reproducible downloadable release out (CSV, JSON,
Parquet, SQLite, GeoJSON, data dictionary, checksums, zip), plus the release diff, the SemVer
check, the loader's registry and the documentation site.

``build_release`` loads lazily, so that ``release.dictionary`` (the data dictionary, also used by
the docs) imports without the build's dependencies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import ReleaseError

if TYPE_CHECKING:
    from .build import build_release

__all__ = ["ReleaseError", "build_release"]


def __getattr__(name: str) -> Any:
    if name == "build_release":
        from .build import build_release

        return build_release
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
