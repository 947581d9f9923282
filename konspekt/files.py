"""Atomic file writes: a reader never sees a half-written artifact."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` only on success.

    The temporary file lives in the same folder so the final ``os.replace`` is atomic
    (same filesystem), and starts with a dot so the inbox sensor and users ignore it.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates 0600; published artifacts get the usual umask-based mode.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def remove_stale_temps(target: Path, older_than_s: float = 3600.0) -> None:
    """Delete temp files a killed writer of ``target`` left behind (a fresh one may be live)."""
    cutoff = time.time() - older_than_s
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
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


def sha256_of(path: Path, chunk: int = 1 << 22) -> str:
    """The file's sha256, read a chunk at a time (model files are gigabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
