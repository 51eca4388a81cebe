"""The registry of released files that the loader downloads from: ``{"releases": {version:
{"file": zip name, "sha256": hex}}}``. Written by every build (never by hand) to
``dist/releases.json`` and to the committed ``src/syria_conflict_events/releases.json``; entries of
other versions are kept, the built version's entry is replaced."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..diff.semver import parse
from ..exceptions import ReleaseError
from ..generate import dumps

REGISTRY_NAME = "releases.json"
PACKAGE_RELATIVE = Path("src") / "syria_conflict_events" / REGISTRY_NAME


def committed_registry(root: Path) -> Path | None:
    """The registry inside the source checkout at ``root`` (None when ``root`` is not one)."""
    target = root / PACKAGE_RELATIVE
    return target if target.parent.is_dir() else None


def read_registry(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"releases": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReleaseError(f"{path}: cannot read the release registry: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("releases"), dict):
        raise ReleaseError(f"{path}: the release registry must be {{\"releases\": {{...}}}}")
    return data


def _order(version: str) -> tuple:
    try:
        return (0, *parse(version))
    except ValueError:
        return (1, version)


def merged_registry(path: Path, version: str, file: str, sha256: str) -> dict[str, Any]:
    """The registry at ``path`` with this version's entry added or replaced (versions in order)."""
    data = read_registry(path)
    releases = dict(data["releases"])
    releases[version] = {"file": file, "sha256": sha256}
    return {**data, "releases": {v: releases[v] for v in sorted(releases, key=_order)}}


def write_registry(path: Path, data: dict[str, Any]) -> None:
    """Write a registry (atomic: a temporary file renamed onto ``path``)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(dumps(data), encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def update_registry(path: Path, version: str, file: str, sha256: str) -> None:
    """Merge this version's entry into the registry at ``path`` (atomic write)."""
    write_registry(path, merged_registry(path, version, file, sha256))
