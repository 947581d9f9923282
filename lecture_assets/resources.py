"""Typed settings for the lecture pipeline, read from KONSPEKT_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from lecture_assets import inbox
from lecture_assets.errors import KonspektError


class LectureStorage(dg.ConfigurableResource):
    """Where lectures arrive (the inbox) and where their artifacts are written."""

    data_dir: str = "data"
    inbox: str = ""  # empty: <data_dir>/inbox
    max_minutes: float = 300.0  # refuse recordings longer than this (0: no limit)

    @property
    def root(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    @property
    def inbox_dir(self) -> Path:
        return Path(self.inbox).expanduser().resolve() if self.inbox else self.root / "inbox"

    @property
    def lectures_dir(self) -> Path:
        return self.root / "lectures"

    def lecture_dir(self, key: str) -> Path:
        return self.lectures_dir / key

    def source(self, key: str) -> inbox.SourceRecord:
        record = inbox.lookup(self.lectures_dir, key)
        if record is None:
            raise KonspektError(
                f"Partition {key} has no registered source file; drop the file into "
                f"{self.inbox_dir} or run `konspekt process FILE`."
            )
        return record


class WhisperTranscriber(dg.ConfigurableResource):
    """whisperX settings: model name or folder, device, language, VAD, batch size."""

    model: str = "tiny.en"
    device: str = "auto"  # auto: CUDA (float16) when available, else CPU (int8)
    language: str = "auto"  # auto: 'en' for .en models, detected otherwise
    vad: str = "silero"  # silero (bundled ONNX, fast on CPU) or pyannote (whisperX's default)
    batch_size: int = 0  # 0: 16 on GPU, 8 on CPU

    def transcribe(self, wav: Path, progress: Callable[[float], None] | None = None):
        from lecture_assets.transcribe import resolve, transcribe

        spec = resolve(self.model, self.device, self.language, self.vad)
        return transcribe(wav, spec, self.batch_size or None, progress)


class LectureSummarizer(dg.ConfigurableResource):
    """'extractive' (bundled MiniLM, offline) or a transformers seq2seq model name or folder."""

    name: str = "extractive"
    device: str = "auto"  # for a seq2seq model: auto, cpu, cuda
    beams: int = 4
    max_summary_tokens: int = 160

    def build(self):
        from lecture_assets.summarize import make_summarizer

        if self.name.strip() in ("", "extractive"):
            return make_summarizer(self.name)
        return make_summarizer(
            self.name,
            device=self.device,
            beams=self.beams,
            max_summary_tokens=self.max_summary_tokens,
        )


def _env(name: str, default: str) -> str:
    # Plain values rather than dg.EnvVar: the CLI and tests use these resources outside a run,
    # and an empty variable should mean "the default", not "".
    return os.environ.get(name) or default


def resources_from_env() -> dict[str, dg.ConfigurableResource]:
    max_minutes = os.environ.get("KONSPEKT_MAX_MINUTES")
    return {
        "storage": LectureStorage(
            data_dir=_env("KONSPEKT_DATA_DIR", "data"),
            inbox=_env("KONSPEKT_INBOX", ""),
            max_minutes=float(max_minutes) if max_minutes else 300.0,
        ),
        "transcriber": WhisperTranscriber(
            model=_env("KONSPEKT_WHISPER_MODEL", "tiny.en"),
            device=_env("KONSPEKT_DEVICE", "auto"),
            language=_env("KONSPEKT_LANGUAGE", "auto"),
            vad=_env("KONSPEKT_VAD", "silero"),
        ),
        "summarizer": LectureSummarizer(
            name=_env("KONSPEKT_SUMMARIZER", "extractive"), device=_env("KONSPEKT_DEVICE", "auto")
        ),
    }
