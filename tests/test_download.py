"""Pinned releases: a release built from the fixture package, served from 127.0.0.1 (and file://),
fetched once, verified, cached, extracted safely; every failure clear and nothing lost.

Safe extraction of release zips: nothing may land outside the target directory, no links, no
zip bombs; a hostile archive is refused with a clear error and leaves nothing behind.

Downloads (issue 18): extraction is bounded by what the release can plausibly hold (a multiple of
its zip's size, itself verified against the registry), not only by the 4 GiB ceiling: a 2.6 MB zip
that unpacks one 2.5 GiB member is refused before anything is written."""

from __future__ import annotations

import functools
import http.server
import json
import logging
import shutil
import socket
import stat
import threading
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_package

import syria_conflict_events as sce
from syria_conflict_events import download
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.download import (
    MAX_RATIO,
    MIN_EXTRACT_LIMIT,
    ReleaseError,
    UnsafeArchiveError,
    extract_limit,
    safe_extract,
)
from syria_conflict_events.release import build_release

# --- from test_download.py ----------------------------------------

VERSION = load_declaration().version


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """dist/ with the release zip and its generated releases.json, built once for the module."""
    base = tmp_path_factory.mktemp("release")
    pkg = write_package(base / "pkg")
    build_release(pkg, base / "dist", update_registry=False, progress=lambda _msg: None)
    return base


