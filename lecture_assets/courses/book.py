"""A course's notes: ``course_notes.pdf`` (cover, contents, a part per lecture in recording
order, a merged glossary whose references link to the lecture and time), ``course.md``,
``course.apkg`` (every lecture's cards in one deck) and ``course.json`` (what it was built from).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from konspekt.files import atomic_path, write_json, write_text
from lecture_assets.courses.catalog import (
    Member,
    course_name,
    members,
    read_notes,
    stamps,
)
from lecture_assets.layout import Layout
from lecture_assets.notes import markdown as md
from lecture_assets.notes.anki import LectureCards, write_deck
from lecture_assets.notes.pdf import NotesDoc, NotesInfo, register_fonts, styles
from lecture_assets.notes.study import cards, glossary
from lecture_assets.records import Summary, Transcript, clock

LABELS = {
    "en": {"lecture": "Lecture", "lectures": "Lectures", "glossary": "Course glossary",
           "course": "Course", "total": "Total length", "date": "Date"},
    "ru": {"lecture": "Лекция", "lectures": "Лекции", "glossary": "Глоссарий курса",
           "course": "Курс", "total": "Общая длительность", "date": "Дата"},
}  # fmt: skip


@dataclass
class Part:
    """One lecture of the course as the course notes show it."""

    member: Member
    summary: Summary
    duration: float
    transcript: Transcript | None

    @property
    def number(self) -> int:
        return self.member.number

    def anchor(self, seconds: float | None = None) -> str:
        """The place in the course PDF for ``seconds`` of this lecture: its chapter, if any."""
        chapters = self.summary.chapters
        if seconds is not None:
            # The last chapter that starts at or before it (the last one runs to the end).
            index = max(
                (i for i, ch in enumerate(chapters) if ch.start <= seconds + 1e-6), default=None
            )
            if index is not None:
                return f"lec{self.number}-ch{index}"
        return f"lec{self.number}"


@dataclass
class MergedTerm:
    term: str
    definition: str
    refs: list[tuple[Part, float | None]] = field(default_factory=list)


@dataclass(frozen=True)
class CourseResult:
    name: str
    lectures: int
    terms: int
    cards: int
    pages: int
    paths: dict[str, Path]
    titles: list[str] = field(default_factory=list)  # the lectures in the course's order


def merged_glossary(parts: list[Part]) -> list[MergedTerm]:
    """Every lecture's terms, one entry per term (case and spacing ignored): the first
    definition given, and a reference to each lecture and time it comes up, in order."""
    merged: dict[str, MergedTerm] = {}
    for part in parts:
        for entry in glossary(part.summary):
            key = " ".join(entry.term.casefold().split())
            item = merged.setdefault(key, MergedTerm(entry.term, entry.definition))
            item.definition = item.definition or entry.definition
            if all(p is not part for p, _ in item.refs):
                item.refs.append((part, entry.start))
    return sorted(merged.values(), key=lambda m: m.term.casefold())


def reference(part: Part, start: float | None, lecture: str) -> str:
    """ "lecture 2, 03:12" (or "lecture 2" when the time is unknown)."""
    label = f"{lecture.lower()} {part.number}"
    return f"{label}, {clock(start)}" if start is not None else label


def build_course(
    layout: Layout, key: str, progress: Callable[[str], None] = lambda _: None
) -> CourseResult:
    """Write the course's files from the notes of its lectures; ``course.json`` last, so an
    interrupted build leaves the course out of date (and rebuilt), never recorded as done."""
    lectures = members(layout, key)
    built = stamps(lectures)  # before reading: notes rewritten meanwhile make it stale again
    name = course_name(lectures, key)
    parts = []
    for member, notes in read_notes(lectures):
        transcript = None
        if member.folder.transcript.is_file():
            transcript = member.folder.read_transcript()
        duration = (
            transcript.duration if transcript else max((c.end for c in notes.chapters), default=0.0)
        )
        parts.append(Part(member, notes, duration, transcript))
    progress(f"course {name}: {len(parts)} of {len(lectures)} lectures have notes")
    language = _language(parts)
    labels = {**LABELS["en"], **LABELS.get(language, {})}
    terms = merged_glossary(parts)
    folder = layout.course(key)
    pages = _pdf(folder.pdf, name, parts, terms, labels)
    write_text(folder.markdown, _markdown(name, parts, terms, labels))
    decks = [
        LectureCards(
            p.member.key,
            f"{name} — {labels['lecture'].lower()} {p.number}: {p.member.title}",
            cards(p.summary, p.transcript or Transcript(p.summary.language, "", p.duration)),
        )
        for p in parts
    ]
    count = write_deck(folder.deck, name, decks)
    write_json(
        folder.record,
        {
            "course": name,
            "key": key,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "lectures": [
                {"number": p.number, "key": p.member.key, "title": p.member.title} for p in parts
            ],
            "stamps": built,
        },
    )
    paths = {"pdf": folder.pdf, "markdown": folder.markdown, "deck": folder.deck}
    titles = [p.member.title for p in parts]
    return CourseResult(name, len(parts), len(terms), count, pages, paths, titles)


def _language(parts: list[Part]) -> str:
    languages = [p.summary.language for p in parts]
    return max(set(languages), key=languages.count) if languages else "en"


def _pdf(target: Path, name: str, parts: list[Part], terms: list[MergedTerm], labels) -> int:
    from reportlab.lib.units import cm
    from reportlab.platypus import ListFlowable, ListItem, PageBreak, Paragraph, Table, TableStyle
    from reportlab.platypus.tableofcontents import TableOfContents

    from lecture_assets.notes.i18n import headings

    register_fonts()
    st = styles()

    def para(text: str, style: str = "body", name_: str | None = None) -> Paragraph:
        markup = escape(text)
        if name_:
            markup = f'<a name="{name_}"/>' + markup
        return Paragraph(markup, st[style])

    def heading(text: str, key: str, level: int = 0) -> Paragraph:
        flowable = para(text, "h1" if level == 0 else "h2")
        flowable.outline = (level, text, key)
        return flowable

    def bullets(items: list) -> ListFlowable:
        return ListFlowable(
            [ListItem(i, leftIndent=12) for i in items], bulletType="bullet", start="•"
        )

    total = sum(p.duration for p in parts)
    created = datetime.now(UTC).date().isoformat()
    cover = Table(
        [
            [para(labels["lectures"], "meta"), para(str(len(parts)), "meta")],
            [para(labels["total"], "meta"), para(clock(total), "meta")],
            [para(labels["date"], "meta"), para(created, "meta")],
        ],
        colWidths=[4 * cm, 12 * cm],
        style=TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
        ),
    )
    toc = TableOfContents(levelStyles=[st["toc1"], st["toc2"]], dotsMinLevel=0)
    story = [para(name, "title"), cover, toc]
    for part in parts:
        h = headings(part.summary.language)
        story.append(PageBreak())
        title = f"{labels['lecture']} {part.number}: {part.member.title}"
        story.append(heading(title, f"lec{part.number}"))
        story.append(para(f"{clock(part.duration)} · {part.member.source.name}", "meta"))
        story.append(para(part.summary.abstract or h["no_speech"]))
        if part.summary.key_points:
            story += [
                para(h["key_points"], "h2"),
                bullets([para(p) for p in part.summary.key_points]),
            ]
        for index, ch in enumerate(part.summary.chapters):
            label = f"{clock(ch.start)}–{clock(ch.end)}  {ch.title}"
            story.append(para(label, "h2", f"lec{part.number}-ch{index}"))
            if ch.summary:
                story.append(para(ch.summary))
    if terms:
        story.append(PageBreak())
        story.append(heading(labels["glossary"], "glossary"))
        entries = []
        for item in terms:
            refs = "; ".join(
                f'<a href="#{part.anchor(start)}" color="#1a4f8b">'
                f"{escape(reference(part, start, labels['lecture']))}</a>"
                for part, start in item.refs
            )
            definition = f" — {escape(item.definition)}" if item.definition else ""
            entries.append(
                Paragraph(f"<b>{escape(item.term)}</b>{definition} ({refs})", st["body"])
            )
        story.append(bullets(entries))
    info = NotesInfo(
        title=name, source=name, created=created, models="", subject=f"Course notes: {name}"
    )
    with atomic_path(target) as tmp:
        pages = NotesDoc.build(tmp, story, info)
    return pages


def _markdown(name: str, parts: list[Part], terms: list[MergedTerm], labels) -> str:
    from lecture_assets.notes.i18n import headings

    def page(part: Part) -> str:
        # course.md lives in courses/<key>/; the lecture's notes page in lectures/<key>/.
        return f"../../lectures/{part.member.key}/notes.html"

    out = [f"# {md.text(name)}", ""]
    out.append(f"{labels['lectures']}: {len(parts)} · {labels['total']}: "
               f"{clock(sum(p.duration for p in parts))}")  # fmt: skip
    for part in parts:
        h = headings(part.summary.language)
        out += ["", f"## {labels['lecture']} {part.number}: {md.text(part.member.title)}", ""]
        out += [f"[{md.text(part.member.source.name)}]({page(part)}) · {clock(part.duration)}", ""]
        out.append(md.text(part.summary.abstract or h["no_speech"]))
        if part.summary.key_points:
            out += ["", *[f"- {md.text(p)}" for p in part.summary.key_points]]
        if part.summary.chapters:
            out.append("")
        for ch in part.summary.chapters:
            when = f"[{clock(ch.start)}–{clock(ch.end)}]({page(part)}#t={ch.start:g})"
            out.append(f"- {when} **{md.text(ch.title)}**")
    if terms:
        out += ["", f"## {labels['glossary']}", ""]
        for item in terms:
            refs = "; ".join(
                f"[{reference(part, start, labels['lecture'])}]"
                f"({page(part)}{f'#t={start:g}' if start is not None else ''})"
                for part, start in item.refs
            )
            definition = f" — {md.text(item.definition)}" if item.definition else ""
            out.append(f"- **{md.text(item.term)}**{definition} ({refs})")
    return "\n".join(out).rstrip() + "\n"
