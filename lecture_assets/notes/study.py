"""What the study formats share: one lecture's notes as cards and timed entries, each naming
the lecture and the moment it comes from (notes.md, notes.apkg and the course files)."""

from __future__ import annotations

from dataclasses import dataclass

from lecture_assets.records import Summary, Transcript, clock
from lecture_assets.text import locate, split_sentences


@dataclass(frozen=True)
class Card:
    """One Anki note: a glossary term or a review question."""

    kind: str  # term | question
    front: str
    back: str
    start: float | None  # where the lecture says it

    @property
    def time(self) -> str:
        return clock(self.start) if self.start is not None else ""


@dataclass(frozen=True)
class Entry:
    """A term of the lecture with its definition and the time it first comes up."""

    term: str
    definition: str
    start: float | None


def glossary(summary: Summary) -> list[Entry]:
    """The glossary the notes writer made, or the key terms with their first mentions."""
    if summary.glossary:
        return [Entry(t.term, t.definition, t.start) for t in summary.glossary]
    return [Entry(t, "", summary.term_times.get(t)) for t in summary.key_terms]


def cards(summary: Summary, transcript: Transcript) -> list[Card]:
    """A card per glossary term and per review question; a term without a definition is
    backed by the sentence that first says it, a question's time is where its answer is said."""
    sentences = split_sentences(transcript.segments)
    said = {round(s.start, 3): s.text for s in sentences}
    result = []
    for entry in glossary(summary):
        back = entry.definition
        if not back and entry.start is not None:
            back = said.get(round(entry.start, 3), "")
        if back:  # a term with nothing to recall is no card
            result.append(Card("term", entry.term, back, entry.start))
    for item in summary.questions:
        start = locate(item.answer, sentences, summary.language)
        result.append(Card("question", item.question, item.answer, start))
    return result
