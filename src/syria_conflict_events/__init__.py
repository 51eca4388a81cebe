"""Syria Conflict Events (SCE): a validated, source-attributed dataset of events in the Syrian
armed conflict."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("syria-conflict-events")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = ["__version__"]
