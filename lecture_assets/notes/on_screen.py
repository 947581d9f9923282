"""What the slides add to the notes: exact cut points, chapter names, and evidence for terms."""

from __future__ import annotations

from dataclasses import replace

from lecture_assets.records import Chapter, SlideDeck


def changes(deck: SlideDeck | None) -> list[float]:
    """Every moment a slide came on screen (after the first)."""
    if not deck:
        return []
    return sorted(
        {start for s in deck.slides for start, _ in s.shown or [(s.start, s.end)]} - {0.0}
    )


def numbers_during(deck: SlideDeck | None, start: float, end: float) -> list[int]:
    """Numbers (from 1) of the slides on screen for a real part of ``[start, end)``."""
    if not deck:
        return []
    shown = deck.during(start, end)
    return [number for number, s in enumerate(deck.slides, 1) if s in shown]


def text_during(deck: SlideDeck | None, start: float, end: float, words: int = 60) -> str:
    """The text of the slides shown during ``[start, end)``, at most ``words`` words: the notes
    writer reads it with every chapter, and on 2 cores 120 words a chapter cost a one-hour
    lecture 32 s (+14% of the notes step); the terms come first, in the titles."""
    if not deck:
        return ""
    lines, used = [], 0
    for line in (ln for s in deck.during(start, end) for ln in s.text.splitlines()):
        count = len(line.split())
        if used + count > words:
            break
        lines.append(line)
        used += count
    return "\n".join(lines)


def with_slides(chapter: Chapter, deck: SlideDeck | None) -> Chapter:
    """The chapter with its slides, named after the one on screen longest during it."""
    numbers = numbers_during(deck, chapter.start, chapter.end)
    if not numbers or deck is None:
        return chapter
    longest = max(numbers, key=lambda n: deck.slides[n - 1].overlap(chapter.start, chapter.end))
    title = deck.slides[longest - 1].title.strip()
    return replace(chapter, slides=numbers, title=title or chapter.title)
