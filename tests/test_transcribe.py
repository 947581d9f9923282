"""The real whisperX pipeline with the bundled tiny.en model, on real and synthetic speech."""

import re
from pathlib import Path

import jiwer
import pytest
from conftest import JFK, JFK_TEXT, LECTURE_MP4, LECTURE_SCRIPT

from lecture_assets.errors import ModelUnavailableError
from lecture_assets.media import extract_audio
from lecture_assets.transcribe import BUNDLED_MODEL, resolve, transcribe, write_outputs

pytestmark = pytest.mark.slow


def normalize(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


@pytest.fixture(scope="module")
def bundled():
    return resolve(BUNDLED_MODEL, device="cpu")


def test_jfk_is_transcribed_word_for_word(tmp_path, bundled):
    wav = tmp_path / "audio.wav"
    extract_audio(JFK, wav)
    fractions: list[float] = []
    result = transcribe(wav, bundled, progress=fractions.append)
    assert normalize(result.text) == normalize(JFK_TEXT)
    assert result.language == "en" and result.model == "tiny.en"
    assert result.duration == pytest.approx(11.0, abs=0.1)
    assert fractions and fractions[-1] == pytest.approx(1.0)
    first = result.segments[0]
    assert 0 <= first.start < first.end <= result.duration + 0.5


def test_synthetic_lecture_word_error_rate_and_outputs(tmp_path, bundled):
    wav = tmp_path / "audio.wav"
    extract_audio(LECTURE_MP4, wav)
    result = transcribe(wav, bundled)
    wer = jiwer.wer(normalize(LECTURE_SCRIPT), normalize(result.text))
    assert wer <= 0.15, f"WER {wer:.2f}: {result.text}"
    paths = write_outputs(result, tmp_path)
    srt = paths["srt"].read_text()
    assert srt.startswith("1\n00:00:0") and "-->" in srt
    assert paths["vtt"].read_text().startswith("WEBVTT")
    cues = [c.split("\n")[2:] for c in srt.strip().split("\n\n")]
    assert all(1 <= len(rows) <= 2 and max(map(len, rows)) <= 42 for rows in cues)
    assert " ".join(r for rows in cues for r in rows).split() == result.text.split()
    assert paths["txt"].read_text().split() == result.text.split()
    assert '"segments"' in paths["json"].read_text()


@pytest.mark.parametrize(
    ("model", "device", "language", "expected"),
    [
        ("tiny.en", "cpu", "auto", ("cpu", "int8", "en")),
        ("small", "cuda", "auto", ("cuda", "float16", None)),
        ("medium.en", "cpu", None, ("cpu", "int8", "en")),
        ("large-v3", "cpu", "de", ("cpu", "int8", "de")),
    ],
)
def test_resolve(model, device, language, expected):
    spec = resolve(model, device, language)
    assert (spec.device, spec.compute_type, spec.language) == expected
    if model == BUNDLED_MODEL:
        assert Path(spec.source, "model.bin").is_file()
    else:
        assert spec.source == model


def test_missing_hub_model_names_the_variable(tmp_path):
    spec = resolve("distil-large-v3-not-cached", device="cpu")
    wav = tmp_path / "audio.wav"
    extract_audio(JFK, wav)
    with pytest.raises(ModelUnavailableError, match="KONSPEKT_WHISPER_MODEL") as caught:
        transcribe(wav, spec)
    assert "not available offline" in str(caught.value)
