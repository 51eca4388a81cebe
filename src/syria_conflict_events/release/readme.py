"""README.md of a release: what each file is, how to check and cite it (from the metadata only);
its text is ``release/templates/README.md.j2``."""

from __future__ import annotations

from ..declaration import Declaration
from ..markdown_text import plain
from .citation import bibtex, citation_text
from .descriptor import Artifact
from .templates import render


def release_readme(decl: Declaration, artifacts: list[Artifact]) -> str:
    pkg = decl.package
    return render("README.md.j2", title=pkg.get("title", decl.name), version=decl.version,
                  description=pkg.get("description", ""), tables=list(decl.tables.values()), artifacts=artifacts,
                  citation=citation_text(decl, plain), bibtex=bibtex(decl))
