"""Watched folders: which files are there, and which have stopped changing since the last look.

Both code locations watch a folder (lecture recordings, labelled digits) with the same rule: a
file is ready once its size and modification time are unchanged across two sensor ticks, so a
copy in progress is never picked up.
"""

from __future__ import annotations

import json
import os
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

# Browsers and sync tools write partial downloads under these names before renaming.
TEMP_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".filepart")


def display_name(name: str) -> str:
    """A file name fit for logs, tags and titles: undecodable bytes and control characters
    (possible in POSIX names) become U+FFFD instead of breaking whatever prints them."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in text)


def is_candidate(name: str, suffixes: frozenset[str]) -> bool:
    """A file with one of ``suffixes`` that is not hidden and not a download in progress."""
    lowered = name.lower()
    if name.startswith((".", "~")) or lowered.endswith(TEMP_SUFFIXES) or name.endswith("~"):
        return False
    return Path(lowered).suffix in suffixes


def scan(folder: Path, suffixes: frozenset[str]) -> dict[str, tuple[int, int]]:
    """Relative path -> (size, mtime_ns) of every candidate under ``folder``, sorted by path."""
    return survey(folder, suffixes)[0]


def survey(
    folder: Path, suffixes: frozenset[str]
) -> tuple[dict[str, tuple[int, int]], dict[str, str]]:
    """The candidates under ``folder`` (as :func:`scan`) and the entries named like candidates
    that are refused: relative path -> why.

    Only regular files are candidates. A symbolic link is never followed: whoever may write into
    a shared inbox could otherwise make the platform read (and transcribe into the data folder)
    any file it can read. A FIFO, socket or device is never opened, so it cannot hang a tick.
    """
    found: dict[str, tuple[int, int]] = {}
    refused: dict[str, str] = {}
    if not folder.is_dir():
        return found, refused
    for parent, dirs, files in os.walk(folder):  # followlinks=False: linked folders stay shut
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in [*files, *(d for d in dirs if (Path(parent) / d).is_symlink())]:
            if not is_candidate(name, suffixes):
                continue
            path = Path(parent) / name
            try:
                info = path.lstat()
            except FileNotFoundError:  # removed between listing and stat
                continue
            rel = path.relative_to(folder).as_posix()
            why = not_a_file(info)
            if why:
                refused[rel] = why
            else:
                found[rel] = (info.st_size, info.st_mtime_ns)
    return dict(sorted(found.items())), dict(sorted(refused.items()))


def not_a_file(info: os.stat_result) -> str:
    """Why an entry (from ``lstat``) is no file to read, or "" for a regular file."""
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link; links in the inbox are not followed (copy the file in)"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a FIFO, socket or device); only files are read"
    return ""


@dataclass
class Arrivals:
    """One sensor tick's view of a watched folder, from the previous tick's cursor.

    ``seen`` holds files already handled, ``pending`` files seen once; both map a relative path
    to [size, mtime_ns]. A file is ``ready`` when it is unchanged since the previous tick (so a
    copy in progress is never picked up) and not yet handled. ``refused`` holds the entries that
    are no files (relative path -> why); ``newly_refused`` those not refused last tick, so each
    is reported once, not every tick.
    """

    current: dict[str, list[int]]
    ready: list[str]
    pending: dict[str, list[int]]
    seen: dict[str, list[int]]
    refused: dict[str, str] = field(default_factory=dict)
    newly_refused: list[str] = field(default_factory=list)

    @classmethod
    def of(
        cls,
        found: dict[str, tuple[int, int]],
        cursor: str | None,
        refused: dict[str, str] | None = None,
    ) -> Arrivals:
        state = json.loads(cursor) if cursor else {}
        before, seen = state.get("pending", {}), state.get("seen", {})
        current = {rel: list(st) for rel, st in found.items()}
        # A handled file that changed or vanished is forgotten, so a re-upload counts as new.
        seen = {rel: st for rel, st in seen.items() if current.get(rel) == st}
        ready = [rel for rel, st in current.items() if rel not in seen and before.get(rel) == st]
        pending = {rel: st for rel, st in current.items() if rel not in seen and rel not in ready}
        refused = refused or {}
        earlier = state.get("refused", {})
        fresh = [rel for rel, why in refused.items() if earlier.get(rel) != why]
        return cls(current, ready, pending, seen, refused, fresh)

    def cursor(self) -> str:
        state = {"pending": self.pending, "seen": self.seen}
        if self.refused:
            state["refused"] = self.refused
        return json.dumps(state, sort_keys=True)
