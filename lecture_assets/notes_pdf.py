"""Lecture notes as a PDF (reportlab), with DejaVu fonts so any Latin or Cyrillic title renders."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from lecture_assets.fsutil import atomic_path
from lecture_assets.summarize import Summary
from lecture_assets.text import clock, split_sentences
from lecture_assets.transcribe import Transcript

FONT = "DejaVuSans"


@dataclass(frozen=True)
class NotesInfo:
    title: str
    source: str
    created: str  # date shown on the cover, e.g. 2026-11-25
    models: str


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


def _styles():
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    body = ParagraphStyle("Body", parent=base["BodyText"], fontName=FONT, fontSize=10, leading=14)
    return {
        "title": ParagraphStyle("T", parent=base["Title"], fontName=f"{FONT}-Bold", fontSize=18),
        "h1": ParagraphStyle("H", parent=base["Heading2"], fontName=f"{FONT}-Bold"),
        "meta": ParagraphStyle("M", parent=body, fontSize=9, textColor="#444444"),
        "body": body,
    }


def build_pdf(target: Path, transcript: Transcript, summary: Summary, info: NotesInfo) -> int:
    """Write the notes to ``target`` atomically; returns the number of pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

    register_fonts()
    st = _styles()

    def para(text: str, style: str = "body") -> Paragraph:
        # Everything user- or model-derived is escaped: a stray '<' or '&' must print literally.
        return Paragraph(escape(text), st[style])

    def bullets(items: list[str]) -> ListFlowable:
        return ListFlowable(
            [ListItem(para(i), leftIndent=12) for i in items], bulletType="bullet", start="•"
        )

    story = [
        para(info.title, "title"),
        para(f"Source: {info.source}", "meta"),
        para(f"Duration: {clock(transcript.duration)}    Date: {info.created}", "meta"),
        para(f"Models: {info.models}", "meta"),
        Spacer(1, 0.4 * cm),
        para("Summary", "h1"),
        para(summary.abstract or "No speech detected."),
    ]
    if summary.key_points:
        story += [para("Key points", "h1"), bullets(summary.key_points)]
    if summary.chapters:
        story.append(para("Chapters", "h1"))
        for ch in summary.chapters:
            story.append(para(f"{clock(ch.start)}–{clock(ch.end)}  {ch.title}: {ch.summary}"))
    if summary.key_terms:
        story.append(para("Key terms", "h1"))
        terms = []
        for term in summary.key_terms:
            when = summary.term_times.get(term)
            terms.append(f"{term} (first at {clock(when)})" if when is not None else term)
        story.append(bullets(terms))
    story.append(para("Transcript", "h1"))
    if not transcript.segments:
        story.append(para("No speech detected."))
    for start, text in paragraphs(transcript):
        story.append(para(f"[{clock(start)}] {text}"))

    pages = 0

    def count(canvas, _doc) -> None:
        nonlocal pages
        pages = canvas.getPageNumber()

    with atomic_path(target) as tmp:
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=A4,
            title=info.title,
            author="konspekt",
            subject=f"Lecture notes: {info.source}",
            leftMargin=2 * cm,
            rightMargin=2 * cm,
        )
        doc.build(story, onFirstPage=count, onLaterPages=count)
    return pages


def paragraphs(transcript: Transcript, seconds: float = 20.0) -> list[tuple[float, str]]:
    """Group sentences into short timed paragraphs (whisperX segments can run 30 s)."""
    groups: list[tuple[float, list[str]]] = []
    for sentence in split_sentences(transcript.segments):
        if not groups or sentence.start - groups[-1][0] >= seconds:
            groups.append((sentence.start, []))
        groups[-1][1].append(sentence.text)
    return [(start, " ".join(texts)) for start, texts in groups]
