"""Replace several entries of ``dist/`` (the release directory, its zip, ``releases.json``, the
site) as one unit, so that a build killed at any moment leaves the complete previous release or,
once the next run has finished the swap, the complete new one.

POSIX renames one entry at a time, so the swap is journalled. Everything new is first written,
complete, into a working folder inside ``dist/``; then a journal naming each move is written
(atomically) into ``dist/``: its existence is the commit point. The moves follow, each old entry
going aside into the working folder before its new one takes its place. A run killed before the
journal exists leaves ``dist/`` as it was plus a working folder; one killed after it leaves the
journal, and the next run (:func:`recover`, the first thing every build does) completes the moves
before anything else. Leftover working folders and temporary files are removed then too.

Builds into one ``dist/`` are serialised by a lock on the directory itself (no lock file that
would outlive the run)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

JOURNAL = ".release-swap.json"
# What a killed build (or site build, or registry write) leaves in dist/: its working folder, the
# journal's and the registry's temporary files, and an old build's entry moved aside. Only these
# names: the site's parent folder may be any folder of the user's.
LEFTOVER = re.compile(r"\.(building|site)-.+|\.release-swap\.json\.tmp|\.releases\.json\.\d+\.tmp|\..+\.replaced-\d+")


def _move(src: Path, dst: Path) -> None:
    """One rename (tests replace it to kill the process between two renames)."""
    os.replace(src, dst)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform or file system can sync a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def locked(dist: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``dist`` (a directory) for the block: one build at a time."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks on directories; builds are not serialised
        yield
        return
    fd = os.open(dist, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _roll_forward(dist: Path, journal: Path) -> None:
    plan = json.loads(journal.read_text(encoding="utf-8"))
    work = dist / plan["work"]
    aside = work / "replaced"
    aside.mkdir(parents=True, exist_ok=True)
    for name in plan["moves"]:
        src, dst = work / "new" / name, dist / name
        if not src.exists() and not src.is_symlink():
            continue  # moved before the kill
        if dst.exists() or dst.is_symlink():
            _move(dst, aside / name)
        _move(src, dst)
    _fsync_dir(dist)
    journal.unlink()
    _fsync_dir(dist)
    _remove(work)


def recover(dist: Path) -> list[str]:
    """Finish a swap a killed run committed, then remove what killed runs left; return what was
    done, for the progress output. Call with :func:`locked` held."""
    done = []
    journal = dist / JOURNAL
    if journal.exists():
        _roll_forward(dist, journal)
        done.append("finished the swap of a build that was stopped")
    for entry in sorted(dist.iterdir()):
        if LEFTOVER.fullmatch(entry.name):
            _remove(entry)
            done.append(f"removed {entry.name}, left by a build that was stopped")
    return done


def swap_in(dist: Path, work: Path, names: list[str]) -> None:
    """Move ``work/new/<name>`` onto ``dist/<name>`` for every name, as one unit (see the module's
    description). ``work`` is a folder directly inside ``dist``; it is removed afterwards. Should a
    move fail, the journal stays and the next run completes the swap."""
    if work.parent != dist:
        raise ValueError(f"{work} must be directly inside {dist}")
    tmp = dist / f"{JOURNAL}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump({"work": work.name, "moves": names}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    _fsync_dir(work / "new")
    _move(tmp, dist / JOURNAL)  # the commit point: from here on the new release is the one in dist/
    _fsync_dir(dist)
    _roll_forward(dist, dist / JOURNAL)
