"""Reading the study formats back with their usual readers: Anki's SQLite collection inside
the .apkg, Markdown through a CommonMark parser."""

import sqlite3
import tempfile
import zipfile
from pathlib import Path


def anki_notes(apkg: Path) -> list[dict]:
    """The notes of an .apkg: its four fields and tags, as Anki stores them."""
    with zipfile.ZipFile(apkg) as package, tempfile.TemporaryDirectory() as tmp:
        package.extract("collection.anki2", tmp)
        with sqlite3.connect(Path(tmp) / "collection.anki2") as db:
            rows = db.execute("select flds, tags from notes order by id").fetchall()
            decks = db.execute("select decks from col").fetchone()[0]
    notes = []
    for fields, tags in rows:
        front, back, lecture, time = fields.split("\x1f")
        notes.append({"front": front, "back": back, "lecture": lecture, "time": time,
                      "tags": tags.split(), "decks": decks})  # fmt: skip
    return notes


def markdown_headings(text: str) -> list[tuple[int, str]]:
    """(level, text) of each heading, as a CommonMark renderer sees them."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt().parse(text)
    return [
        (int(tok.tag[1]), tokens[i + 1].content)
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open"
    ]
