"""notes.html: the page plays a real Opus recording in Chromium, seeks where a time is clicked,
keeps every request inside the lecture folder and prints untrusted text literally."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from lecture_assets.asr.media import ffmpeg_exe
from lecture_assets.notes.i18n import headings
from lecture_assets.notes.page import build_page
from lecture_assets.notes.pdf import NotesInfo, paragraphs
from lecture_assets.records import (
    Chapter,
    Question,
    Segment,
    Slide,
    SlideDeck,
    Summary,
    Term,
    Transcript,
)
from tests.helpers import system
from tests.helpers.slides import SlideSpec, render
from tests.helpers.ui import CHROMIUM, CHROMIUM_ARGS, player_time_near, poll

REPO = Path(__file__).parents[3]
ARTIFACTS = REPO / "test-artifacts" / "notes"
HOSTILE = ['<img src=x onerror="window.pwned=1">', "</script><script>window.pwned=2</script>"]
SENTENCES = [
    (0.0, 5.0, "Welcome to the lecture on graphs."),
    (5.0, 10.0, "A graph has vertices and edges."),
    (10.0, 15.0, "Edges can carry weights."),
    (15.0, 20.5, "A path joins two vertices."),
    (20.5, 25.0, "Dijkstra's algorithm finds shortest paths."),
    (25.0, 30.0, "It keeps a priority queue of vertices."),
    (30.0, 35.0, "Each step settles the closest vertex."),
    (35.0, 40.2, "Negative weights break it."),
    (40.2, 45.0, "Bellman-Ford handles negative weights."),
    (45.0, 50.0, "It relaxes every edge many times."),
    (50.0, 55.0, "A negative cycle has no shortest path."),
    (55.0, 60.0, "That is all for today."),
]


@dataclass
class Lecture:
    folder: Path
    transcript: Transcript
    summary: Summary
    deck: SlideDeck
    count: int

    @property
    def page(self) -> Path:
        return self.folder / "notes.html"


def _transcript(texts: list[str] | None = None) -> Transcript:
    texts = texts or [text for _, _, text in SENTENCES]
    segments = [Segment(a, b, text) for (a, b, _), text in zip(SENTENCES, texts, strict=True)]
    return Transcript("en", "tiny.en", 60.0, segments)


def _summary(chapter_title: str = "Bellman-Ford", term: str = "negative cycle") -> Summary:
    chapters = [
        Chapter(
            0.0, 20.5, "Graphs", "Vertices, edges.", ["A path joins two vertices."], slides=[1]
        ),
        Chapter(20.5, 40.2, "Dijkstra", "Shortest paths greedily.", slides=[2]),
        Chapter(40.2, 60.0, chapter_title, "Negative weights.", slides=[1, 2]),
    ]
    return Summary(
        abstract="Graphs, then two shortest-path algorithms.",
        key_points=[
            "Dijkstra's algorithm finds shortest paths.",
            "Negative weights break it.",
            "A point the lecture never says in these words.",
        ],
        key_terms=[],
        chapters=chapters,
        summarizer={"backend": "extractive", "model": "m"},
        glossary=[
            Term("graph", "vertices joined by edges", 5.0),
            Term("Dijkstra's algorithm", "greedy shortest paths", 20.5),
            Term(term, "a cycle whose weights sum below zero", 50.0),
            Term("edge", "a link between two vertices"),
        ],
        questions=[
            Question("What breaks Dijkstra's algorithm?", "Negative weights."),
            Question("What does Bellman-Ford relax?", "Every edge, many times."),
        ],
    )


def _deck(folder: Path, title: str = "Shortest paths") -> SlideDeck:
    (folder / "slides").mkdir(parents=True, exist_ok=True)
    specs = [
        SlideSpec("Graphs", ["vertices", "edges", "weights"]),
        SlideSpec(title, ["Dijkstra: greedy", "Bellman-Ford: relax"], band=(120, 40, 30)),
    ]
    for number, spec in enumerate(specs, 1):
        render(spec, folder / "slides" / f"{number:03d}.jpg", size=(640, 360))
    return SlideDeck(
        [
            Slide(0.0, 20.5, "slides/001.jpg", "Graphs", "Graphs", [(0.0, 20.5), (40.2, 50.0)]),
            Slide(20.5, 60.0, "slides/002.jpg", title, title, [(20.5, 40.2), (50.0, 60.0)]),
        ]
    )


def _info(title: str = "Shortest paths", source: str = "graphs.mp4") -> NotesInfo:
    return NotesInfo(title, source, "2026-11-25", "whisper tiny.en · extractive")


@pytest.fixture(scope="module")
def lecture(tmp_path_factory) -> Lecture:
    folder = tmp_path_factory.mktemp("lecture")
    tone = ["-f", "lavfi", "-i", "sine=frequency=440:duration=60", "-c:a", "libopus"]
    audio = [*tone, "-b:a", "24k", str(folder / "listen.webm")]
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *audio], check=True)
    transcript, summary, deck = _transcript(), _summary(), _deck(folder)
    count = build_page(folder / "notes.html", transcript, summary, _info(), deck, "listen.webm")
    return Lecture(folder, transcript, summary, deck, count)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        system.missing(f"Chromium ({CHROMIUM})")
    with sync_playwright() as pw:
        # Headless Chromium has no one to make the gesture its autoplay rule asks for.
        args = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield chromium
        chromium.close()


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each h2."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.h2: list[str] = []
        self._in_h2 = False
        self.feed(text)

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_h2 = tag == "h2"
        if self._in_h2:
            self.h2.append("")

    def handle_endtag(self, tag) -> None:
        self._in_h2 = self._in_h2 and tag != "h2"

    def handle_data(self, data) -> None:
        if self._in_h2:
            self.h2[-1] += data

    def with_attr(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for _, attrs in self.tags if name in attrs]


def test_clicked_times_seek_the_recording_and_nothing_leaves_the_folder(lecture, browser):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(lecture.page.as_uri())
    assert poll(page, "document.getElementById('player').readyState", lambda v: v >= 1) >= 1
    assert page.evaluate("document.getElementById('player').duration") == pytest.approx(60, abs=1)

    last = page.locator("#chapters h3 [data-start]").last
    assert float(last.get_attribute("data-start")) == 40.2
    last.click()
    assert abs(player_time_near(page, 40.2) - 40.2) < 1.0

    paragraph = page.locator("#transcript .para").nth(1)
    assert paragraph.get_attribute("id") == "p1"
    start = float(paragraph.get_attribute("data-start"))
    assert start == 20.5
    paragraph.click()
    assert abs(player_time_near(page, start) - start) < 1.0
    assert poll(page, "document.getElementById('p1').className", lambda v: "now" in v.split())
    assert page.locator(".para.now").count() == 1
    assert not page.evaluate("document.getElementById('player').paused")

    # The keyboard does what a click does: Enter on a glossary time seeks to it.
    page.locator("#glossary [data-start='50.0']").focus()
    page.keyboard.press("Enter")
    assert abs(player_time_near(page, 50.0) - 50.0) < 1.0
    page.close()

    folder = lecture.folder.as_uri() + "/"
    assert {folder + "notes.html", folder + "listen.webm"} <= set(requests)
    assert [url for url in requests if not url.startswith(folder)] == []


def test_screenshot_shows_the_slide_on_screen_at_the_play_time(lecture, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(lecture.page.as_uri())
    shown = "document.querySelector('#now-slide img')"
    for chapter, picture in [(2, "slides/001.jpg"), (1, "slides/002.jpg")]:
        page.locator("#chapters h3 [data-start]").nth(chapter).click()
        loaded = f"{shown}.complete && {shown}.naturalWidth > 0 && {shown}.src"
        assert poll(page, loaded, lambda src, p=picture: str(src).endswith(p)).endswith(picture)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "notes_page.png"
    page.screenshot(path=target)
    page.close()
    with Image.open(target) as image:
        assert image.size == (1280, 900)


def test_a_link_to_a_moment_opens_the_page_there(lecture, browser):
    """notes.md and the course notes link to notes.html#t=<seconds>."""
    page = browser.new_page()
    page.goto(lecture.page.as_uri() + "#t=40.2")
    assert abs(player_time_near(page, 40.2) - 40.2) < 1.0
    page.evaluate("location.hash = '#t=20.5'")
    assert abs(player_time_near(page, 20.5) - 20.5) < 1.0
    page.close()


