"""The lecture assets materialized for real: bundled whisperX, Tesseract, the notes writer,
reportlab."""

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest
from pypdf import PdfReader

from lecture_assets.assets import (
    audio,
    lecture_assets,
    pdf,
    slides,
    study_notes,
    summary,
    transcript,
)
from lecture_assets.bundled import QWEN_1_5B, TINY_EN
from lecture_assets.definitions import defs
from lecture_assets.partitions import lecture_partitions
from tests.helpers import lectures
from tests.helpers.lectures import register
from tests.helpers.media import FIXTURES, copy_lecture, make_media
from tests.helpers.study import anki_notes
from tests.helpers.system import missing
from tests.helpers.ui import notes_page, player_time_near

pytestmark = pytest.mark.slow

# The README shows it: the notes page of the slide lecture, as the pipeline wrote it.
NOTES_SCREENSHOT = Path(__file__).parents[2] / "test-artifacts" / "notes" / "slide_lecture.png"

ARTIFACTS = [
    "audio.wav",
    "slides.json",
    "transcript.json",
    "transcript.txt",
    "subtitles.srt",
    "subtitles.vtt",
    "summary.json",
    "notes.pdf",
    "listen.webm",
    "notes.html",
    "notes.md",
    "notes.apkg",
]


def run(instance, resources, key: str, assets=lecture_assets):
    """Materialize ``assets`` (all, unless named) for one partition, in process."""
    return lectures.run(instance, resources, key, assets)


def materialized_metadata(result, asset) -> dict:
    (event,) = result.asset_materializations_for_node(asset.op.name)
    return {k: v.value for k, v in event.metadata.items()}


def test_lecture_becomes_notes(instance, storage, resources):
    source = copy_lecture(storage.inbox_dir, "Photosynthesis <intro> & Лекция.mp4")
    key = register(instance, storage, source)
    result = run(instance, resources, key)
    assert result.success
    folder = storage.lecture(key).path
    names = sorted(p.name for p in folder.iterdir())
    # Hidden: only the lock steps take while they write (konspekt.files.exclusive).
    assert [n for n in names if n.startswith(".")] == [".lock"]
    assert [n for n in names if not n.startswith(".")] == sorted([*ARTIFACTS, "source.json"])

    meta = materialized_metadata(result, transcript)
    assert (meta["model"], meta["language"], meta["vad"]) == ("tiny.en", "en", "silero")
    assert meta["model_sha256"] == TINY_EN.sha256 and meta["model_licence"].startswith("MIT")
    assert meta["words"] > 100
    # Metadata that adds up; speed itself is measured in bench/, not asserted here.
    assert meta["real_time_factor"] == pytest.approx(
        meta["duration_s"] / meta["transcribe_s"], abs=0.1
    )
    assert materialized_metadata(result, audio)["duration_s"] == pytest.approx(52.7, abs=0.3)
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks == {"has_speech": True, "not_degenerate": True}

    data = json.loads((folder / "summary.json").read_text())
    assert set(data) >= {"abstract", "key_points", "key_terms", "chapters", "glossary", "questions"}
    assert data["summarizer"]["backend"] == "llm" and data["summarizer"]["overview"] == "llm"
    assert data["summarizer"]["sha256"] == QWEN_1_5B.sha256
    assert "photosynthesis" in [t.lower() for t in data["key_terms"]]
    summary_meta = materialized_metadata(result, summary)
    assert summary_meta["model"] == QWEN_1_5B.name and summary_meta["language"] == "en"
    assert data["chapters"][0]["start"] < 1 and data["chapters"][-1]["end"] >= 52
    assert set(json.loads((folder / "transcript.json").read_text())) == {
        "language",
        "model",
        "duration",
        "segments",
    }

    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(folder / "notes.pdf").pages).split()
    )
    assert "Photosynthesis <intro> & Лекция" in text
    headings = ["Summary", "Key points", "Chapters", "Glossary", "Review questions", "Transcript"]
    for heading in [*headings, "[00:00]"]:
        assert heading in text
    assert materialized_metadata(result, pdf)["pages"] >= 1


SLIDE_TITLES = [
    "Dynamic programming",
    "Levenshtein distance",
    "Dijkstra's algorithm",
    "Bellman-Ford algorithm",
]
SLIDE_STARTS = [0.0, 15.5, 28.9, 41.9]  # tests/helpers/slides.py LECTURE_SLIDES


