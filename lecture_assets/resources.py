"""Typed resources of the lecture pipeline, configured from the KONSPEKT_* settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg

from konspekt.errors import KonspektError
from konspekt.objects import S3Location
from konspekt.settings import ARTIFACTS_VARIABLE, DEFAULT_MODELS_DIR, INBOX_VARIABLE, Settings
from lecture_assets.layout import Layout, LectureFolder
from lecture_assets.records import SlideDeck, SourceRecord, Transcript

S3_MIRROR = "inbox-s3"  # under the data folder: the S3 inbox's objects, as fetched


class LectureStorage(dg.ConfigurableResource):
    """Where lectures arrive (the inbox) and where their artifacts are written (and uploaded)."""

    data_dir: str = "data"
    inbox: str = ""  # empty: <data_dir>/inbox; s3://bucket/prefix: an S3 inbox
    max_minutes: float = 300.0  # refuse recordings longer than this (0: no limit)
    artifacts: str = ""  # s3://bucket/prefix: every artifact is uploaded there too

    @property
    def layout(self) -> Layout:
        # An S3 inbox's objects are fetched into a local mirror before admission.
        inbox = Path(self.data_dir) / S3_MIRROR if self.remote_inbox else self.inbox
        return Layout.of(self.data_dir, inbox)

    @property
    def remote_inbox(self) -> S3Location | None:
        """The S3 inbox, when KONSPEKT_INBOX is an s3:// URL."""
        if not self.inbox.startswith("s3://"):
            return None
        return S3Location.parse(self.inbox, INBOX_VARIABLE)

    def publish(self, paths: list[Path]) -> dict[str, str]:
        """Upload ``paths`` (files of the data folder) to KONSPEKT_ARTIFACTS, at the same place
        under its prefix; returns name -> s3:// URL, or nothing when no bucket is configured."""
        if not self.artifacts:
            return {}
        from konspekt.objects import upload_many

        location = S3Location.parse(self.artifacts, ARTIFACTS_VARIABLE)
        return upload_many(paths, self.layout.root, location, ARTIFACTS_VARIABLE)

    def writing(self, folder: Path, waiting: Callable[[str], None] = lambda _: None):
        """One step at a time writes in a lecture's (or course's) folder: two runs of one
        partition (the CLI racing the sensor, a backfill beside automation) take turns."""
        from konspekt.files import exclusive

        return exclusive(folder, waiting)

    @property
    def inbox_dir(self) -> Path:
        return self.layout.inbox

    @property
    def lectures_dir(self) -> Path:
        return self.layout.lectures

    def lecture(self, key: str) -> LectureFolder:
        return self.layout.lecture(key)

    def source(self, key: str) -> SourceRecord:
        record = self.lecture(key).read_source()
        if record is None:
            raise KonspektError(
                f"Partition {key} has no registered source file; drop the file into "
                f"{self.inbox if self.remote_inbox else self.inbox_dir} or run "
                "`konspekt process FILE`."
            )
        return record

    def verified_source(self, key: str) -> SourceRecord:
        """The source record, once the file is checked to hold the bytes the key stands for."""
        from lecture_assets.intake import verify

        record = self.source(key)
        verify(record, key)
        return record


class WhisperTranscriber(dg.ConfigurableResource):
    """whisperX settings: model name or folder, device, language, VAD, batch size."""

    model: str = "auto"  # auto: bundled tiny.en for English, bundled base for other languages
    device: str = "auto"  # auto: CUDA (float16) when available, else CPU (int8)
    language: str = "auto"  # auto: detected from the first 30 s of speech
    vad: str = "silero"  # silero (bundled ONNX, fast on CPU) or pyannote (whisperX's default)
    batch_size: int = 0  # 0: 16 on GPU, 8 on CPU
    models_dir: str = str(DEFAULT_MODELS_DIR)  # where bundled weights are assembled

    def transcribe(
        self,
        wav: Path,
        progress: Callable[[float], None] | None = None,
        slides: SlideDeck | None = None,
        known: list[str] | tuple[str, ...] = (),
    ) -> Transcript:
        from lecture_assets.asr.transcribe import transcribe_file

        return transcribe_file(
            wav,
            self.model,
            self.device,
            self.language,
            self.vad,
            Path(self.models_dir),
            self.batch_size or None,
            progress,
            slides,
            known,
        )


class SlideReader(dg.ConfigurableResource):
    """Finds the slides a lecture video shows and reads them (Tesseract, English and Russian)."""

    language: str = "auto"  # auto: English tried first, Russian where English reads poorly

    def read(self, source: Path, folder: LectureFolder, progress: Callable[[str], None]):
        from lecture_assets.vision.slides import find_slides

        return find_slides(source, folder, self.language, progress)


class LectureSummarizer(dg.ConfigurableResource):
    """'llm' (the bundled notes writer), 'extractive', or a transformers seq2seq model."""

    name: str = "llm"
    llm_model: str = "bundled"  # bundled, a GGUF file, or a Hugging Face repository
    device: str = "auto"  # auto, cpu, cuda
    beams: int = 4  # for a seq2seq model
    max_summary_tokens: int = 160  # for a seq2seq model
    models_dir: str = str(DEFAULT_MODELS_DIR)

    def build(self, progress: Callable[[str], None] | None = None):
        from lecture_assets.notes.factory import make_summarizer

        return make_summarizer(
            self.name,
            self.llm_model,
            Path(self.models_dir),
            self.device,
            progress,
            beams=self.beams,
            max_summary_tokens=self.max_summary_tokens,
        )


def lecture_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    # Plain values rather than dg.EnvVar: the CLI and tests use these resources outside a run,
    # and the settings were read (and checked) once, in konspekt.settings.
    return {
        "storage": LectureStorage(
            data_dir=settings.data_dir,
            inbox=settings.inbox,
            max_minutes=settings.max_minutes,
            artifacts=settings.artifacts,
        ),
        "transcriber": WhisperTranscriber(
            model=settings.whisper_model,
            device=settings.device,
            language=settings.language,
            vad=settings.vad,
            models_dir=settings.models_path,
        ),
        "slide_reader": SlideReader(language=settings.language),
        "summarizer": LectureSummarizer(
            name=settings.summarizer,
            llm_model=settings.llm_model,
            device=settings.device,
            models_dir=settings.models_path,
        ),
    }


def resources_from_env() -> dict[str, dg.ConfigurableResource]:
    return lecture_resources(Settings.from_env())