@pytest.fixture
def release(built, tmp_path, monkeypatch):
    """A private copy of the built release, its registry in force, and an empty cache."""
    served = tmp_path / "served"
    served.mkdir()
    zip_name = f"syria-conflict-events-{VERSION}.zip"
    shutil.copy2(built / "dist" / zip_name, served / zip_name)
    registry = tmp_path / "releases.json"
    shutil.copy2(built / "dist" / "releases.json", registry)
    monkeypatch.setattr(download, "REGISTRY_PATH", registry)
    monkeypatch.delenv(download.BASE_URL_ENV, raising=False)
    monkeypatch.delenv(download.CACHE_DIR_ENV, raising=False)
    return {"served": served, "zip": zip_name, "registry": registry, "cache": tmp_path / "cache",
            "pkg": built / "pkg"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def do_GET(self):
        self.requests.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(release):
    """An HTTP server on 127.0.0.1 serving the release directory; .requests lists GET paths."""
    handler = type("Handler", (_Handler,), {"requests": []})
    serve = functools.partial(handler, directory=str(release["served"]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), serve)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.requests = handler.requests
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _cache_files(cache: Path) -> set[str]:
    return {p.relative_to(cache).as_posix() for p in cache.rglob("*")} if cache.exists() else set()


def test_download_then_cache_hit_then_offline(release, server):
    kw = {"version": VERSION, "base_url": server.url, "cache_dir": release["cache"]}
    events = sce.load("events", **kw)
    pd.testing.assert_frame_equal(events, sce.load("events", root=release["pkg"]))
    assert server.requests == [f"/{release['zip']}"]
    assert (release["cache"] / release["zip"]).is_file()
    ds = sce.load_all(**kw)  # served from the cache
    assert ds.version == VERSION
    assert len(server.requests) == 1
    server.shutdown()  # offline from here on: the cache alone must do
    for name in load_declaration().tables:
        pd.testing.assert_frame_equal(sce.load(name, **kw), sce.load(name, root=release["pkg"]))


def test_environment_variables_choose_url_and_cache(release, server, monkeypatch, tmp_path):
    monkeypatch.setenv(download.BASE_URL_ENV, server.url + "v{version}")  # {version} is substituted
    monkeypatch.setenv(download.CACHE_DIR_ENV, str(tmp_path / "env-cache"))
    (release["served"] / f"v{VERSION}").mkdir()
    shutil.move(release["served"] / release["zip"], release["served"] / f"v{VERSION}" / release["zip"])
    sce.load("events", version=VERSION)
    assert server.requests == [f"/v{VERSION}/{release['zip']}"]
    assert (tmp_path / "env-cache" / release["zip"]).is_file()


def test_arguments_override_environment(release, server, monkeypatch, tmp_path):
    monkeypatch.setenv(download.BASE_URL_ENV, _closed_port_url())
    monkeypatch.setenv(download.CACHE_DIR_ENV, str(tmp_path / "unused"))
    sce.load("events", version=VERSION, base_url=server.url, cache_dir=release["cache"])
    assert not (tmp_path / "unused").exists()
    assert len(server.requests) == 1


def test_default_url_is_the_projects_release_location(release):
    entry = download.lookup(VERSION)
    repository = load_declaration().package["repository"]
    assert download.release_url(entry) == \
        f"https://github.com/{repository}/releases/download/v{VERSION}/{release['zip']}"


def test_default_url_agrees_with_the_release_build(release):
    from syria_conflict_events.release.citation import download_url

    entry = download.lookup(VERSION)
    assert download.release_url(entry) == download_url(load_declaration(), entry.file)


def test_default_cache_dir_is_the_user_cache(monkeypatch):
    import platformdirs

    monkeypatch.delenv(download.CACHE_DIR_ENV, raising=False)
    assert download.resolve_cache_dir() == Path(platformdirs.user_cache_dir("syria-conflict-events"))


def test_file_url(release):
    url = release["served"].as_uri() + "/"
    frame = sce.load("places", version=VERSION, base_url=url, cache_dir=release["cache"])
    assert len(frame) == 3


def test_checksum_mismatch_deletes_and_raises(release, server):
    data = json.loads(release["registry"].read_text())
    data["releases"][VERSION]["sha256"] = "0" * 64
    release["registry"].write_text(json.dumps(data))
    with pytest.raises(sce.ChecksumError, match=r"does not have the registered SHA-256 0{64}.*deleted"):
        sce.load("events", version=VERSION, base_url=server.url, cache_dir=release["cache"])
    assert _cache_files(release["cache"]) == set()  # neither the file nor a temporary copy stays


def test_unknown_version_lists_known_ones(release, server):
    with pytest.raises(sce.UnknownVersionError, match=rf"unknown release version '9.9.9'; known versions: {VERSION}"):
        sce.load("events", version="9.9.9", base_url=server.url, cache_dir=release["cache"])
    assert server.requests == []
    assert not release["cache"].exists()


@pytest.mark.parametrize("where", ["closed-port", "missing-file"])
def test_offline_with_nothing_cached_names_version_and_path(release, server, where):
    url = _closed_port_url() if where == "closed-port" else server.url + "elsewhere/"
    with pytest.raises(sce.DownloadError) as caught:
        sce.load("events", version=VERSION, base_url=url, cache_dir=release["cache"])
    message = str(caught.value)
    assert f"release {VERSION}" in message
    assert str(release["cache"] / release["zip"]) in message
    assert not (release["cache"] / release["zip"]).exists()


def test_corrupt_cached_zip_is_fetched_again(release, server, caplog):
    kw = {"version": VERSION, "base_url": server.url, "cache_dir": release["cache"]}
    sce.load("events", **kw)
    cached = release["cache"] / release["zip"]
    cached.write_bytes(cached.read_bytes()[:100])  # an interrupted copy
    shutil.rmtree(download.release_dir(download.lookup(VERSION), release["cache"]))
    with caplog.at_level(logging.WARNING):
        events = sce.load("events", **kw)
    assert "does not match its registered SHA-256" in caplog.text
    assert len(server.requests) == 2
    assert download.sha256_of(cached) == download.lookup(VERSION).sha256
    pd.testing.assert_frame_equal(events, sce.load("events", root=release["pkg"]))


def test_tampered_extracted_file_is_restored_from_the_verified_zip(release, server):
    kw = {"version": VERSION, "base_url": server.url, "cache_dir": release["cache"]}
    sce.load("events", **kw)
    extracted = download.release_dir(download.lookup(VERSION), release["cache"]) / "data" / "events.csv"
    extracted.write_text(extracted.read_text().replace("SCE-000001", "SCE-000009"))
    events = sce.load("events", **kw)
    assert events["event_id"].tolist()[0] == "SCE-000001"
    assert len(server.requests) == 1  # the cached zip was good: no new download


def test_versions_lists_the_registry_in_version_order(release):
    assert sce.versions() == [VERSION]
    release["registry"].write_text(json.dumps({"releases": {
        v: {"file": f"syria-conflict-events-{v}.zip", "sha256": "a" * 64}
        for v in ["1.10.0", "1.9.0", "1.0.0-rc.1", "1.0.0"]
    }}))
    assert sce.versions() == ["1.0.0-rc.1", "1.0.0", "1.9.0", "1.10.0"]


def test_missing_registry_means_no_known_versions(release, tmp_path, monkeypatch):
    monkeypatch.setattr(download, "REGISTRY_PATH", tmp_path / "absent.json")
    assert sce.versions() == []
    with pytest.raises(sce.UnknownVersionError, match="known versions: none"):
        sce.load("events", version=VERSION)


@pytest.mark.parametrize("text", [
    '{"releases": []}',
    "not json",
    '{"releases": {"1.0.0": {"file": "../x.zip", "sha256": "' + "a" * 64 + '"}}}',
    '{"releases": {"1.0.0": {"file": "x.zip", "sha256": "zz"}}}',
    '{"releases": {"1.0.0": {"sha256": "' + "a" * 64 + '"}}}',
])
def test_malformed_registry_is_a_clear_error(release, text):
    release["registry"].write_text(text)
    with pytest.raises(sce.ReleaseError, match="registry is malformed"):
        sce.versions()


def test_concurrent_extraction_of_the_same_release(release, server, monkeypatch):
    """Another process finishing the same extraction first is not an error."""
    real_replace = download.os.replace

    def racing_replace(src, dst):
        shutil.copytree(src, dst)  # the other process wins the race
        raise OSError(39, "Directory not empty")

    monkeypatch.setattr(download.os, "replace", racing_replace)
    dest = download.extracted_release(VERSION, base_url=server.url, cache_dir=release["cache"])
    monkeypatch.setattr(download.os, "replace", real_replace)
    assert (dest / "datapackage.json").is_file()
    assert not [p for p in release["cache"].iterdir() if p.name.startswith(".extract-")]
    pd.testing.assert_frame_equal(sce.load("events", version=VERSION, cache_dir=release["cache"]),
                                  sce.load("events", root=release["pkg"]))


# --- from test_download_extract.py ----------------------------------------

def _zip(path: Path, members: list[tuple[str, bytes, int | None]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name)
            if mode is not None:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return path


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.mark.parametrize(("name", "mode", "problem"), [
    ("../evil.txt", None, "leaves the extraction directory"),
    ("pkg/../../evil.txt", None, "leaves the extraction directory"),
    ("/tmp/evil.txt", None, "absolute or non-portable"),
    ("C:/evil.txt", None, "absolute or non-portable"),
    ("pkg\\..\\evil.txt", None, "absolute or non-portable"),
    ("pkg/link", stat.S_IFLNK | 0o777, "symbolic link"),
    ("pkg/fifo", stat.S_IFIFO | 0o644, "not a regular file"),
])
def test_hostile_members_are_refused(tmp_path, name, mode, problem):
    archive = _zip(tmp_path / "a.zip", [("pkg/datapackage.json", b"{}", None), (name, b"/etc/passwd", mode)])
    dest = tmp_path / "out" / "inner"
    dest.mkdir(parents=True)
    with pytest.raises(UnsafeArchiveError, match=problem):
        safe_extract(archive, dest)
    # Every member is checked before anything is written.
    assert _tree(tmp_path / "out") == {"inner"}
    assert not (tmp_path / "evil.txt").exists()


def test_total_size_is_bounded(tmp_path):
    archive = _zip(tmp_path / "bomb.zip", [("pkg/a.csv", b"0" * 5000, None), ("pkg/b.csv", b"0" * 5000, None)])
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeArchiveError, match=r"10,000 bytes uncompressed \(limit 8,000\)"):
        safe_extract(archive, dest, max_bytes=8000)
    assert _tree(dest) == set()


def test_size_is_counted_while_writing(tmp_path, monkeypatch):
    """Headers can understate sizes: reading stops at the declared size or fails, never runs on."""
    archive = _zip(tmp_path / "lying.zip", [("pkg/a.csv", b"0" * 5000, None)])
    real_infolist = zipfile.ZipFile.infolist

    def understated(self):
        infos = real_infolist(self)
        for info in infos:
            info.file_size = 10
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", understated)
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ReleaseError, match=r"a\.csv"):  # zipfile's CRC check or our byte count
        safe_extract(archive, dest, max_bytes=1000)
    assert all(p.stat().st_size <= 1000 for p in dest.rglob("*") if p.is_file())


