"""The one exception the release build raises for a user-facing failure."""

from __future__ import annotations


class ReleaseError(Exception):
    """The release cannot be built (invalid data, a refused version, unreadable previous release).

    ``details`` holds the lines to show (for example the validation errors); ``exit_code`` is what
    the command line returns: 1 for invalid input, 2 for unreadable input, as ``sce validate``."""

    def __init__(self, message: str, details: list[str] | None = None, exit_code: int = 1):
        super().__init__(message)
        self.details = list(details or [])
        self.exit_code = exit_code
