"""Per-stage wall time of the lecture pipeline on one file (run by hand; prints a table).

.venv/bin/python bench/stages.py tests/fixtures/lecture.mp4
"""

import sys
import tempfile
import time
from pathlib import Path

from lecture_assets.asr.media import extract_audio
from lecture_assets.asr.transcribe import load_whisper, resolve, transcribe
from lecture_assets.notes.factory import make_summarizer
from lecture_assets.notes.pdf import NotesInfo, build_pdf


def timed(label: str, rows: list, fn):
    started = time.perf_counter()
    value = fn()
    rows.append((label, time.perf_counter() - started))
    return value


def main(source: Path) -> None:
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        info = timed(
            "audio (ffmpeg decode + pydub check)",
            rows,
            lambda: extract_audio(source, folder / "a.wav"),
        )
        spec = resolve("tiny.en")
        timed("whisperX model load (once per process)", rows, lambda: load_whisper(spec))
        text = timed(
            "transcript (whisperX tiny.en)", rows, lambda: transcribe(folder / "a.wav", spec)
        )
        summarizer = timed(
            "summary model load (MiniLM)", rows, lambda: make_summarizer("extractive")
        )
        notes = timed("summary (extractive)", rows, lambda: summarizer.summarize(text))
        info_pdf = NotesInfo(source.stem, source.name, "today", "bench")
        timed("pdf (reportlab)", rows, lambda: build_pdf(folder / "n.pdf", text, notes, info_pdf))
    print(
        f"file: {source.name}, audio {info.duration:.1f} s, "
        f"device {spec.device}/{spec.compute_type}"
    )
    for label, seconds in rows:
        print(f"{label:42s} {seconds:7.2f} s")
    asr = dict(rows)["transcript (whisperX tiny.en)"]
    print(f"{'transcription real-time factor':42s} {info.duration / asr:7.1f} x")
    print(f"{'total':42s} {sum(s for _, s in rows):7.2f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