def test_member_count_is_bounded(tmp_path):
    archive = _zip(tmp_path / "many.zip", [(f"pkg/{i}.txt", b"x", None) for i in range(5)])
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeArchiveError, match="5 members"):
        safe_extract(archive, dest, max_members=4)


def test_duplicate_member_is_refused(tmp_path):
    with pytest.warns(UserWarning, match="Duplicate name"):
        archive = _zip(tmp_path / "dup.zip", [("pkg/a.csv", b"1", None), ("pkg/a.csv", b"2", None)])
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeArchiveError, match="appears twice"):
        safe_extract(archive, dest)


def test_not_a_zip(tmp_path):
    bad = tmp_path / "x.zip"
    bad.write_bytes(b"not a zip at all")
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ReleaseError, match="not a readable zip"):
        safe_extract(bad, dest)


def test_regular_archive_extracts(tmp_path):
    archive = _zip(tmp_path / "ok.zip", [("pkg/", b"", stat.S_IFDIR | 0o755),
                                         ("pkg/data/a.csv", b"a\n1\n", stat.S_IFREG | 0o644)])
    dest = tmp_path / "out"
    dest.mkdir()
    safe_extract(archive, dest)
    assert (dest / "pkg" / "data" / "a.csv").read_bytes() == b"a\n1\n"


