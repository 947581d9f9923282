"""The embedded notes writer for real: the bundled Qwen2.5 GGUF through llama.cpp, on the
committed English lecture and the committed Russian one."""

import os

import pytest

from konspekt.errors import ModelUnavailableError
from konspekt.weights import WeightsError
from lecture_assets.asr.media import extract_audio
from lecture_assets.asr.transcribe import transcribe_file
from lecture_assets.bundled import QWEN_1_5B
from lecture_assets.notes.factory import make_summarizer
from lecture_assets.notes.guards import copied_share, grounded, in_script
from lecture_assets.notes.llm import LLMSpec, load_llm
from tests.helpers.media import FIXTURES, LECTURE_MP4

pytestmark = pytest.mark.slow


def transcript_of(recording, folder, models_dir):
    extract_audio(recording, folder / "audio.wav")
    return transcribe_file(folder / "audio.wav", device="cpu", models_dir=models_dir)


@pytest.fixture(scope="module")
def writer(models_dir):
    return make_summarizer("llm", models_dir=models_dir, device="cpu")


def test_english_notes_are_written_grounded_and_not_copied(writer, tmp_path, models_dir):
    transcript = transcript_of(LECTURE_MP4, tmp_path, models_dir)
    notes = writer.summarize(transcript)
    info = notes.summarizer
    assert (info["backend"], info["model"], info["sha256"]) == (
        "llm",
        QWEN_1_5B.name,
        QWEN_1_5B.sha256,
    )
    assert all(c.written_by == "llm" for c in notes.chapters), info["rejections"]
    assert info["overview"] == "llm", info["rejections"]
    # A one-minute lecture: 2-4 key points and 1-3 questions (5-8 and 3-5 from 300 words on).
    assert 2 <= len(notes.key_points) <= 4 and 1 <= len(notes.questions) <= 3
    assert notes.glossary and all(grounded(t.term, transcript.text, "en") for t in notes.glossary)
    assert copied_share(notes.abstract, transcript.text) <= 0.5, notes.abstract
    assert len(notes.abstract.split()) < len(transcript.text.split()) / 3 + 20
    written = " ".join([notes.abstract, *notes.key_points, *(t.term for t in notes.glossary)])
    found = [
        t
        for t in ("photosynthesis", "chloroplast", "calvin cycle", "chlorophyll")
        if t in written.lower()
    ]
    assert len(found) >= 3, written


def test_russian_notes_are_in_russian(writer, tmp_path, models_dir):
    transcript = transcript_of(FIXTURES / "lecture_ru.ogg", tmp_path, models_dir)
    assert transcript.language == "ru"
    notes = writer.summarize(transcript)
    assert notes.language == "ru" and notes.summarizer["overview"] == "llm", notes.summarizer
    for line in [notes.abstract, *notes.key_points, *(c.title for c in notes.chapters)]:
        assert in_script(line, "ru"), line
    written = " ".join([notes.abstract, *notes.key_points]).lower()
    assert "сортиров" in written and "массив" in written, written


def test_a_tampered_bundled_model_is_refused(tmp_path):
    fake = tmp_path / "model.gguf"
    with fake.open("wb") as handle:
        handle.truncate(QWEN_1_5B.size)  # the right size, the wrong bytes (sparse: no disk)
    with pytest.raises(WeightsError, match=r"is not the pinned qwen2\.5"):
        load_llm(LLMSpec(str(fake), QWEN_1_5B.name, True, os.cpu_count() or 1, 0))


@pytest.mark.parametrize(
    ("model", "says"),
    [
        ("someone/no-such-gguf-repo", "could not be loaded"),
        ("/nowhere/model.gguf", "does not exist"),
    ],
)
def test_an_unavailable_model_is_one_sentence_naming_the_variable(tmp_path, model, says):
    with pytest.raises(ModelUnavailableError) as caught:
        make_summarizer("llm", llm_model=model, models_dir=tmp_path, device="cpu")
    message = str(caught.value)
    assert says in message and "KONSPEKT_LLM_MODEL" in message and "\n" not in message
