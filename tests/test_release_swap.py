"""One release, replaced as one unit (issue 18): the release directory, its zip, dist/releases.json
and the site are swapped in together; a run killed at any moment, the swap included, leaves the
complete previous release or (once the next run has finished the swap) the complete new one, and
the next run removes what a killed run left. A failing site step publishes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.release import ReleaseError, build_release
from syria_conflict_events.release.build import release_name
from syria_conflict_events.release.swap import JOURNAL, locked, recover, swap_in
from syria_conflict_events.site import pages as site_module

NAME = release_name(load_declaration())
ENTRIES = ["rel", "rel.zip", "releases.json", "site"]


def _tree(path: Path) -> dict[str, str]:
    return {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def _generation(root: Path, tag: str) -> None:
    """The four entries of one release, each marked with ``tag``."""
    (root / "rel").mkdir(parents=True)
    (root / "rel" / "data.csv").write_text(f"{tag}\n")
    (root / "rel.zip").write_text(f"zip {tag}\n")
    (root / "releases.json").write_text(json.dumps({"tag": tag}))
    (root / "site" / "sub").mkdir(parents=True)
    (root / "site" / "index.html").write_text(f"<p>{tag}</p>")
    (root / "site" / "sub" / "page.html").write_text(f"<p>{tag} page</p>")


def _tags(dist: Path) -> set[str] | None:
    """The one tag every entry of ``dist`` carries, or None when the entries are mixed or partial."""
    try:
        tags = {(dist / "rel" / "data.csv").read_text().strip(), (dist / "rel.zip").read_text().split()[1],
                json.loads((dist / "releases.json").read_text())["tag"],
                (dist / "site" / "index.html").read_text()[3:-4],
                (dist / "site" / "sub" / "page.html").read_text().split()[0][3:]}
    except (OSError, KeyError, IndexError, ValueError):
        return None
    return tags if len(tags) == 1 else None


KILLER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from syria_conflict_events.release import swap
    dist, work, kill_at = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    calls = {"n": 0}
    real = swap._move
    def move(src, dst):
        calls["n"] += 1
        if calls["n"] == kill_at:
            os._exit(9)  # killed: no finally block, no clean-up
        real(src, dst)
    swap._move = move
    swap.swap_in(dist, work, ["rel", "rel.zip", "releases.json", "site"])
""")


@pytest.mark.parametrize("kill_at", range(1, 10))  # the journal's rename, then 4 x (aside, into place)
def test_killed_during_the_swap_leaves_one_complete_release(tmp_path, kill_at):
    dist = tmp_path / "dist"
    _generation(dist, "old")
    work = dist / ".building-x"
    _generation(work / "new", "new")
    done = subprocess.run([sys.executable, "-c", KILLER, str(dist), str(work), str(kill_at)], capture_output=True)
    assert done.returncode == 9, done.stderr
    if not (dist / JOURNAL).exists():
        assert _tags(dist) == {"old"}  # killed before the commit point: untouched
    with locked(dist):
        recover(dist)  # what the next run does first
    assert _tags(dist) == ({"old"} if kill_at == 1 else {"new"})
    assert sorted(p.name for p in dist.iterdir()) == sorted(ENTRIES)  # no journal, no working folder


def test_swap_without_a_kill(tmp_path):
    dist = tmp_path / "dist"
    _generation(dist, "old")
    _generation(dist / ".building-y" / "new", "new")
    swap_in(dist, dist / ".building-y", ENTRIES)
    assert _tags(dist) == {"new"}
    assert sorted(p.name for p in dist.iterdir()) == sorted(ENTRIES)


def test_recover_removes_only_what_killed_runs_leave(tmp_path):
    dist = tmp_path / "dist"
    _generation(dist, "old")
    leftovers = [".building-abc", ".site-def", ".releases.json.123.tmp", ".release-swap.json.tmp",
                 f".{NAME}.zip.replaced-77"]
    (dist / leftovers[0] / "new").mkdir(parents=True)
    (dist / leftovers[1]).mkdir()
    for name in leftovers[2:]:
        (dist / name).write_text("x")
    kept = [".gitignore", "notes.tmp", "other.zip"]
    for name in kept:
        (dist / name).write_text("mine")
    done = recover(dist)
    assert len(done) == len(leftovers)
    assert sorted(p.name for p in dist.iterdir()) == sorted(ENTRIES + kept)


