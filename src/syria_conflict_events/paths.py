"""Where the package's declaration and bundled data live.

An installed wheel carries them under ``_bundle/``; a source checkout (editable install) reads
them from the repository root, so both use the same files without copying.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLE = PACKAGE_DIR / "_bundle"
_REPO_ROOT = PACKAGE_DIR.parent.parent


def resource_root() -> Path:
    """The directory holding ``schemas/``, ``data/`` and ``datapackage.json``."""
    if (_BUNDLE / "schemas").is_dir():
        return _BUNDLE
    return _REPO_ROOT


def schemas_dir() -> Path:
    return resource_root() / "schemas"


def repo_root() -> Path | None:
    """The source checkout, when running from one (None in an installed wheel)."""
    return _REPO_ROOT if (_REPO_ROOT / "pyproject.toml").is_file() else None
