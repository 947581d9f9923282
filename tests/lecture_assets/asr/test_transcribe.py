"""The real whisperX pipeline with the bundled tiny.en model, on real and synthetic speech."""

import re
from pathlib import Path

import jiwer
import pytest

from konspekt.errors import KonspektError, ModelUnavailableError
from lecture_assets.asr.media import extract_audio
from lecture_assets.asr.subtitles import write_outputs
from lecture_assets.asr.transcribe import BUNDLED_MODEL, resolve, transcribe
from lecture_assets.layout import LectureFolder
from tests.helpers.media import JFK, JFK_TEXT, LECTURE_MP4, LECTURE_SCRIPT

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
    assert all(0 <= s.start < s.end <= result.duration for s in result.segments)


def test_synthetic_lecture_word_error_rate_and_outputs(tmp_path, bundled):
    folder = LectureFolder(tmp_path)
    extract_audio(LECTURE_MP4, folder.audio)
    result = transcribe(folder.audio, bundled)
    wer = jiwer.wer(normalize(LECTURE_SCRIPT), normalize(result.text))
    # int8 kernels differ between CPUs: this script scored within 0.15 on an earlier machine
    # and 0.18 on a later one, with the same code; a broken pipeline lands near 1.0.
    assert wer <= 0.2, f"WER {wer:.2f}: {result.text}"
    paths = write_outputs(result, folder)
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


def test_both_vads_transcribe_jfk_word_for_word(tmp_path):
    """Silero (the default) and whisperX's own pyannote VAD find the same speech."""
    wav = tmp_path / "audio.wav"
    extract_audio(JFK, wav)
    for vad in ("silero", "pyannote"):
        result = transcribe(wav, resolve(BUNDLED_MODEL, "cpu", vad=vad))
        assert normalize(result.text) == normalize(JFK_TEXT), vad


def test_unknown_vad_is_refused_with_the_variable_name():
    with pytest.raises(KonspektError, match="KONSPEKT_VAD"):
        resolve(BUNDLED_MODEL, "cpu", vad="webrtc")


def test_silero_regions_fit_whisper_windows(tmp_path):
    import numpy as np

    from lecture_assets.asr.media import SAMPLE_RATE, load_pcm
    from lecture_assets.asr.vad import BundledSilero

    vad = BundledSilero(chunk_size=30.0)
    silence = np.zeros(SAMPLE_RATE * 20, dtype=np.float32)
    assert vad({"waveform": silence, "sample_rate": SAMPLE_RATE}) == []
    assert BundledSilero.merge_chunks([], 30.0, 0.5, None) == []

    extract_audio(LECTURE_MP4, tmp_path / "audio.wav")
    pcm = load_pcm(tmp_path / "audio.wav")
    regions = vad({"waveform": pcm, "sample_rate": SAMPLE_RATE})
    chunks = BundledSilero.merge_chunks(regions, 30.0, 0.5, None)
    assert len(regions) > len(chunks) >= 2  # a 53-second lecture needs two windows
    assert all(0 < c["end"] - c["start"] <= 30.0 for c in chunks)
    speech = sum(r.end - r.start for r in regions)
    assert 0.8 * len(pcm) / SAMPLE_RATE <= speech <= len(pcm) / SAMPLE_RATE + 0.5
