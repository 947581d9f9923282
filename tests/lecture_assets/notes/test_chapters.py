"""Topic chapters on constructed transcripts with known topic changes (real MiniLM embeddings)."""

import numpy as np
import pytest

from lecture_assets.notes.chapters import chapter_bounds, chapter_lengths, depth_scores
from lecture_assets.notes.extractive import ExtractiveSummarizer
from lecture_assets.records import Segment, Slide, SlideDeck, Transcript
from tests.helpers.media import FIXTURES

SCRIPT = (FIXTURES / "three_topics.txt").read_text()
SPEECH_RATE = 15.0  # characters per second, about espeak-ng's default pace


def constructed(
    topics: list[str], language: str = "en", rate: float = SPEECH_RATE
) -> tuple[Transcript, list[float]]:
    """One segment per sentence, timed by its length; returns the topic change times too."""
    segments, changes, clock = [], [], 0.0
    for k, topic in enumerate(topics):
        if k:
            changes.append(clock)
        for sentence in topic.replace(". ", ".\n").splitlines():
            length = len(sentence) / rate
            segments.append(Segment(clock, clock + length, sentence))
            clock += length
    return Transcript(language, "tiny.en" if language == "en" else "base", clock, segments), changes


@pytest.fixture(scope="module")
def summarizer():
    return ExtractiveSummarizer()


@pytest.mark.slow
def test_three_topics_get_chapters_at_the_changes(summarizer):
    transcript, changes = constructed(SCRIPT.strip().split("\n\n"))
    result = summarizer.summarize(transcript)
    starts = [c.start for c in result.chapters]
    assert len(starts) == 3
    for change in changes:
        assert min(abs(change - s) for s in starts) <= 25.0
    titles = [c.title.lower() for c in result.chapters]
    expected = [
        ("chloro", "photosynthesis", "light", "carbon"),
        ("revolution", "french"),
        ("binary", "search"),
    ]
    for title, words in zip(titles, expected, strict=True):
        assert any(w in title for w in words), titles
    assert all(1 <= len(c.key_points) <= 4 for c in result.chapters)
    assert {"photosynthesis", "binary search"} <= set(result.key_terms)


def test_russian_topics_get_chapters_at_the_changes_from_word_stems(summarizer):
    """MiniLM knows no Russian: Russian lectures are chaptered on stems, as TextTiling was."""
    topics = (FIXTURES / "three_topics_ru.txt").read_text().strip().split("\n\n")
    transcript, changes = constructed(topics, "ru", rate=20.0)  # ~50 s a topic, as Festival reads
    result = summarizer.summarize(transcript)
    assert result.summarizer["model"] == "lexical stems (ru)" and result.language == "ru"
    starts = [c.start for c in result.chapters]
    assert len(starts) == 3
    for change in changes:
        assert min(abs(change - s) for s in starts) <= 25.0
    terms = " ".join(result.key_terms).lower()
    for stem in ("фотосинтез", "налог", "сортировк"):
        assert stem in terms, result.key_terms


@pytest.mark.slow
def test_one_topic_minute_has_at_most_two_chapters(summarizer):
    first_topic = SCRIPT.strip().split("\n\n")[0]
    transcript, _ = constructed([first_topic])
    assert 40 < transcript.duration < 70
    assert len(summarizer.summarize(transcript).chapters) <= 2


def test_depth_is_largest_at_the_valley():
    sims = np.array([0.9, 0.8, 0.3, 0.85, 0.9, 0.88])
    depth = depth_scores(sims)
    assert int(depth.argmax()) == 2 and depth[2] == pytest.approx(0.6 + 0.6)
    assert depth[0] == 0


def test_chapters_respect_the_shortest_length():
    # Two clean topics but the second is only 10 s long: too short to be its own chapter.
    vectors = np.array([[1.0, 0.0]] * 10 + [[0.0, 1.0]] * 2)
    starts = [i * 5.0 for i in range(12)]
    assert chapter_bounds(vectors, starts, 60.0) == [(0, 12)]
    long_second = [*starts[:10], 50.0, 80.0]
    assert chapter_bounds(vectors, long_second, 120.0) == [(0, 10), (10, 12)]


@pytest.mark.parametrize(
    ("duration", "shortest", "longest"),
    [(60, 30, 90), (600, 40, 300), (3600, 240, 900), (4 * 3600, 960, 2880)],
)
def test_chapter_lengths_scale_with_the_lecture(duration, shortest, longest):
    assert chapter_lengths(duration) == (shortest, longest)


def _deck(changes: list[float], duration: float, titles: list[str]) -> SlideDeck:
    edges = [0.0, *changes, duration]
    return SlideDeck(
        [
            Slide(
                a,
                b,
                f"slides/{n:03d}.jpg",
                title,
                f"{title}\nA bullet about {title.lower()}",
                [(a, b)],
            )
            for n, (title, a, b) in enumerate(zip(titles, edges, edges[1:], strict=False), 1)
        ],
        {"available": True},
    )


@pytest.mark.slow
def test_slide_changes_place_the_cuts_and_slide_titles_name_the_chapters(summarizer):
    transcript, changes = constructed(SCRIPT.strip().split("\n\n"))
    # Slides change 6 s after the speech does (the lecturer clicks late): cuts follow the slides.
    late = [c + 6.0 for c in changes]
    titles = ["Photosynthesis", "The French Revolution", "Binary search"]
    deck = _deck(late, transcript.duration, titles)
    result = summarizer.summarize(transcript, deck)
    assert [c.title for c in result.chapters] == titles
    assert [c.slides for c in result.chapters] == [[1], [2], [3]]
    sentence_starts = [s.start for s in transcript.segments]
    for chapter, change in zip(result.chapters[1:], late, strict=True):
        nearest = min(sentence_starts, key=lambda t: abs(t - change))
        assert chapter.start == pytest.approx(nearest, abs=0.01)
    # Without slides the same transcript keeps its own titles.
    plain = summarizer.summarize(transcript)
    assert [c.slides for c in plain.chapters] == [[], [], []]


def test_slide_text_counts_as_evidence_for_key_terms(summarizer):
    transcript, _ = constructed(["Today we look at sorting. " * 3 + "It is useful. " * 4])
    deck = _deck([], transcript.duration, ["Heapsort"])
    deck.slides[0] = Slide(
        0.0,
        transcript.duration,
        "slides/001.jpg",
        "Heapsort",
        "Heapsort\nHeapsort uses a binary heap\nHeapsort sorts in place",
        [(0.0, transcript.duration)],
    )
    assert "heapsort" not in summarizer.summarize(transcript).key_terms
    assert "heapsort" in summarizer.summarize(transcript, deck).key_terms
