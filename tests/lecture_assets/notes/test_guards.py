import pytest

from lecture_assets.notes.guards import (
    Rejected,
    check_lines,
    check_text,
    copied_share,
    grounded,
    in_script,
)

SOURCE = "Plants fix 6 molecules of carbon dioxide. Chlorophyll absorbs red and blue light."


def test_distinct_lines_pass_and_bullets_are_cleaned():
    assert check_lines(["- Light is absorbed.", "• Sugar is made."], "notes", 2, 5) == [
        "Light is absorbed.",
        "Sugar is made.",
    ]


def test_a_repeated_line_is_dropped_while_enough_remain():
    lines = ["Light is absorbed.", "Sugar is made.", "light is ABSORBED"]
    assert check_lines(lines, "notes", 2, 5) == ["Light is absorbed.", "Sugar is made."]


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (["Light is absorbed.", "light is ABSORBED"], "1 distinct items \\(1 repeated\\)"),
        (["Only one line."], "1 distinct items"),
        (["", "  "], "0 distinct items"),
    ],
)
def test_repeated_or_missing_lines_are_rejected(lines, reason):
    with pytest.raises(Rejected, match=reason):
        check_lines(lines, "notes", 2, 5)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Plants fix 7 molecules of carbon dioxide.", "the number 7"),
        ("Sure! Here are the notes you asked for.", "boilerplate"),
        ("As an AI, I summarise the transcript.", "boilerplate"),
        ("Return 2 to 5 bullet notes about light.", "echoed"),
        ("Хлорофилл поглощает красный и синий свет.", "language"),
    ],
)
def test_invented_numbers_chatter_echo_and_wrong_language_are_rejected(text, reason):
    with pytest.raises(Rejected, match=reason):
        check_text(text, SOURCE, "en", echo=("bullet notes",))


def test_numbers_the_lecture_says_pass():
    check_text("Six carbon dioxide molecules (6) are fixed.", SOURCE, "en")


def test_script_share_follows_the_language():
    assert in_script("Хлорофилл поглощает свет, а не ATP.", "ru")
    assert not in_script("Chlorophyll absorbs light in leaves.", "ru")
    assert in_script("short", "ru")  # too few letters to judge


def test_terms_must_occur_in_the_lecture_in_any_form():
    assert grounded("carbon dioxide", SOURCE, "en")
    assert not grounded("photosystem", SOURCE, "en")
    russian = "Быстрая сортировка выбирает опорный элемент массива."
    assert grounded("опорные элементы", russian, "ru")  # another form of the same words
    assert not grounded("сортировка слиянием", russian, "ru")


def test_copied_share_counts_sentences_lifted_word_for_word():
    assert copied_share("Chlorophyll absorbs red and blue light.", SOURCE) == 1.0
    assert copied_share("Leaves use chlorophyll to catch two colours of light.", SOURCE) == 0.0
