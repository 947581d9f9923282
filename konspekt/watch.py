"""Watched folders: which files are there, and which have stopped changing since the last look.

Both code locations watch a folder (lecture recordings, labelled digits) with the same rule: a
file is ready once its size and modification time are unchanged across two sensor ticks, so a
copy in progress is never picked up.
"""

from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import dataclass
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
    found: dict[str, tuple[int, int]] = {}
    if not folder.is_dir():
        return found
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if not is_candidate(name, suffixes):
                continue
            path = Path(parent) / name
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed between listing and stat
                continue
            found[path.relative_to(folder).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return dict(sorted(found.items()))


@dataclass
class Arrivals:
    """One sensor tick's view of a watched folder, from the previous tick's cursor.

    ``seen`` holds files already handled, ``pending`` files seen once; both map a relative path
    to [size, mtime_ns]. A file is ``ready`` when it is unchanged since the previous tick (so a
    copy in progress is never picked up) and not yet handled.
    """

    current: dict[str, list[int]]
    ready: list[str]
    pending: dict[str, list[int]]
    seen: dict[str, list[int]]

    @classmethod
    def of(cls, found: dict[str, tuple[int, int]], cursor: str | None) -> Arrivals:
        state = json.loads(cursor) if cursor else {}
        before, seen = state.get("pending", {}), state.get("seen", {})
        current = {rel: list(st) for rel, st in found.items()}
        # A handled file that changed or vanished is forgotten, so a re-upload counts as new.
        seen = {rel: st for rel, st in seen.items() if current.get(rel) == st}
        ready = [rel for rel, st in current.items() if rel not in seen and before.get(rel) == st]
        pending = {rel: st for rel, st in current.items() if rel not in seen and rel not in ready}
        return cls(current, ready, pending, seen)

    def cursor(self) -> str:
        return json.dumps({"pending": self.pending, "seen": self.seen}, sort_keys=True)
