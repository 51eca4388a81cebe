"""One release, replaced as one unit (issue 18): the release directory, its zip, dist/releases.json
and the site are published together as one generation of dist/, switched to by one rename of the
``dist/current`` link. A run killed at any moment, the switch included, leaves dist/ showing
exactly the previous release or exactly the new one (every file's bytes), and the next run removes
what the killed run left. A failing site step publishes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import dist_leftovers, dist_names, dist_view

from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.release import ReleaseError, build_release, swap
from syria_conflict_events.release.build import release_name
from syria_conflict_events.release.swap import begin, locked, publish, recover
from syria_conflict_events.site import pages as site_module

NAME = release_name(load_declaration())
ENTRIES = ["rel", "rel.zip", "releases.json", "site"]
needs_fork = pytest.mark.skipif(not hasattr(os, "fork") or os.name != "posix", reason="kills a forked process")


def _tree(path: Path) -> dict[str, str]:
    return {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def _entries(root: Path, tag: str, names: list[str] = ENTRIES) -> None:
    """The entries of one release, each marked with ``tag`` (``rel*`` a folder, ``site`` a folder
    with a subfolder, anything else a file)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        if name == "site":
            (root / "site" / "sub").mkdir(parents=True)
            (root / "site" / "index.html").write_text(f"<p>{tag}</p>")
            (root / "site" / "sub" / "page.html").write_text(f"<p>{tag} page</p>")
        elif name.startswith("rel") and "." not in name:
            (root / name / "data").mkdir(parents=True)
            (root / name / "data" / "events.csv").write_text(f"{name} {tag}\n")
            (root / name / "SHA256SUMS").write_text(f"sums {name} {tag}\n")
        else:
            (root / name).write_text(f"{name} {tag}\n")


def _publish(dist: Path, tag: str, names: list[str] = ENTRIES) -> None:
    dist.mkdir(parents=True, exist_ok=True)
    generation = begin(dist)
    _entries(generation, tag, names)
    publish(dist, generation)


def _killed(action: Callable[[], None], kill_at: int) -> bool:
    """Run ``action`` in a forked process killed (``os._exit``: no finally block, no clean-up) at
    the ``kill_at``-th step of the swap, counting every checkpoint and every rename; False when
    the action finished before that step."""
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            calls = {"n": 0}
            real_checkpoint, real_move = swap._checkpoint, swap._move

            def counted(real: Callable[..., None]) -> Callable[..., None]:
                def step(*args: object) -> None:
                    calls["n"] += 1
                    if calls["n"] == kill_at:
                        os._exit(9)
                    real(*args)
                return step

            swap._checkpoint, swap._move = counted(real_checkpoint), counted(real_move)
            action()
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 9), f"the swap failed in the child (exit {code})"
    return code == 9


def _kill_everywhere(tmp_path: Path, setup: Callable[[Path], None], action: Callable[[Path], None]) -> list[str]:
    """Kill ``action`` on a fresh ``setup`` dist/ at each of its steps in turn; at each, dist/ must
    show exactly the old or exactly the new release (old until the switch, new from it on), and
    after the next run's clean-up the same with nothing left over. Returns old/new per step."""
    reference = tmp_path / "reference"
    setup(reference)
    old = dist_view(reference)
    action(reference)
    new = dist_view(reference)
    assert old != new
    seen = []
    for kill_at in range(1, 100):
        dist = tmp_path / f"kill-{kill_at}"
        setup(dist)
        if not _killed(lambda dist=dist: action(dist), kill_at):
            break
        view = dist_view(dist)
        assert view in (old, new), f"killed at step {kill_at}: a mix of two releases"
        seen.append("old" if view == old else "new")
        with locked(dist):
            recover(dist)  # what the next run does first
        assert dist_view(dist) == view, f"killed at step {kill_at}: the clean-up changed what dist/ shows"
        assert dist_leftovers(dist) == []
        assert dist_names(dist) == sorted({k.split("/")[0] for k in view})
        _publish(dist, "next")  # and the next run publishes normally
        assert {k: v for k, v in dist_view(dist).items() if "next" in (dist / k).read_text()}
        assert dist_leftovers(dist) == []
    else:
        raise AssertionError("the swap never finished")
    assert seen == sorted(seen, reverse=True) and seen[0] == "old" and seen[-1] == "new", seen
    return seen


@needs_fork
def test_a_rebuild_killed_at_any_step_shows_the_old_or_the_new_release(tmp_path):
    def setup(dist: Path) -> None:
        _publish(dist, "old")

    seen = _kill_everywhere(tmp_path, setup, lambda dist: _publish(dist, "new"))
    assert len(seen) >= 4  # the generation written; the switch link made; switched; cleaning up


