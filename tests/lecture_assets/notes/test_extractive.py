"""Summaries with the real bundled MiniLM embeddings, and the abstractive path on a toy BART."""

import pytest

from konspekt.errors import ModelUnavailableError
from lecture_assets.notes.extractive import ExtractiveSummarizer
from lecture_assets.notes.factory import make_summarizer
from lecture_assets.records import Segment, Summary, Transcript

pytestmark = pytest.mark.slow

PHOTOSYNTHESIS = [
    "Photosynthesis is how plants turn light into chemical energy.",
    "It happens inside the chloroplast, where chlorophyll absorbs red and blue light.",
    "In the light reactions, water is split and oxygen is released.",
    "The Calvin cycle then fixes carbon dioxide into sugar.",
    "The enzyme rubisco attaches carbon dioxide to a five carbon sugar.",
    "So photosynthesis stores the energy of light in glucose.",
]
TAXES = [
    "Now let us turn to income taxes and the household budget.",
    "A progressive income tax charges higher rates on higher incomes.",
    "Tax deductions lower the taxable income of a household.",
    "Governments spend tax revenue on schools, roads and hospitals.",
    "A budget deficit means the government spends more than its tax revenue.",
    "Balancing the budget requires higher taxes or lower spending.",
]


def lecture(sentences: list[str], seconds_each: float = 50.0) -> Transcript:
    segments = [
        Segment(i * seconds_each, (i + 1) * seconds_each, text) for i, text in enumerate(sentences)
    ]
    return Transcript("en", "tiny.en", len(sentences) * seconds_each, segments)


@pytest.fixture(scope="module")
def extractive() -> ExtractiveSummarizer:
    return ExtractiveSummarizer()


def test_summary_carries_the_key_terms_and_round_trips(extractive):
    result = extractive.summarize(lecture(PHOTOSYNTHESIS, seconds_each=5.0))
    assert "photosynthesis" in result.key_terms[:3]
    assert {"chloroplast", "carbon dioxide"} & set(result.key_terms)
    assert result.abstract and all(p in " ".join(PHOTOSYNTHESIS) for p in result.key_points)
    assert len(result.key_points) >= 3
    assert result.term_times["photosynthesis"] == 0.0
    assert result.summarizer == {"backend": "extractive", "model": "all-MiniLM-L6-v2"}
    assert Summary.from_dict(result.to_dict()) == result


def test_two_topics_get_a_chapter_boundary_at_the_change(extractive):
    result = extractive.summarize(lecture(PHOTOSYNTHESIS + TAXES))
    starts = [c.start for c in result.chapters]
    assert len(result.chapters) >= 2
    assert 300.0 in starts  # the first tax sentence starts at 6 * 50 s
    assert result.chapters[0].start == 0.0 and result.chapters[-1].end == 600.0
    titles = " ".join(c.title.lower() for c in result.chapters)
    assert "photosynthesis" in titles or "light" in titles
    assert "tax" in titles or "budget" in titles


def test_empty_transcript_gives_an_empty_summary(extractive):
    result = extractive.summarize(Transcript("en", "tiny.en", 12.0, []))
    assert (result.abstract, result.key_points, result.chapters) == ("", [], [])


def test_missing_summarizer_model_names_the_variable():
    with pytest.raises(ModelUnavailableError, match="KONSPEKT_SUMMARIZER=extractive"):
        make_summarizer("facebook/bart-large-cnn")
