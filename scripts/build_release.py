#!/usr/bin/env python3
"""Build the release: a thin wrapper around `sce build` (same options; see `sce build --help`)."""

import sys

from syria_conflict_events.cli import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