@needs_fork
def test_a_new_version_killed_at_any_step_keeps_the_earlier_version_listed(tmp_path):
    """A new version adds names (its directory and zip; their links dangle, showing nothing, until
    the switch) and keeps the earlier version's, which its registry still lists."""
    def setup(dist: Path) -> None:
        _publish(dist, "old")

    new_version = ["rel2", "rel2.zip", "releases.json", "site"]
    _kill_everywhere(tmp_path, setup, lambda dist: _publish(dist, "new", new_version))
    dist = tmp_path / "reference"
    assert dist_names(dist) == sorted([*ENTRIES, "rel2", "rel2.zip"])
    assert (dist / "rel.zip").read_text() == "rel.zip old\n" and (dist / "rel2.zip").read_text() == "rel2.zip new\n"


@needs_fork
def test_the_first_build_killed_at_any_step_shows_nothing_or_the_release(tmp_path):
    seen = _kill_everywhere(tmp_path, lambda dist: dist.mkdir(parents=True), lambda dist: _publish(dist, "new"))
    assert seen[0] == "old"  # old is the empty dist/


def test_publish_switches_one_link(tmp_path):
    dist = tmp_path / "dist"
    _publish(dist, "old")
    first = os.readlink(dist / "current")
    _publish(dist, "new")
    assert os.readlink(dist / "current") != first and not (dist / first).exists()  # the old generation removed
    for name in ENTRIES:
        assert os.readlink(dist / name) == f"current/{name}"  # relative: dist/ may be moved or served
    assert (dist / "rel" / "data" / "events.csv").read_text() == "rel new\n"
    assert dist_leftovers(dist) == []
    moved = tmp_path / "moved"
    dist.rename(moved)
    assert (moved / "site" / "index.html").read_text() == "<p>new</p>"


def test_a_killed_write_of_the_generation_leaves_dist_as_it_was(tmp_path):
    dist = tmp_path / "dist"
    _publish(dist, "old")
    before = dist_view(dist)
    half = begin(dist)  # killed while writing it: no switch happened
    _entries(half, "new", ["rel"])
    (dist / ".building-x").mkdir()
    assert dist_view(dist) == before
    done = recover(dist)
    assert len(done) == 2 and dist_leftovers(dist) == [] and dist_view(dist) == before


def test_a_dist_from_before_generations_is_converted(tmp_path):
    """Real entries (the layout of earlier builds) are replaced by links; other files are left."""
    dist = tmp_path / "dist"
    _entries(dist, "old", [*ENTRIES, "rel0", "rel0.zip"])
    (dist / "notes.txt").write_text("mine")
    _publish(dist, "new")
    assert dist_names(dist) == sorted([*ENTRIES, "rel0", "rel0.zip", "notes.txt"])
    assert (dist / "rel" / "data" / "events.csv").read_text() == "rel new\n"
    assert (dist / "rel0.zip").read_text() == "rel0.zip old\n" and not (dist / "rel0.zip").is_symlink()
    assert dist_leftovers(dist) == []


def test_without_symbolic_links_the_entries_are_moved_in(tmp_path, monkeypatch):
    monkeypatch.setattr(swap, "symlinks_work", lambda dist: False)
    dist = tmp_path / "dist"
    _publish(dist, "old")
    _publish(dist, "new")
    assert dist_names(dist) == sorted(ENTRIES) and not (dist / "rel").is_symlink()
    assert (dist / "site" / "sub" / "page.html").read_text() == "<p>new page</p>"
    assert [p.name for p in dist.iterdir() if p.name.startswith(".")] == []


def test_recover_removes_only_what_killed_runs_leave(tmp_path):
    dist = tmp_path / "dist"
    _publish(dist, "old")
    leftovers = [".building-abc", ".site-def", ".gen-unfinished", ".releases.json.123.tmp", ".current-77",
                 ".link-rel-77", ".release-swap.json.tmp", f".{NAME}.zip.replaced-77"]
    (dist / leftovers[0] / "new").mkdir(parents=True)
    (dist / leftovers[1]).mkdir()
    (dist / leftovers[2]).mkdir()
    for name in leftovers[3:]:
        (dist / name).write_text("x")
    os.symlink("current/dropped", dist / "dropped")  # a name the current generation no longer holds
    kept = [".gitignore", "notes.tmp", "other.zip"]
    for name in kept:
        (dist / name).write_text("mine")
    os.symlink("elsewhere", dist / "users-link")
    before = dist_view(dist)
    done = recover(dist)
    assert len(done) == len(leftovers) + 1
    assert dist_names(dist) == sorted(ENTRIES + kept[1:] + ["users-link"])
    assert dist_view(dist) == before


@pytest.mark.release_build
def test_build_removes_leftovers_of_a_killed_build(tmp_path, valid_package):
    dist = tmp_path / "dist"
    (dist / ".building-old" / "new").mkdir(parents=True)
    (dist / ".releases.json.4242.tmp").write_text("{")
    lines: list[str] = []
    build_release(valid_package, dist, update_registry=False, progress=lines.append)
    assert dist_names(dist) == sorted([NAME, f"{NAME}.zip", "releases.json"])
    assert dist_leftovers(dist) == []
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
    def counted(real):
        def step(*args):
            calls["n"] += 1
            if calls["n"] == int(sys.argv[3]):
                os._exit(9)  # killed: no finally block, no clean-up
            real(*args)
        return step
    swap._checkpoint, swap._move = counted(swap._checkpoint), counted(swap._move)
    build_release(Path(sys.argv[1]), Path(sys.argv[2]), update_registry=False, progress=lambda _: None)
