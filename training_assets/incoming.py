"""The watched folder of labelled digits, `mnist/incoming/<digit>/*.png`; no torch import."""

from __future__ import annotations

import os
from pathlib import Path

from lecture_assets.inbox import TEMP_SUFFIXES

IMAGE_SUFFIXES = (".png",)


def is_candidate(name: str) -> bool:
    """A PNG that is not hidden and not a copy in progress."""
    lowered = name.lower()
    if name.startswith((".", "~")) or lowered.endswith(TEMP_SUFFIXES) or name.endswith("~"):
        return False
    return lowered.endswith(IMAGE_SUFFIXES)


def scan(folder: Path) -> dict[str, tuple[int, int]]:
    """Relative path -> (size, mtime_ns) of every candidate image under ``folder``, sorted."""
    found: dict[str, tuple[int, int]] = {}
    if not folder.is_dir():
        return found
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if not is_candidate(name):
                continue
            path = Path(parent) / name
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed between listing and stat
                continue
            found[path.relative_to(folder).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return dict(sorted(found.items()))


def label_of(relative: str) -> int | None:
    """The digit a file is labelled with: its folder name, when that is a single digit."""
    parts = relative.split("/")
    if len(parts) == 2 and len(parts[0]) == 1 and parts[0].isdigit():
        return int(parts[0])
    return None
