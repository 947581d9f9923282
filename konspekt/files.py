"""Atomic file writes: a reader never sees a half-written artifact."""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from konspekt.errors import KonspektError

# Why a write into the data folder can fail that a person, not a retry, must fix.
_WRITE_TROUBLE = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "the folder is not writable",
    errno.EPERM: "the folder is not writable",
    errno.ENOTDIR: "a file stands where a folder should be",
}


# Errors no read can cause.
_WRITE_ONLY = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def _ours(exc: OSError, tmp: Path, target: Path) -> bool:
    """Whether an error names the temp file or the target (the rename, the chmod)."""
    return any(str(name) in (str(tmp), str(target)) for name in (exc.filename, exc.filename2))


class StorageError(KonspektError):
    """The data folder cannot take a write (full, read-only, not a folder)."""


def storage_error(target: Path, exc: OSError) -> StorageError:
    why = _WRITE_TROUBLE.get(exc.errno or 0, "the write failed")
    return StorageError(
        f"{target} could not be written: {why} ({exc.strerror or exc}). Earlier outputs are "
        "unchanged; fix the data folder and try again (materialize, or drop the file again)."
    )


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` only on success.

    The temporary file lives in the same folder so the final ``os.replace`` is atomic
    (same filesystem), and starts with a dot so the inbox sensor and users ignore it.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(target)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise storage_error(target, exc) from None
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp creates 0600; published artifacts get the usual umask-based mode.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        # From the caller's block only what a write alone causes: a read error there (an
        # unreadable input) is the caller's to report, not "the folder is not writable".
        write_side = exc.errno in _WRITE_ONLY or (
            exc.errno in _WRITE_TROUBLE and _ours(exc, tmp, target)
        )
        if not write_side:
            raise
        raise storage_error(target, exc) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


@contextmanager
def exclusive(folder: Path, waiting: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Be the only writer in ``folder`` (across processes) until the block ends, after sweeping
    the temp files a killed writer left there. The lock is an flock on ``folder/.lock``: the
    kernel drops it when its holder dies, so a crash never leaves the folder locked."""
    import fcntl

    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = (folder / ".lock").open("a")
    except OSError as exc:
        raise storage_error(folder / ".lock", exc) from None
    with handle:
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                waiting(f"another run is writing in {folder}; waiting for it to finish")
                fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError as exc:  # ENOLCK, EOPNOTSUPP: a network file system without locks
            raise StorageError(
                f"{folder} cannot be locked ({exc.strerror or exc}); keep the data folder on a "
                "local disk or a file system with locks."
            ) from None
        try:
            # Every step writing here holds this lock; only admission (source.json, written in
            # milliseconds) does not, hence the age.
            _sweep(folder.rglob(".*.tmp"), older_than_s=30)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_stale_temps(target: Path, older_than_s: float = 3600.0) -> None:
    """Delete temp files a killed writer of ``target`` left behind (a fresh one may be live)."""
    _sweep(target.parent.glob(f".{glob.escape(target.name)}.*.tmp"), older_than_s)


def _sweep(leftovers: Iterable[Path], older_than_s: float) -> None:
    cutoff = time.time() - older_than_s
    for leftover in leftovers:
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours to delete
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()


def write_bytes(target: Path, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target


def write_text(target: Path, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))


def write_json(target: Path, obj: Any) -> Path:
    text = json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
    try:
        return write_bytes(target, text.encode("utf-8"))
    except UnicodeEncodeError:
        # A POSIX file name may hold bytes that are not UTF-8 (kept as surrogates by Python);
        # \u escapes carry them through JSON and back unchanged.
        return write_text(target, json.dumps(obj, indent=2) + "\n")


def write_with(target: Path, writer: Callable[[Path], None]) -> Path:
    """Let ``writer`` fill a temporary path, then publish it as ``target``."""
    with atomic_path(target) as tmp:
        writer(tmp)
    return target


def sha256_of(source: Path | BinaryIO, chunk: int = 1 << 22) -> str:
    """The sha256 of a file (or of an open one), read a chunk at a time (models are gigabytes)."""
    digest = hashlib.sha256()
    with source.open("rb") if isinstance(source, Path) else contextlib.nullcontext(source) as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
