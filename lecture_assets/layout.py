"""Where a lecture's files live: every file name of the data folder is spelled here, once.

``LectureStorage`` (the resource) hands these out; the CLI, the admission code and the tests
use the same objects, so renaming an output is a one-line change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from konspekt.errors import KonspektError
from lecture_assets.records import SlideDeck, SourceRecord, Summary, Transcript


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
        return LectureFolder(self.lectures / key)

    @property
    def courses(self) -> Path:
        return self.root / "courses"

    def course(self, key: str) -> CourseFolder:
        return CourseFolder(self.courses / key)

    def registered(self) -> list[LectureFolder]:
        """Every lecture folder that holds a source record, in key order."""
        if not self.lectures.is_dir():
            return []
        folders = (LectureFolder(p) for p in sorted(self.lectures.iterdir()))
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
