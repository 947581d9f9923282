"""transcript.json, transcript.txt and subtitles (SRT, VTT) of a transcript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from konspekt.files import atomic_path, write_json
from lecture_assets.layout import LectureFolder
from lecture_assets.records import Transcript

SUBTITLE_LINE = 42  # characters per line, two lines per cue: the usual broadcast limits


def write_outputs(transcript: Transcript, folder: LectureFolder) -> dict[str, Path]:
    """transcript.json (ours); transcript.txt, subtitles.srt and .vtt by whisperX's writers."""
    from whisperx.utils import WriteSRT, WriteTXT, WriteVTT

    paths = {"json": write_json(folder.transcript, transcript.to_dict())}
    segments = transcript.to_dict()["segments"]
    options = {"max_line_width": None, "max_line_count": None, "highlight_words": False}
    for kind, writer, target, items in [
        ("txt", WriteTXT, folder.transcript_text, segments),
        ("srt", WriteSRT, folder.srt, subtitle_cues(segments)),
        ("vtt", WriteVTT, folder.vtt, subtitle_cues(segments)),
    ]:
        result = {"language": transcript.language, "segments": items}
        with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8") as handle:
            writer(str(folder.path)).write_result(result, file=handle, options=options)
        paths[kind] = target
    return paths


def subtitle_cues(
    segments: list[dict[str, Any]], width: int = SUBTITLE_LINE, lines: int = 2
) -> list[dict[str, Any]]:
    """Cues of at most ``lines`` lines of ``width`` characters, timed by their words.

    whisperX's own line breaking needs word timings from forced alignment (a wav2vec2 model
    from the hub); without them it would emit 30-second cues, so cues are packed here and
    handed to its writers as ready-made segments.
    """
    cues: list[dict[str, Any]] = []
    for segment in segments:
        rows: list[str] = []
        start = None
        for word in _word_times(segment):
            if start is None:
                start = word["start"]
            if rows and len(rows[-1]) + 1 + len(word["word"]) <= width:
                rows[-1] += " " + word["word"]
            elif len(rows) < lines:
                rows.append(word["word"])
            else:
                cues.append({"start": start, "end": word["start"], "text": "\n".join(rows)})
                rows, start = [word["word"]], word["start"]
        if rows:
            cues.append({"start": start, "end": segment["end"], "text": "\n".join(rows)})
    return cues


def _word_times(segment: dict[str, Any]) -> list[dict[str, Any]]:
    """Word timings spread over the segment by length, so whisperX's writers can break
    cues at line limits (forced alignment would need a wav2vec2 model from the hub)."""
    words = segment["text"].split()
    total = sum(len(w) + 1 for w in words) or 1
    span = segment["end"] - segment["start"]
    timed, at = [], segment["start"]
    for word in words:
        step = span * (len(word) + 1) / total
        timed.append({"word": word, "start": round(at, 3), "end": round(at + step, 3)})
        at += step
    return timed
