"""Text that reaches the outputs (issue 18): labels, descriptions and data cells reach the site,
the Markdown files and the figures as text, never as markup or TeX."""

from __future__ import annotations

import shutil
from pathlib import Path

import markdown
import pytest
from conftest import REPO, write_package

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.markdown_text import fenced, plain
from syria_conflict_events.release.dictionary import data_dictionary
from syria_conflict_events.site.figures import timeline

HOSTILE = '<img src=x onerror="alert(1)"> [link](javascript:alert(1)) **bold** | cell # head $x^$'
TEX = r"Tell $\frac{ Rifaat $x^$"


def _hostile_schemas(root: Path) -> Path:
    """A copy of the repository's schemas whose vocabulary label and table description are hostile."""
    schemas = root / "schemas"
    shutil.copytree(REPO / "schemas", schemas)
    vocab = schemas / "vocabularies.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8").replace("label: Battles", f"label: '{HOSTILE}'", 1),
                     encoding="utf-8")
    tables = schemas / "tables.yaml"
    lines = tables.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  description: One row per event,"))
    lines[at] = f"  description: '{HOSTILE} One row per event.'"
    tables.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return schemas


def test_plain_text_renders_as_itself():
    html = markdown.markdown(plain(HOSTILE), extensions=["tables"])
    assert "<img" not in html and "<a " not in html and "<strong>" not in html
    assert "&lt;img" in html or "&#60;img" in html


def test_fence_cannot_be_closed_by_its_body():
    block = fenced("bibtex", "title = {```}\n````x")
    assert block.startswith("`````bibtex\n") and block.endswith("\n`````")


def test_data_dictionary_escapes_labels_and_descriptions(tmp_path):
    decl = load_declaration(_hostile_schemas(tmp_path))
    html = markdown.markdown(data_dictionary(decl), extensions=["tables", "attr_list"])
    assert "<img" not in html and "javascript:" not in html.split("href=")[-1][:20]
    assert "<strong>bold</strong>" not in html


def test_figures_draw_tex_like_text_as_text(tmp_path):
    decl = load_declaration(_hostile_schemas(tmp_path))
    events = [{"event_id": "SCE-000001", "event_type": "battles", "date_start": "2024-11-28",
               "date_end": "2024-11-28", "place_id": "p"}]
    note = timeline(decl, events, tmp_path / "timeline.svg")  # the hostile label is in the legend
    assert note.shown == 1
    assert (tmp_path / "timeline.svg").stat().st_size > 0


@pytest.mark.slow
def test_site_pages_hold_no_contributor_markup(tmp_path):
    from syria_conflict_events.site.pages import build_site

    root = write_package(tmp_path / "pkg")
    _hostile_schemas(root)
    places = root / "data" / "places.csv"
    places.write_text(places.read_text(encoding="utf-8").replace("Aleppo,", "Aleppo $x^$ <b>,", 1), encoding="utf-8")
    out = build_site(root, tmp_path / "site", progress=lambda _: None)
    pages = {p: p.read_text(encoding="utf-8") for p in out.rglob("*.html")}
    assert pages
    for page, html in pages.items():
        assert "<img src=x" not in html, page
        assert 'href="javascript:' not in html, page
    assert any("img src=x onerror" in html for html in pages.values())  # shown, as text
