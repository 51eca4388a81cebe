"""Reading contributed files safely. A pull request can commit a symbolic link in place of a
table (data/events.csv -> /proc/self/environ, or -> ~/.ssh/...): the validator would read a file
of the machine it runs on and quote its contents in errors, which CI prints publicly. And a
file's reported size can lie (/proc files say 0). So: files must resolve inside the package, and
reads stop one byte past the limit whatever the size says."""

from __future__ import annotations

from pathlib import Path


class UnsafeFile(ValueError):
    """The path leaves the package (through a symbolic link) or is not a regular file."""


def inside(root: Path, path: Path) -> bool:
    """Whether ``path``, with every symbolic link followed, lies inside ``root``."""
    try:
        return path.resolve(strict=True).is_relative_to(root.resolve(strict=True))
    except (OSError, RuntimeError):  # missing, unreadable, or a symbolic link loop
        return False


def read_bounded(root: Path, path: Path, max_bytes: int) -> bytes:
    """The file's bytes; at most ``max_bytes`` + 1 are read, so the caller can tell "too large"
    even when the file's reported size is wrong. Raises UnsafeFile or OSError."""
    if not inside(root, path):
        raise UnsafeFile(f"{path.name} is a symbolic link to a file outside the package")
    if not path.is_file():
        raise UnsafeFile(f"{path.name} is not a regular file")
    with path.open("rb") as fh:
        return fh.read(max_bytes + 1)
