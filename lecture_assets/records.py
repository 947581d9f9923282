"""The lecture domain's on-disk records, at the bottom of the import graph.

``source.json``, ``slides.json``, ``transcript.json`` and ``summary.json`` are these dataclasses
as JSON; every
module that reads or writes them takes its types from here, never from the code that computes
them. No imports beyond the standard library.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class SourceRecord:
    """Where a partition's file lives: backfills and UI re-materializations carry no config."""

    path: str
    name: str
    fingerprint: str
    size: int
    registered_at: str
    course: str = ""  # the course's name as the user wrote it (inbox folder or --course)
    recorded_at: str = ""  # the file's modification time: the course orders lectures by it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceRecord:
        known = {f: data[f] for f in cls.__dataclass_fields__ if f in data}
        return cls(**known)


@dataclass(frozen=True)
class Slide:
    """One distinct slide: where it first showed, its picture and its text."""

    start: float
    end: float
    image: str  # relative to the lecture folder, e.g. slides/001.jpg
    title: str
    text: str  # cleaned OCR lines, the title first; empty when no OCR engine was available
    shown: list[tuple[float, float]] = field(default_factory=list)  # every stretch on screen

    @property
    def seconds(self) -> float:
        return sum(end - start for start, end in self.shown) or self.end - self.start

    def overlap(self, start: float, end: float) -> float:
        """Seconds this slide is on screen between ``start`` and ``end``."""
        spans = self.shown or [(self.start, self.end)]
        return sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Slide:
        shown = [(float(a), float(b)) for a, b in data.get("shown", [])]
        return cls(
            float(data["start"]),
            float(data["end"]),
            data["image"],
            data.get("title", ""),
            data.get("text", ""),
            shown,
        )


@dataclass
class SlideDeck:
    """``slides.json``: the distinct slides in order of first showing, and how they were read."""

    slides: list[Slide] = field(default_factory=list)
    ocr: dict[str, Any] = field(default_factory=dict)  # engine, languages, or why none ran
    video: dict[str, Any] = field(default_factory=dict)  # how the frames were sampled

    def during(self, start: float, end: float) -> list[Slide]:
        """Slides on screen for a real part of ``[start, end)``: half of it, or 10 s, or half
        of the slide's own time on screen; in the order they first came up."""
        span = max(end - start, 1e-6)
        return [
            s
            for s in self.slides
            if (seen := s.overlap(start, end)) >= min(0.5 * span, 10.0, 0.5 * s.seconds)
            and seen > 0
        ]

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.slides if s.text)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SlideDeck:
        return cls(
            [Slide.from_dict(s) for s in data.get("slides", [])],
            dict(data.get("ocr", {})),
            dict(data.get("video", {})),
        )


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str


@dataclass
class Transcript:
    language: str
    model: str
    duration: float
    segments: list[Segment] = field(default_factory=list)
    # Set when the language detector could not decide: its best guess, "Russian, p=0.24".
    unsure_language: str = ""

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.unsure_language:  # the usual case keeps the file as it always was
            del data["unsure_language"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        segments = [
            Segment(float(s["start"]), float(s["end"]), s["text"]) for s in data["segments"]
        ]
        return cls(
            data["language"],
            data["model"],
            float(data["duration"]),
            segments,
            data.get("unsure_language", ""),  # absent from transcripts of earlier versions
        )


@dataclass(frozen=True)
class Term:
    """A term the lecture defines, with a one-line definition and where it first comes up."""

    term: str
    definition: str = ""
    start: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Term:
        start = data.get("start")
        return cls(data["term"], data.get("definition", ""), None if start is None else start)


@dataclass(frozen=True)
class Question:
    question: str
    answer: str


@dataclass(frozen=True)
class Chapter:
    start: float
    end: float
    title: str
    summary: str
    key_points: list[str] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    written_by: str = "extractive"  # or "llm"; an LLM chapter that failed its guards falls back
    slides: list[int] = field(default_factory=list)  # numbers (from 1) of the slides shown

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chapter:
        return cls(
            float(data["start"]),
            float(data["end"]),
            data["title"],
            data.get("summary", ""),
            list(data.get("key_points", [])),
            [Term.from_dict(t) for t in data.get("terms", [])],
            data.get("written_by", "extractive"),
            [int(n) for n in data.get("slides", [])],
        )


@dataclass
class Summary:
    abstract: str
    key_points: list[str]
    key_terms: list[str]
    chapters: list[Chapter]
    summarizer: dict[str, Any]  # backend, model, and what each backend adds (chunks, fallbacks)
    term_times: dict[str, float] = field(default_factory=dict)
    language: str = "en"
    glossary: list[Term] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        return cls(
            data["abstract"],
            list(data["key_points"]),
            list(data["key_terms"]),
            [Chapter.from_dict(c) for c in data["chapters"]],
            dict(data["summarizer"]),
            dict(data.get("term_times", {})),
            data.get("language", "en"),
            [Term.from_dict(t) for t in data.get("glossary", [])],
            [Question(q["question"], q["answer"]) for q in data.get("questions", [])],
        )


def clock(seconds: float) -> str:
    """``mm:ss`` below an hour, ``h:mm:ss`` from an hour on."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
