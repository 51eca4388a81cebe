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
