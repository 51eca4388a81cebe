"""The README sheet of the release's Excel workbook, from the metadata only: what the package and
each table are, the version, how to cite it and its licence."""

from __future__ import annotations

from ..declaration import Declaration
from .citation import citation_text, release_page_url


def readme_lines(decl: Declaration) -> list[tuple[str, str]]:
    """(label, text) rows: the package, then a row per table (its sheet), then the citation."""
    pkg = decl.package
    licences = "; ".join(f"{lic.get('name')} ({lic.get('path')})" if lic.get("path") else str(lic.get("name"))
                         for lic in pkg.get("licenses", []))
    lines = [
        ("Data set", str(pkg.get("title", decl.name))),
        ("Version", decl.version),
        ("Description", " ".join(str(pkg.get("description", "")).split())),
        ("Release", release_page_url(decl)),
        ("Cite as", citation_text(decl)),
        ("Licence", licences),
        ("Sheets", "A sheet per table, named after it; the first row names the fields (the data dictionary, "
                   "DATA-DICTIONARY.md, describes each). An empty cell is a missing value; vocabulary codes "
                   "are the codes of the data dictionary."),
    ]
    lines += [(t.name, f"{t.title}: {t.description}") for t in decl.tables.values()]
    return lines
