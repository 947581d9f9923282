"""Where a lecture's files live: every file name of the data folder is spelled here, once.

``LectureStorage`` (the resource) hands these out; the CLI, the admission code and the tests
use the same objects, so renaming an output is a one-line change.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from konspekt.errors import KonspektError
from lecture_assets.records import SlideDeck, SourceRecord, Summary, Transcript

FINGERPRINT_CHARS = 10  # of the content's sha256, at the end of a lecture's key
# The keys admission makes (intake.partition_key, courses.catalog.course_key): an ASCII slug,
# and for a lecture its fingerprint. A key becomes a folder name, so nothing else is accepted:
# a key added through the UI's API such as "../inbox/evil" would write outside lectures/.
COURSE_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LECTURE_KEY = re.compile(rf"{COURSE_KEY.pattern}-[0-9a-f]{{{FINGERPRINT_CHARS}}}")


def checked_key(key: str, kind: str = "lecture") -> str:
    """``key`` when it is a key admission makes; otherwise one sentence, before any path."""
    pattern, example = (
        (LECTURE_KEY, "talk-0123456789") if kind == "lecture" else (COURSE_KEY, "biology-101")
    )
    if not pattern.fullmatch(key):
        raise KonspektError(
            f"{key!r} is not a {kind} partition key (keys look like {example!r} and are made by "
            "the inbox sensor or `konspekt process`); it is not used as a folder name."
        )
    return key


@dataclass(frozen=True)
class LectureFolder:
    """``<data_dir>/lectures/<partition key>/`` and the artifacts in it."""

    path: Path

    @property
    def key(self) -> str:
        return self.path.name

    @property
    def source(self) -> Path:
        return self.path / "source.json"

    @property
    def audio(self) -> Path:
        return self.path / "audio.wav"

    @property
    def slides(self) -> Path:
        return self.path / "slides.json"

    @property
    def slides_dir(self) -> Path:
        return self.path / "slides"

    def slide_image(self, number: int) -> Path:
        """``slides/001.jpg`` for the first slide; slides.json names it relative to the folder."""
        return self.slides_dir / f"{number:03d}.jpg"

    def relative(self, path: Path) -> str:
        return path.relative_to(self.path).as_posix()

    @property
    def transcript(self) -> Path:
        return self.path / "transcript.json"

    @property
    def transcript_text(self) -> Path:
        return self.path / "transcript.txt"

    @property
    def srt(self) -> Path:
        return self.path / "subtitles.srt"

    @property
    def vtt(self) -> Path:
        return self.path / "subtitles.vtt"

    @property
    def summary(self) -> Path:
        return self.path / "summary.json"

    @property
    def pdf(self) -> Path:
        return self.path / "notes.pdf"

    @property
    def page(self) -> Path:
        """The notes page that plays the lecture (notes/page.py)."""
        return self.path / "notes.html"

    @property
    def markdown(self) -> Path:
        return self.path / "notes.md"

    @property
    def deck(self) -> Path:
        """Anki cards of the glossary and the review questions."""
        return self.path / "notes.apkg"

    @property
    def listen(self) -> Path:
        """A small Opus copy of the sound that every browser plays, for the notes page."""
        return self.path / "listen.webm"

    def read_source(self) -> SourceRecord | None:
        if not self.source.is_file():
            return None
        return SourceRecord.from_dict(_read_json(self.source))

    def read_slides(self) -> SlideDeck:
        return SlideDeck.from_dict(_read_json(self.slides))

    def read_transcript(self) -> Transcript:
        return Transcript.from_dict(_read_json(self.transcript))

    def read_summary(self) -> Summary:
        return Summary.from_dict(_read_json(self.summary))


@dataclass(frozen=True)
class CourseFolder:
    """``<data_dir>/courses/<course key>/``: the notes of a whole course."""

    path: Path

    @property
    def key(self) -> str:
        return self.path.name

    @property
    def pdf(self) -> Path:
        return self.path / "course_notes.pdf"

    @property
    def markdown(self) -> Path:
        return self.path / "course.md"

    @property
    def deck(self) -> Path:
        return self.path / "course.apkg"

    @property
    def record(self) -> Path:
        """Which lectures' notes the course files were built from (courses/catalog.py)."""
        return self.path / "course.json"


@dataclass(frozen=True)
class Layout:
    """The data folder: the inbox, one folder per lecture and one per course."""

    root: Path
    inbox: Path

    @classmethod
    def of(cls, data_dir: str | Path, inbox: str | Path = "") -> Layout:
        root = Path(data_dir).expanduser().resolve()
        return cls(root, Path(inbox).expanduser().resolve() if inbox else root / "inbox")

    @property
    def lectures(self) -> Path:
        return self.root / "lectures"

    def lecture(self, key: str) -> LectureFolder:
        return LectureFolder(self.lectures / checked_key(key))

    @property
    def courses(self) -> Path:
        return self.root / "courses"

    def course(self, key: str) -> CourseFolder:
        return CourseFolder(self.courses / checked_key(key, "course"))

    def registered(self) -> list[LectureFolder]:
        """Every lecture folder that holds a source record, in key order."""
        if not self.lectures.is_dir():
            return []
        folders = (
            LectureFolder(p)
            for p in sorted(self.lectures.iterdir())
            if LECTURE_KEY.fullmatch(p.name)  # not the folders a person made there
        )
        return [f for f in folders if f.source.is_file()]


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KonspektError(
            f"{path.name} of lecture {path.parent.name} is missing; materialize the asset that "
            "writes it (upstream of this one) first."
        ) from None
    except (OSError, ValueError) as exc:
        raise KonspektError(f"{path} cannot be read ({exc}); materialize it again.") from None
