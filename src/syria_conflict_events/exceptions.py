"""Exceptions shared by the command line and the library (the lowest room: imports nothing)."""

from __future__ import annotations


class CommandError(Exception):
    """A user-facing failure: printed without a traceback, exit code 2 unless given."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


class ReleaseError(RuntimeError):
    """A release cannot be built, read or provided: invalid data, a refused version, an unreadable
    previous release, a pinned release the loader cannot download or verify. The message says
    which, where and what to do.

    ``details`` holds the lines to show (for example the validation errors); ``exit_code`` is what
    the command line returns: 1 for invalid input, 2 for unreadable input, as ``sce validate``."""

    def __init__(self, message: str, details: list[str] | None = None, exit_code: int = 1):
        super().__init__(message)
        self.details = list(details or [])
        self.exit_code = exit_code
