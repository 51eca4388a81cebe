"""The wheel built from this repository carries the data: installed into a fresh directory and
imported there (not the editable checkout), with networking disabled and without the optional
[validate] libraries, it loads every table with the declared types."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

import syria_conflict_events as sce
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.loader import DataWarning
from syria_conflict_events.typed import pandas_dtypes

pytestmark = pytest.mark.wheel

DECL = load_declaration()

# Runs inside the installed copy. Network and the [validate] extra are blocked before anything
# of the package is imported.
PROBE = textwrap.dedent("""
    import json, socket, sys, warnings

    def _no_network(*args, **kwargs):
        raise OSError("networking is disabled in this test")

    socket.socket.connect = socket.socket.connect_ex = _no_network
    socket.create_connection = socket.getaddrinfo = _no_network

    class _NoExtras:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"pandera", "frictionless", "jsonschema"}:
                raise ImportError(f"{name} is not installed in this test")
            return None

    sys.meta_path.insert(0, _NoExtras())
    site, cache = sys.argv[1], sys.argv[2]
    sys.path.insert(0, site)

    import syria_conflict_events as sce
    from syria_conflict_events import paths
    from syria_conflict_events.declaration import load_declaration

    out = {"file": sce.__file__, "resource_root": str(paths.resource_root()), "version": sce.__version__,
           "heavy_after_import": [m for m in ("pandas", "pyarrow") if m in sys.modules], "tables": {}}
    warnings.simplefilter("ignore")  # the bundled data may be mid-edit; types are checked below
    for name in load_declaration().tables:
        frame = sce.load(name)
        out["tables"][name] = {"rows": len(frame), "dtypes": {c: str(t) for c, t in frame.dtypes.items()}}
    ds = sce.load_all()
    out["load_all"] = {name: len(frame) for name, frame in ds.items()}
    out["joins"] = [len(ds.events_with_places()), len(ds.actors_by_role()), len(ds.claims_with_sources())]
    out["versions"] = sce.versions()
    try:
        sce.load("events", version=(out["versions"] or ["0.0.0"])[-1], cache_dir=cache)
        out["pinned"] = "loaded"
    except sce.ReleaseError as exc:
        out["pinned"] = f"{type(exc).__name__}: {exc}"
    try:
        socket.create_connection(("127.0.0.1", 9))
        out["network_blocked"] = False
    except OSError:
        out["network_blocked"] = True
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(base / "dist"), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )
    assert build.returncode == 0, build.stderr
    (built,) = (base / "dist").glob("syria_conflict_events-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel) -> Path:
    site = wheel.parent.parent / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-compile",
         "--target", str(site), str(wheel)],
        capture_output=True, text=True, timeout=600,
    )
    assert install.returncode == 0, install.stderr
    return site


def test_wheel_carries_schemas_data_and_descriptor(installed):
    bundle = installed / "syria_conflict_events" / "_bundle"
    assert (bundle / "datapackage.json").read_bytes() == (REPO / "datapackage.json").read_bytes()
    for table in DECL.tables.values():
        assert (bundle / table.path).read_bytes() == (REPO / table.path).read_bytes()
    for name in ("package.yaml", "tables.yaml", "fields.yaml", "vocabularies.yaml"):
        assert (bundle / "schemas" / name).is_file()
    # The committed registry of published releases ships as it is committed, and the type marker.
    package = installed / "syria_conflict_events"
    assert (package / "releases.json").read_bytes() == (REPO / "src" / "syria_conflict_events" /
                                                        "releases.json").read_bytes()
    assert (package / "py.typed").is_file()
    # The templates of every generated document (the release's, the diff's and the site's).
    for template in (REPO / "src" / "syria_conflict_events").rglob("*.j2"):
        rel = template.relative_to(REPO / "src" / "syria_conflict_events")
        assert (package / rel).read_bytes() == template.read_bytes(), rel


def test_installed_wheel_loads_every_table_offline(installed, tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    # -I: no PYTHONPATH, no user site, not the current directory; the probe puts the install first.
    result = subprocess.run([sys.executable, "-I", str(probe), str(installed), str(tmp_path / "cache")],
                            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)

    assert Path(out["file"]).is_relative_to(installed)  # the wheel's copy, not the checkout
    assert Path(out["resource_root"]) == installed / "syria_conflict_events" / "_bundle"
    assert out["version"] == sce.__version__
    assert out["heavy_after_import"] == []
    assert out["network_blocked"] is True

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        expected = {name: sce.load(name) for name in DECL.tables}
    assert list(out["tables"]) == list(DECL.tables)
    for name, table in DECL.tables.items():
        assert out["tables"][name]["rows"] == len(expected[name])
        assert out["tables"][name]["dtypes"] == {c: str(t) for c, t in pandas_dtypes(DECL, table).items()}
    assert out["load_all"] == {name: len(frame) for name, frame in expected.items()}
    assert out["joins"] == [len(expected["events"]), len(expected["event_actors"]), len(expected["claims"])]

    # Offline, a pinned release that is not cached fails clearly: it names the version and the cache.
    if out["versions"]:
        assert out["pinned"].startswith("DownloadError: cannot download release"), out["pinned"]
        assert str(tmp_path / "cache") in out["pinned"]
    else:
        assert out["pinned"].startswith("UnknownVersionError: unknown release version")


def test_wheel_metadata_version_is_the_declared_one(installed):
    (dist_info,) = installed.glob("syria_conflict_events-*.dist-info")
    assert dist_info.name == f"syria_conflict_events-{DECL.version}.dist-info"


def test_wheel_holds_only_the_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert {n.split("/")[0] for n in names} == {"syria_conflict_events", wheel.name.split("-py3")[0] + ".dist-info"}
