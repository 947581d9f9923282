import os

import dagster as dg
import pytest

from lecture_assets.resources import LectureStorage, LectureSummarizer, WhisperTranscriber

# Before anything imports huggingface_hub (it reads this once): tests never touch the hub.
os.environ["HF_HUB_OFFLINE"] = "1"


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
