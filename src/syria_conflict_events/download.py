"""Pinned releases: fetch a release zip once (pooch), verify its SHA-256 against the registry the
release build generates (``releases.json``), cache it under the user cache directory and extract
it safely.

Where things come from, in order of precedence:
- base URL: the ``base_url`` argument, then ``$SCE_BASE_URL``, then the project's GitHub release
  download location derived from ``repository`` in schemas/package.yaml. A ``{version}`` in the
  URL is replaced; otherwise the file name is appended.
- cache directory: the ``cache_dir`` argument, then ``$SCE_CACHE_DIR``, then
  ``platformdirs.user_cache_dir("syria-conflict-events")``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from . import registry_file
from .exceptions import ReleaseError
from .hashing import sha256_file
from .paths import PACKAGE_DIR

REGISTRY_PATH = PACKAGE_DIR / registry_file.REGISTRY_NAME
BASE_URL_ENV = "SCE_BASE_URL"
CACHE_DIR_ENV = "SCE_CACHE_DIR"
APP_NAME = "syria-conflict-events"
DEFAULT_URL_TEMPLATE = "https://github.com/{repository}/releases/download/v{version}/"
# A release is a few tables of text: anything near these bounds is an attack or a mistake.
MAX_EXTRACTED_BYTES = 4 * 1024**3
MAX_MEMBERS = 10_000
# What a release can plausibly unpack to, from the size of its zip (verified against the registry's
# SHA-256 before extraction): text deflated by ISA-L shrinks about 6x (the 1M-event release: 2.75 GB
# in 439 MB), Parquet is stored. 20x leaves room for more repetitive text; a zip bomb (deflate
# reaches ~1000x) is refused before a byte is written. Small zips get a floor of 64 MiB.
MAX_RATIO = 20
MIN_EXTRACT_LIMIT = 64 * 1024**2
MARKER = ".sce-verified"  # written last in an extracted release: holds the zip's SHA-256
_log = logging.getLogger(__name__)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

_CHUNK = 1 << 20


class UnknownVersionError(ReleaseError, LookupError):
    """The version is not in the registry."""


class ChecksumError(ReleaseError):
    """A downloaded file does not have the registered SHA-256 (the file has been deleted)."""


class DownloadError(ReleaseError, ConnectionError):
    """The release could not be downloaded (offline, unreachable or missing on the server)."""


class UnsafeArchiveError(ReleaseError):
    """The zip holds a path that would escape the cache, a link, or too much data."""


@dataclass(frozen=True)
class Release:
    version: str
    file: str
    sha256: str


# --- registry --------------------------------------------------------------------------------

def read_registry(path: Path | None = None) -> dict[str, Release]:
    """Known releases by version (oldest first); empty when the registry file does not exist yet."""
    path = REGISTRY_PATH if path is None else Path(path)
    entries = registry_file.read_registry(path)["releases"]
    out = {}
    try:
        for version, entry in entries.items():
            release = Release(str(version), str(entry["file"]), str(entry["sha256"]).lower())
            if not _SHA256.match(release.sha256):
                raise ValueError(f"{version}: sha256 is not 64 hexadecimal digits")
            if "/" in release.file or "\\" in release.file or release.file.startswith("."):
                raise ValueError(f"{version}: file must be a plain file name")
            out[release.version] = release
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise registry_file.malformed(path, exc) from exc
    return out


def known_versions(path: Path | None = None) -> list[str]:
    return list(read_registry(path))


def lookup(version: str, path: Path | None = None) -> Release:
    registry = read_registry(path)
    if version in registry:
        return registry[version]
    known = ", ".join(registry) or "none: no release has been published yet (the release registry is empty)"
    raise UnknownVersionError(f"unknown release version {version!r}; known versions: {known}")


# --- locations -------------------------------------------------------------------------------

def resolve_cache_dir(cache_dir: str | Path | None = None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME))


def release_url(release: Release, base_url: str | None = None) -> str:
    base = base_url or os.environ.get(BASE_URL_ENV)
    if not base:
        from .declaration import load_declaration

        repository = load_declaration().package["repository"]
        base = DEFAULT_URL_TEMPLATE.format(repository=repository, version="{version}")
    base = base.replace("{version}", release.version)
    return base.rstrip("/") + "/" + release.file


# --- fetching --------------------------------------------------------------------------------

sha256_of = sha256_file  # kept for callers of this module's earlier name


def _file_downloader(url: str, output_file: Any, pooch_obj: Any = None, check_only: bool = False) -> bool | None:
    """pooch downloader for file:// URLs (a local mirror or a test fixture)."""
    source = Path(unquote(urlparse(url).path))
    if check_only:
        return source.is_file()
    try:
        with source.open("rb") as src:
            if isinstance(output_file, str | os.PathLike):
                with open(output_file, "wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
            else:
                shutil.copyfileobj(src, output_file, _CHUNK)
    except OSError as exc:
        raise FileNotFoundError(f"{source}: {exc.strerror}") from exc
    return None


def fetch_archive(release: Release, *, base_url: str | None = None, cache_dir: str | Path | None = None) -> Path:
    """The verified release zip in the cache, downloading it when absent or corrupt."""
    import pooch
    import requests

    cache = resolve_cache_dir(cache_dir)
    target = cache / release.file
    if target.is_file():
        if sha256_of(target) == release.sha256:
            return target
        # A partial or damaged copy: drop it and fetch again.
        _log.warning("%s does not match its registered SHA-256; fetching it again", target)
        target.unlink()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReleaseError(f"cannot create the cache directory {cache}: {exc.strerror}; "
                           f"pass cache_dir= or set {CACHE_DIR_ENV}") from exc
    url = release_url(release, base_url)
    scheme = urlparse(url).scheme
    downloader = _file_downloader if scheme == "file" else pooch.HTTPDownloader(progressbar=False, timeout=60)
    try:
        pooch.retrieve(url, known_hash=f"sha256:{release.sha256}", fname=release.file, path=cache,
                       downloader=downloader, progressbar=False)
    except ValueError as exc:
        if "hash" not in str(exc).lower():
            raise DownloadError(f"cannot download release {release.version} from {url}: {exc}") from exc
        # pooch downloads to a temporary file and deletes it when the hash differs.
        target.unlink(missing_ok=True)
        raise ChecksumError(f"release {release.version}: {url} does not have the registered SHA-256 "
                            f"{release.sha256}; the downloaded file was deleted. ({exc})") from exc
    except (requests.exceptions.RequestException, OSError) as exc:
        raise DownloadError(
            f"cannot download release {release.version} from {url} ({type(exc).__name__}: {exc}). "
            f"Nothing usable is cached at {target}. Connect to the network, point {BASE_URL_ENV} "
            f"(or base_url=) at a reachable mirror, or put the verified file at that path."
        ) from exc
    return target


# --- extraction ------------------------------------------------------------------------------

def _member_path(info: zipfile.ZipInfo) -> PurePosixPath:
    name = info.filename
    path = PurePosixPath(name)
    mode = info.external_attr >> 16
    problem = None
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        problem = "is an absolute or non-portable path"
    elif any(part in ("..", "") for part in PurePosixPath(name.rstrip("/")).parts) or not path.parts:
        problem = "leaves the extraction directory"
    elif stat.S_ISLNK(mode):
        problem = "is a symbolic link"
    elif stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):  # 0: no Unix type recorded
        problem = "is not a regular file"
    if problem:
        raise UnsafeArchiveError(f"refusing to extract: member {name!r} {problem}")
    return path


