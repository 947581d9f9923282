"""Anki decks (genanki): a card per glossary term and review question, naming the lecture and
the time it comes from. Notes keep stable ids, so importing a rebuilt deck updates the cards a
student already has instead of adding copies."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from html import escape
from pathlib import Path

from konspekt.files import write_with
from lecture_assets.notes.study import Card

# Fixed: Anki recognises a note type by id, so every deck konspekt writes shares one type.
MODEL_ID = 1_734_512_207
MODEL_NAME = "konspekt card"


@dataclass(frozen=True)
class LectureCards:
    """The cards of one lecture and how to name it on them."""

    key: str  # partition key: part of each note's id
    label: str  # e.g. "Algorithms — lecture 2: Graphs"
    cards: list[Card]


def _model():
    import genanki

    back = "{{FrontSide}}<hr id=answer>{{Back}}<div class=src>{{Lecture}} · {{Time}}</div>"
    return genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Lecture"}, {"name": "Time"}],
        templates=[{"name": "Card", "qfmt": "{{Front}}", "afmt": back}],
        css=".card{font-family:sans-serif;font-size:20px;text-align:left}"
        ".src{margin-top:1em;font-size:14px;color:#666}",
    )


def deck_id(name: str) -> int:
    """A stable id per deck name (Anki ids are 63-bit integers)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:7], "big")


def write_deck(target: Path, name: str, lectures: list[LectureCards]) -> int:
    """Write ``target`` (.apkg) atomically with every card of ``lectures``; returns the count."""
    import genanki

    model = _model()
    deck = genanki.Deck(deck_id(name), name)
    ids: set[str] = set()
    for lecture in lectures:
        for card in lecture.cards:
            guid = genanki.guid_for(lecture.key, card.kind, card.front)
            if guid in ids:  # the same term twice in one lecture: one card
                continue
            ids.add(guid)
            # Card text is untrusted and Anki fields are HTML.
            fields = [escape(card.front), escape(card.back), escape(lecture.label), card.time]
            deck.add_note(
                genanki.Note(
                    model=model,
                    fields=fields,
                    tags=[card.kind, lecture.key],
                    guid=guid,
                )
            )
    write_with(target, lambda tmp: genanki.Package(deck).write_to_file(str(tmp)))
    return len(ids)