def test_untrusted_text_stays_text(tmp_path, browser):
    evil = " ".join(HOSTILE)
    texts = [text for _, _, text in SENTENCES]
    texts[1] = f"Watch this {evil} closely."
    deck = _deck(tmp_path, title=evil)
    summary = _summary(chapter_title=f"Chapter {evil}", term=evil)
    summary.questions.append(Question(evil, evil))
    info = _info(title=f"Title {evil}", source=f"{evil}.mp4")
    build_page(tmp_path / "notes.html", _transcript(texts), summary, info, deck, "listen.webm")

    html = (tmp_path / "notes.html").read_text()
    tags = _Tags(html)
    assert [t for t, _ in tags.tags].count("script") == 2  # the slide data and the page's own
    assert [a for _, attrs in tags.tags for a in attrs if a.startswith("on")] == []
    assert [attrs["src"] for t, attrs in tags.tags if t == "img" and "src" in attrs] == [
        "slides/001.jpg",
        "slides/002.jpg",
        "slides/001.jpg",
        "slides/002.jpg",
    ]

    page = browser.new_page()
    page.goto((tmp_path / "notes.html").as_uri())
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.title() == info.title
    text = page.evaluate("document.body.innerText")
    page.close()
    for needle in HOSTILE:
        assert text.count(needle) >= 7  # title, source, chapter, term, question, answer, transcript


