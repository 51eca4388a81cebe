"""Render a validation report as text, JSON or GitHub Actions annotations."""

from __future__ import annotations

import json

from .runner import Report

FORMATS = ("text", "json", "github")


def _gh_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def render(report: Report, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps({
            "valid": report.valid,
            "exit_code": report.exit_code,
            "error_count": len(report.errors),
            "layers": report.layers,
            "semantic_engine": report.engine,
            "rows": report.rows,
            "errors": [e.to_dict() for e in report.errors],
        }, indent=2, ensure_ascii=False) + "\n"
    lines = []
    for e in report.errors:
        if fmt == "github":
            props = [f"file={e.path}", f"title={e.rule}"]
            if e.row is not None:
                props.insert(1, f"line={e.row}")
            lines.append(f"::error {','.join(props)}::{_gh_escape(e.message + ' | hint: ' + e.hint)}")
        else:
            lines.append(e.to_text())
    rows = sum(report.rows.values())
    if report.valid:
        layers = ", ".join(f"{x} ({report.engine})" if x == "semantic" else x for x in report.layers)
        lines.append(f"valid: {len(report.rows)} tables, {rows:,} rows ({layers})")
    else:
        lines.append(f"invalid: {len(report.errors)} error(s) in {report.root}")
    return "\n".join(lines) + "\n"


# GitHub refuses a job summary above 1 MiB per step; stay well below it.
SUMMARY_MAX_BYTES = 900_000


def summary_markdown(report: Report, heading: str = "sce validate") -> str:
    """Every error of ``report`` as a Markdown table for the job summary ($GITHUB_STEP_SUMMARY):
    annotations show only the first ten per step, the summary shows all of them."""
    from ..markdown_text import plain

    if report.valid:
        return f"## {plain(heading)}: valid\n\n{sum(report.rows.values()):,} rows in {len(report.rows)} tables.\n"
    head = [f"## {plain(heading)}: {len(report.errors):,} error(s)", "",
            "| file | line | column | rule | message | how to fix |", "|---|---|---|---|---|---|"]
    out = "\n".join(head) + "\n"
    size = len(out.encode("utf-8"))
    for n, e in enumerate(report.errors):
        row = (f"| {plain(e.path)} | {'' if e.row is None else e.row} | {plain(e.column or '')} | {plain(e.rule)} "
               f"| {plain(e.message)} | {plain(e.hint)} |\n")
        size += len(row.encode("utf-8"))
        if size > SUMMARY_MAX_BYTES:
            rest = len(report.errors) - n
            return out + f"\n{rest:,} more error(s) do not fit in the summary; the job log lists them all.\n"
        out += row
    return out
