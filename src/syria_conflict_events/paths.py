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


DESCRIPTOR = "datapackage.json"


def find_package(start: Path | None = None) -> Path | None:
    """The nearest directory at or above ``start`` (default: the current directory) that holds a
    ``datapackage.json``, as git finds its repository; None when there is none up to the root."""
    try:
        here = Path(start if start is not None else Path.cwd()).resolve()
    except (OSError, RuntimeError):  # the current directory was removed, or a symlink loop
        return None
    for directory in (here, *here.parents):
        try:
            if (directory / DESCRIPTOR).is_file():
                return directory
        except OSError:  # an unreadable directory on the way up: keep looking above it
            continue
    return None