def test_every_time_is_written_and_counted(lecture):
    tags = _Tags(lecture.page.read_text())
    marked = tags.with_attr("data-start")
    starts = {float(attrs["data-start"]) for attrs in marked}
    assert lecture.count == len(marked) > 0
    assert {c.start for c in lecture.summary.chapters} <= starts
    assert {t.start for t in lecture.summary.glossary if t.start is not None} <= starts
    groups = paragraphs(lecture.transcript, breaks=[c.start for c in lecture.summary.chapters[1:]])
    shown = [(a["id"], float(a["data-start"])) for a in marked if "para" in a["class"].split()]
    assert shown == [(f"p{i}", start) for i, (start, _) in enumerate(groups)]
    assert all(a["role"] == "button" and a["tabindex"] == "0" for a in marked)
    assert all("t" in a["class"].split() for a in marked)
    # Key points the lecture says word for word get their time; the third does not.
    assert len([a for a in marked if a["data-start"] in {"20.5", "35.0"}]) >= 4


@pytest.mark.parametrize(
    ("media", "tag", "src"),
    [
        ("listen.webm", "audio", "listen.webm"),
        ("lecture.mp4", "video", "lecture.mp4"),
        ("talk.video.webm", "video", "talk.video.webm"),
        ("my talk #1.webm", "audio", "my%20talk%20%231.webm"),
        (None, None, None),
    ],
)
def test_player_follows_the_media_name(tmp_path, media, tag, src):
    count = build_page(
        tmp_path / "notes.html", _transcript(), _summary(), _info(), _deck(tmp_path), media
    )
    tags = _Tags((tmp_path / "notes.html").read_text())
    players = [(t, a) for t, a in tags.tags if a.get("id") == "player"]
    marked = tags.with_attr("data-start")
    assert count == len(marked)
    if media is None:
        assert players == []
        assert not any("role" in a or "tabindex" in a for a in marked)
        return
    [(found, attrs)] = players
    assert (found, attrs["src"]) == (tag, src)
    assert "controls" in attrs and attrs["preload"] == "metadata"


def test_russian_page_has_russian_headings(tmp_path):
    summary = _summary()
    summary.language = "ru"
    build_page(tmp_path / "notes.html", _transcript(), summary, _info("Лекция"), None, None)
    html = (tmp_path / "notes.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in html
    h = headings("ru")
    assert _Tags(html).h2 == [
        h[key] for key in ["summary", "key_points", "chapters", "glossary", "questions"]
    ] + [h["transcript"]]
    assert "<h1>Лекция</h1>" in html
