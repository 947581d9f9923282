import pytest

from lecture_assets.records import Segment, clock
from lecture_assets.text import first_mention, split_sentences, term_candidates


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "00:00"),
        (59.9, "00:59"),
        (61, "01:01"),
        (3599, "59:59"),
        (3600, "1:00:00"),
        (-3, "00:00"),
    ],
)
def test_clock(seconds, expected):
    assert clock(seconds) == expected


def test_split_sentences_spreads_time_by_length():
    segment = Segment(
        10.0, 20.0, "Short one. This second sentence is a good deal longer than that."
    )
    first, second = split_sentences([segment])
    assert (first.text, second.text) == ("Short one.", segment.text[11:])
    assert first.start == 10.0 and second.end == pytest.approx(20.0)
    assert first.end == second.start and first.end - first.start < second.end - second.start


def test_term_candidates_skip_stopwords_at_edges():
    counts = term_candidates("The Calvin cycle fixes carbon. The Calvin cycle needs ATP.")
    assert counts["calvin cycle"] == 2
    assert "the calvin" not in counts and "the" not in counts
    assert counts["atp"] == 1


def test_first_mention_is_case_insensitive_and_whole_word():
    sentences = split_sentences([Segment(0, 4, "Cells grow. The cell divides.")])
    assert first_mention("cell", sentences) == sentences[1].start
    assert first_mention("mitosis", sentences) is None


def test_russian_word_forms_count_as_one_term_shown_in_their_commonest_form():
    from lecture_assets.text import surface_forms

    text = (
        "Фотосинтез идёт в листьях. Без фотосинтеза нет кислорода. "
        "Фотосинтез запасает энергию. И это всё, что мы знаем."
    )
    counts = term_candidates(text, language="ru")
    key = max(counts, key=counts.get)
    assert counts[key] == 3 and surface_forms(text, language="ru")[key] == "фотосинтез"
    from lecture_assets.text import stem

    assert not {stem(w, "ru") for w in ("это", "всё", "что", "мы")} & set(counts)  # stopwords


def test_mentions_and_first_mention_match_any_form_in_russian():
    from lecture_assets.text import mentions

    sentences = split_sentences([Segment(0.0, 10.0, "Сегодня лекция. Массив делят на части.")])
    assert mentions("массивы", "Быстрая сортировка делит массив.", "ru")
    assert not mentions("сортировка слиянием", "Быстрая сортировка делит массив.", "ru")
    assert first_mention("массива", sentences, "ru") == sentences[1].start
