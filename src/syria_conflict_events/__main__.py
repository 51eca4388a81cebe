"""`python -m syria_conflict_events` runs the `sce` command."""

from .cli import run

run()
