"""The documentation site: hand-written pages from ``docs/`` plus pages, snippets and figures
generated from the declaration and the data at build time, built by MkDocs (material theme)
with ``--strict``.

Generated files go to ``docs/generated/`` of a *staging copy* of the docs (the checkout is never
written by a build); ``write_generated`` can also write them into the checkout's gitignored
``docs/generated/`` for ``mkdocs serve``. Nothing generated is committed, so nothing can drift."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..declaration import Declaration
from ..markdown_text import fenced, literal
from ..paths import repo_root
from ..release.citation import bibtex, citation_text, doi, download_url, release_page_url
from ..release.dictionary import cell, data_dictionary, examples_from, vocabulary_section
from ..exceptions import ReleaseError
from .control_map import control_pages
from .event_map import map_page
from .event_pages import event_pages
from .event_text import index as index_records
from .build_date import build_date
from .changelog import changelog_page
from .figures import timeline
from .home import glance
from .templates import render
from ..release.registry import REGISTRY_NAME, committed_registry, read_registry

GENERATED = "generated"
SNIPPETS = f"{GENERATED}/snippets"
MKDOCS_TIMEOUT = 300


def _read_records(root: Path, decl: Declaration) -> dict[str, list[dict[str, Any]]]:
    from ..formats.values import records
    from ..release.build import read_tables

    raws = read_tables(root, decl)
    return {name: records(decl.tables[name], frame) for name, frame in raws.items()}


def _overview(decl: Declaration, rows: dict[str, list[dict[str, Any]]]) -> str:
    return render("overview.md.j2", version=decl.version, tables=list(decl.tables.values()), rows=rows)


def _citation(decl: Declaration, built: dt.date | None) -> str:
    year = built.year if built else None
    return render("citation.md.j2", text=citation_text(decl, cell, year=year),
                  bibtex=fenced("bibtex", bibtex(decl, year=year)), doi=doi(decl), version=decl.version)


def _downloads(decl: Declaration, root: Path, release_dir: Path | None, releases: dict[str, Any] | None = None) -> str:
    name = f"{decl.name}-{decl.version}"
    registry_path = committed_registry(root) or (repo_root() / "src" / "syria_conflict_events" / REGISTRY_NAME
                                                 if repo_root() else None)
    if releases is None:
        releases = read_registry(registry_path)["releases"] if registry_path and registry_path.is_file() else {}
    resources = None
    if release_dir is not None and (release_dir / "datapackage.json").is_file():
        resources = json.loads((release_dir / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    return render("downloads.md.j2", version=decl.version, zip_name=name, page_url=release_page_url(decl),
                  zip_url=download_url(decl, name + ".zip"), sums_url=download_url(decl, "SHA256SUMS"),
                  releases=releases, resources=resources)


def _figures(decl: Declaration, rows: dict[str, list[dict[str, Any]]], out: Path) -> str:
    t = timeline(decl, rows.get("events", []), out / "timeline.svg")
    return render("figures.md.j2", note=t)


def _coverage(root: Path, decl: Declaration) -> str:
    try:
        from ..coverage import coverage, density, goals_markdown, to_markdown
    except ImportError:
        return "# Coverage\n\nCoverage per day is not available in this version of the tools.\n"
    if "coverage" not in decl.package or "front" not in decl.vocabularies:
        return "# Coverage\n\nThe package declares no coverage span.\n"
    matrix, empty = coverage(root, decl)
    # The tables are coverage.py's, as `sce coverage` prints them.
    return render("coverage.md.j2", span=decl.package["coverage"], empty=empty, matrix=to_markdown(matrix, decl),
                  goals=goals_markdown(density(root, decl, matrix)))


def _release_diff(release_dir: Path | None) -> str:
    diff = release_dir / "RELEASE-DIFF.md" if release_dir is not None else None
    return render("release_diff.md.j2", text=diff.read_text(encoding="utf-8") if diff and diff.is_file() else None)


def write_generated(docs_dir: Path, root: Path, decl: Declaration, release_dir: Path | None = None,
                    releases: dict[str, Any] | None = None) -> list[str]:
    """Write every generated page, snippet and figure under ``docs_dir/generated``; return their paths."""
    out = docs_dir / GENERATED
    if out.exists():
        shutil.rmtree(out)
    (out / "snippets").mkdir(parents=True)
    rows = _read_records(root, decl)
    records = index_records(rows)
    built = build_date(repo_root())
    files: dict[str, str] = {
        f"{GENERATED}/data-dictionary.md": data_dictionary(decl, examples_from(decl, rows), note=False),
        f"{GENERATED}/coverage.md": _coverage(root, decl),
        f"{GENERATED}/release-diff.md": _release_diff(release_dir),
        f"{SNIPPETS}/overview.md": _overview(decl, rows),
        f"{SNIPPETS}/glance.md": glance(decl, rows, records),
        f"{SNIPPETS}/citation.md": _citation(decl, built),
        f"{SNIPPETS}/downloads.md": _downloads(decl, root, release_dir, releases),
        f"{SNIPPETS}/figures.md": _figures(decl, rows, out),
    }
    changelog = root / "CHANGELOG.md"
    if not changelog.is_file() and repo_root():
        changelog = repo_root() / "CHANGELOG.md"
    files[f"{GENERATED}/changelog.md"] = changelog_page(
        changelog.read_text(encoding="utf-8") if changelog.is_file() else None, decl.version,
        built.isoformat() if built else None)
    for name in decl.vocabularies:
        section = vocabulary_section(decl, name)[2:]  # without the heading: pages give their own
        files[f"{SNIPPETS}/vocabulary-{name}.md"] = "\n".join(section)
    files[f"{GENERATED}/map.md"] = map_page(records, docs_dir)
    for sub, pages in (("events", event_pages(records)), ("control", control_pages(records, docs_dir))):
        (out / sub).mkdir()
        files.update({f"{GENERATED}/{sub}/{name}": text for name, text in pages.items()})
    for rel, text in files.items():
        (docs_dir / rel).write_text(text, encoding="utf-8", newline="\n")
    return sorted([*files, f"{GENERATED}/timeline.svg"])


def docs_source() -> Path:
    source = repo_root()
    if source is None or not (source / "mkdocs.yml").is_file():
        raise ReleaseError("the documentation site is built from a source checkout (mkdocs.yml and docs/)")
    return source


def render_site(root: Path, built: Path, scratch: Path, *, release_dir: Path | None = None,
                decl: Declaration | None = None, releases: dict[str, Any] | None = None) -> Path:
    """Generate the pages into a staging copy of the docs (in ``scratch``, removed afterwards) and
    run ``mkdocs build --strict`` into ``built`` (a path that does not exist yet).
    ``releases`` replaces the registry's entries on the downloads page (a build passes the
    registry it is about to write)."""
    from ..release.build import declaration_for

    decl = decl or declaration_for(root)
    source = docs_source()
    built = Path(built).resolve()  # mkdocs runs in the staging folder: a relative path would land there
    stage = Path(scratch).resolve() / "site-src"
    shutil.copytree(source / "docs", stage / "docs", ignore=shutil.ignore_patterns(GENERATED))
    shutil.copyfile(source / "mkdocs.yml", stage / "mkdocs.yml")
    write_generated(stage / "docs", root, decl, release_dir, releases)
    # Never --quiet: it hides the warnings that --strict counts, and a broken link would pass.
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict",
           "--config-file", str(stage / "mkdocs.yml"), "--site-dir", str(built)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    try:
        done = subprocess.run(cmd, cwd=stage, capture_output=True, text=True, timeout=MKDOCS_TIMEOUT, env=env)
    except subprocess.TimeoutExpired as exc:
        raise ReleaseError(f"mkdocs build took longer than {MKDOCS_TIMEOUT} s") from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines()
        raise ReleaseError("mkdocs build --strict failed", lines[-60:])
    return built


class _Site:
    """The site as a step of the release build (``build_release(..., site=SITE)``). Looks its
    functions up when called, so a test can replace ``render_site`` or ``docs_source``."""

    def check(self) -> None:
        docs_source()

    def render(self, root: Path, built: Path, scratch: Path, **options: Any) -> Path:
        return render_site(root, built, scratch, **options)


SITE = _Site()


def build_site(root: Path, out: Path, *, release_dir: Path | None = None, decl: Declaration | None = None,
               progress: Callable[[str], Any] = print) -> Path:
    """The site into ``out``, which is replaced in one step only when the build succeeds: a new
    generation of ``out``'s folder, holding the new site and the folder's other published entries,
    is switched to in one rename (:mod:`..release.swap`)."""
    from ..release.swap import begin, discard, locked, publish, recover

    out = Path(out)
    parent = out.parent.resolve()  # not out itself: dist/site is a link into the current generation
    out = parent / out.name
    parent.mkdir(parents=True, exist_ok=True)
    with locked(parent):
        for line in recover(parent):
            progress(line)
        work = Path(tempfile.mkdtemp(prefix=".site-", dir=parent))
        generation = begin(parent)
        published = False
        try:
            render_site(root, generation / out.name, work, release_dir=release_dir, decl=decl)
            publish(parent, generation)
            published = True
        finally:
            if not published:
                discard(generation)
            shutil.rmtree(work, ignore_errors=True)
    progress(f"site: {sum(1 for _ in out.rglob('*.html'))} pages in {out}")
    return out
