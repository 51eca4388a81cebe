"""The optional dependencies a command needs (not a subcommand: cli.py skips modules whose name
starts with an underscore). An install without them gets one line naming the extra, exit 2,
instead of a ModuleNotFoundError traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..exceptions import CommandError

T = TypeVar("T")

# The top-level modules of each extra in pyproject.toml's [project.optional-dependencies].
EXTRAS: dict[str, tuple[str, ...]] = {"validate": ("pandera", "frictionless")}


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The extra that provides the module ``exc`` could not find (None when no extra does)."""
    top = (exc.name or "").split(".")[0]
    return next((extra for extra, modules in EXTRAS.items() if top in modules), None)


def needs_extras(command: str, action: Callable[[], T]) -> T:
    """Run ``action``; a module of an extra that is not installed becomes a one-line CommandError."""
    try:
        return action()
    except ModuleNotFoundError as exc:
        extra = missing_extra(exc)
        if extra is None:
            raise
        raise CommandError(f"needs the {extra!r} extra ({exc.name} is not installed): "
                           f"pip install 'syria-conflict-events[{extra}]'") from exc
