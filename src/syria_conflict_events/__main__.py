"""`python -m syria_conflict_events` runs the `sce` command."""

import sys

from .cli import main

sys.exit(main())
