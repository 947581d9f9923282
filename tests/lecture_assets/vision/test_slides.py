"""Slide detection and OCR on slide videos rendered here (PIL + ffmpeg), with real Tesseract."""

import json
import shutil

import pytest

from lecture_assets.layout import LectureFolder
from lecture_assets.records import SlideDeck
from lecture_assets.vision import ocr
from lecture_assets.vision.slides import find_slides
from tests.helpers.media import JFK, LECTURE_MP4, make_media
from tests.helpers.slides import SlideSpec, plain, render, slide_video
from tests.helpers.system import missing

TOLERANCE_S = 1.5

DECK = [
    SlideSpec("Sorting algorithms", ["Bubble sort swaps neighbours", "Quicksort picks a pivot"], 9),
    SlideSpec("Binary search", ["Works on a sorted array", "Halves the interval each step"], 7),
    SlideSpec("Hash tables", ["Keys map to buckets", "Collisions chain or probe"], 10),
    SlideSpec("Graph traversal", ["Breadth-first search", "Depth-first search"], 8),
]


@pytest.fixture(autouse=True)
def _tesseract():
    if shutil.which("tesseract") is None:
        missing("Tesseract (tesseract-ocr with eng and rus)")
    ocr.engine.cache_clear()


def slides_of(video, tmp_path, language="auto"):
    folder = LectureFolder(tmp_path / "lecture")
    return find_slides(video, folder, language), folder


def assert_matches(deck: SlideDeck, specs, starts):
    assert [s.title for s in deck.slides] == [s.title for s in specs]
    for slide, start in zip(deck.slides, starts, strict=True):
        assert abs(slide.start - start) <= TOLERANCE_S, (slide.title, slide.start, start)


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"grain": 25},  # camera grain on every frame
        {"zoom": True, "cursor": True},  # a drifting 3% zoom and a wandering pointer
        {"size": (854, 480), "grain": 12},  # smaller, noisy
        {"codec": "libvpx-vp9"},  # WebM: a decoder that returns every frame, keyframe or not
    ],
    ids=["clean", "grain", "zoom-cursor", "480p-grain", "vp9-webm"],
)
def test_each_slide_is_found_once_at_its_time_with_its_title(tmp_path, variant):
    video = tmp_path / ("deck.webm" if "codec" in variant else "deck.mp4")
    starts = slide_video(DECK, video, **variant)
    deck, folder = slides_of(video, tmp_path)
    assert_matches(deck, DECK, starts)
    assert deck.ocr["available"] and deck.ocr["engine"].startswith("tesseract")
    for slide in deck.slides:
        image = folder.path / slide.image
        assert image.is_file() and image.read_bytes()[:2] == b"\xff\xd8"  # a JPEG
        assert slide.text.splitlines()[0] == slide.title
    # The bullets' text, without the bullet glyph Tesseract reads as 'e' or '®'.
    assert deck.slides[0].text.splitlines()[1:] == DECK[0].bullets


def test_a_slide_shown_again_is_the_same_slide(tmp_path):
    again = [DECK[0], DECK[1], SlideSpec(DECK[0].title, DECK[0].bullets, 6)]
    video = tmp_path / "back.mp4"
    slide_video(again, video)
    deck, folder = slides_of(video, tmp_path)
    assert [s.title for s in deck.slides] == ["Sorting algorithms", "Binary search"]
    first = deck.slides[0]
    assert [round(a) for a, _ in first.shown] == [0, 16]
    assert sorted(p.name for p in folder.slides_dir.iterdir()) == ["001.jpg", "002.jpg"]


def test_bullets_building_up_are_one_slide(tmp_path):
    steps = [
        SlideSpec("Hash tables", ["Keys map to buckets"], 5),
        SlideSpec("Hash tables", ["Keys map to buckets", "Collisions chain or probe"], 6),
        SlideSpec("Graph traversal", ["Breadth-first search"], 6),
    ]
    video = tmp_path / "build.mp4"
    slide_video(steps, video)
    deck, _ = slides_of(video, tmp_path)
    assert [s.title for s in deck.slides] == ["Hash tables", "Graph traversal"]
    assert "Collisions chain or probe" in deck.slides[0].text  # the fuller picture is kept
    assert abs(deck.slides[1].start - 11) <= TOLERANCE_S


