import pytest
from pypdf import PdfReader

from lecture_assets.notes.pdf import NotesInfo, build_pdf, paragraphs
from lecture_assets.records import Chapter, Question, Segment, Summary, Term, Transcript

TITLE = 'Лекция <1> & «Фотосинтез» "quotes" <b>not bold</b>'


def _transcript() -> Transcript:
    segments = [
        Segment(0.0, 28.0, "Welcome to the lecture. Plants turn light into sugar."),
        Segment(28.0, 65.0, "The Calvin cycle fixes carbon dioxide & builds glucose."),
        Segment(3600.0, 3610.0, "A late remark <in brackets>."),
    ]
    return Transcript("en", "tiny.en", 3610.0, segments)


def _summary() -> Summary:
    return Summary(
        abstract="Plants turn light into sugar.",
        key_points=["Light reactions make ATP.", "The Calvin cycle fixes carbon dioxide."],
        key_terms=["calvin cycle", "glucose"],
        chapters=[Chapter(0.0, 65.0, "Light", "Plants turn light into sugar.")],
        summarizer={"backend": "extractive", "model": "all-MiniLM-L6-v2"},
        term_times={"calvin cycle": 28.0},
    )


def test_pdf_reads_back_with_sections_timestamps_and_literal_title(tmp_path):
    target = tmp_path / "notes.pdf"
    info = NotesInfo(TITLE, "Лекция <1>.mp4", "2026-11-25", "whisper tiny.en")
    pages = build_pdf(target, _transcript(), _summary(), info)
    reader = PdfReader(target)
    assert pages == len(reader.pages) >= 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert TITLE in flat  # Cyrillic renders, markup stays literal text
    assert reader.metadata.title == TITLE
    headings = ["Summary", "Key points", "Chapters", "Key terms", "Transcript"]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    for expected in [
        "[00:00]",
        "[00:28]",
        "[1:00:00]",
        "00:00–01:05",
        "calvin cycle (first at 00:28)",
    ]:
        assert expected in flat
    assert "carbon dioxide & builds glucose" in flat and "<in brackets>" in flat
    assert [p.name for p in tmp_path.iterdir()] == ["notes.pdf"]


def test_pdf_of_silence_says_no_speech(tmp_path):
    empty = Transcript("en", "tiny.en", 30.0, [])
    summary = Summary("", [], [], [], {"backend": "extractive", "model": "m"})
    build_pdf(tmp_path / "notes.pdf", empty, summary, NotesInfo("quiet", "quiet.wav", "d", "m"))
    text = PdfReader(tmp_path / "notes.pdf").pages[0].extract_text()
    assert text.count("No speech detected.") == 2


def test_paragraphs_group_sentences_by_time():
    groups = paragraphs(_transcript(), seconds=20.0)
    assert [start for start, _ in groups] == pytest.approx([0.0, 28.0, 3600.0])
    assert groups[0][1] == "Welcome to the lecture. Plants turn light into sugar."


MARKUP = [
    "<font color=\"[[[__import__('os').system('echo pwned')]]]\">red</font>",
    '<img src="http://127.0.0.1:9/x"/>',
    "Fish & chips < 5 pounds",
    "<para><b>bold?</b></para>",
]


@pytest.mark.parametrize("markup", MARKUP)
def test_markup_anywhere_renders_literally(tmp_path, markup):
    transcript = Transcript("en", "tiny.en", 10.0, [Segment(0.0, 10.0, f"Said: {markup}")])
    summary = Summary(
        abstract=markup,
        key_points=[markup],
        key_terms=[markup],
        chapters=[Chapter(0.0, 10.0, markup, markup)],
        summarizer={"backend": "extractive", "model": markup},
    )
    info = NotesInfo(markup, f"{markup}.mp4", "2026-11-25", markup)
    build_pdf(tmp_path / "notes.pdf", transcript, summary, info)
    text = " ".join(PdfReader(tmp_path / "notes.pdf").pages[0].extract_text().split())
    assert text.count(markup) >= 6  # title, abstract, key point, chapter title and text, term
    assert f"Said: {markup}" in text


def _link_targets(reader: PdfReader) -> list[tuple[int, float]]:
    """(page index, -y) of every internal link's destination, in reading order."""
    pages = [p.indirect_reference for p in reader.pages]
    targets = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link":
                dest = annot.get("/Dest") or annot["/A"]["/D"]
                targets.append((pages.index(dest[0]), -float(dest[3])))
    return targets


def test_outline_toc_and_links_lead_into_the_transcript(tmp_path):
    chapters = [
        Chapter(0.0, 28.0, "Light", "Plants turn light into sugar.", ["Welcome to the lecture."]),
        Chapter(
            28.0, 3610.0, "Calvin cycle", "The Calvin cycle fixes carbon dioxide & builds glucose."
        ),
    ]
    summary = _summary()
    summary.chapters = chapters
    build_pdf(tmp_path / "notes.pdf", _transcript(), summary, NotesInfo("T", "t.mp4", "d", "m"))
    reader = PdfReader(tmp_path / "notes.pdf")

    def titles(entries) -> list:
        return [titles(e) if isinstance(e, list) else e.title for e in entries]

    outline = titles(reader.outline)
    assert outline[:5] == ["Summary", "Key points", "Chapters", "Key terms", "Transcript"]
    assert outline[5] == ["00:00  Light", "00:28  Calvin cycle"]  # nested under Transcript
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "00:28 Calvin cycle" in text.replace("  ", " ")  # also in the table of contents
    transcript = reader.outline[4]
    start = (reader.get_destination_page_number(transcript), -float(transcript.top))
    targets = _link_targets(reader)
    assert len(targets) >= 11  # 7 contents entries, 2 chapters, 1 key point, 1 term time
    # Chapter headings, the chapter's key point, the term time and the two transcript entries
    # of the contents jump into the transcript.
    assert sum(t >= start for t in targets) >= 6
    # The footer (drawn first on each page) carries the title and the page number.
    for number, page in enumerate(reader.pages, start=1):
        assert page.extract_text().splitlines()[:2] == ["T", str(number)]


def test_written_notes_lead_and_russian_lectures_get_russian_headings(tmp_path):
    transcript = Transcript(
        "ru",
        "base",
        40.0,
        [Segment(0.0, 40.0, "Быстрая сортировка выбирает опорный элемент и делит массив.")],
    )
    summary = Summary(
        abstract="Лекция о сортировке массивов.",
        key_points=["Быстрая сортировка делит массив."],
        key_terms=["опорный элемент"],
        chapters=[
            Chapter(0.0, 40.0, "Сортировка", "", ["Опорный элемент делит массив."], [], "llm")
        ],
        summarizer={"backend": "llm", "model": "qwen"},
        language="ru",
        glossary=[Term("опорный элемент", "Элемент, по которому делят массив.", 0.0)],
        questions=[Question("Что выбирает быстрая сортировка?", "Опорный элемент.")],
    )
    target = tmp_path / "notes.pdf"
    build_pdf(target, transcript, summary, NotesInfo("Лекция", "лекция.ogg", "2026-12-01", "m"))
    reader = PdfReader(target)
    text = "\n".join(page.extract_text() for page in reader.pages)
    order = ["Краткое содержание", "Главное", "Разделы", "Глоссарий", "Вопросы для повторения",
             "Расшифровка"]  # fmt: skip
    positions = [text.index(h) for h in order]
    assert positions == sorted(positions)
    flat = " ".join(text.split())
    assert "опорный элемент — Элемент, по которому делят массив. (00:00)" in flat
    assert "1. Что выбирает быстрая сортировка?" in flat and "Ответ: Опорный элемент." in flat
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert {"Глоссарий", "Вопросы для повторения"} <= set(outline)


def test_each_chapter_shows_its_slides_and_the_outline_lists_them(tmp_path):
    from lecture_assets.records import Slide, SlideDeck
    from tests.helpers.slides import SlideSpec, render

    (tmp_path / "slides").mkdir()
    titles = ["Light reactions", "The Calvin cycle", "Glucose"]
    for number, title in enumerate(titles, 1):
        render(SlideSpec(title, [f"About {title.lower()}"]), tmp_path / f"slides/{number:03d}.jpg")
    spans = [(0.0, 20.0), (20.0, 40.0), (40.0, 65.0)]
    deck = SlideDeck(
        [
            Slide(a, b, f"slides/{n:03d}.jpg", t, t, [(a, b)])
            for n, (t, (a, b)) in enumerate(zip(titles, spans, strict=True), 1)
        ],
        {"available": True},
    )
    summary = _summary()
    summary.chapters = [
        Chapter(0.0, 28.0, "Light reactions", "Plants turn light into sugar.", slides=[1]),
        Chapter(28.0, 3610.0, "The Calvin cycle", "The Calvin cycle fixes carbon.", slides=[2, 3]),
    ]
    target = tmp_path / "notes.pdf"
    build_pdf(target, _transcript(), summary, NotesInfo("t", "t.mp4", "d", "m"), deck, tmp_path)
    reader = PdfReader(target)
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]

    def images_on(page_index: int) -> int:
        return len(reader.pages[page_index].images)

    first = next(i for i, t in enumerate(pages) if "00:00–00:28 Light reactions" in t)
    assert "Slide 1 · 00:00 Light reactions" in pages[first] and images_on(first) >= 1
    # Slides 2 and 3 sit in the second chapter, after its heading, in order.
    second = "".join(pages)
    at = second.index("00:28–1:00:10 The Calvin cycle")
    assert (
        at
        < second.index("Slide 2 · 00:28 The Calvin cycle")
        < second.index("Slide 3 · 00:40 Glucose")
    )
    assert sum(images_on(i) for i in range(len(pages))) == 3
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "Slides" in outline
    assert "3. 00:40 Glucose" in second  # the Slides section lists every slide
