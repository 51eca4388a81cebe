"""The registry of released files that the loader downloads from: ``{"releases": {version:
{"file": zip name, "sha256": hex}}}``. Written by every build (never by hand) to
``dist/releases.json`` and to the committed ``src/syria_conflict_events/releases.json``; entries of
other versions are kept, the built version's entry is replaced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from ..generate import dumps
from ..registry_file import REGISTRY_NAME, read_registry, version_key

PACKAGE_RELATIVE = Path("src") / "syria_conflict_events" / REGISTRY_NAME


def committed_registry(root: Path) -> Path | None:
    """The registry inside the source checkout at ``root`` (None when ``root`` is not one)."""
    target = root / PACKAGE_RELATIVE
    return target if target.parent.is_dir() else None


def merged_registry(path: Path, version: str, file: str, sha256: str) -> dict[str, Any]:
    """The registry at ``path`` with this version's entry added or replaced (versions in order)."""
    data = read_registry(path)
    releases = dict(data["releases"])
    releases[version] = {"file": file, "sha256": sha256}
    return {**data, "releases": {v: releases[v] for v in sorted(releases, key=version_key)}}


def write_registry(path: Path, data: dict[str, Any]) -> None:
    """Write a registry (atomic: a temporary file renamed onto ``path``)."""
    write_atomic(path, dumps(data).encode("utf-8"))


def update_registry(path: Path, version: str, file: str, sha256: str) -> None:
    """Merge this version's entry into the registry at ``path`` (atomic write)."""
    write_registry(path, merged_registry(path, version, file, sha256))
