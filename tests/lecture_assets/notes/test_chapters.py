"""Topic chapters on constructed transcripts with known topic changes (real MiniLM embeddings)."""

import numpy as np
import pytest

from lecture_assets.notes.chapters import chapter_bounds, chapter_lengths, depth_scores
from lecture_assets.notes.extractive import ExtractiveSummarizer
from lecture_assets.records import Segment, Transcript
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
