import os
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from lecture_assets.media import ffmpeg_exe
from lecture_assets.resources import LectureStorage, LectureSummarizer, WhisperTranscriber

# Before anything imports huggingface_hub (it reads this once): tests never touch the hub.
os.environ["HF_HUB_OFFLINE"] = "1"

FIXTURES = Path(__file__).parent / "fixtures"
LECTURE_MP4 = FIXTURES / "lecture.mp4"  # espeak-ng reading lecture.txt over a still frame
LECTURE_SCRIPT = (FIXTURES / "lecture.txt").read_text()
JFK = Path(__file__).resolve().parents[2] / "shared" / "samples" / "jfk.flac"
JFK_TEXT = (
    "And so my fellow Americans ask not what your country can do for you, "
    "ask what you can do for your country."
)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory):
    """No test reads the developer's KONSPEKT_* settings or their Dagster instance."""
    for name in list(os.environ):
        if name.startswith("KONSPEKT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_home")))


@pytest.fixture
def storage(tmp_path) -> LectureStorage:
    (tmp_path / "data" / "inbox").mkdir(parents=True)
    return LectureStorage(data_dir=str(tmp_path / "data"))


@pytest.fixture
def resources(storage):
    return {
        "storage": storage,
        "transcriber": WhisperTranscriber(),
        "summarizer": LectureSummarizer(),
    }


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def make_media(target: Path, *ffmpeg_args: str) -> Path:
    """Render a small test file with the bundled ffmpeg (lavfi sources, no inputs needed)."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-v", "error", "-y", *ffmpeg_args, str(target)]
    subprocess.run(cmd, check=True)
    return target


def copy_lecture(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(LECTURE_MP4, folder / name))