@pytest.mark.release_build
def test_build_removes_leftovers_of_a_killed_build(tmp_path, valid_package):
    dist = tmp_path / "dist"
    (dist / ".building-old" / "new").mkdir(parents=True)
    (dist / ".releases.json.4242.tmp").write_text("{")
    lines: list[str] = []
    build_release(valid_package, dist, update_registry=False, progress=lines.append)
    assert sorted(p.name for p in dist.iterdir()) == sorted([NAME, f"{NAME}.zip", "releases.json"])
    assert any("left by a build that was stopped" in line for line in lines)


def _complete(dist: Path) -> None:
    """dist/ holds one consistent release: the zip is the registered one and holds the directory."""
    zip_path = dist / f"{NAME}.zip"
    entry = json.loads((dist / "releases.json").read_text())["releases"]
    assert next(iter(entry.values()))["sha256"] == hashlib.sha256(zip_path.read_bytes()).hexdigest()
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.read(f"{NAME}/SHA256SUMS") == (dist / NAME / "SHA256SUMS").read_bytes()


REAL_KILLER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from syria_conflict_events.release import swap, build_release
    calls = {"n": 0}
    real = swap._move
    def move(src, dst):
        calls["n"] += 1
        if calls["n"] == int(sys.argv[3]):
            os._exit(9)
        real(src, dst)
    swap._move = move
    build_release(Path(sys.argv[1]), Path(sys.argv[2]), update_registry=False, progress=lambda _: None)
""")


@pytest.mark.release_build
def test_build_killed_in_its_swap_is_finished_by_the_next_run(tmp_path, make_package):
    def longer(rows: dict) -> None:
        rows["events"][0]["summary"] += " A second source confirms it."

    old, new = make_package(), make_package(longer)
    dist = tmp_path / "dist"
    build_release(old, dist, update_registry=False, progress=lambda _: None)
    before = (dist / f"{NAME}.zip").read_bytes()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    done = subprocess.run([sys.executable, "-c", REAL_KILLER, str(new), str(dist), "4"], capture_output=True,
                          env=env)
    assert done.returncode == 9, done.stderr
    assert (dist / JOURNAL).exists()
    with locked(dist):
        recover(dist)
    _complete(dist)
    assert (dist / f"{NAME}.zip").read_bytes() != before  # the new release, complete
    assert sorted(p.name for p in dist.iterdir()) == sorted([NAME, f"{NAME}.zip", "releases.json"])


@pytest.mark.slow
def test_figure_failure_publishes_nothing(tmp_path, valid_package, monkeypatch):
    dist = tmp_path / "dist"
    build_release(valid_package, dist, update_registry=False, progress=lambda _: None)
    before = _tree(dist)

    def crash(*args, **kwargs):
        raise ValueError("mathtext parse error (simulated)")

    monkeypatch.setattr(site_module, "timeline", crash)
    with pytest.raises(ValueError, match="simulated"):
        build_release(valid_package, dist, site=site_module.SITE, update_registry=False, progress=lambda _: None)
    assert _tree(dist) == before
    assert sorted(p.name for p in dist.iterdir()) == sorted([NAME, f"{NAME}.zip", "releases.json"])


@pytest.mark.release_build
def test_failing_mkdocs_publishes_nothing(tmp_path, valid_package, monkeypatch):
    dist = tmp_path / "dist"

    def fail(*args, **kwargs):
        raise ReleaseError("mkdocs build --strict failed (simulated)")

    monkeypatch.setattr(site_module, "render_site", fail)
    with pytest.raises(ReleaseError, match="simulated"):
        build_release(valid_package, dist, site=site_module.SITE, update_registry=False, progress=lambda _: None)
    assert list(dist.iterdir()) == []


@pytest.mark.slow
def test_relative_dist_builds_release_and_site(tmp_path, valid_package, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["build", str(valid_package), "--dist", "out", "--no-registry"]) == 0
    out = tmp_path / "out"
    assert (out / "site" / "index.html").is_file() and (out / f"{NAME}.zip").is_file()
    _complete(out)
    assert sorted(p.name for p in out.iterdir()) == sorted([NAME, f"{NAME}.zip", "releases.json", "site"])
