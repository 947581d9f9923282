from dataclasses import replace

import pytest

from lecture_assets.asr.quality import degenerate_reason, drop_repeats
from lecture_assets.records import Segment, Transcript
from tests.helpers.media import FIXTURES


def transcript(*texts: str) -> Transcript:
    segments = [Segment(i * 5.0, i * 5.0 + 5, t) for i, t in enumerate(texts)]
    return Transcript("en", "tiny.en", len(texts) * 5.0, segments)


@pytest.mark.parametrize(
    ("texts", "fragment"),
    [
        (["Thank you for watching!"], "Whisper produces on silence"),
        (["Thank you.", "Thanks for watching."], "Whisper produces on silence"),
        (["Please subscribe to my channel."], "Whisper produces on silence"),
        (["Продолжение следует..."], "Whisper produces on silence"),
        (["Спасибо за просмотр!", "Субтитры сделал DimaTorzok"], "Whisper produces on silence"),
        (["The cell. The cell. The cell. The cell. The cell. Mitosis."], "repeats 'the cell' 5"),
        ([("we go round and round " * 40).strip()], "highly repetitive"),
        ([("the same words again and again " * 200).strip()], "highly repetitive"),
    ],
)
def test_hallucinations_are_named(texts, fragment):
    reason = degenerate_reason(transcript(*texts))
    assert reason is not None and fragment in reason
    assert "KONSPEKT_LANGUAGE" not in reason  # the language was not in doubt


def test_the_language_guess_is_stored_only_when_there_is_one():
    sure = transcript("Mitosis has four phases.")
    assert "unsure_language" not in sure.to_dict()  # as transcripts of earlier versions
    assert Transcript.from_dict(sure.to_dict()) == sure
    unsure = replace(sure, unsure_language="Russian, p=0.24")
    assert Transcript.from_dict(unsure.to_dict()) == unsure


@pytest.mark.parametrize(
    "texts",
    [
        [],
        ["Thank you for coming. Today we study the cell cycle and mitosis."],
        ["Mitosis has four phases.", "Prophase comes first.", "Thank you."],
        ["Спасибо за внимание к митозу.", "Сегодня мы изучаем клетку."],
    ],
)
def test_real_lectures_pass(texts):
    assert degenerate_reason(transcript(*texts)) is None


def test_a_long_lecture_that_repeats_itself_is_not_a_loop():
    """A script read seven times over (as in bench/throughput.py) is speech, not a decoder loop."""

    script = (FIXTURES / "three_topics.txt").read_text()
    assert degenerate_reason(transcript(*[script.replace("\n", " ")] * 7)) is None


def test_drop_repeats_merges_consecutive_duplicates():
    segments = [
        Segment(0, 2, "Hello."),
        Segment(2, 4, "hello"),
        Segment(4, 6, "World."),
        Segment(6, 8, "Hello."),
    ]
    assert drop_repeats(segments) == [
        Segment(0, 4, "Hello."),
        Segment(4, 6, "World."),
        Segment(6, 8, "Hello."),
    ]
