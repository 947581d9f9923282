import os
from pathlib import Path

import dagster as dg
import pytest

from lecture_assets.resources import (
    LectureStorage,
    LectureSummarizer,
    SlideReader,
    WhisperTranscriber,
)

# Before anything imports huggingface_hub (it reads this once): tests never touch the hub.
os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """Where the bundled weights are assembled: once per test session (the LLM is 1.1 GB)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory, models_dir):
    """No test reads the developer's KONSPEKT_* settings, their Dagster instance, their MLflow
    server or their cloud credentials."""
    for name in list(os.environ):
        if name.startswith(("KONSPEKT_", "AWS_", "MLFLOW_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_home")))
    # Subprocesses (the CLI, `make run`) assemble into the same place.
    monkeypatch.setenv("KONSPEKT_MODELS_DIR", str(models_dir))


@pytest.fixture
def storage(tmp_path) -> LectureStorage:
    (tmp_path / "data" / "inbox").mkdir(parents=True)
    return LectureStorage(data_dir=str(tmp_path / "data"))


@pytest.fixture
def resources(storage, models_dir):
    return {
        "storage": storage,
        "transcriber": WhisperTranscriber(models_dir=str(models_dir)),
        "slide_reader": SlideReader(),
        "summarizer": LectureSummarizer(models_dir=str(models_dir)),
    }


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """moto's standalone S3 server on loopback, for the whole session."""
    from tests.helpers.servers import s3_server

    with s3_server(tmp_path_factory.mktemp("moto")) as url:
        yield url


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    """The usual AWS variables pointed at the loopback server; yields a boto3 client."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    import boto3

    return boto3.client("s3")
