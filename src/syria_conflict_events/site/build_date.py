"""The date a site is built for, the same on every rebuild of one checkout: SOURCE_DATE_EPOCH
(reproducible-builds.org) when set, else the date of the checkout's last commit, else none."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path


def build_date(source: Path | None) -> dt.date | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            return None
    if source is None:
        return None
    try:
        done = subprocess.run(["git", "-C", str(source), "log", "-1", "--format=%cs"], capture_output=True,
                              text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    try:
        return dt.date.fromisoformat(done.stdout.strip()) if done.returncode == 0 else None
    except ValueError:
        return None
