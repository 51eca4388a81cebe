"""Every Python snippet of docs/download.md and README.md runs, as a reader would run it, against a release built
in a temporary directory: each in its own interpreter (a snippet that aborts the interpreter fails
the test, not the test run), in the directory that holds the release's zip and its unpacked
folder, with ``<version>`` the built version.

The page's pinned-version example (``version="1.0.0"``, this release) is pointed at the built
release: the snippet's version becomes the built one, the release registry is the build's, and downloads come
from a local server (``SCE_BASE_URL``) into a temporary cache (``SCE_CACHE_DIR``)."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import textwrap
import threading

import pytest
from doc_examples import REPO, blocks

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.download import BASE_URL_ENV, CACHE_DIR_ENV
from syria_conflict_events.release import build_release

pytestmark = pytest.mark.release_build

PAGES = ("docs/download.md", "README.md")  # tests/test_doc_examples.py checks no other page has Python
DECL = load_declaration()
SNIPPETS = [b.source for path in PAGES for b in blocks(REPO / path) if b.language == "python"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory):
    from conftest import write_package

    base = tmp_path_factory.mktemp("download-page")
    out = base / "dist"
    zip_path = build_release(write_package(base / "pkg"), out, update_registry=False, progress=lambda _: None)
    assert (out / zip_path.stem / "datapackage.json").is_file()  # the unpacked release beside its zip
    serve = functools.partial(_Quiet, directory=str(out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), serve)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield out, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_the_page_has_its_snippets():
    assert len(SNIPPETS) >= 4
    assert any("use_threads=False" in s and "ZipFile" in s for s in SNIPPETS)


@pytest.mark.parametrize("index", range(len(SNIPPETS)))
def test_snippet_runs(index, dist, tmp_path):
    out, url = dist
    code = SNIPPETS[index].replace("<version>", DECL.version).replace('version="1.0.0"', f'version="{DECL.version}"')
    prelude = textwrap.dedent(f"""\
        from pathlib import Path
        import syria_conflict_events.download as _download
        _download.REGISTRY_PATH = Path({str(out / "releases.json")!r})
        """)
    env = {**os.environ, BASE_URL_ENV: url, CACHE_DIR_ENV: str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-c", prelude + code], cwd=out, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, f"snippet {index} failed:\n{code}\n{run.stderr[-3000:]}"
