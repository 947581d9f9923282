"""Guards against Whisper's known failure modes on silence, music and noise."""

from __future__ import annotations

import re
import zlib
from collections import Counter

from konspekt.settings import LANGUAGE_VARIABLE
from lecture_assets.records import Segment, Transcript
from lecture_assets.text import split_sentences

# What Whisper writes on silence or music, learned from its subtitle training data.
HALLUCINATIONS = re.compile(
    r"^(thanks?( you)?( (so|very) much)?( for (watching|listening))?|please subscribe.*|"
    r"subtitles by.*|transcribed by.*|you|bye|\.+|music|\[music\]|\(music\)|"
    # ... and in Russian, from the same kind of subtitle data.
    r"продолжение следует|спасибо за (внимание|просмотр)|субтитры (сделал|создавал|делал).*|"
    r"редактор субтитров.*|корректор.*|музыка|\[музыка\])[.!…]*$",
    re.IGNORECASE,
)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def drop_repeats(segments: list[Segment]) -> list[Segment]:
    """Collapse consecutive segments with the same text (a decoder stuck in a loop)."""
    kept: list[Segment] = []
    for segment in segments:
        if kept and _norm(kept[-1].text) == _norm(segment.text):
            kept[-1] = Segment(kept[-1].start, segment.end, kept[-1].text)
        else:
            kept.append(segment)
    return kept


def degenerate_reason(transcript: Transcript) -> str | None:
    """One sentence saying why a transcript is not real speech, or None if it looks fine; when
    the language detector was unsure, a second sentence says what to set if it was speech."""
    reason = _degenerate(transcript)
    if reason and transcript.unsure_language:
        reason += (
            f" The language could not be detected surely (best guess {transcript.unsure_language})"
            f" and it was transcribed as English: if the lecture is in another language, set "
            f"{LANGUAGE_VARIABLE} to it (such as 'ru')."
        )
    return reason


def _degenerate(transcript: Transcript) -> str | None:
    sentences = [_norm(s.text) for s in split_sentences(transcript.segments)]
    sentences = [s for s in sentences if s]
    if not sentences:
        return None  # empty is the has_speech check's business
    if all(HALLUCINATIONS.match(s) for s in sentences):
        return (
            f"The transcript only says {transcript.segments[0].text.strip()!r}, which Whisper "
            "produces on silence or music, so no speech was detected."
        )
    line, count = Counter(sentences).most_common(1)[0]
    if count >= 4 and count / len(sentences) >= 0.5:
        return f"The transcript repeats {line!r} {count} times, a Whisper decoding loop."
    # Whisper's own test, on windows of about a segment: over a whole lecture zlib finds
    # ordinary repeated words and the ratio creeps up with length.
    windows = [w for w in _windows(" ".join(sentences), 600) if len(w) >= 300]
    looping = [w for w in windows if len(w) / len(zlib.compress(w)) > 3.0]
    if windows and len(looping) > len(windows) / 2:
        return "The transcript is highly repetitive (compression ratio above 3), not real speech."
    return None


def _windows(text: str, size: int) -> list[bytes]:
    data = text.encode()
    return [data[i : i + size] for i in range(0, len(data), size)]