def test_slide_lecture_notes_show_the_slides_in_their_chapters(instance, storage, resources):
    if shutil.which("tesseract") is None:
        missing("Tesseract (tesseract-ocr with eng and rus)")
    source = shutil.copy(FIXTURES / "slides_lecture.mp4", storage.inbox_dir / "Algorithms 3.mp4")
    key = register(instance, storage, Path(source))
    result = run(instance, resources, key)
    assert result.success, result
    folder = storage.lecture(key)
    deck = folder.read_slides()
    assert [s.title for s in deck.slides] == SLIDE_TITLES
    for slide, start in zip(deck.slides, SLIDE_STARTS, strict=True):
        assert abs(slide.start - start) <= 1.5
    assert sorted(p.name for p in folder.slides_dir.iterdir()) == [
        "001.jpg",
        "002.jpg",
        "003.jpg",
        "004.jpg",
    ]
    meta = materialized_metadata(result, slides)
    assert meta["slides"] == 4 and meta["ocr_engine"].startswith("tesseract")
    assert "Levenshtein distance" in meta["preview"]

    # The slides' words prompted Whisper: the names come out spelled as on screen.
    assert materialized_metadata(result, transcript)["slide_words"] >= 20
    said = folder.read_transcript().text
    assert "Levenshtein" in said and "Memoization" in said

    notes = folder.read_summary()
    assert notes.summarizer["backend"] == "llm"
    shown = [n for c in notes.chapters for n in c.slides]
    assert shown == [1, 2, 3, 4]  # every slide, in order, in the chapter it was shown in
    for chapter in notes.chapters:
        if chapter.slides:  # a slide's title names its chapter
            assert chapter.title in SLIDE_TITLES
    assert materialized_metadata(result, summary)["chapters_with_slides"] == len(notes.chapters)

    reader = PdfReader(folder.pdf)
    assert sum(len(page.images) for page in reader.pages) == 4
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    # In the chapters (the first one's heading starts "00:00–"), before the transcript.
    chapters_at, transcript_at = text.index("00:00–"), text.rindex("Transcript")
    for number, title in enumerate(SLIDE_TITLES, 1):
        assert chapters_at < text.index(f"Slide {number} ·") < transcript_at
        assert title in text
    assert materialized_metadata(result, pdf)["slides"] == 4

    # The notes page plays the lecture: a chapter's time seeks the player to the chapter.
    assert materialized_metadata(result, study_notes)["clickable_times"] >= len(notes.chapters)
    last = notes.chapters[-1]
    with notes_page(folder.page) as (page, requests):
        # Away from the chapter first (a short lecture may have one chapter, starting at 0).
        paragraph = page.locator("#transcript [data-start]").last
        later = float(paragraph.get_attribute("data-start"))
        assert later > last.start + 10
        paragraph.click()
        assert abs(player_time_near(page, later) - later) < 1.0
        page.locator(f"#chapters h3 [data-start='{round(last.start, 3)!r}']").first.click()
        assert abs(player_time_near(page, last.start) - last.start) < 1.0
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(300)
        NOTES_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=NOTES_SCREENSHOT)
    inside = folder.path.as_uri() + "/"
    assert requests and [url for url in requests if not url.startswith(inside)] == []
    assert inside + "listen.webm" in requests
    markdown = folder.markdown.read_text()
    assert all(f"(slides/00{n}.jpg)" in markdown for n in (1, 2, 3, 4))
    cards = anki_notes(folder.deck)
    assert len(cards) == materialized_metadata(result, study_notes)["cards"] > 0
    assert {c["lecture"] for c in cards} == {"Algorithms 3"}


def test_silence_fails_the_speech_check_and_blocks_the_notes(instance, storage, resources):
    source = make_media(
        storage.inbox_dir / "empty room.m4a", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono:d=5"
    )
    key = register(instance, storage, source)
    result = run(instance, resources, key)
    assert not result.success
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert not checks["has_speech"].passed
    assert checks["has_speech"].description == "No speech detected in the recording."
    assert not (storage.lecture(key).path / "summary.json").exists()
    assert not (storage.lecture(key).path / "notes.pdf").exists()


def test_unregistered_partition_fails_with_a_readable_message(instance, storage, resources):
    instance.add_dynamic_partitions(lecture_partitions.name, ["ghost-0000000000"])
    result = run(instance, resources, "ghost-0000000000", [audio])
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    description = failure.step_failure_data.user_failure_data.description
    assert description.startswith("Partition ghost-0000000000 has no registered source file")


def test_rematerialized_transcript_flows_downstream(instance, storage, resources):
    """Eager automation: a new transcript makes summary and pdf stale, and only those."""
    source = copy_lecture(storage.inbox_dir, "flow.mp4")
    key = register(instance, storage, source)
    assert run(instance, resources, key).success
    settled = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert settled.total_requested == 0

    assert run(instance, resources, key, [transcript]).success
    after = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=settled.cursor)
    requested = {
        name: after.get_requested_partitions(dg.AssetKey(name))
        for name in ["audio", "transcript", "summary", "pdf"]
    }
    assert requested == {"audio": set(), "transcript": set(), "summary": {key}, "pdf": {key}}


def test_a_corrupt_file_fails_once_without_retries(instance, storage, resources):
    broken = storage.inbox_dir / "broken.mp4"
    broken.write_text("not a video at all\n" * 20)
    key = register(instance, storage, broken)
    result = run(instance, resources, key)
    event_types = [e.event_type_value for e in result.all_events if e.step_key == "audio"]
    assert event_types.count("STEP_FAILURE") == 1
    assert "STEP_UP_FOR_RETRY" not in event_types
    # Both steps that read the file (audio, slides) fail, once each, saying why.
    failures = [e for e in result.all_events if e.is_step_failure]
    assert sorted(e.step_key for e in failures) == ["audio", "slides"]
    for failure in failures:
        assert failure.step_failure_data.user_failure_data.description == (
            "broken.mp4 is not a readable video or audio file."
        )
