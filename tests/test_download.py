"""Pinned releases: a release built from the fixture package, served from 127.0.0.1 (and file://),
fetched once, verified, cached, extracted safely; every failure clear and nothing lost."""

from __future__ import annotations

import functools
import http.server
import json
import logging
import shutil
import socket
import threading
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_package

import syria_conflict_events as sce
from syria_conflict_events import download
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.release import build_release

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