def extract_limit(archive: Path, max_bytes: int = MAX_EXTRACTED_BYTES, max_ratio: int = MAX_RATIO) -> int:
    """The most ``archive`` may unpack to: :data:`MAX_RATIO` times its size (at least
    :data:`MIN_EXTRACT_LIMIT`), never more than ``max_bytes``."""
    return min(max_bytes, max(MIN_EXTRACT_LIMIT, archive.stat().st_size * max_ratio))


def safe_extract(archive: Path, dest: Path, *, max_bytes: int = MAX_EXTRACTED_BYTES,
                 max_members: int = MAX_MEMBERS, max_ratio: int = MAX_RATIO) -> None:
    """Extract ``archive`` into the existing directory ``dest``; nothing lands outside it.

    The total is bounded by :func:`extract_limit`: the sizes the headers declare are checked
    before anything is written, and the bytes are counted while writing, so a zip whose headers
    understate its content is stopped too.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReleaseError(f"{archive}: not a readable zip file ({exc})") from exc
    with zf:
        max_bytes = extract_limit(archive, max_bytes, max_ratio)
        infos = zf.infolist()
        if len(infos) > max_members:
            raise UnsafeArchiveError(f"refusing to extract {archive}: {len(infos)} members (limit {max_members})")
        paths = [_member_path(info) for info in infos]
        declared = sum(info.file_size for info in infos)
        if declared > max_bytes:
            raise UnsafeArchiveError(f"refusing to extract {archive}: {declared:,} bytes uncompressed "
                                     f"(limit {max_bytes:,}): more than a release can hold")
        root = dest.resolve()
        written = 0
        for info, rel in zip(infos, paths, strict=True):
            out = root.joinpath(*rel.parts)
            if not out.resolve().is_relative_to(root):
                raise UnsafeArchiveError(f"refusing to extract: member {info.filename!r} leaves the directory")
            if info.is_dir():
                out.mkdir(parents=True, exist_ok=True)
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, out.open("xb") as dst:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        if written > max_bytes:
                            raise UnsafeArchiveError(f"refusing to extract {archive}: more than "
                                                     f"{max_bytes:,} bytes uncompressed")
                        dst.write(chunk)
            except FileExistsError as exc:
                raise UnsafeArchiveError(f"refusing to extract: member {info.filename!r} appears twice") from exc
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                raise ReleaseError(f"{archive}: member {info.filename!r} is damaged ({exc})") from exc


def _package_dir(staging: Path) -> Path:
    """The extracted directory holding datapackage.json: the staging root or its single child."""
    if (staging / "datapackage.json").is_file():
        return staging
    children = [p for p in staging.iterdir() if p.is_dir()]
    if len(children) == 1 and (children[0] / "datapackage.json").is_file():
        return children[0]
    raise ReleaseError("the release archive holds no datapackage.json at its top level")


def release_dir(release: Release, cache_dir: str | Path | None = None) -> Path:
    stem = release.file[:-4] if release.file.endswith(".zip") else release.file
    return resolve_cache_dir(cache_dir) / stem


def extracted_release(version: str, *, base_url: str | None = None, cache_dir: str | Path | None = None,
                      refresh: bool = False) -> Path:
    """Directory of the verified, extracted release ``version`` (downloaded on first use).

    ``refresh`` discards the extracted copy (e.g. a file in it no longer matches SHA256SUMS) and
    extracts it again from the verified zip.
    """
    release = lookup(version)
    dest = release_dir(release, cache_dir)
    if not refresh and _is_complete(dest, release):
        return dest
    archive = fetch_archive(release, base_url=base_url, cache_dir=cache_dir)
    try:
        staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
    except OSError as exc:
        raise ReleaseError(f"cannot extract into the cache directory {dest.parent}: {exc.strerror}") from exc
    try:
        safe_extract(archive, staging)
        package = _package_dir(staging)
        (package / MARKER).write_text(release.sha256 + "\n", encoding="utf-8")  # moves in with the files
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(package, dest)
    except zipfile.BadZipFile as exc:
        raise ReleaseError(f"{archive}: not a readable zip file ({exc})") from exc
    except OSError as exc:
        if _is_complete(dest, release):  # another process extracted the same release meanwhile
            return dest
        raise ReleaseError(f"cannot extract {archive} into {dest}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def _is_complete(dest: Path, release: Release) -> bool:
    try:
        return (dest / MARKER).read_text(encoding="utf-8").strip() == release.sha256
    except (OSError, UnicodeDecodeError):
        return False


def read_checksums(root: Path) -> dict[str, str] | None:
    """SHA256SUMS of an extracted release as {relative path: hex}, or None when absent."""
    path = root / "SHA256SUMS"
    if not path.is_file():
        return None
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split(maxsplit=1)
        if len(parts) == 2 and _SHA256.match(parts[0].lower()):
            name = parts[1].lstrip("*")
            sums[name.removeprefix("./")] = parts[0].lower()
    return sums
