"""The notes writer's checks and fallbacks, driven by a scripted chat model, and the real
bundled model on the committed lecture (test_notes_writer_real in test_llm_notes.py)."""

import json

import pytest

from lecture_assets.notes.extractive import ExtractiveSummarizer
from lecture_assets.notes.llm import InvalidOutput, LLMSpec
from lecture_assets.notes.writer import LLMNotesWriter
from lecture_assets.records import Segment, Summary, Transcript

pytestmark = pytest.mark.slow

SENTENCES = [
    "Photosynthesis is how plants turn light into chemical energy.",
    "It happens inside the chloroplast, where chlorophyll absorbs red and blue light.",
    "In the light reactions, water is split and oxygen is released.",
    "The Calvin cycle then fixes carbon dioxide into sugar.",
    "The enzyme rubisco attaches carbon dioxide to a sugar with 5 carbon atoms.",
    "So photosynthesis stores the energy of light in glucose.",
]
TRANSCRIPT = Transcript(
    "en",
    "tiny.en",
    48.0,  # one chapter: the shortest chapter is 30 s
    [Segment(i * 8.0, (i + 1) * 8.0, text) for i, text in enumerate(SENTENCES)],
)
GOOD_CHAPTER = {
    "title": "How plants store light",
    "notes": [
        "Chlorophyll in the chloroplast absorbs red and blue light.",
        "The Calvin cycle fixes carbon dioxide into sugar.",
    ],
    "terms": [
        {"term": "rubisco", "definition": "The enzyme that attaches carbon dioxide to a sugar."},
        {"term": "photosystem", "definition": "Never said in this lecture."},
    ],
}
GOOD_OVERVIEW = {
    "abstract": "The lecture explains photosynthesis. Light energy becomes sugar in leaves.",
    "key_points": [  # a one-minute lecture: 2-4 of them (5-8 from 300 words on)
        "Plants turn light into chemical energy.",
        "Chlorophyll absorbs red and blue light.",
        "Rubisco works on a sugar with 5 carbon atoms.",
    ],
    "glossary": [{"term": "Calvin cycle", "definition": "Fixes carbon dioxide into sugar."}],
    "questions": [
        {"question": "Where does photosynthesis happen?", "answer": "In the chloroplast."},
        {"question": "What does chlorophyll absorb?", "answer": "Red and blue light."},
        {"question": "What does the Calvin cycle make?", "answer": "Sugar."},
    ],
}


class ScriptedChat:
    """The ChatModel interface, answering from a script: one reply (or error) per call."""

    def __init__(self, replies):
        self.spec = LLMSpec("scripted", "scripted", False, 1, 0)
        self.replies = list(replies)
        self.prompts: list[str] = []
        self.prompt_tokens = self.completion_tokens = 0

    def count(self, text: str) -> int:
        return len(text.split())

    def json(self, system, user, schema, max_tokens, temperature=0.2, seed=0):
        self.prompts.append(user)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return json.loads(json.dumps(reply))


@pytest.fixture(scope="module")
def extractive():
    return ExtractiveSummarizer()


def write(extractive, replies) -> tuple[Summary, ScriptedChat]:
    return write_for(extractive, TRANSCRIPT, replies)


def write_for(extractive, transcript, replies) -> tuple[Summary, ScriptedChat]:
    chat = ScriptedChat(replies)
    return LLMNotesWriter(chat, extractive).summarize(transcript), chat


def test_good_notes_are_kept_and_ungrounded_terms_dropped(extractive):
    summary, chat = write(extractive, [{"parts": [GOOD_CHAPTER]}, GOOD_OVERVIEW])
    assert len(chat.prompts) == 2 and "chlorophyll absorbs" in chat.prompts[0]
    assert '"key_points": 2 to 4 things' in chat.prompts[1]
    (chapter,) = summary.chapters
    assert chapter.written_by == "llm" and chapter.title == "How plants store light"
    assert [t.term for t in chapter.terms] == ["rubisco"]  # "photosystem" is never said
    assert chapter.terms[0].start == 32.0  # first mentioned in the fifth sentence
    assert summary.abstract == GOOD_OVERVIEW["abstract"]
    assert [t.term for t in summary.glossary] == ["Calvin cycle", "rubisco"]
    assert len(summary.questions) == 3 and summary.summarizer["fallback_chapters"] == []
    assert summary.summarizer["overview"] == "llm"
    assert Summary.from_dict(summary.to_dict()) == summary  # summary.json round-trips


