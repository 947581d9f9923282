"""Which lectures make a course, in which order, and when its notes are out of date.

A recording's course is the first folder under the inbox (``inbox/<course>/.../file``) or
``konspekt process --course NAME``; it is kept in the lecture's ``source.json``, so this
module needs nothing but the data folder: the course asset, the automation condition that
decides when to rebuild it and the transcript step (for the course's vocabulary) all read it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from konspekt.errors import KonspektError
from konspekt.watch import display_name
from lecture_assets.layout import Layout, LectureFolder
from lecture_assets.records import SourceRecord, Summary
from lecture_assets.text import slugify

_UNREADABLE = (KonspektError, KeyError, TypeError, ValueError)


def course_key(name: str) -> str:
    """The course's partition key: an ASCII slug of its name ("Алгоритмы" -> "algoritmy")."""
    slug = slugify(name)
    return (
        slug or "course-" + hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    )


def course_of(relative: str) -> str:
    """The course of a file at ``relative`` under the inbox: its first folder, if any."""
    parts = PurePosixPath(relative).parts
    return parts[0] if len(parts) > 1 else ""


@dataclass(frozen=True)
class Member:
    """A lecture of a course, numbered from 1 in recording order."""

    number: int
    folder: LectureFolder
    source: SourceRecord

    @property
    def key(self) -> str:
        return self.folder.key

    @property
    def title(self) -> str:
        return display_name(Path(self.source.name).stem)

    @property
    def has_notes(self) -> bool:
        return self.folder.summary.is_file()


def _natural(name: str) -> list:
    """ "lecture 2" before "lecture 10"."""
    return [int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", name)]


def by_course(layout: Layout) -> dict[str, list[Member]]:
    """Every course's lectures in recording order: the file's modification time (cp -p, rsync
    and camera imports keep it), then the name in natural order ("week 2" before "week 10").
    One pass over the data folder, however many courses."""
    found: dict[str, list] = {}
    for folder in layout.registered():
        record = folder.read_source()
        if record and record.course:
            when = record.recorded_at or record.registered_at
            found.setdefault(course_key(record.course), []).append(
                (when, _natural(record.name), folder, record)
            )
    return {
        key: [
            Member(n, folder, record)
            for n, (_, _, folder, record) in enumerate(sorted(items, key=lambda i: i[:2]), 1)
        ]
        for key, items in found.items()
    }


def members(layout: Layout, key: str) -> list[Member]:
    """The course's lectures in recording order (see :func:`by_course`)."""
    return by_course(layout).get(key, [])


def course_name(lectures: list[Member], key: str) -> str:
    """The course's name as its first lecture's folder spells it, printable."""
    return display_name(next((m.source.course for m in lectures), key))


def stamps(lectures: list[Member]) -> dict[str, int]:
    """Lecture key -> when its notes were last written, for the lectures that have notes."""
    result = {}
    for m in lectures:
        try:
            result[m.key] = m.folder.summary.stat().st_mtime_ns
        except FileNotFoundError:
            continue
    return result


def built_from(layout: Layout, key: str) -> dict[str, int] | None:
    """The stamps the course's files were last built from; None if never built."""
    record = layout.course(key).record
    try:
        return {k: int(v) for k, v in json.loads(record.read_text("utf-8"))["stamps"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def outdated(layout: Layout, key: str, lectures: list[Member] | None = None) -> bool:
    """True when a lecture of the course has notes newer than (or missing from) the course's
    files, or lost its notes since: the condition that rebuilds the course by itself.
    ``lectures``: the course's, when the caller has them (:func:`by_course`)."""
    current = stamps(members(layout, key) if lectures is None else lectures)
    if not current:
        return False  # nothing to write about yet
    return built_from(layout, key) != current or not layout.course(key).pdf.is_file()


def read_notes(lectures: list[Member]) -> list[tuple[Member, Summary]]:
    return [(m, m.folder.read_summary()) for m in lectures if m.has_notes]


def vocabulary(layout: Layout, key: str, limit: int = 200) -> tuple[list[str], list[str]]:
    """Terms of the lectures recorded before lecture ``key`` in its course, the latest first:
    glossary and key terms, then slide titles and text. Returns (lines, lecture keys used)."""
    folder = layout.lecture(key)
    record = folder.read_source()
    if not record or not record.course:
        return [], []
    lectures = members(layout, course_key(record.course))
    this = next((m for m in lectures if m.key == key), None)
    earlier = [m for m in lectures if this and m.number < this.number and m.has_notes]
    terms: list[str] = []
    on_screen: list[str] = []
    used = []
    for m in reversed(earlier):
        try:
            notes = m.folder.read_summary()
        except _UNREADABLE:  # another lecture's damaged notes never fail this one
            continue
        used.append(m.key)
        terms += [t.term for t in notes.glossary] + list(notes.key_terms)
        if m.folder.slides.is_file():
            try:
                deck = m.folder.read_slides()
            except _UNREADABLE:
                deck = None
            if deck:
                on_screen += [s.title for s in deck.slides] + [s.text for s in deck.slides]
    lines = list(dict.fromkeys(t for t in terms + on_screen if t.strip()))
    return lines[:limit], used
