"""Every KONSPEKT_* setting, read from the environment in one place, typed and checked."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from konspekt.errors import SettingsError

# The names messages tell users to change; spelled once, here.
DATA_DIR_VARIABLE = "KONSPEKT_DATA_DIR"
INBOX_VARIABLE = "KONSPEKT_INBOX"
MAX_MINUTES_VARIABLE = "KONSPEKT_MAX_MINUTES"
WHISPER_MODEL_VARIABLE = "KONSPEKT_WHISPER_MODEL"
DEVICE_VARIABLE = "KONSPEKT_DEVICE"
LANGUAGE_VARIABLE = "KONSPEKT_LANGUAGE"
VAD_VARIABLE = "KONSPEKT_VAD"
SUMMARIZER_VARIABLE = "KONSPEKT_SUMMARIZER"
LLM_MODEL_VARIABLE = "KONSPEKT_LLM_MODEL"
MODELS_DIR_VARIABLE = "KONSPEKT_MODELS_DIR"
MNIST_SOURCE_VARIABLE = "KONSPEKT_MNIST_SOURCE"
ARTIFACTS_VARIABLE = "KONSPEKT_ARTIFACTS"
# "1": the launchpad may override resource settings (data dir, model paths) in a run's config.
RUN_CONFIG_VARIABLE = "KONSPEKT_RUN_CONFIG_RESOURCES"
MODELS_FOLDER = "models"  # under the data dir, unless KONSPEKT_MODELS_DIR says otherwise
DEFAULT_MODELS_DIR = Path("data") / MODELS_FOLDER


@dataclass(frozen=True)
class Settings:
    """The platform's settings; the defaults are the embedded, offline configuration."""

    data_dir: str = "data"
    inbox: str = ""  # empty: <data_dir>/inbox
    max_minutes: float = 300.0  # refuse recordings longer than this (0: no limit)
    whisper_model: str = "auto"  # tiny.en for English, the multilingual base for the rest
    device: str = "auto"
    language: str = "auto"
    vad: str = "silero"
    summarizer: str = "llm"
    llm_model: str = "bundled"
    models_dir: str = ""  # empty: <data_dir>/models, where bundled weights are assembled
    mnist_source: str = ""  # empty: <data_dir>/mnist; or another folder, http(s)://, s3://
    artifacts: str = ""  # s3://bucket/prefix: every artifact is also uploaded there

    @property
    def models_path(self) -> str:
        return self.models_dir or str(Path(self.data_dir) / MODELS_FOLDER)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the variables; an empty one means its default, as an unset one does."""
        env = os.environ if environ is None else environ
        defaults = cls()

        def get(name: str, default: str) -> str:
            return env.get(name, "").strip() or default

        return cls(
            data_dir=_folder(DATA_DIR_VARIABLE, get(DATA_DIR_VARIABLE, defaults.data_dir)),
            max_minutes=_minutes(get(MAX_MINUTES_VARIABLE, str(defaults.max_minutes))),
            whisper_model=get(WHISPER_MODEL_VARIABLE, defaults.whisper_model),
            device=_device(get(DEVICE_VARIABLE, defaults.device)),
            language=get(LANGUAGE_VARIABLE, defaults.language),
            vad=get(VAD_VARIABLE, defaults.vad),
            summarizer=get(SUMMARIZER_VARIABLE, defaults.summarizer),
            llm_model=get(LLM_MODEL_VARIABLE, defaults.llm_model),
            models_dir=get(MODELS_DIR_VARIABLE, defaults.models_dir),
            mnist_source=_location(
                MNIST_SOURCE_VARIABLE, get(MNIST_SOURCE_VARIABLE, ""), ("http://", "https://")
            ),
            artifacts=_s3_only(ARTIFACTS_VARIABLE, get(ARTIFACTS_VARIABLE, "")),
            inbox=_folder(INBOX_VARIABLE, _location(INBOX_VARIABLE, get(INBOX_VARIABLE, ""))),
        )


def _folder(variable: str, text: str) -> str:
    """A folder that exists or can be made: not a file (checked at start-up, not mid-run)."""
    path = Path(text).expanduser()
    try:
        a_file = bool(text) and "://" not in text and path.exists() and not path.is_dir()
    except OSError as exc:  # a parent folder that cannot be searched
        raise SettingsError(
            f"{variable} is {text}, which cannot be reached ({exc.strerror})."
        ) from None
    if a_file:
        raise SettingsError(
            f"{variable} is {text}, which is a file; it must name a folder (created if missing)."
        )
    return text


def _device(text: str) -> str:
    # What whisperX (CTranslate2), llama.cpp and torch all take.
    name = text.lower()
    if name in ("auto", "cpu", "cuda"):
        return name
    raise SettingsError(f"{DEVICE_VARIABLE} must be auto, cpu or cuda, not {text!r}.")


def require_device(device: str, setting: str = DEVICE_VARIABLE) -> None:
    """One sentence when the configured device is not on this machine (checked at the run:
    importing torch at start-up would slow every code location's load); ``setting`` names
    where the device was configured."""
    if not device.startswith(("cuda", "mps")):
        return
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise SettingsError(
            f"{setting} is {device}, but no CUDA GPU is visible here; set it to auto or cpu."
        )
    if device == "mps" and not torch.backends.mps.is_available():
        raise SettingsError(f"{setting} is mps, but MPS is not available; use auto or cpu.")


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise SettingsError(
            f"{MAX_MINUTES_VARIABLE} must be a number of minutes (0 for no limit), not {text!r}."
        )
    return value


def _location(variable: str, text: str, schemes: tuple[str, ...] = ()) -> str:
    """A folder, or an ``s3://bucket[/prefix]`` URL, or one of ``schemes``."""
    if "://" not in text:
        return text
    if text.startswith(schemes) and len(text.split("://", 1)[1]) > 0:
        return text
    if text.startswith("s3://") and text[5:].split("/", 1)[0]:
        return text.rstrip("/")
    allowed = ", ".join(["a folder", *[f"{s}..." for s in schemes]]) + " or s3://bucket/prefix"
    raise SettingsError(f"{variable} must be {allowed}, not {text!r}.")


def _s3_only(variable: str, text: str) -> str:
    if text and not (text.startswith("s3://") and text[5:].split("/", 1)[0]):
        raise SettingsError(f"{variable} must look like s3://bucket/prefix, not {text!r}.")
    return text.rstrip("/")
