"""Importers: convert another dataset's export (UCDP GED, ACLED) into an SCE package.

Each importer parses its file into neutral :class:`~.common.EventRecord` objects; the shared
assembly in :mod:`.common` assigns SCE ids (keeping those of rows already imported, matched
through external_ids), deduplicates places, actors and sources, and writes canonical CSV."""
