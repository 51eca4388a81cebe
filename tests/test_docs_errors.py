"""docs/errors.md is generated from the rule catalogue: the committed page must equal the
generated one, and every rule and every `sce fmt` refusal must have its section."""

from __future__ import annotations

from conftest import REPO

from syria_conflict_events.canonical import PROBLEMS
from syria_conflict_events.docs_errors import PAGE, main, render_errors_page
from syria_conflict_events.validation.rules import RULES


def test_committed_page_equals_generated():
    assert (REPO / PAGE).read_text(encoding="utf-8") == render_errors_page(), (
        "run `python -m syria_conflict_events.docs_errors` and commit docs/errors.md")


def test_every_rule_and_refusal_has_a_section_with_its_fix():
    page = render_errors_page()
    for code in [*RULES, *PROBLEMS]:
        assert f"\n### `{code}`\n" in page, code
    assert page.count("**Fix:**") == len(RULES) + len(PROBLEMS)


def test_check_mode_detects_drift(tmp_path, capsys):
    (tmp_path / "docs").mkdir()
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert main(["--root", str(tmp_path)]) == 0
    assert main(["--check", "--root", str(tmp_path)]) == 0
    assert (tmp_path / PAGE).read_text(encoding="utf-8") == render_errors_page()
