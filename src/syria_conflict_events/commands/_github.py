"""GitHub Actions output shared by the commands' ``--format github`` (not a subcommand: cli.py skips
modules whose name starts with an underscore): workflow-command annotations, which GitHub shows
only ten per step, and the job summary ($GITHUB_STEP_SUMMARY), where every finding is listed."""

from __future__ import annotations

import os
import sys

ANNOTATIONS_SHOWN = 10  # error annotations GitHub shows per step


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(file: str, line: int | None, title: str, message: str) -> str:
    props = [f"file={escape_property(file)}"]
    if line is not None:
        props.append(f"line={line}")
    props.append(f"title={escape_property(title)}")
    return f"::error {','.join(props)}::{escape_data(message)}"


def overflow_notice(count: int) -> str | None:
    """A notice when GitHub will not show every annotation (None when it will)."""
    if count <= ANNOTATIONS_SHOWN:
        return None
    return (f"::notice title=more errors than annotations::{count:,} errors; GitHub shows the first "
            f"{ANNOTATIONS_SHOWN} as annotations: the job summary and this log list all of them")


def append_step_summary(markdown: str) -> bool:
    """Append ``markdown`` to the job summary when running in GitHub Actions; False when there is
    none (not in Actions) or it cannot be written (said on stderr, never fatal)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    try:
        with open(target, "a", encoding="utf-8") as out:
            out.write(markdown.rstrip("\n") + "\n\n")
    except OSError as exc:
        print(f"cannot write the job summary {target}: {exc.strerror}", file=sys.stderr)
        return False
    return True
