"""What a package holds, for the prompt: its tables with their descriptions (:func:`tables`), the
metadata each loaded frame carries in ``DataFrame.attrs``, and how to cite it (:func:`cite`),
all from the package's own ``datapackage.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from .descriptor import Package

if TYPE_CHECKING:
    import pandas as pd


def table_attrs(package: Package, table: str) -> dict[str, Any]:
    """What a frame of ``table`` carries in ``attrs``: its name, title and description, the
    package's name and release version."""
    resource = package.resources[table]
    return {
        "table": table,
        "title": str(resource.get("title") or table),
        "description": str(resource.get("description") or ""),
        "package": str(package.descriptor.get("name", "")),
        "version": package.version,
    }


def tables_frame(package: Package) -> pd.DataFrame:
    """One row per table: its name (the index), title, description and file."""
    import pandas as pd

    rows = [{"table": n, "title": table_attrs(package, n)["title"],
             "description": table_attrs(package, n)["description"],
             "path": str(package.resources[n].get("path", ""))} for n in package.table_names]
    frame = pd.DataFrame(rows, columns=["table", "title", "description", "path"]).set_index("table")
    frame.attrs = {"package": str(package.descriptor.get("name", "")), "version": package.version}
    return frame


def _authors(descriptor: dict[str, Any]) -> str:
    contributors = descriptor.get("contributors") or []
    names = [str(c.get("title")) for c in contributors if isinstance(c, dict) and c.get("title")]
    return "; ".join(names) or str(descriptor.get("name", ""))


def release_page(descriptor: dict[str, Any]) -> str:
    """The release's page: the GitHub release of this version when the homepage is the repository."""
    home = str(descriptor.get("homepage") or "").rstrip("/")
    version = str(descriptor.get("version", ""))
    return f"{home}/releases/tag/v{version}" if home.startswith("https://github.com/") else home


def cite(package: Package, style: Literal["text", "bibtex"] = "text") -> str:
    """How to cite the package's release: a line of text (as in the release README and the site)
    or a BibTeX entry."""
    d = package.descriptor
    name = str(d.get("name", "")) or "dataset"
    title = str(d.get("title") or name)
    version = package.version
    url = release_page(d)
    if style == "text":
        licences = ", ".join(str(lic.get("name")) for lic in d.get("licenses") or [] if isinstance(lic, dict))
        return f"{_authors(d)}. {title}, version {version} [data set]. {url}. Licence: {licences}."
    if style == "bibtex":
        key = name.replace("-", "_") + "_" + version.replace(".", "_")
        return (f"@misc{{{key},\n"
                f"  author = {{{{{_authors(d)}}}}},\n"
                f"  title = {{{{{title}}}}},\n"
                f"  version = {{{version}}},\n"
                f"  howpublished = {{\\url{{{url}}}}},\n"
                f"  note = {{Data set}}\n"
                "}\n")
    raise ValueError(f"style must be 'text' or 'bibtex', not {style!r}")
