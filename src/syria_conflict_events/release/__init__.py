"""The release build: validated package in, reproducible downloadable release out (CSV, JSON,
Parquet, SQLite, GeoJSON, data dictionary, checksums, zip), plus the release diff, the SemVer
check, the loader's registry and the documentation site."""

from .build import build_release
from .errors import ReleaseError

__all__ = ["ReleaseError", "build_release"]
