"""Slide detection and OCR on slide videos rendered here (PIL + ffmpeg), with real Tesseract."""

import json
import shutil

import pytest

from lecture_assets.layout import LectureFolder
from lecture_assets.records import SlideDeck
from lecture_assets.vision import changes, ocr
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


# Cases from bench/slides_heldout.py, decks unlike the ones above. The reading and grouping
# tests below failed before their fixes; the two videos pin the conditions down (rules under
# titles on a dark theme, cross-fades between build-up steps).
NIGHT = dict(
    background=(18, 24, 48), ink=(235, 235, 235), band=None, rule=(255, 200, 60), footer="CS-101"
)


def test_a_dark_deck_with_rules_under_its_titles_and_fades(tmp_path):
    # A rule under the title once left a dark stub beside it in the copy Tesseract reads,
    # which dragged the title's words under the confidence bar ("Markov chains" -> "chains").
    deck_specs = [
        SlideSpec("Markov chains", ["The next state depends on this one"], 7, **NIGHT),
        SlideSpec("Hypothesis testing", ["Reject the null at five percent"], 7, **NIGHT),
        SlideSpec("Principal components", ["Directions of largest variance"], 7, **NIGHT),
    ]
    video = tmp_path / "night.mp4"
    starts = slide_video(deck_specs, video, size=(960, 540), fade=1.0, grain=8)
    deck, _ = slides_of(video, tmp_path)
    assert_matches(deck, deck_specs, starts)


def test_bullets_appearing_under_fades_are_one_slide(tmp_path):
    # A fade's frames leave a gap between the steps' shots: still one slide.
    steps = [
        SlideSpec("Hash tables", ["Keys map to buckets"], 4, rule=(200, 30, 30)),
        SlideSpec("Hash tables", ["Keys map to buckets", "Chains"], 4, rule=(200, 30, 30)),
        SlideSpec("Graph traversal", ["Breadth-first search"], 6, rule=(200, 30, 30)),
    ]
    video = tmp_path / "build.mp4"
    starts = slide_video(steps, video, fade=1.0)
    deck, _ = slides_of(video, tmp_path)
    assert [s.title for s in deck.slides] == ["Hash tables", "Graph traversal"]
    assert abs(deck.slides[1].start - starts[2]) <= TOLERANCE_S


def test_russian_slides_with_an_english_footer_are_read_in_russian(tmp_path):
    # Read as English first, a Russian slide kept a few confident Latin look-alikes ("Ha",
    # "CeTAX") and was never read in Russian.
    russian = [
        SlideSpec("Потоки в сетях", ["Ребро ограничивает поток"], 7, footer="CS-101 Spring term"),
        SlideSpec(
            "Выпуклые функции", ["Локальный минимум глобален"], 7, footer="CS-101 Spring term"
        ),
    ]
    video = tmp_path / "ru.mp4"
    starts = slide_video(russian, video, size=(1024, 768))
    deck, _ = slides_of(video, tmp_path)
    assert_matches(deck, russian, starts)
    assert deck.slides[0].text.splitlines()[1] == "Ребро ограничивает поток"


def tsv(*words):
    """Tesseract TSV for a 1280x720 page: (block, line, left, top, width, height, conf, text)."""
    rows = [
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    ]
    rows.append("1\t1\t0\t0\t0\t0\t0\t0\t1280\t720\t-1\t")
    for block, line, left, top, width, height, conf, text in words:
        rows.append(
            f"5\t1\t{block}\t1\t{line}\t1\t{left}\t{top}\t{width}\t{height}\t{conf}\t{text}"
        )
    return "\n".join(rows)


BODY = [(3, 1, 100, 200, 120, 30, 95, "Capacity"), (3, 1, 230, 200, 130, 30, 95, "limits")]


def test_a_title_tesseract_split_into_two_blocks_is_one_line():
    reading = ocr._parse(
        tsv(
            (1, 1, 100, 50, 260, 56, 96, "Recurrent"),
            (2, 1, 400, 52, 250, 54, 96, "networks"),
            *BODY,
        ),
        "eng",
    )
    assert reading.title == "Recurrent networks"
    # A second column, far to the right on the same line, stays apart.
    columns = ocr._parse(tsv(*BODY, (4, 1, 900, 200, 120, 30, 95, "Entropy")), "eng")
    assert columns.text.splitlines() == ["Capacity limits", "Entropy"]


def test_edges_and_slivers_are_not_text_and_a_doubtful_word_on_a_slide_stays():
    reading = ocr._parse(
        tsv(
            (1, 1, 0, 0, 41, 124, 60, "5"),  # the corner of a side bar
            (1, 1, 110, 50, 370, 55, 20, "Eigenvalues"),  # printed cleanly, doubted by Tesseract
            (2, 1, 140, 214, 17, 173, 65, "WN"),  # the edge of a figure
            *BODY,
        ),
        "eng",
    )
    assert reading.text.splitlines() == ["Eigenvalues", "Capacity limits"]
    # Nothing on the frame is read for certain: a doubtful word alone makes no slide.
    alone = ocr._parse(tsv((1, 1, 110, 50, 370, 55, 20, "Eigenvalues")), "eng")
    assert alone.text == "" and not alone.readable


def test_a_picture_that_only_gains_ink_is_told_from_one_that_changed():
    import numpy as np

    blank = np.full((72, 128), 240, dtype=np.uint8)
    one = blank.copy()
    one[10:14, 10:80] = 20  # a line of text
    two = one.copy()
    two[20:24, 10:60] = 20  # the next bullet
    other = blank.copy()
    other[10:14, 40:110] = 20  # the line moved: something was taken away
    assert changes.only_added(one, two)
    assert not changes.only_added(one, other)
    assert not changes.only_added(one, one)