def test_release_without_datapackage_is_refused_and_cache_left_clean(tmp_path, monkeypatch):
    archive = _zip(tmp_path / "syria-conflict-events-1.0.0.zip", [("pkg/data/a.csv", b"a\n", None)])
    registry = tmp_path / "releases.json"
    registry.write_text(json.dumps({"releases": {"1.0.0": {
        "file": archive.name, "sha256": download.sha256_of(archive)}}}))
    monkeypatch.setattr(download, "REGISTRY_PATH", registry)
    cache = tmp_path / "cache"
    with pytest.raises(ReleaseError, match=r"no datapackage\.json"):
        download.extracted_release("1.0.0", base_url=tmp_path.as_uri(), cache_dir=cache)
    assert _tree(cache) == {archive.name}  # the verified zip stays; no half-extracted directory


# --- from test_download_ratio.py ----------------------------------------

def _zeros_zip(path: Path, size: int) -> Path:
    chunk = b"\0" * (64 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf, \
            zf.open("syria-conflict-events-0.1.0/data/events.csv", "w", force_zip64=True) as fh:
        for _ in range(size // len(chunk)):
            fh.write(chunk)
        fh.write(b"\0" * (size % len(chunk)))
    return path


@pytest.mark.slow
def test_small_zip_with_a_huge_member_is_refused_before_writing(tmp_path):
    archive = _zeros_zip(tmp_path / "bomb.zip", 2560 * 1024**2)  # 2.5 GiB of zeros
    assert archive.stat().st_size < 3 * 1024**2
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeArchiveError, match="bytes uncompressed"):
        safe_extract(archive, dest)
    assert list(dest.rglob("*")) == []  # nothing written


def test_member_beyond_the_ratio_is_refused(tmp_path):
    archive = _zeros_zip(tmp_path / "z.zip", MIN_EXTRACT_LIMIT + 1)
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeArchiveError, match=f"limit {MIN_EXTRACT_LIMIT:,}"):
        safe_extract(archive, dest)
    assert list(dest.rglob("*")) == []


def test_limit_follows_the_zip_size(tmp_path):
    small = tmp_path / "s.zip"
    small.write_bytes(b"x" * 1000)
    assert extract_limit(small) == MIN_EXTRACT_LIMIT
    big = tmp_path / "b.zip"
    with big.open("wb") as fh:
        fh.truncate(100 * 1024**2)
    assert extract_limit(big) == 100 * 1024**2 * MAX_RATIO
    assert extract_limit(big, max_bytes=10) == 10


def test_real_release_still_extracts(tmp_path, valid_package):
    from syria_conflict_events.release import build_release

    archive = build_release(valid_package, tmp_path / "dist", update_registry=False, progress=lambda _: None)
    dest = tmp_path / "out"
    dest.mkdir()
    safe_extract(archive, dest)
    assert any(dest.rglob("datapackage.json"))
