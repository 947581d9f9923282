"""Admission: one path from a dropped file to a registered lecture, for the sensor and the CLI.

A file is checked (is it media at all?), fingerprinted, named (a readable slug plus the
fingerprint), checked against the lectures already registered, and its source recorded in the
lecture's folder. The sensor and `konspekt process` both call :func:`admit`, so every input gets
the same outcome from both; each then adds the Dagster partition in its own way.
"""

from __future__ import annotations

import contextlib
import errno
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from konspekt.errors import KonspektError
from konspekt.files import StorageError, sha256_of, write_json
from konspekt.watch import display_name, not_a_file
from lecture_assets.asr.media import MediaError, check_media
from lecture_assets.layout import FINGERPRINT_CHARS, Layout, LectureFolder
from lecture_assets.records import SourceRecord
from lecture_assets.text import slugify


@dataclass(frozen=True)
class Admission:
    """What became of one input file."""

    status: Literal["admitted", "duplicate", "rejected"]
    key: str | None = None  # the lecture's partition; for a duplicate, the first lecture's
    reason: str | None = None  # for a rejected file: one sentence saying why


def admit(
    layout: Layout,
    path: Path,
    index: dict[str, str],
    course: str = "",
    follow_links: bool = True,
) -> Admission:
    """Probe, fingerprint, name and register ``path`` (in ``course``, if one); ``index``
    (fingerprint -> key, from :func:`fingerprint_index`) learns the new lecture, so a batch
    sees its own duplicates.

    Only a regular file is read: a FIFO would hang the reader, a device never ends. The sensor
    passes ``follow_links=False`` (a link in a shared inbox may point anywhere); a file named on
    the command line is the user's own choice, so a link there is followed.
    """
    name = display_name(path.name)
    try:
        info = path.stat() if follow_links else path.lstat()
    except OSError:
        info = None  # missing or unreadable: check_media says which
    why = not_a_file(info) if info else ""
    if why:
        return Admission("rejected", reason=f"{name} {why}.")
    try:
        check_media(path)  # before anything is registered
        # Hashed through a descriptor that refuses a link and cannot block on a FIFO, and only
        # if it is still the entry looked at above: a file swapped for a link meanwhile is no
        # lecture (the sensor sees the new entry, and refuses it, next tick).
        digest = fingerprint(path, follow_links=follow_links, expected=info)
    except MediaError as exc:
        return Admission("rejected", reason=str(exc))
    except OSError as exc:
        reason = f"{display_name(path.name)} cannot be read ({exc.strerror or exc})."
        return Admission("rejected", reason=reason)
    key = partition_key(path.name, digest)
    first = index.get(digest, key)
    if first != key:
        _repoint(layout.lecture(first), path, digest, course)
        return Admission("duplicate", key=first)
    try:
        register(layout.lecture(key), path, digest, course)
    except StorageError as exc:  # a read-only or full data folder: the sentence says which
        return Admission("rejected", reason=f"{display_name(path.name)} was not registered: {exc}")
    except OSError as exc:
        reason = f"{display_name(path.name)} could not be registered in {layout.lectures} "
        return Admission("rejected", reason=reason + f"({exc.strerror or exc}).")
    index[digest] = key  # only now: a failed registration is no lecture to be a copy of
    return Admission("admitted", key=key)


def partition_key(file_name: str, fingerprint: str) -> str:
    """``<slug>-<hash prefix>``: readable in the UI, safe as a folder name and a Dagster key."""
    slug = slugify(Path(file_name).stem) or "lecture"
    return f"{slug}-{fingerprint[:FINGERPRINT_CHARS]}"


def verify(record: SourceRecord, key: str) -> None:
    """Check that the registered source still holds the bytes lecture ``key`` was named after,
    before anything decodes it; otherwise one sentence saying what happened and what to do."""
    path, name = Path(record.path), display_name(record.name)
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise KonspektError(
            f"{name}, the source of lecture {key}, was deleted or moved after it was registered "
            f"({display_name(record.path)}); drop the recording into the inbox again (any name), "
            f"then materialize the lecture again (or `konspekt backfill {key}`)."
        ) from None
    except OSError as exc:
        raise KonspektError(f"{name} cannot be read ({exc.strerror or exc}).") from None
    if not_a_file(info):  # lstat: a source swapped for a link is not followed, even to hash it
        raise KonspektError(f"{name} {not_a_file(info)}.")
    try:
        same = info.st_size == record.size and fingerprint(path, False) == record.fingerprint
    except (OSError, MediaError) as exc:
        raise KonspektError(
            f"{name} cannot be read ({getattr(exc, 'strerror', None) or exc})."
        ) from None
    if not same:
        raise KonspektError(
            f"{name} changed after it was registered as lecture {key}, so it is not processed "
            "under that key (its notes would not match the content the key stands for); the "
            "changed file becomes a new lecture when the inbox sensor sees it, or with "
            "`konspekt process`."
        )


class ChangedError(MediaError):
    """The entry changed (or became a link) while it was being admitted."""


def fingerprint(path: Path, follow_links: bool = True, expected=None) -> str:
    """sha256 of the content: the same bytes under two names are one lecture. With
    ``follow_links=False`` a link is refused; with ``expected`` (an earlier stat) the file must
    still be that one."""
    import os
    import stat

    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_links else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise ChangedError(f"{display_name(path.name)} became a link; not admitted.") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        same = expected is None or (info.st_dev, info.st_ino) == (
            expected.st_dev,
            expected.st_ino,
        )
        if not stat.S_ISREG(info.st_mode) or not same:
            raise ChangedError(
                f"{display_name(path.name)} was replaced while it was being admitted; it is "
                "looked at again once it stops changing."
            )
        return sha256_of(handle)


def _repoint(folder: LectureFolder, source: Path, digest: str, course: str) -> None:
    """A copy of a lecture whose registered source was deleted or changed since: the copy
    becomes its source, so re-executing the lecture finds its bytes again."""
    record = folder.read_source()
    if record is None:
        return
    try:  # cheap: a missing file or another size; a full hash per duplicate would not be
        info = Path(record.path).lstat()
        intact = not not_a_file(info) and info.st_size == record.size
    except OSError:
        intact = False
    if not intact:
        with contextlib.suppress(OSError, KonspektError):
            register(folder, source, digest, course or record.course)


def register(folder: LectureFolder, source: Path, digest: str, course: str = "") -> SourceRecord:
    """Record key -> source idempotently (rewritten only if the source moved or its course
    changed)."""
    existing = folder.read_source()
    resolved = str(source.resolve())
    if existing and existing.path == resolved and existing.course == course:
        return existing
    stat = source.stat()
    record = SourceRecord(
        path=resolved,
        name=source.name,
        fingerprint=digest,
        size=stat.st_size,
        registered_at=datetime.now(UTC).isoformat(timespec="seconds"),
        course=course,
        recorded_at=datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds"),
    )
    write_json(folder.source, record.to_dict())
    return record


def fingerprint_index(layout: Layout) -> dict[str, str]:
    """fingerprint -> partition key of every registered lecture."""
    index: dict[str, str] = {}
    for folder in layout.registered():
        record = folder.read_source()
        if record:
            index.setdefault(record.fingerprint, folder.key)
    return index
