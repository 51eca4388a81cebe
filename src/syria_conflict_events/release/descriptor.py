"""The release's datapackage.json: every file of the release as a resource with its byte count
and SHA-256. CSV tables carry their inline Table Schema (so ``frictionless validate`` checks
types, keys and foreign keys); the other formats are described as files with format and media
type. Nothing in it depends on the time or the machine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..declaration import Declaration
from ..formats.zipping import sha256_file
from ..table_schema import package_descriptor


@dataclass(frozen=True)
class Artifact:
    """One file of the release beside the CSV tables."""

    name: str
    path: str
    format: str
    mediatype: str
    title: str
    description: str


def _stamp(resource: dict[str, Any], directory: Path, hash_file: Callable[[Path], str]) -> dict[str, Any]:
    file = directory / resource["path"]
    return {**resource, "bytes": file.stat().st_size, "hash": f"sha256:{hash_file(file)}"}


def release_descriptor(decl: Declaration, directory: Path, artifacts: list[Artifact],
                       hash_file: Callable[[Path], str] = sha256_file) -> dict[str, Any]:
    out = package_descriptor(decl, inline=True)
    resources = [_stamp(r, directory, hash_file) for r in out["resources"]]
    for a in artifacts:
        resources.append(_stamp({
            "name": a.name, "type": "file", "path": a.path, "scheme": "file", "format": a.format,
            "mediatype": a.mediatype, "title": a.title, "description": a.description,
        }, directory, hash_file))
    return {**out, "resources": resources}
