"""Writers of each release format (CSV, JSON records, Parquet, GeoJSON, SQLite, zip) and the one
Arrow CSV reader; shared by `sce build`, `sce export` and `sce fmt`. Imports nothing above the
base room (docs/architecture.md)."""
