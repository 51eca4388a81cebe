"""Build a release: validate, then write every format into a new generation under ``dist/``,
checksum and zip it, write the registry and (optionally) the site beside it, and only then switch
``dist/`` to that generation in one rename (:mod:`.swap`: a failed, interrupted or killed build
leaves ``dist/`` showing the complete previous release or the complete new one; ``data/`` is only
ever read).

``dist/<name>-<version>/`` holds datapackage.json, README.md, the data dictionary, CHANGELOG.md,
LICENSE-DATA, SHA256SUMS, and each table as CSV (``data/``), JSON records (``json/``), Parquet
(``parquet/``), Stata (``stata/``), one SQLite database (``sqlite/``), one Excel workbook
(``excel/``), places and events as GeoJSON (``geojson/``) and CITATION.cff; with ``previous`` also
the release diff. ``dist/<name>-<version>.zip`` holds the same. Both, ``dist/releases.json`` and
``dist/site`` are links into ``dist/current`` where the platform has symbolic links."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..declaration import Declaration, package_declaration
from ..diff.rows import ReleaseDiff, diff_snapshots, to_markdown
from ..diff.semver import version_problem
from ..diff.snapshot import declared_snapshot, open_snapshot
from ..exceptions import ReleaseError
from ..formats.geojson import has_geo_tables, located_places, write_events_geojson, write_places_geojson
from ..formats.json_records import write_json_records
from ..formats.parquet import write_parquet
from ..formats.sqlite import write_sqlite
from ..formats.stata import write_stata
from ..formats.xlsx import write_xlsx
from ..formats.zipping import Packer, sha256_file, sha256sums, write_zip
from ..generate import citation_cff, dumps
from ..paths import repo_root, resource_root
from .columns import from_validated
from .descriptor import Artifact, release_descriptor
from .dictionary import data_dictionary, examples_in_package
from .readme import release_readme
from .registry import REGISTRY_NAME, committed_registry, merged_registry, write_registry
from .swap import begin, discard, locked, publish, recover
from .workbook import readme_lines

if TYPE_CHECKING:
    import pyarrow as pa

Progress = Callable[[str], Any]


class SiteStep(Protocol):
    """The documentation site as a step of the build. The site room (``site.pages.SITE``) passes
    itself in, so the build never imports the site: the site sits above the release."""

    def check(self) -> None: ...

    def render(self, root: Path, built: Path, scratch: Path, *, release_dir: Path | None,
               decl: Declaration, releases: dict[str, Any] | None) -> Path: ...

CHECKSUMS = "SHA256SUMS"
DIFF_MARKDOWN, DIFF_JSON = "RELEASE-DIFF.md", "release-diff.json"
SQLITE_DIR, JSON_DIR, PARQUET_DIR, GEOJSON_DIR = "sqlite", "json", "parquet", "geojson"
STATA_DIR, EXCEL_DIR = "stata", "excel"


def release_name(decl: Declaration) -> str:
    return f"{decl.name}-{decl.version}"


def default_dist() -> Path:
    return (repo_root() or Path.cwd()) / "dist"


def declaration_for(root: Path) -> Declaration:
    """The package's own declaration when it carries one, else the installed one (the same as
    `sce validate` reads: :func:`~syria_conflict_events.declaration.package_declaration`)."""
    return package_declaration(root)


class _Steps:
    """Numbered progress lines with the time each step took; steps may run in several threads at
    once (each line is numbered when its step ends, so the numbers count up as the lines appear)."""

    def __init__(self, progress: Progress, total: int):
        self.progress, self.total, self.n = progress, total, 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def step(self, title: str):
        start = time.perf_counter()
        note: list[str] = []
        yield note
        detail = f": {note[0]}" if note else ""
        with self._lock:
            self.n += 1
            self.progress(f"[{self.n}/{self.total}] {title}{detail} ({time.perf_counter() - start:.1f} s)")


def _validate(root: Path, decl: Declaration) -> tuple[dict[str, pa.Table], dict[str, pa.Table]]:
    """(tables for the writers, the same with date32 dates): the tables validation checked."""
    from ..validation import UsageError, render, validate_package

    try:
        report = validate_package(root, decl=decl, keep_tables=True)
    except UsageError as exc:
        raise ReleaseError(f"cannot validate {root}: {exc}", exit_code=2) from exc
    if not report.valid:
        lines = render(report, "text").rstrip("\n").splitlines()
        raise ReleaseError(f"validation failed with {len(report.errors)} errors; nothing was built", lines,
                           exit_code=report.exit_code)
    return from_validated(decl, report.tables, report.rows)


def read_tables(root: Path, decl: Declaration) -> dict[str, Any]:
    from ..validation.structure import read_raw_table

    raws = {}
    for table in decl.tables.values():
        raw, errors = read_raw_table(root, table)
        if raw is None or errors:
            raise ReleaseError(f"{table.path} could not be read", [str(e) for e in errors])
        raws[table.name] = raw.frame
    return raws


def compare_with_previous(previous: Path, decl: Declaration, root: Path) -> ReleaseDiff:
    """The diff against ``previous`` (the package's CSV text, table by table, as Arrow columns);
    refuses a version smaller than the change requires and any broken identifier rule."""
    old = open_snapshot(previous)
    if old.name and old.name != decl.name:
        raise ReleaseError(f"{previous} is a release of {old.name!r}, not {decl.name!r}")
    diff = diff_snapshots(old, declared_snapshot(decl, root))
    problems = list(diff.problems)
    try:
        problem = version_problem(old.version, decl.version, diff.level)
    except ValueError as exc:
        raise ReleaseError(f"cannot compare versions: {exc}") from exc
    if problem:
        problems.insert(0, problem + " (change `version` in schemas/package.yaml)")
    if problems:
        raise ReleaseError(f"refusing to build {decl.version} after {old.version or previous}",
                           problems + [f"{lvl}: {why}" for lvl, why in diff.reasons][:50])
    return diff


@dataclass
class _Writer:
    """One format: ``write(note)`` writes its files, hands each to the packer and returns its
    artifacts."""

    title: str
    write: Callable[[list[str]], list[Artifact]]


# Writers run in lanes: the writers of a lane one after the other, the lanes at once, each in its
# own thread; the packer deflates each file as soon as it is done. SQLite's load (in C, by the ADBC
# driver) is the longest writer by far; Parquet and GeoJSON spend their time in Arrow's kernels,
# the Parquet encoder and file writes, all of which release the GIL. At 1M events SQLite alone in a
# lane, the other three beside it, took 27.3 and 29.6 s against 27.1 and 33.3 s for these lanes
# (alternating runs, idle machine): no difference worth a change.
# Stata (pandas) and Excel (openpyxl) are written in Python, holding the GIL: one in each lane.
LANES: tuple[tuple[str, ...], ...] = (("sqlite", "json", "xlsx"), ("parquet", "geojson", "stata"))


def _writers(decl: Declaration, root: Path, stage: Path, tables: dict[str, pa.Table],
             dated: dict[str, pa.Table], packer: Packer) -> dict[str, _Writer]:
    for sub in ("data", JSON_DIR, PARQUET_DIR, SQLITE_DIR, STATA_DIR, EXCEL_DIR):
        (stage / sub).mkdir()

    def csv_and_sqlite(note: list[str]) -> list[Artifact]:
        for t in decl.tables.values():
            shutil.copyfile(root / t.path, stage / t.path)  # validated canonical bytes, unchanged
            packer.add(t.path)
        path = f"{SQLITE_DIR}/{decl.name}.sqlite"
        write_sqlite(decl, tables, stage / path, foreign_keys_proved=True)  # tables from a valid report
        packer.add(path)
        note.append(f"{len(tables)} tables, {sum(a.num_rows for a in tables.values())} rows")
        return [Artifact("sqlite", path, "sqlite", "application/vnd.sqlite3", "SQLite database",
                         "Every table in one SQLite database with primary keys, foreign keys and CHECK "
                         "constraints (run PRAGMA foreign_keys = ON to enforce them on change).")]

    def per_table(note: list[str], kind: str, folder: str, suffix: str, fmt: str, mediatype: str, label: str,
                  write: Callable[[Any, Path], None], describe: Callable[[str], str]) -> list[Artifact]:
        """One file per table, written by ``write(table, path)``, packed and described alike."""
        out = []
        for t in decl.tables.values():
            path = f"{folder}/{t.name}.{suffix}"
            write(t, stage / path)
            packer.add(path)
            out.append(Artifact(f"{t.name}-{kind}", path, fmt, mediatype, f"{t.title} ({label})", describe(t.title)))
        note.append(f"{len(out)} files")
        return out

    def json_records(note: list[str]) -> list[Artifact]:
        return per_table(note, "json", JSON_DIR, "json", "json", "application/json", "JSON",
                         lambda t, path: write_json_records(decl, t, tables[t.name], path),
                         lambda title: f"{title} as JSON records (an array of objects, null when empty).")

    def geojson(note: list[str]) -> list[Artifact]:
        (stage / GEOJSON_DIR).mkdir()
        places, events = tables["places"], tables["events"]
        out = []
        for name in ("places", "events"):
            path = f"{GEOJSON_DIR}/{name}.geojson"
            if name == "places":
                write_places_geojson(decl, places, stage / path)
            else:
                write_events_geojson(decl, events, places, stage / path)
            packer.add(path)
            out.append(Artifact(f"{name}-geojson", path, "geojson", "application/geo+json",
                                f"{name.capitalize()} (GeoJSON)",
                                f"{name.capitalize()} as GeoJSON points (null geometry where the "
                                "place has no coordinates)."))
        note.append(f"{located_places(places)} of {places.num_rows} places have a point")
        return out

    def parquet(note: list[str]) -> list[Artifact]:
        return per_table(note, "parquet", PARQUET_DIR, "parquet", "parquet", "application/vnd.apache.parquet",
                         "Parquet", lambda t, path: write_parquet(decl, t, dated[t.name], path),
                         lambda title: f"{title} as Parquet with typed columns.")

    def stata(note: list[str]) -> list[Artifact]:
        return per_table(note, "stata", STATA_DIR, "dta", "dta", "application/x-stata-dta", "Stata",
                         lambda t, path: write_stata(decl, t, dated[t.name], path),
                         lambda title: f"{title} as Stata 14+ data (format 118) with variable and value labels.")

    def xlsx(note: list[str]) -> list[Artifact]:
        path = f"{EXCEL_DIR}/{decl.name}.xlsx"
        write_xlsx(decl, dated, readme_lines(decl), stage / path)
        packer.add(path)
        note.append(f"{len(decl.tables)} sheets and a README sheet")
        return [Artifact("xlsx", path, "xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook",
                         "Every table as a sheet of one Excel workbook, with a README sheet.")]

    writers = {"sqlite": _Writer("CSV and SQLite", csv_and_sqlite), "json": _Writer("JSON records", json_records),
               "parquet": _Writer("Parquet", parquet), "stata": _Writer("Stata", stata),
               "xlsx": _Writer("Excel", xlsx)}
    if has_geo_tables(decl):
        writers["geojson"] = _Writer("GeoJSON", geojson)
    return writers


def _write_formats(decl: Declaration, root: Path, stage: Path, tables: dict[str, pa.Table],
                   dated: dict[str, pa.Table], steps: _Steps, packer: Packer) -> list[Artifact]:
    """Every data format, the lanes of :data:`LANES` at once; each file goes to ``packer``
    (hashed and deflated in the background) as soon as it is complete. When a writer fails, the
    writers not yet started are skipped, the running ones finish (their files are in the scratch
    directory, removed by the caller), and the first failure in :data:`LANES` order is raised."""
    writers = _writers(decl, root, stage, tables, dated, packer)
    failed = threading.Event()
    done: dict[str, list[Artifact]] = {}

    def lane(keys: tuple[str, ...]) -> None:
        for key in keys:
            if key not in writers or failed.is_set():
                continue
            try:
                with steps.step(writers[key].title) as note:
                    done[key] = writers[key].write(note)
            except BaseException:
                failed.set()
                raise

    pool = ThreadPoolExecutor(max_workers=len(LANES), thread_name_prefix="writer")
    try:
        futures = [pool.submit(lane, keys) for keys in LANES]
        wait(futures)
    except BaseException:  # interrupted: no writer starts any more
        failed.set()
        raise
    finally:
        pool.shutdown(wait=True)  # the running writers finish before the caller removes their directory
    for future in futures:
        future.result()  # re-raises a lane's failure
    order = ("json", "parquet", "sqlite", "geojson", "stata", "xlsx")  # the order of the release's datapackage.json
    return [a for key in order for a in done.get(key, [])]


def _write_documents(decl: Declaration, root: Path, stage: Path, diff: ReleaseDiff | None,
                     progress: Progress) -> list[Artifact]:
    artifacts = []

    def text(name: str, path: str, content: str, fmt: str, mediatype: str, title: str, description: str) -> None:
        (stage / path).write_text(content, encoding="utf-8", newline="\n")
        artifacts.append(Artifact(name, path, fmt, mediatype, title, description))

    # Examples from each table's own rows (a field shared by several tables has one declared example).
    examples = examples_in_package(decl, read_tables(root, decl))
    text("data-dictionary", "DATA-DICTIONARY.md", data_dictionary(decl, examples), "md", "text/markdown",
         "Data dictionary", "Every table, field, key and vocabulary, generated from the declaration.")
    changelog = root / "CHANGELOG.md"
    if changelog.is_file():
        text("changelog", "CHANGELOG.md", changelog.read_text(encoding="utf-8"), "md", "text/markdown",
             "Changelog", "What changed in each release.")
    else:
        progress("warning: CHANGELOG.md not found; the release has no changelog")
    text("citation", "CITATION.cff", citation_cff(decl), "cff", "application/yaml", "Citation",
         "How to cite this release, in the Citation File Format.")
    licence = root / "LICENSE-DATA"
    if licence.is_file():
        text("license-data", "LICENSE-DATA", licence.read_text(encoding="utf-8"), "txt", "text/plain",
             "Data licence", "The licence of the data.")
    if diff is not None:
        text("release-diff", DIFF_MARKDOWN, to_markdown(diff), "md", "text/markdown", "Release diff",
             f"Rows added, removed and changed since {diff.old_version}, by table.")
        with (stage / DIFF_JSON).open("wb") as fh:  # streamed: a whole release added is millions of rows
            diff.write_json(fh)
        artifacts.append(Artifact("release-diff-json", DIFF_JSON, "json", "application/json", "Release diff (JSON)",
                                  f"The complete row-level diff against {diff.old_version}."))
    return artifacts


def _check_dist(root: Path, dist: Path) -> None:
    data = (root / "data").resolve()
    target = dist.resolve()
    if target == data or data in target.parents or target == root.resolve():
        raise ReleaseError(f"{dist}: the release must not be built into the package's own files")


def build_release(root: Path | None = None, dist: Path | None = None, *, previous: Path | None = None,
                  site: SiteStep | None = None, update_registry: bool = True, progress: Progress = print) -> Path:
    """Validate the package at ``root`` and build its release under ``dist``; return the zip's path.

    Raises :class:`ReleaseError` (nothing built) when validation fails, when ``previous`` requires a
    larger version or shows a lost identifier, or when a file cannot be written."""
    root = Path(root) if root is not None else resource_root()
    # Absolute from here on: the site's mkdocs runs in another directory, where a relative path
    # would point elsewhere.
    dist = (Path(dist) if dist is not None else default_dist()).resolve()
    _check_dist(root, dist)
    decl = declaration_for(root)
    name = release_name(decl)
    if site is not None:
        site.check()  # fail before building anything when the docs sources are missing
    steps = _Steps(progress, 11 + int(has_geo_tables(decl)) + int(previous is not None) + int(site is not None))
    progress(f"Building {name} from {root} into {dist}")

    with steps.step("validate") as note:
        tables, dated = _validate(root, decl)
        note.append(f"{len(tables)} tables, {sum(t.num_rows for t in tables.values())} rows valid")
    diff = None
    if previous is not None:
        with steps.step(f"compare with {previous}") as note:
            diff = compare_with_previous(Path(previous), decl, root)
            note.append(f"{diff.level} change from {diff.old_version}")

    dist.mkdir(parents=True, exist_ok=True)
    with locked(dist):
        for line in recover(dist):
            progress(line)
        digest = _build_and_swap(root, dist, decl, tables, dated, diff, steps, progress,
                                 site=site, update_registry=update_registry)
    final_zip = dist / f"{name}.zip"
    committed = committed_registry(root) if update_registry else None
    if committed is not None:  # the source checkout's copy, outside dist/: one file, written atomically
        write_registry(committed, merged_registry(committed, decl.version, final_zip.name, digest))
    if site is not None:
        progress(f"site: {sum(1 for _ in (dist / 'site').rglob('*.html'))} pages in {dist / 'site'}")
    progress(f"Built {final_zip} ({final_zip.stat().st_size:,} bytes)")
    return final_zip


def _build_and_swap(root: Path, dist: Path, decl: Declaration, tables: dict[str, pa.Table],
                    dated: dict[str, pa.Table], diff: ReleaseDiff | None, steps: _Steps, progress: Progress, *,
                    site: SiteStep | None, update_registry: bool) -> str:
    """Everything the release replaces in ``dist`` (its directory, zip, registry and site) built as
    a new generation of ``dist``, then published by one switch (:mod:`.swap`); scratch files go to
    a working folder that is never published. Returns the zip's SHA-256."""
    name = release_name(decl)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=dist))  # scratch: never published
    new = begin(dist)
    packer: Packer | None = None
    published = False
    try:
        stage = new / name
        stage.mkdir()
        packer = Packer(stage, work / "deflated")
        artifacts = _write_formats(decl, root, stage, tables, dated, steps, packer)
        with steps.step("documents") as note:
            documents = _write_documents(decl, root, stage, diff, progress)
            readme = Artifact("readme", "README.md", "md", "text/markdown", "Read me",
                              "What the release holds and how to cite it.")
            all_artifacts = [readme, *documents, *artifacts]
            (stage / "README.md").write_text(release_readme(decl, all_artifacts), encoding="utf-8", newline="\n")
            note.append(", ".join(a.path for a in [readme, *documents]))
        with steps.step("datapackage.json and SHA256SUMS") as note:
            descriptor = release_descriptor(decl, stage, all_artifacts, hash_file=packer.sha256)
            (stage / "datapackage.json").write_text(dumps(descriptor), encoding="utf-8", newline="\n")
            (stage / CHECKSUMS).write_text(sha256sums(stage, exclude={CHECKSUMS}, hash_file=packer.sha256),
                                           encoding="utf-8", newline="\n")
            note.append(f"{len(descriptor['resources'])} resources, hashed while deflating for the zip")
        with steps.step("zip") as note:
            zip_path = new / f"{name}.zip"
            write_zip(stage, zip_path, name, packer.members())
            digest = sha256_file(zip_path)
            note.append(f"{zip_path.stat().st_size:,} bytes, sha256 {digest[:16]}…")
        packer.close()  # its workers stop before their scratch files are removed
        packer = None
        with steps.step("registry") as note:
            registry = merged_registry(dist / REGISTRY_NAME, decl.version, zip_path.name, digest)
            write_registry(new / REGISTRY_NAME, registry)
            committed = committed_registry(root) if update_registry else None
            shown = merged_registry(committed, decl.version, zip_path.name, digest) if committed else None
            note.append(", ".join(str(t) for t in [dist / REGISTRY_NAME, committed] if t))
        if site is not None:
            with steps.step("documentation site") as note:
                site.render(root, new / "site", work, release_dir=stage, decl=decl,
                            releases=shown["releases"] if shown else None)
                note.append(str(dist / "site"))
        with steps.step("switch dist/ to the new release") as note:
            publish(dist, new)
            published = True
            note.append(f"{dist / name}, {zip_path.name}, {REGISTRY_NAME}" + (", site" if site is not None else ""))
    finally:
        if packer is not None:
            packer.close()  # workers stop before their scratch files are removed
        if not published:
            discard(new)
        shutil.rmtree(work, ignore_errors=True)
    return digest
