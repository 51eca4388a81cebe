"""The changelog page: CHANGELOG.md with each version's changes to the data first and the tooling
last, and the version this site is built for headed with its number and "this release" (never
"Unreleased"). The changelog is the project's own Markdown, passed through as written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .templates import render

SECTION_ORDER = ("Data", "Model")  # first, in this order; Tooling last; any other in between
LAST = ("Tooling",)
_VERSION = re.compile(r"^## (.*)$")
_SECTION = re.compile(r"^### (.*)$")
_UNRELEASED = re.compile(r"^\[?unreleased\]?\s*(?:[—–-]\s*)?(.*)$", re.IGNORECASE)


@dataclass
class Version:
    heading: str
    intro: list[str] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)


def parse(text: str) -> tuple[list[str], list[Version]]:
    """(the lines before the first version, the versions in file order)."""
    preamble: list[str] = []
    versions: list[Version] = []
    for line in text.splitlines():
        if m := _VERSION.match(line):
            versions.append(Version(m.group(1).strip()))
        elif versions and (m := _SECTION.match(line)):
            versions[-1].sections.append((m.group(1).strip(), []))
        elif versions and versions[-1].sections:
            versions[-1].sections[-1][1].append(line)
        elif versions:
            versions[-1].intro.append(line)
        elif not line.startswith("# "):
            preamble.append(line)
    return preamble, versions


def _rank(name: str) -> tuple[int, int]:
    if name in SECTION_ORDER:
        return (0, SECTION_ORDER.index(name))
    return (2, 0) if name in LAST else (1, 0)


def heading(text: str, version: str, built: str | None) -> str:
    """A version's heading: the release this site is built for is never "Unreleased"."""
    m = _UNRELEASED.match(text)
    bare = text.lstrip("[")
    if (m and m.group(1).strip() == version) or bare.startswith((f"{version}]", f"{version} ")) or bare == version:
        return f"{version} — this release" + (f", built {built}" if built else "")
    return text.replace("[", "").replace("]", "")


def changelog_page(text: str | None, version: str, built: str | None) -> str:
    if text is None:
        return "# Changelog\n\nNo changelog yet.\n"
    preamble, versions = parse(text)
    for v in versions:
        v.heading = heading(v.heading, version, built)
        v.sections.sort(key=lambda s: _rank(s[0]))
    return render("changelog.md.j2", preamble="\n".join(preamble).strip(), versions=versions,
                  strip=lambda lines: "\n".join(lines).strip())
