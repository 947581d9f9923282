"""What the notes writer asks the language model, and the JSON schemas its answers must fit.

llama.cpp turns each schema into a grammar, so an answer is always well-formed JSON of this shape;
notes/guards.py then checks what it says.
"""

from typing import Any

_TERM = {
    "type": "object",
    "properties": {
        "term": {"type": "string", "minLength": 2, "maxLength": 60},
        "definition": {"type": "string", "minLength": 5, "maxLength": 200},
    },
    "required": ["term", "definition"],
}


def _sentences(low: int, high: int) -> dict[str, Any]:
    """A list of ``low`` to ``high`` one-sentence notes."""
    line = {"type": "string", "minLength": 10, "maxLength": 240}
    return {"type": "array", "items": line, "minItems": low, "maxItems": high}


# A lecture cut into many chapters gets fewer notes per chapter: the notes stay a page or two,
# and generation, the slow part (~20 tokens/s on 2 cores), stays within the time budget.
MANY_CHAPTERS = 6


def chapter_limits(chapters: int) -> tuple[int, int]:
    """Most notes and most terms asked of one chapter."""
    return (3, 2) if chapters > MANY_CHAPTERS else (5, 4)


def chapters_schema(count: int, notes: int, terms: int) -> dict[str, Any]:
    """Notes of ``count`` consecutive chapters, asked for in one call."""
    part = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 3, "maxLength": 80},
            "notes": _sentences(2, notes),
            "terms": {"type": "array", "items": _TERM, "maxItems": terms},
        },
        "required": ["title", "notes", "terms"],
    }
    return {
        "type": "object",
        "properties": {
            "parts": {"type": "array", "items": part, "minItems": count, "maxItems": count}
        },
        "required": ["parts"],
    }


# A lecture this short (a minute or so) has too little in it for 5 key points and 3 questions.
SHORT_WORDS = 300


def overview_schema(points: tuple[int, int], questions: tuple[int, int]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "abstract": {"type": "string", "minLength": 40, "maxLength": 900},
            "key_points": _sentences(*points),
            "glossary": {"type": "array", "items": _TERM, "maxItems": 12},
            "questions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "question": {"type": "string", "minLength": 10, "maxLength": 200},
                        "answer": {"type": "string", "minLength": 3, "maxLength": 300},
                    },
                    "required": ["question", "answer"],
                },
                "minItems": questions[0],
                "maxItems": questions[1],
            },
        },
        "required": ["abstract", "key_points", "glossary", "questions"],
    }


# Shared by every call, so llama.cpp reuses its evaluated prefix from one call to the next.
SYSTEM = (
    "You write study notes of a university lecture for its students. Use only what the "
    "lecturer says; never add facts, names or numbers of your own. Write in {language}. "
    "Answer with JSON only."
)
EXCERPT = "Excerpt {number} ({start}-{end}):\n<<<\n{text}\n>>>"
SLIDES = "\nThe slides shown during it read:\n<<<\n{text}\n>>>"
CHAPTERS_PROMPT = (
    "{count} consecutive excerpts of a lecture:\n\n{excerpts}\n\n"
    'Return "parts": {count} objects, one per excerpt, in order, each with "title": a short '
    'title of that excerpt (at most 8 words); "notes": 2 to {notes} bullet notes, each one '
    'complete sentence stating something the lecturer explains there; "terms": up to {terms} '
    'technical terms explained there, each with a one-line "definition".'
)
OVERVIEW_PROMPT = (
    "Notes of the whole lecture, part by part:\n{notes}\n\n"
    'Return "abstract": {sentences} sentences saying what the lecture covers and teaches; '
    '"key_points": {points[0]} to {points[1]} things a student must remember; "glossary": the '
    'important terms, each with a one-line "definition" as the lecture gives it; "questions": '
    '{questions[0]} to {questions[1]} review questions, each with a short "answer" from the '
    "lecture."
)
# Said last, in the language itself: a small model otherwise drifts back into English.
IN_LANGUAGE = {"ru": "Пиши все значения только на русском языке."}
# Phrases of the instructions that do not belong in notes.
ECHO = (
    "bullet notes",
    "excerpts of a lecture",
    "one per excerpt",
    "at most 8 words",
    "answer with json",
    "one-line",
)


def in_language(language: str) -> str:
    return f" {IN_LANGUAGE[language]}" if language in IN_LANGUAGE else ""
