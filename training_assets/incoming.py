"""The watched folder of labelled digits, `mnist/incoming/<digit>/*.png`; no torch import."""

from __future__ import annotations

from pathlib import Path

from konspekt import watch

IMAGE_SUFFIXES = frozenset({".png"})


def scan(folder: Path) -> dict[str, tuple[int, int]]:
    """Relative path -> (size, mtime_ns) of every PNG under ``folder`` (rules as the inbox's)."""
    return watch.scan(folder, IMAGE_SUFFIXES)


def survey(folder: Path) -> tuple[dict[str, tuple[int, int]], dict[str, str]]:
    """The PNGs, and the entries named like PNGs that are no regular files (links, FIFOs)."""
    return watch.survey(folder, IMAGE_SUFFIXES)


def label_of(relative: str) -> int | None:
    """The digit a file is labelled with: its folder name, when that is a single digit."""
    parts = relative.split("/")
    if len(parts) == 2 and len(parts[0]) == 1 and parts[0].isdigit():
        return int(parts[0])
    return None
