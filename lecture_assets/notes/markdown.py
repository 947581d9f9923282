"""Lecture notes as Markdown (Obsidian, a wiki, a git repository): headings, key points,
chapters with their slides, glossary, review questions and the timed transcript."""

from __future__ import annotations

import re
from urllib.parse import quote

from lecture_assets.notes.i18n import headings
from lecture_assets.notes.pdf import NotesInfo, paragraphs
from lecture_assets.notes.study import glossary
from lecture_assets.records import SlideDeck, Summary, Transcript, clock
from lecture_assets.text import split_sentences

# Characters that would start markup mid-line; '<' and '&' so no HTML gets through a renderer.
_INLINE = re.compile(r"([\\`*_\[\]|~])")


def text(value: str) -> str:
    """Untrusted text as literal Markdown: one line, markup characters escaped, no HTML."""
    value = " ".join(value.split())
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _INLINE.sub(r"\\\1", value)
    # A line that starts like a heading, list or quote would become one.
    return re.sub(r"^([#+\-=>]|\d+[.)])", r"\\\1", value)


def timed(seconds: float | None, page: str | None = None) -> str:
    """``[mm:ss]``, linked to the notes page at that moment when there is one."""
    if seconds is None:
        return ""
    label = f"[{clock(seconds)}]"
    return f"[\\{label[:-1]}\\]]({page}#t={seconds:g})" if page else f"\\{label[:-1]}\\]"


def lecture_markdown(
    transcript: Transcript,
    summary: Summary,
    info: NotesInfo,
    slides: SlideDeck | None = None,
    page: str | None = "notes.html",
) -> str:
    """The notes as one Markdown document; times link to ``page`` (the notes page, which
    seeks to ``#t=<seconds>``), slide images are relative links into the lecture folder."""
    h = headings(summary.language)
    deck = slides.slides if slides else []
    said = {s.text: s.start for s in split_sentences(transcript.segments)}
    out = [f"# {text(info.title)}", ""]
    meta = [
        f"{h['source']}: {text(info.source)}",
        f"{h['duration']}: {clock(transcript.duration)}",
        f"{h['date']}: {info.created}",
    ]
    out += [
        " · ".join(meta),
        "",
        f"## {h['summary']}",
        "",
        text(summary.abstract or h["no_speech"]),
    ]
    if summary.key_points:
        out += ["", f"## {h['key_points']}", ""]
        out += [f"- {text(p)} {timed(said.get(p), page)}".rstrip() for p in summary.key_points]
    if summary.chapters:
        out += ["", f"## {h['chapters']}"]
        for ch in summary.chapters:
            when = f"{clock(ch.start)}–{clock(ch.end)}"
            link = f"[{when}]({page}#t={ch.start:g})" if page else when
            out += ["", f"### {link} {text(ch.title)}", ""]
            for number in ch.slides:
                if 1 <= number <= len(deck):
                    slide = deck[number - 1]
                    alt = text(f"{h['slide']} {number}: {slide.title}".strip(": "))
                    out += [f"![{alt}]({quote(slide.image)})", ""]
            if ch.summary:
                out += [text(ch.summary), ""]
            out += [f"- {text(p)} {timed(said.get(p), page)}".rstrip() for p in ch.key_points]
    entries = glossary(summary)
    if entries:
        title = h["glossary"] if summary.glossary else h["key_terms"]
        out += ["", f"## {title}", ""]
        for e in entries:
            definition = f" — {text(e.definition)}" if e.definition else ""
            out.append(f"- **{text(e.term)}**{definition} {timed(e.start, page)}".rstrip())
    if summary.questions:
        out += ["", f"## {h['questions']}", ""]
        for number, item in enumerate(summary.questions, 1):
            out += [
                f"{number}. **{text(item.question)}**",
                f"   {h['answer']}: {text(item.answer)}",
            ]
    out += ["", f"## {h['transcript']}", ""]
    groups = paragraphs(transcript, breaks=[c.start for c in summary.chapters[1:]])
    for start, body in groups:
        out += [f"{timed(start, page)} {text(body)}", ""]
    if not groups:
        out += [h["no_speech"], ""]
    return "\n".join(out).rstrip() + "\n"
