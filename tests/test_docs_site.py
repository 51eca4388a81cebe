"""The documentation site builds with `mkdocs build --strict`, holds every page, a data dictionary
generated from the declaration and figures generated from the data (deterministically), and never
writes into the checkout's docs/."""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from pathlib import Path

import pytest
from conftest import dist_leftovers

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.release import ReleaseError, build_release
from syria_conflict_events.site import pages as site_module
from syria_conflict_events.site.pages import build_site, write_generated

pytestmark = pytest.mark.site_build

REPO = Path(__file__).resolve().parents[1]
DECL = load_declaration()
PAGES = ["index.html", "download/index.html", "methodology/index.html", "figures/index.html",
         "generated/data-dictionary/index.html", "generated/changelog/index.html",
         "generated/coverage/index.html", "generated/release-diff/index.html", "contributing/index.html",
         "errors/index.html", "sourcing-notes/index.html", "design-decisions/index.html"]


def _tree(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    return {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once from the small valid package and its release."""
    from conftest import write_package

    base = tmp_path_factory.mktemp("site")
    root = write_package(base / "pkg")
    docs_before = _tree(REPO / "docs")
    zip_path = build_release(root, base / "dist", update_registry=False, progress=lambda _: None)
    out = build_site(root, base / "site", release_dir=zip_path.with_suffix(""), progress=lambda _: None)
    assert _tree(REPO / "docs") == docs_before, "building the site wrote into the checkout's docs/"
    return out


def test_every_page_is_built(built_site):
    missing = [p for p in PAGES if not (built_site / p).is_file()]
    assert missing == []
    assert (built_site / "generated" / "timeline.svg").is_file()
    assert not (built_site / "generated" / "snippets").exists(), "snippets must not become pages"


def test_data_dictionary_page_covers_the_declaration(built_site):
    html = (built_site / "generated" / "data-dictionary" / "index.html").read_text(encoding="utf-8")
    for t in DECL.tables.values():
        assert f'id="table-{t.name}"' in html
        for f in t.fields:
            assert f"<code>{f.name}</code>" in html
    for v in DECL.vocabularies.values():
        assert f'id="vocabulary-{v.name}"' in html
        for c in v.codes:
            assert c.definition.split()[0] in html


def test_pages_include_the_generated_snippets(built_site):
    index = (built_site / "index.html").read_text(encoding="utf-8")
    assert "--8&lt;--" not in index and "--8<--" not in index
    assert f"version <strong>{DECL.version}</strong>" in index
    assert f"version {DECL.version} [data set]" in index  # the citation
    assert "{Data set}" in index  # the BibTeX entry
    # Compared as a browser shows it: snippet text may carry character references (&#95; for _).
    methodology = html.unescape((built_site / "methodology" / "index.html").read_text(encoding="utf-8"))
    for code in DECL.vocabularies["verification"].values:
        assert f"<code>{code}</code>" in methodology
    download = (built_site / "download" / "index.html").read_text(encoding="utf-8")
    assert f"releases/download/v{DECL.version}/{DECL.name}-{DECL.version}.zip" in download
    assert DECL.package["repository"] in download


def test_figures_are_deterministic(tmp_path, valid_package):
    a, b = tmp_path / "a", tmp_path / "b"
    write_generated(a, valid_package, DECL)
    write_generated(b, valid_package, DECL)
    assert _tree(a) == _tree(b)
    svg = (a / "generated" / "timeline.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<dc:date>" not in svg


def test_strict_build_fails_on_a_broken_link(tmp_path, valid_package, monkeypatch):
    source = tmp_path / "source"
    (source).mkdir()
    shutil.copytree(REPO / "docs", source / "docs", ignore=shutil.ignore_patterns("generated"))
    shutil.copyfile(REPO / "mkdocs.yml", source / "mkdocs.yml")
    with (source / "docs" / "download.md").open("a", encoding="utf-8") as fh:
        fh.write("\nSee [the missing page](no-such-page.md).\n")
    monkeypatch.setattr(site_module, "docs_source", lambda: source)
    out = tmp_path / "site"
    with pytest.raises(ReleaseError, match="mkdocs build --strict failed") as info:
        build_site(valid_package, out, progress=lambda _: None)
    assert any("no-such-page.md" in line for line in info.value.details)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site-")] == []


def test_build_release_builds_the_site_into_dist(tmp_path, valid_package):
    lines: list[str] = []
    build_release(valid_package, tmp_path / "dist", site=site_module.SITE, update_registry=False, progress=lines.append)
    site = tmp_path / "dist" / "site"
    assert (site / "index.html").is_file() and (site / "generated" / "timeline.svg").is_file()
    download = (site / "download" / "index.html").read_text(encoding="utf-8")
    assert "data/events.csv" in download  # the release's file list, from its datapackage.json
    assert any("documentation site" in line for line in lines)
    assert dist_leftovers(tmp_path / "dist") == []


def _dictionary_rows(page: str, table: str) -> dict[str, list[str]]:
    """The field rows of one table of the built data dictionary, as a browser shows their cells."""
    start = page.index(f'id="table-{table}"')
    section = page[start:page.index("</table>", start)]
    out = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S)[1:]:
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        out[cells[0]] = cells
    return out


def _same(example: str, value: str) -> bool:
    text = " ".join(value.split())
    if example.endswith("…"):
        return text.startswith(example[:-1])
    try:
        return float(example) == float(text)
    except ValueError:
        return example == text


def test_dictionary_examples_come_from_each_tables_own_data(built_site):
    from conftest import VALID_ROWS

    page = (built_site / "generated" / "data-dictionary" / "index.html").read_text(encoding="utf-8")
    for table in ("places", "agreements", "events", "actors"):
        rows = _dictionary_rows(page, table)
        for f in DECL.tables[table].fields:
            first = next((r[f.name] for r in VALID_ROWS.get(table, []) if str(r.get(f.name, "")).strip()), None)
            example = rows[f.name][-1]
            if first is None:
                assert example == "", f"{table}.{f.name}: an example where the table has no value"
            else:
                assert _same(example, first), f"{table}.{f.name}: example {example!r}, first value {first!r}"
    assert "do not edit" not in page and "schemas/*.yaml" not in page


# Pages for readers (the contributors' pages may name the repository's files and tools).
CONTRIBUTOR_PAGES = ("architecture/", "contributing/", "errors/", "design-decisions/", "importers/")
WORKSHOP = re.compile(r"\.\./shared|\bscratch\b|scripts/|helper script|generated from (the declaration|schemas)|"
                      r"do not edit|/work/|\.venv|worktree", re.IGNORECASE)


def _reader_text(page: str) -> str:
    article = re.search(r"<article.*?</article>", page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", article.group(0) if article else ""))


def test_reader_pages_hold_no_workshop_notes(built_site):
    hits = []
    for path in sorted(built_site.rglob("*.html")):
        rel = path.relative_to(built_site).as_posix()
        if rel.startswith(CONTRIBUTOR_PAGES):
            continue
        for m in WORKSHOP.finditer(_reader_text(path.read_text(encoding="utf-8"))):
            hits.append(f"{rel}: {m.group(0)!r}")
    assert hits == []


def test_workshop_check_sees_a_note():
    assert WORKSHOP.search(_reader_text("<article>Generated from schemas/*.yaml; do not edit</article>"))


def test_changelog_page_heads_this_release_and_puts_data_first(built_site):
    text = _reader_text((built_site / "generated" / "changelog" / "index.html").read_text(encoding="utf-8"))
    assert "Unreleased" not in text
    assert f"{DECL.version} — this release" in text
    assert text.index("Data") < text.index("Tooling")


def test_home_page_shows_the_release_at_a_glance(built_site):
    from conftest import VALID_ROWS

    text = " ".join(_reader_text((built_site / "index.html").read_text(encoding="utf-8")).split())
    assert f"{len(VALID_ROWS['events'])} events" in text and f"{len(VALID_ROWS['claims'])} claims" in text
    assert "carry a fatality figure" in text and "verification" in text
    assert "DOI" in text and "year = {" in text
