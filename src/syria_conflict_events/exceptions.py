"""Exceptions shared by the command line and the library."""

from __future__ import annotations


class CommandError(Exception):
    """A user-facing failure: printed without a traceback, exit code 2 unless given."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code