def test_a_chapter_that_fails_twice_keeps_its_extractive_notes(extractive):
    invented = {**GOOD_CHAPTER, "notes": ["Plants fix 42 molecules.", "Light is absorbed."]}
    replies = [{"parts": [invented]}, InvalidOutput("cut off"), GOOD_OVERVIEW]
    summary, _ = write(extractive, replies)
    (chapter,) = summary.chapters
    baseline = extractive.summarize(TRANSCRIPT).chapters[0]
    assert chapter == baseline and chapter.written_by == "extractive"
    assert summary.summarizer["fallback_chapters"] == [0]
    reasons = summary.summarizer["rejections"]
    assert "the number 42 does not occur" in reasons[0] and "cut off" in reasons[1]


def test_a_rejected_overview_falls_back_and_says_so(extractive):
    copied = {**GOOD_OVERVIEW, "abstract": " ".join(SENTENCES[:3])}
    chatty = {**GOOD_OVERVIEW, "abstract": "Sure! Here is the abstract of the lecture for you."}
    summary, _ = write(extractive, [{"parts": [GOOD_CHAPTER]}, copied, chatty])
    assert summary.summarizer["overview"] == "extractive"
    assert summary.abstract == extractive.summarize(TRANSCRIPT).abstract
    assert summary.chapters[0].written_by == "llm" and summary.questions == []
    assert "copied" in summary.summarizer["rejections"][0]


def test_chapters_are_asked_for_a_few_at_a_time_and_a_rejected_one_alone(extractive):
    """Four one-minute topics: one call for all four; the chapter whose notes invent a number
    is asked for again on its own, and only it."""
    transcript = Transcript(
        "en",
        "tiny.en",
        400.0,
        [Segment(i * 50.0, (i + 1) * 50.0, text) for i, text in enumerate(SENTENCES * 2)][:8],
    )
    chapters = extractive.summarize(transcript).chapters
    assert len(chapters) >= 2
    good = {**GOOD_CHAPTER, "terms": []}
    bad = {**good, "notes": ["Plants fix 42 molecules.", "Light is absorbed."]}
    parts = [good] * (len(chapters) - 1) + [bad]
    overview = {**GOOD_OVERVIEW, "key_points": GOOD_OVERVIEW["key_points"][:3]}
    summary, chat = write_for(
        extractive, transcript, [{"parts": parts}, {"parts": [good]}, overview]
    )
    assert len(chat.prompts) == 3
    assert f"{len(chapters)} consecutive excerpts" in chat.prompts[0]
    assert "1 consecutive excerpts" in chat.prompts[1]
    assert all(c.written_by == "llm" for c in summary.chapters)
    assert summary.summarizer["rejections"] == [
        f"chapter {len(chapters)}, try 1: the number 42 does not occur in the lecture"
    ]


def test_a_chapter_longer_than_the_window_is_thinned_evenly_not_cut(extractive):
    words = [f"{name} grows" for name in ("wheat", "rice", "maize")]
    segments = [Segment(i * 10.0, (i + 1) * 10.0, f"{words[i]} here. " * 1200) for i in range(3)]
    transcript = Transcript("en", "tiny.en", 30.0, segments)  # one chapter of 7,200 words
    summary, chat = write_for(extractive, transcript, [{"parts": [GOOD_CHAPTER]}, GOOD_OVERVIEW])
    assert summary.summarizer["thinned_chapters"] == 1
    prompt = chat.prompts[0]
    assert len(prompt.split()) <= 5200 and all(w in prompt for w in words)  # start to end