""")


@pytest.mark.release_build
def test_a_build_killed_at_any_step_of_its_switch_shows_one_complete_release(tmp_path, make_package):
    """A real build killed at each step of its publication (counting checkpoints and renames):
    dist/ shows every byte of the old release before the switch and of the new one from it on;
    the next run cleans up and builds normally."""
    def longer(rows: dict) -> None:
        rows["events"][0]["summary"] += " A second source confirms it."

    old, new = make_package(), make_package(longer)
    first = tmp_path / "first"
    build_release(old, first, update_registry=False, progress=lambda _: None)
    reference = tmp_path / "reference"
    shutil.copytree(first, reference, symlinks=True)
    build_release(new, reference, update_registry=False, progress=lambda _: None)
    views = {"old": dist_view(first), "new": dist_view(reference)}
    assert views["old"] != views["new"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    seen = []
    for kill_at in range(1, 50):
        dist = tmp_path / f"kill-{kill_at}"
        shutil.copytree(first, dist, symlinks=True)
        done = subprocess.run([sys.executable, "-c", REAL_KILLER, str(new), str(dist), str(kill_at)],
                              capture_output=True, env=env)
        if done.returncode == 0:
            break
        assert done.returncode == 9, done.stderr
        seen.append(next(k for k, v in views.items() if v == dist_view(dist)))  # StopIteration: a mix
        _complete(dist)
        with locked(dist):
            recover(dist)
        assert dist_leftovers(dist) == [] and dist_view(dist) == views[seen[-1]]
    assert seen[0] == "old" and seen[-1] == "new" and seen == sorted(seen, reverse=True), seen
    build_release(new, dist, update_registry=False, progress=lambda _: None)  # the next run, after the last kill
    assert dist_view(dist) == views["new"] and dist_leftovers(dist) == []


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
    assert dist_names(dist) == sorted([NAME, f"{NAME}.zip", "releases.json"]) and dist_leftovers(dist) == []


@pytest.mark.release_build
def test_failing_mkdocs_publishes_nothing(tmp_path, valid_package, monkeypatch):
    dist = tmp_path / "dist"

    def fail(*args, **kwargs):
        raise ReleaseError("mkdocs build --strict failed (simulated)")

    monkeypatch.setattr(site_module, "render_site", fail)
    with pytest.raises(ReleaseError, match="simulated"):
        build_release(valid_package, dist, site=site_module.SITE, update_registry=False, progress=lambda _: None)
    assert list(dist.iterdir()) == []  # nothing published: no generation, no link


@pytest.mark.slow
def test_relative_dist_builds_release_and_site(tmp_path, valid_package, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["build", str(valid_package), "--dist", "out", "--no-registry"]) == 0
    out = tmp_path / "out"
    assert (out / "site" / "index.html").is_file() and (out / f"{NAME}.zip").is_file()
    _complete(out)
    assert dist_names(out) == sorted([NAME, f"{NAME}.zip", "releases.json", "site"])
    assert dist_leftovers(out) == []


@pytest.mark.site_build
def test_a_site_build_into_dist_keeps_the_release_beside_it(tmp_path, valid_package):
    """scripts/build_docs.py builds dist/site by default: the site is replaced through a new
    generation that carries the release over (hard links), so dist/ keeps showing it."""
    dist = tmp_path / "dist"
    build_release(valid_package, dist, update_registry=False, progress=lambda _: None)
    release = dist_view(dist)
    site_module.build_site(valid_package, dist / "site", progress=lambda _: None)
    view = dist_view(dist)
    assert {k: v for k, v in view.items() if not k.startswith("site/")} == release
    assert "site/index.html" in view
    assert dist_names(dist) == sorted([NAME, f"{NAME}.zip", "releases.json", "site"]) and dist_leftovers(dist) == []


def test_a_folder_named_current_is_not_replaced(tmp_path):
    dist = tmp_path / "dist"
    (dist / "current").mkdir(parents=True)
    (dist / "current" / "mine.txt").write_text("mine")
    generation = begin(dist)
    _entries(generation, "new")
    with pytest.raises(ReleaseError, match="not the link a build makes"):
        publish(dist, generation)
    assert (dist / "current" / "mine.txt").read_text() == "mine"


def test_the_generation_is_as_readable_as_any_new_folder(tmp_path):
    """Readers of dist/ (a web server, other users) go through the generation: not mkdtemp's 0700."""
    dist = tmp_path / "dist"
    _publish(dist, "new")
    (dist / "plain").mkdir()
    generation = dist / os.readlink(dist / "current")
    assert generation.stat().st_mode & 0o777 == (dist / "plain").stat().st_mode & 0o777
