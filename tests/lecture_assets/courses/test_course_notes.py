"""A course processed from the command line: three lectures, then a fourth, give course notes
in recording order with a glossary linked to the right lecture and time, and every lecture gets
notes.md and notes.apkg that their readers open."""

import json
import os
import re
import shutil

import pytest
from pypdf import PdfReader

from lecture_assets.layout import Layout
from lecture_assets.notes.study import glossary
from lecture_assets.records import Summary, clock
from tests.helpers.cli import EXTRACTIVE, run_cli
from tests.helpers.media import FIXTURES, JFK, copy_lecture
from tests.helpers.study import anki_notes, markdown_headings

pytestmark = pytest.mark.slow

COURSE = "Science & <Society>"
KEY = "science-society"


def recordings(folder):
    """Three lectures whose names sort against their recording order."""
    files = [
        (copy_lecture(folder, "Photosynthesis.mp4"), 1_700_000_000),
        (shutil.copy(JFK, folder / "Ask not.flac"), 1_700_100_000),
        (shutil.copy(FIXTURES / "slides_lecture.mp4", folder / "Algorithms.mp4"), 1_700_200_000),
    ]
    for path, mtime in files:
        os.utime(path, (mtime, mtime))
    return [str(path) for path, _ in files]


def pdf_text(page) -> str:
    return " ".join(page.extract_text().split())


def test_three_lectures_then_a_fourth_make_course_notes(tmp_path):
    files = recordings(tmp_path / "rec")
    done = run_cli(tmp_path, "--json", "--course", COURSE, *files, env=EXTRACTIVE)
    assert done.returncode == 0, done.stderr[-3000:]
    outcomes = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["course"] for o in outcomes] == [COURSE] * 3
    layout = Layout.of(tmp_path / "data")
    course = layout.course(KEY)
    reader = PdfReader(course.pdf)
    pages = [pdf_text(p) for p in reader.pages]
    text = " ".join(pages)
    titles = ["Lecture 1: Photosynthesis", "Lecture 2: Ask not", "Lecture 3: Algorithms"]
    assert [text.find(t) for t in titles] == sorted(text.find(t) for t in titles)
    assert all(t in text for t in titles) and COURSE in pages[0]

    # Every term of every lecture is in the glossary with its lecture and time ...
    summaries = [Summary.from_dict(json.loads(layout.lecture(o["partition"]).summary.read_text()))
                 for o in outcomes]  # fmt: skip
    # The first page lists it in the contents; the glossary itself starts on a page of its own.
    glossary_at = next(i for i, p in enumerate(pages) if i and "Course glossary" in p)
    glossary_text = " ".join(pages[glossary_at:])
    expected = 0
    for number, notes in enumerate(summaries, 1):
        for entry in glossary(notes):
            if entry.start is not None:
                assert f"lecture {number}, {clock(entry.start)}" in glossary_text, entry
                expected += 1
    assert expected >= 6
    # ... and each reference links to that lecture's part of the course notes.
    part_page = {
        n: next(i for i, p in enumerate(pages) if i and f"Lecture {n}:" in p) for n in (1, 2, 3)
    }
    refs = [int(n) for n in re.findall(r"lecture (\d+)", glossary_text)]
    links = []
    for page in reader.pages[glossary_at:]:
        for annot in page.get("/Annots") or []:
            dest = annot.get_object().get("/Dest")
            links.append(reader.get_page_number(dest[0].get_object()) if dest else None)
    assert len(links) == len(refs)
    for number, target in zip(refs, links, strict=True):
        assert target == part_page[number], (number, target, part_page)

    # The course deck holds every lecture's cards, each naming its lecture and time.
    cards = anki_notes(course.deck)
    assert {c["lecture"].split(":")[0] for c in cards} == {
        f"{COURSE} — lecture {n}".replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for n in (1, 2, 3)
    }
    assert all(re.fullmatch(r"\d\d:\d\d", c["time"]) for c in cards if "term" in c["tags"])
    headings = markdown_headings(course.markdown.read_text())
    assert [h for level, h in headings if level == 2][:3] == titles

    for outcome in outcomes:
        folder = layout.lecture(outcome["partition"])
        lecture_cards = anki_notes(folder.deck)
        assert lecture_cards and all(c["front"] and c["back"] for c in lecture_cards)
        assert len(lecture_cards) <= len(cards)
        levels = markdown_headings(folder.markdown.read_text())
        assert levels[0][0] == 1 and ("## Summary" in folder.markdown.read_text())
        assert (2, "Transcript") in levels
        assert folder.page.is_file() and folder.listen.is_file()

    # A fourth lecture, recorded last: the course notes are rebuilt with it.
    fourth = copy_lecture(tmp_path / "rec", "Respiration.mp4", b"4")
    os.utime(fourth, (1_700_300_000, 1_700_300_000))
    again = run_cli(tmp_path, "--course", COURSE, str(fourth), env=EXTRACTIVE)
    assert again.returncode == 0, again.stderr[-3000:]
    text = " ".join(pdf_text(p) for p in PdfReader(course.pdf).pages)
    assert "Lecture 4: Respiration" in text and "Lecture 1: Photosynthesis" in text
    record = json.loads(course.record.read_text())
    assert [lec["title"] for lec in record["lectures"]] == [
        "Photosynthesis", "Ask not", "Algorithms", "Respiration"
    ]  # fmt: skip
