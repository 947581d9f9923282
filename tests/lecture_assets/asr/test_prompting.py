"""The slides' words prompt Whisper span by span: where they were shown, cut at a pause."""

import jiwer
import numpy as np
import pytest

from lecture_assets.asr.media import extract_audio
from lecture_assets.asr.prompting import prompt_for, spans
from lecture_assets.asr.transcribe import transcribe_file
from lecture_assets.records import Slide, SlideDeck
from tests.helpers.media import FIXTURES
from tests.helpers.slides import LECTURE_SLIDES


def deck_of(specs, starts, duration) -> SlideDeck:
    edges = [*starts, duration]
    return SlideDeck(
        [
            Slide(a, b, f"slides/{n:03d}.jpg", s.title, "\n".join([s.title, *s.bullets]), [(a, b)])
            for n, (s, a, b) in enumerate(zip(specs, edges, edges[1:], strict=False), 1)
        ]
    )


def test_prompt_is_the_slides_content_words_as_a_sentence():
    prompt = prompt_for(["Dijkstra's algorithm\nShortest paths from one source"])
    assert prompt == "Dijkstra's, algorithm, Shortest, paths, source."
    assert prompt_for([]) == ""


def test_spans_are_cut_at_slide_changes_and_carry_only_their_slides():
    starts = [0.0, 250.0, 400.0, 700.0]
    deck = deck_of(LECTURE_SLIDES, starts, 900.0)
    found = spans(deck, 900.0, span_s=240.0)
    assert [(s.start, s.end) for s in found] == [(0.0, 250.0), (250.0, 700.0), (700.0, 900.0)]
    assert "Memoization" in found[0].prompt and "Levenshtein" not in found[0].prompt
    assert "Levenshtein" in found[1].prompt and "Dijkstra's" in found[1].prompt
    assert "Bellman-Ford" in found[2].prompt and "Dijkstra's" not in found[2].prompt
    assert spans(None, 900.0, 240.0) == [type(found[0])(0.0, 900.0, "")]


def test_a_cut_moves_to_the_pause_next_to_the_slide_change():
    rate = 16_000
    pcm = np.full(600 * rate, 0.3, dtype=np.float32)
    pcm[int(251.2 * rate) : int(251.5 * rate)] = 0.0  # the lecturer pauses 1.2 s after the click
    deck = deck_of(LECTURE_SLIDES[:2], [0.0, 250.0], 600.0)
    (first, second) = spans(deck, 600.0, 240.0, pcm)
    assert 251.2 <= first.end <= 251.5 and second.start == first.end


@pytest.mark.slow
def test_slide_words_lower_the_word_error_rate(tmp_path):
    wav = extract_audio(FIXTURES / "slides_lecture.mp4", tmp_path / "a.wav") and tmp_path / "a.wav"
    reference = (FIXTURES / "slides_lecture.txt").read_text()
    deck = deck_of(LECTURE_SLIDES, [0.0, 15.5, 28.9, 41.9], 55.4)
    norm = jiwer.Compose(
        [
            jiwer.ToLowerCase(),
            jiwer.RemovePunctuation(),
            jiwer.RemoveMultipleSpaces(),
            jiwer.Strip(),
        ]
    )
    plain = transcribe_file(wav)
    prompted = transcribe_file(wav, slides=deck)
    wer_plain = jiwer.wer(norm(reference), norm(plain.text))
    wer_prompted = jiwer.wer(norm(reference), norm(prompted.text))
    assert wer_prompted < wer_plain - 0.05, (wer_plain, wer_prompted)
    assert "Memoization" in prompted.text and "Memoization" not in plain.text
    assert prompted.text.count(".") >= 6  # still in sentences
