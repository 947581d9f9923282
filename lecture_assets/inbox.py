"""The watched folder: which files are ready, what partition key each gets, where it came from."""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from lecture_assets.fsutil import write_json
from lecture_assets.media import MEDIA_EXTENSIONS

# Browsers and sync tools write partial downloads under these names before renaming.
TEMP_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".filepart")
SOURCE_FILE = "source.json"
FINGERPRINT_CHARS = 10
SLUG_CHARS = 48

_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya i yi ye g u"
_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў", _LATIN.split(), strict=True))


@dataclass(frozen=True)
class SourceRecord:
    """Where a partition's file lives: backfills and UI re-materializations carry no config."""

    path: str
    name: str
    fingerprint: str
    size: int
    registered_at: str


def display_name(name: str) -> str:
    """A file name fit for logs, tags and titles: undecodable bytes and control characters
    (possible in POSIX names) become U+FFFD instead of breaking whatever prints them."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in text)


def is_candidate(name: str, suffixes: frozenset[str] = MEDIA_EXTENSIONS) -> bool:
    """A file with one of ``suffixes`` that is not hidden and not a download in progress."""
    lowered = name.lower()
    if name.startswith((".", "~")) or lowered.endswith(TEMP_SUFFIXES) or name.endswith("~"):
        return False
    return Path(lowered).suffix in suffixes


def scan(inbox: Path, suffixes: frozenset[str] = MEDIA_EXTENSIONS) -> dict[str, tuple[int, int]]:
    """Relative path -> (size, mtime_ns) of every candidate under ``inbox``, sorted by path."""
    found: dict[str, tuple[int, int]] = {}
    if not inbox.is_dir():
        return found
    for folder, dirs, files in os.walk(inbox):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if not is_candidate(name, suffixes):
                continue
            path = Path(folder) / name
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed between listing and stat
                continue
            found[path.relative_to(inbox).as_posix()] = (stat.st_size, stat.st_mtime_ns)
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


def slugify(text: str) -> str:
    """ASCII slug: Cyrillic transliterated, accents dropped, anything else becomes '-'."""
    text = "".join(_CYRILLIC.get(c, c) if c.islower() else _upper_translit(c) for c in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:SLUG_CHARS].rstrip("-")


def _upper_translit(char: str) -> str:
    lower = char.lower()
    return _CYRILLIC[lower].capitalize() if lower in _CYRILLIC else char


def partition_key(file_name: str, fingerprint: str) -> str:
    """``<slug>-<hash prefix>``: readable in the UI, safe as a folder name and a Dagster key."""
    slug = slugify(Path(file_name).stem) or "lecture"
    return f"{slug}-{fingerprint[:FINGERPRINT_CHARS]}"


def fingerprint(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 of the content: the same bytes under two names are one lecture."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def register(lectures_dir: Path, key: str, source: Path, digest: str) -> SourceRecord:
    """Record key -> source idempotently (rewritten only if the source moved)."""
    existing = lookup(lectures_dir, key)
    resolved = str(source.resolve())
    if existing and existing.path == resolved:
        return existing
    record = SourceRecord(
        path=resolved,
        name=source.name,
        fingerprint=digest,
        size=source.stat().st_size,
        registered_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    write_json(lectures_dir / key / SOURCE_FILE, asdict(record))
    return record


def lookup(lectures_dir: Path, key: str) -> SourceRecord | None:
    path = lectures_dir / key / SOURCE_FILE
    if not path.is_file():
        return None
    return SourceRecord(**json.loads(path.read_text(encoding="utf-8")))


def fingerprint_index(lectures_dir: Path) -> dict[str, str]:
    """fingerprint -> partition key of every registered lecture."""
    index: dict[str, str] = {}
    if lectures_dir.is_dir():
        for entry in sorted(lectures_dir.iterdir()):
            record = lookup(lectures_dir, entry.name)
            if record:
                index.setdefault(record.fingerprint, entry.name)
    return index
