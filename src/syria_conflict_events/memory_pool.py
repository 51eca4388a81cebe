"""Arrow's allocator for the commands that move gigabytes through Arrow (`sce validate`, `sce build`,
`sce import`, `sce export`, `sce diff`).

pyarrow's default allocator on Linux is mimalloc. On the project's 2-core machines a 1M-event
`sce validate` spent 3.2-4.3 s of system time with it (pages returned to the OS and faulted in
again) against 1.5-1.9 s with jemalloc, and took 4.6-5.5 s against 3.5-4.8 s wall (alternating
runs; benchmarks/README.md). So these commands use jemalloc where the pyarrow build has it, unless
the user chose an allocator with ARROW_DEFAULT_MEMORY_POOL. Only the command's own process is
affected: library calls (validate_package, load) never change a caller's allocator."""

from __future__ import annotations

import contextlib
import os

ENV = "ARROW_DEFAULT_MEMORY_POOL"


def prefer_jemalloc() -> str:
    """Make jemalloc Arrow's default allocator when available and not overridden; returns the
    backend in use."""
    import pyarrow as pa

    if not os.environ.get(ENV):
        with contextlib.suppress(NotImplementedError):  # a pyarrow built without jemalloc (Windows)
            pa.set_memory_pool(pa.jemalloc_memory_pool())
    return pa.default_memory_pool().backend_name
