"""How to cite a release, from the package metadata (schemas/package.yaml): the same text in the
release README and on the documentation site. Release URLs follow from the declared repository,
which is where the release workflow publishes."""

from __future__ import annotations

from collections.abc import Callable

from ..declaration import Declaration


def release_page_url(decl: Declaration) -> str:
    return f"https://github.com/{decl.package['repository']}/releases/tag/v{decl.version}"


def download_url(decl: Declaration, file: str) -> str:
    """Where the release workflow uploads ``file`` for this version (the loader's default)."""
    return f"https://github.com/{decl.package['repository']}/releases/download/v{decl.version}/{file}"


def authors(decl: Declaration) -> str:
    names = [str(c.get("title")) for c in decl.package.get("contributors", []) if c.get("title")]
    return "; ".join(names) or decl.name


def doi(decl: Declaration) -> str | None:
    """The release's DOI (``doi:`` in package.yaml), once one is minted."""
    value = str(decl.package.get("doi") or "").strip()
    return value or None


def citation_text(decl: Declaration, escape: Callable[[str], str] = str, *, year: int | None = None) -> str:
    """The citation; ``escape`` renders the package's own metadata (e.g. as Markdown text)."""
    licences = ", ".join(str(lic.get("name")) for lic in decl.package.get("licenses", []))
    when = f" ({year})" if year else ""
    minted = f" https://doi.org/{escape(d)}." if (d := doi(decl)) else ""
    return (f"{escape(authors(decl))}{when}. {escape(str(decl.package.get('title', decl.name)))}, version "
            f"{escape(decl.version)} [data set]. {escape(release_page_url(decl))}.{minted} "
            f"Licence: {escape(licences)}.")


def bibtex(decl: Declaration, *, year: int | None = None) -> str:
    key = decl.name.replace("-", "_") + "_" + decl.version.replace(".", "_")
    return (
        f"@misc{{{key},\n"
        f"  author = {{{{{authors(decl)}}}}},\n"
        f"  title = {{{{{decl.package.get('title', decl.name)}}}}},\n"
        + (f"  year = {{{year}}},\n" if year else "")
        + f"  version = {{{decl.version}}},\n"
        + (f"  doi = {{{d}}},\n" if (d := doi(decl)) else "")
        + f"  howpublished = {{\\url{{{release_page_url(decl)}}}}},\n"
        f"  note = {{Data set}}\n"
        "}\n"
    )
