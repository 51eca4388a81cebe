"""Semantic versions for the data package.

Removing or renaming a table, a column or a vocabulary code (or changing a column's type or a
primary key) is **major**; new tables, columns, codes or rows, and retired rows, are **minor**;
corrected cells are **patch**."""

from __future__ import annotations

import re

LEVELS = ("none", "patch", "minor", "major")
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


def parse(version: str) -> tuple[int, int, int]:
    m = _SEMVER.fullmatch(str(version))
    if not m:
        raise ValueError(f"{version!r} is not a version of the form MAJOR.MINOR.PATCH")
    major, minor, patch = (int(x) for x in m.groups())
    return major, minor, patch


def bump(version: str, level: str) -> str:
    """The smallest version after ``version`` that a change of ``level`` allows."""
    major, minor, patch = parse(version)
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    if level == "patch":
        return f"{major}.{minor}.{patch + 1}"
    if level == "none":
        return version
    raise ValueError(f"unknown change level {level!r}")


def highest(levels: list[str]) -> str:
    return max(levels, key=LEVELS.index, default="none")


def version_problem(old: str, new: str, level: str) -> str | None:
    """Why ``new`` is not an acceptable version after ``old`` for a change of ``level`` (None if it is)."""
    required = bump(old, level)
    if parse(new) < parse(required):
        if level == "none":
            return f"version {new} is older than the previous release {old}"
        return (f"version {new} is too small: the changes since {old} are {level}, "
                f"so the version must be at least {required}")
    return None
