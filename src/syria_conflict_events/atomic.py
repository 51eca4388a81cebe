"""The one way a file is replaced: written beside it, flushed to disk, renamed onto it in one step
(a crash leaves the old file or the new one, never half of either). Used by `sce fmt`, `sce new`,
`sce export`, the importers and the release registry."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (a crash leaves the old or the new file)."""
    with atomic_output(path) as fh:
        fh.write(data)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A temporary file next to ``path`` to write its new content into, streamed; it replaces
    ``path`` in one step when the block ends without an exception (else it is removed and ``path``
    is left as it was)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