def test_russian_slides_are_read_in_russian(tmp_path):
    russian = [
        SlideSpec(
            "Сортировка слиянием", ["Делим массив пополам", "Сливаем отсортированные части"], 7
        ),
        SlideSpec("Быстрая сортировка", ["Выбираем опорный элемент", "Разбиваем массив"], 7),
    ]
    video = tmp_path / "ru.mp4"
    starts = slide_video(russian, video)
    deck, _ = slides_of(video, tmp_path)
    assert_matches(deck, russian, starts)
    assert "Делим массив пополам" in deck.slides[0].text


def test_no_slides_in_a_still_picture_an_audio_file_or_moving_texture(tmp_path):
    still, _ = slides_of(LECTURE_MP4, tmp_path)  # speech over a plain blue frame
    assert still.slides == [] and still.video["has_video"] is not False
    audio, _ = slides_of(JFK, tmp_path)
    assert audio.slides == [] and audio.video == {"has_video": False}
    texture = make_media(
        tmp_path / "texture.mp4",
        *("-f", "lavfi", "-i", "mandelbrot=size=640x360:rate=10", "-t", "12"),
        *("-c:v", "libx264", "-pix_fmt", "yuv420p"),
    )
    moving, _ = slides_of(texture, tmp_path)
    assert moving.slides == []


def test_slides_between_talking_head_shots(tmp_path):
    """A camera cut to the lecturer (no text) is no slide; the slides around it still are."""
    frames = [
        render(DECK[0], tmp_path / "a.png"),
        plain(tmp_path / "face.png", colour=(150, 110, 90), size=(1280, 720)),
        render(DECK[2], tmp_path / "c.png"),
    ]
    specs = [DECK[0], SlideSpec("", [], 6), DECK[2]]
    video = tmp_path / "cut.mp4"
    starts = slide_video(specs, video, frames=frames)
    deck, _ = slides_of(video, tmp_path)
    assert [s.title for s in deck.slides] == [DECK[0].title, DECK[2].title]
    assert abs(deck.slides[1].start - starts[2]) <= TOLERANCE_S
    assert abs(deck.slides[0].end - starts[1]) <= TOLERANCE_S  # it left the screen at the cut


def test_without_tesseract_slides_are_images_and_the_deck_says_why(tmp_path, monkeypatch):
    video = tmp_path / "deck.mp4"
    slide_video(DECK[:2], video)
    monkeypatch.setenv("PATH", "/nonexistent")
    ocr.engine.cache_clear()
    deck, folder = slides_of(video, tmp_path)
    assert deck.ocr["available"] is False
    assert "Tesseract is not installed" in deck.ocr["reason"]
    assert len(deck.slides) == 2 and all(s.text == "" for s in deck.slides)
    assert all((folder.path / s.image).is_file() for s in deck.slides)


def test_the_deck_round_trips_through_json(tmp_path):
    video = tmp_path / "deck.mp4"
    slide_video(DECK[:2], video)
    deck, _ = slides_of(video, tmp_path)
    assert SlideDeck.from_dict(json.loads(json.dumps(deck.to_dict()))) == deck


def test_a_damaged_picture_with_good_sound_gives_no_slides_and_says_why(tmp_path, monkeypatch):
    from lecture_assets.asr.media import MediaError
    from lecture_assets.vision import frames

    video = tmp_path / "deck.mp4"
    slide_video(DECK[:2], video)

    def broken(*args, **kwargs):
        raise MediaError("deck.mp4: its video could not be decoded (Invalid data).")

    monkeypatch.setattr(frames, "thumbnails", broken)
    deck, _ = slides_of(video, tmp_path)
    assert deck.slides == []
    assert deck.video["error"] == "deck.mp4: its video could not be decoded (Invalid data)."


def test_slides_changing_every_few_seconds_are_each_found(tmp_path):
    """Twelve quick slides: nearly every keyframe differs from the next, as in a camera video,
    but the picture stands still in between, so every change is still placed."""
    words = ["Arrays", "Lists", "Stacks", "Queues", "Trees", "Heaps", "Tries", "Graphs"]
    parts = ["basics", "practice"]
    quick = [
        SlideSpec(f"{words[n % 8]}: {parts[n // 8]}", [f"Notes on {words[n % 8].lower()}"], 3)
        for n in range(12)
    ]
    video = tmp_path / "quick.mp4"
    starts = slide_video(quick, video)
    deck, _ = slides_of(video, tmp_path)
    assert deck.video["sampling"] == "keyframes + changes"
    assert_matches(deck, quick, starts)
