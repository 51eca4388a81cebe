"""Importers: convert another dataset's export (UCDP GED, ACLED) into an SCE package.

A reader (:mod:`.ucdp`, :mod:`.acled` with :mod:`.acled_columnar`) maps each row of the file to
neutral specs (:mod:`.common`) staged in DuckDB tables (:mod:`.staging`); the assembly
(:mod:`.assembly`, a module per table) assigns SCE ids (keeping those of rows already imported,
matched through external_ids), deduplicates places, actors and sources, and writes canonical CSV."""
