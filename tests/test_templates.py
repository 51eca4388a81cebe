"""Every generated document is a Jinja2 template (issue 16): the release's README, data
dictionary and diff, CITATION.cff, the contributor docs and the site's pages. Each template the code or another
template names exists in its room's templates/ folder, each template there is used, one module
defines the environment, and a template that is missing or reads a name it is not given fails
the render instead of printing nothing."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest
from conftest import REPO

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.release.templates import render as release_render
from syria_conflict_events.templating import renderer

SRC = REPO / "src" / "syria_conflict_events"
# The rooms whose documents are templates: "" is the base room (generate.py's CITATION.cff), whose
# templates/ folder sits at the package's top level beside its modules.
ROOMS = ["", "release", "diff", "site"]
# render("x.md.j2", ...) and _render("x.md.j2", ...) in the code; include/import/from in templates.
CALLED = re.compile(r"""\b_?render\(\s*["']([^"']+\.j2)["']""")
REFERRED = re.compile(r"""\{%-?\s*(?:include|import|from|extends)\s+["']([^"']+)["']""")


def _on_disk(room: str) -> set[str]:
    return {p.name for p in (SRC / room / "templates").glob("*.j2")}


def _named(room: str) -> set[str]:
    modules = SRC.glob("*.py") if room == "" else (SRC / room).rglob("*.py")
    code = {m for p in modules for m in CALLED.findall(p.read_text(encoding="utf-8"))}
    templates = {m for p in (SRC / room / "templates").glob("*.j2")
                 for m in REFERRED.findall(p.read_text(encoding="utf-8"))}
    return code | templates


@pytest.mark.parametrize("room", ROOMS)
def test_every_template_named_exists(room):
    named = _named(room)
    assert named, f"{room} renders no template"
    assert sorted(named - _on_disk(room)) == []


@pytest.mark.parametrize("room", ROOMS)
def test_every_template_is_used(room):
    assert sorted(_on_disk(room) - _named(room)) == []


def test_one_module_defines_the_environment():
    defining = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                      if "jinja2.Environment(" in p.read_text(encoding="utf-8"))
    assert defining == ["templating.py"]


def test_a_missing_template_fails():
    with pytest.raises(jinja2.TemplateNotFound):
        release_render("READ-ME.md.j2")


def test_a_name_the_template_is_not_given_fails():
    decl = load_declaration()
    with pytest.raises(jinja2.UndefinedError, match="citation"):
        release_render("README.md.j2", title="t", version=decl.version, description="", tables=[], artifacts=[],
                       bibtex="@misc{x}")


def test_markdown_is_not_autoescaped_and_html_is(tmp_path: Path):
    (tmp_path / "page.md.j2").write_text("{{ raw }} {{ text | plain }}\n", encoding="utf-8")
    (tmp_path / "page.html.j2").write_text("{{ raw }} {{ text | plain }}\n", encoding="utf-8")
    render = renderer(tmp_path)
    assert render("page.md.j2", raw="<b>", text="<i>") == "<b> &#60;i&#62;\n"
    assert render("page.html.j2", raw="<b>", text="<i>") == "&lt;b&gt; &#60;i&#62;\n"
