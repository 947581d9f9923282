"""Where the training digits come from (``KONSPEKT_MNIST_SOURCE``): the data folder's
``mnist/`` (the default), another folder, an ``http(s)://`` folder or ``s3://bucket/prefix``.

Remote IDX files are fetched into ``mnist/`` (resumable, checked against their size and, where
published, their checksum, renamed into place only when complete); the dataset is then read
from there exactly as from a local folder. A file already there with the same size (and
checksum) is not fetched again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from konspekt.fetch import digest_of, fetch_http, http_size, http_text
from konspekt.files import write_with
from konspekt.objects import S3Location, download, list_objects
from konspekt.settings import MNIST_SOURCE_VARIABLE
from training_assets.data import IDX_FILES, DataError

CHECKSUMS = "SHA256SUMS"  # "<sha256>  <name>" lines, as sha256sum writes them


def candidates() -> list[str]:
    """Every file name an MNIST source may hold: the four IDX files, plain or gzipped."""
    names = [name for pair in IDX_FILES.values() for name in pair]
    return [variant for name in names for variant in (name, f"{name}.gz")]


def sync(source: str, folder: Path, progress: Callable[[str], None] = lambda _: None) -> list[Path]:
    """Bring the source's IDX files into ``folder``; returns the files that were fetched."""
    if not source or Path(source).expanduser().resolve() == folder.resolve():
        return []
    if source.startswith(("http://", "https://")):
        fetched = _from_http(source.rstrip("/"), folder, progress)
    elif source.startswith("s3://"):
        fetched = _from_s3(S3Location.parse(source, MNIST_SOURCE_VARIABLE), folder, progress)
    else:
        fetched = _from_folder(Path(source).expanduser(), folder)
    return fetched


def _from_http(base: str, folder: Path, progress) -> list[Path]:
    sums = _checksums(http_text(f"{base}/{CHECKSUMS}", MNIST_SOURCE_VARIABLE))
    fetched = []
    found = 0
    for name in candidates():
        size = http_size(f"{base}/{name}", MNIST_SOURCE_VARIABLE)
        if size is None:
            continue
        found += 1
        checksum = ("sha256", sums[name]) if name in sums else None
        if _have(folder / name, size, checksum):
            continue
        progress(f"fetching {base}/{name}")
        fetched.append(fetch_http(f"{base}/{name}", folder / name, MNIST_SOURCE_VARIABLE, checksum))
    if not found:
        names = ", ".join(candidates()[::2])
        raise DataError(f"{MNIST_SOURCE_VARIABLE}={base} holds no MNIST IDX files ({names}).")
    return fetched


def _from_s3(location: S3Location, folder: Path, progress) -> list[Path]:
    objects = list_objects(location, MNIST_SOURCE_VARIABLE)
    wanted = [name for name in candidates() if name in objects]
    if not wanted:
        raise DataError(f"{MNIST_SOURCE_VARIABLE}={location.url()} holds no MNIST IDX files.")
    fetched = []
    for name in wanted:
        info = objects[name]
        if _have(folder / name, info.size, ("md5", info.md5) if info.md5 else None):
            continue
        progress(f"fetching {location.url(name)}")
        fetched.append(download(location, name, folder / name, info, MNIST_SOURCE_VARIABLE))
    return fetched


def _from_folder(source: Path, folder: Path) -> list[Path]:
    if not source.is_dir():
        raise DataError(f"{MNIST_SOURCE_VARIABLE}={source} is not a folder.")
    fetched = []
    for name in candidates():
        path = source / name
        if path.is_file() and not _have(folder / name, path.stat().st_size, None, path):
            fetched.append(write_with(folder / name, lambda tmp, p=path: shutil.copyfile(p, tmp)))
    return fetched


def _have(
    local: Path, size: int, checksum: tuple[str, str] | None, same_as: Path | None = None
) -> bool:
    """Whether ``local`` already holds the source's file."""
    if not local.is_file() or (size >= 0 and local.stat().st_size != size):
        return False
    if same_as is not None:
        return local.stat().st_mtime_ns >= same_as.stat().st_mtime_ns
    return checksum is None or digest_of(local, checksum[0]) == checksum[1].lower()


def _checksums(text: str | None) -> dict[str, str]:
    sums = {}
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) == 2:
            sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums
