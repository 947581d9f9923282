"""Lecture notes as a PDF (reportlab), with DejaVu fonts so any Latin or Cyrillic title renders."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from konspekt.files import atomic_path
from lecture_assets.notes.i18n import headings
from lecture_assets.records import SlideDeck, Summary, Transcript, clock
from lecture_assets.text import split_sentences

FONT = "DejaVuSans"


@dataclass(frozen=True)
class NotesInfo:
    title: str
    source: str
    created: str  # date shown on the cover, e.g. 2026-11-25
    models: str
    course: str = ""  # "Algorithms, lecture 2" when the lecture belongs to a course
    subject: str = ""  # the PDF's subject field; "Lecture notes: <source>" when empty


@cache
def register_fonts() -> str:
    """Register matplotlib's bundled DejaVu family with reportlab (Helvetica has no Cyrillic)."""
    import matplotlib
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = {"": "DejaVuSans", "-Bold": "DejaVuSans-Bold", "-Oblique": "DejaVuSans-Oblique"}
    faces["-BoldOblique"] = "DejaVuSans-BoldOblique"
    for suffix, stem in faces.items():
        pdfmetrics.registerFont(TTFont(f"{FONT}{suffix}", str(ttf / f"{stem}.ttf")))
    for bold, italic, suffix in [(0, 0, ""), (1, 0, "-Bold"), (0, 1, "-Oblique")]:
        addMapping(FONT, bold, italic, f"{FONT}{suffix}")
    addMapping(FONT, 1, 1, f"{FONT}-BoldOblique")
    return FONT


def styles():
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    body = ParagraphStyle("Body", parent=base["BodyText"], fontName=FONT, fontSize=10, leading=14)
    heading = ParagraphStyle("H1", parent=base["Heading2"], fontName=f"{FONT}-Bold")
    return {
        "title": ParagraphStyle("T", parent=base["Title"], fontName=f"{FONT}-Bold", fontSize=18),
        "h1": heading,
        # keepWithNext: a chapter heading never ends a page apart from its slide or notes.
        "h2": ParagraphStyle(
            "H2", parent=heading, fontSize=11, spaceBefore=8, spaceAfter=3, keepWithNext=1
        ),
        "meta": ParagraphStyle("M", parent=body, fontSize=9, leading=12, textColor="#444444"),
        "toc1": ParagraphStyle("TOC1", parent=body, fontSize=10, leftIndent=0),
        "toc2": ParagraphStyle("TOC2", parent=body, fontSize=9, leftIndent=14, leading=12),
        "body": body,
    }


class NotesDoc:
    """A SimpleDocTemplate that files headings into the outline and the table of contents."""

    @staticmethod
    def build(path: Path, story: list, info: NotesInfo) -> int:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import cm
        from reportlab.platypus import SimpleDocTemplate

        class Doc(SimpleDocTemplate):
            def afterFlowable(self, flowable) -> None:
                entry = getattr(flowable, "outline", None)
                if entry:
                    level, text, key = entry
                    # Land on the heading itself, not the top of its page.
                    top = self.frame._y + getattr(flowable, "height", 0) + 14
                    self.canv.bookmarkHorizontalAbsolute(key, top)
                    self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
                    self.notify("TOCEntry", (level, escape(text), self.page, key))

        pages = 0

        def footer(canvas, doc) -> None:
            nonlocal pages
            pages = doc.page
            canvas.saveState()
            canvas.setFont(FONT, 8)
            canvas.setFillColor("#666666")
            canvas.drawString(2 * cm, 1.2 * cm, info.title[:90])
            canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, f"{doc.page}")
            canvas.restoreState()

        doc = Doc(
            str(path),
            pagesize=A4,
            title=info.title,
            author="konspekt",
            subject=info.subject or f"Lecture notes: {info.source}",
            leftMargin=2.2 * cm,
            rightMargin=2.2 * cm,
            topMargin=2 * cm,
            bottomMargin=2 * cm,
        )
        # Two passes: the table of contents learns page numbers on the first.
        doc.multiBuild(story, onFirstPage=footer, onLaterPages=footer)
        return pages


SLIDE_WIDTH_CM = 11.0


def build_pdf(
    target: Path,
    transcript: Transcript,
    summary: Summary,
    info: NotesInfo,
    slides: SlideDeck | None = None,
    folder: Path | None = None,
) -> int:
    """Write the notes to ``target`` atomically; returns the number of pages.

    Cover block, table of contents and PDF outline; chapters, key points and key terms link
    to their place in the transcript, which is split into timed paragraphs under chapter
    headings. Each chapter shows the slides shown during it (image, title, time linked to the
    transcript); a Slides section lists them all. Slide images are read from ``folder``.
    """
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Image,
        ListFlowable,
        ListItem,
        Paragraph,
        Spacer,
        Table,
        TableStyle,
    )
    from reportlab.platypus.tableofcontents import TableOfContents

    register_fonts()
    st = styles()
    h = headings(summary.language)
    chapters = summary.chapters
    groups = paragraphs(transcript, breaks=[c.start for c in chapters[1:]])
    starts = [start for start, _ in groups]

    def anchor(seconds: float) -> str:
        return f"p{max(bisect_right(starts, seconds + 1e-6) - 1, 0)}"

    def para(text: str, style: str = "body", link: float | None = None) -> Paragraph:
        # Everything user- or model-derived is escaped: a stray '<' or '&' must print literally.
        markup = escape(text)
        if link is not None and groups:
            markup = f'<a href="#{anchor(link)}" color="#1a4f8b">{markup}</a>'
        return Paragraph(markup, st[style])

    def heading(text: str, key: str, level: int = 0) -> Paragraph:
        flowable = para(text, "h1" if level == 0 else "h2")
        flowable.outline = (level, text, key)
        return flowable

    def bullets(items: list[Paragraph]) -> ListFlowable:
        return ListFlowable(
            [ListItem(i, leftIndent=12) for i in items], bulletType="bullet", start="•"
        )

    sentence_times = {s.text: s.start for s in split_sentences(transcript.segments)}
    cover = Table(
        [
            [para(h["source"], "meta"), para(info.source, "meta")],
            [para(h["duration"], "meta"), para(clock(transcript.duration), "meta")],
            [para(h["date"], "meta"), para(info.created, "meta")],
            [para(h["models"], "meta"), para(info.models, "meta")],
            *([[para(h["course"], "meta"), para(info.course, "meta")]] if info.course else []),
        ],
        colWidths=[2.5 * cm, 13.5 * cm],
        style=TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
        ),
    )
    toc = TableOfContents(levelStyles=[st["toc1"], st["toc2"]], dotsMinLevel=0)
    story = [para(info.title, "title"), cover, Spacer(1, 0.3 * cm), toc]
    story += [heading(h["summary"], "summary"), para(summary.abstract or h["no_speech"])]
    if summary.key_points:
        points = [para(p, link=sentence_times.get(p)) for p in summary.key_points]
        story += [heading(h["key_points"], "key-points"), bullets(points)]
    deck = slides.slides if slides else []
    placed: set[int] = set()  # slides already shown in an earlier chapter get a link instead

    def slide_block(number: int, start: float, end: float) -> list:
        slide = deck[number - 1]
        # The time it came up in this chapter (a slide shown twice has two).
        at = min((a for a, b in slide.shown if b > start and a < end), default=slide.start)
        caption = f"{h['slide']} {number} · {clock(max(at, start))}  {slide.title}".strip()
        label = para(caption, "meta", link=max(at, start))
        if number in placed or folder is None or not (folder / slide.image).is_file():
            return [label]
        placed.add(number)
        with _image_size(folder / slide.image) as (width, height):
            shown_w = SLIDE_WIDTH_CM * cm
            picture = Image(str(folder / slide.image), shown_w, shown_w * height / width)
        picture.keepWithNext = 1  # the picture, its caption (and a heading before) stay together
        label = Paragraph(f'<a name="slide{number}"/>' + label.text, st["meta"])
        return [picture, label, Spacer(1, 0.2 * cm)]

    if chapters:
        story.append(heading(h["chapters"], "chapters"))
        for ch in chapters:
            story.append(para(f"{clock(ch.start)}–{clock(ch.end)}  {ch.title}", "h2", ch.start))
            for number in ch.slides:
                if 1 <= number <= len(deck):
                    story += slide_block(number, ch.start, ch.end)
            if ch.summary:
                story.append(para(ch.summary))
            if ch.key_points:
                story.append(bullets([para(p, link=sentence_times.get(p)) for p in ch.key_points]))
    if summary.glossary:
        entries = []
        for term in summary.glossary:
            when = f" ({clock(term.start)})" if term.start is not None else ""
            entries.append(para(f"{term.term} — {term.definition}{when}", link=term.start))
        story += [heading(h["glossary"], "glossary"), bullets(entries)]
    elif summary.key_terms:
        terms = []
        for term in summary.key_terms:
            when = summary.term_times.get(term)
            label = f"{term} ({h['first_at']} {clock(when)})" if when is not None else term
            terms.append(para(label, link=when))
        story += [heading(h["key_terms"], "key-terms"), bullets(terms)]
    if deck:
        entries = []
        for number, slide in enumerate(deck, 1):
            target_name = f"slide{number}" if number in placed else None
            label = escape(f"{number}. {clock(slide.start)}  {slide.title}".strip())
            link = f"#{target_name}" if target_name else f"#{anchor(slide.start)}"
            markup = (
                f'<a href="{link}" color="#1a4f8b">{label}</a>' if groups or target_name else label
            )
            entries.append(Paragraph(markup, st["body"]))
        story += [heading(h["slides"], "slides"), *entries]
    if summary.questions:
        story.append(heading(h["questions"], "questions"))
        for number, item in enumerate(summary.questions, 1):
            story.append(para(f"{number}. {item.question}", "h2"))
            story.append(para(f"{h['answer']}: {item.answer}"))
    story.append(heading(h["transcript"], "transcript"))
    if not groups:
        story.append(para(h["no_speech"]))
    titles = {round(c.start, 3): c.title for c in chapters}
    for index, (start, text) in enumerate(groups):
        title = titles.get(round(start, 3)) if index else (chapters[0].title if chapters else None)
        if title and len(chapters) > 1:
            story.append(heading(f"{clock(start)}  {title}", f"t-chapter-{index}", level=1))
        story.append(
            Paragraph(f'<a name="p{index}"/>' + escape(f"[{clock(start)}] {text}"), st["body"])
        )

    with atomic_path(target) as tmp:
        pages = NotesDoc.build(tmp, story, info)
    return pages


@contextmanager
def _image_size(path: Path) -> Iterator[tuple[int, int]]:
    from PIL import Image as PILImage

    with PILImage.open(path) as image:
        yield image.size


def paragraphs(
    transcript: Transcript, seconds: float = 20.0, breaks: list[float] | None = None
) -> list[tuple[float, str]]:
    """Group sentences into short timed paragraphs (whisperX segments can run 30 s);
    a paragraph also starts at each time in ``breaks`` (the chapter starts)."""
    pending = sorted(breaks or [])
    groups: list[tuple[float, list[str]]] = []
    for sentence in split_sentences(transcript.segments):
        at_break = bool(pending) and sentence.start >= pending[0] - 1e-6
        while pending and sentence.start >= pending[0] - 1e-6:
            pending.pop(0)
        if not groups or at_break or sentence.start - groups[-1][0] >= seconds:
            groups.append((sentence.start, []))
        groups[-1][1].append(sentence.text)
    return [(start, " ".join(texts)) for start, texts in groups]
