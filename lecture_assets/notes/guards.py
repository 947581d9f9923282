"""Checks on what a language model wrote, before it becomes a student's notes.

A small model invents numbers, repeats a line, echoes its instructions, chats ("Sure! Here
are..."), or drifts into another language. Notes that do any of this are rejected (and written
again, then replaced by the extractive notes); terms the lecture never uses are dropped.
"""

from __future__ import annotations

import re
import unicodedata

from lecture_assets.text import mentions, words

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# Phrases of an assistant, not of lecture notes, in the languages the prompts are written for.
_CHATTER = re.compile(
    r"\b(as an ai|i hope this helps|here (is|are) (the|your)|sure[,!]|certainly[,!]|"
    r"let me know|in this json|json object|the transcript|this transcript|"
    r"конечно[,!]|вот (ваш|ваши)|надеюсь, это поможет|в этом json|транскрипт)",
    re.IGNORECASE,
)


class Rejected(ValueError):
    """Why a model's notes cannot be used; the message goes into summary.json."""


def normalized(text: str) -> str:
    return " ".join(words(text))


def check_lines(lines: list[str], field: str, low: int, high: int) -> list[str]:
    """Distinct non-empty lines, at most ``high``; a repeated line is dropped, and too few
    left (under ``low``) rejects the answer."""
    kept: list[str] = []
    seen: set[str] = set()
    for line in lines:
        line = " ".join(line.split()).strip(" -•*")
        key = normalized(line)
        if line and key not in seen:
            seen.add(key)
            kept.append(line)
    repeated = len([line for line in lines if line.strip()]) - len(kept)
    if not low <= len(kept) <= high:
        extra = f" ({repeated} repeated)" if repeated else ""
        raise Rejected(f"{field}: {len(kept)} distinct items{extra}, wanted {low}-{high}")
    return kept


def check_text(text: str, source: str, language: str, echo: tuple[str, ...] = ()) -> None:
    """No chat boilerplate, no instruction echoed back, no number the source does not
    contain, and written in the lecture's language."""
    if _CHATTER.search(text):
        raise Rejected(f"chat boilerplate in {text[:60]!r}")
    lowered = text.lower()
    for phrase in echo:
        if phrase.lower() in lowered:
            raise Rejected(f"the prompt echoed back in {text[:60]!r}")
    known = set(_NUMBER.findall(source.replace(",", ".")))
    for number in _NUMBER.findall(text.replace(",", ".")):
        if number not in known:
            raise Rejected(f"the number {number} does not occur in the lecture")
    if not in_script(text, language):
        raise Rejected(f"not written in the lecture's language ({language}): {text[:60]!r}")


def in_script(text: str, language: str) -> bool:
    """Most letters in the script of ``language`` (Cyrillic for Russian, Latin for English)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 8 or language not in ("en", "ru"):
        return True
    script = "CYRILLIC" if language == "ru" else "LATIN"
    share = sum(unicodedata.name(c, "").startswith(script) for c in letters) / len(letters)
    return share >= (0.6 if language == "ru" else 0.8)


def grounded(term: str, source: str, language: str) -> bool:
    """The lecture (or its slides) uses the term, in any of its forms."""
    return bool(term.strip()) and mentions(term, source, language)


def copied_share(text: str, source: str) -> float:
    """Share of ``text``'s sentences that occur word for word in ``source``."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]
    if not sentences:
        return 0.0
    haystack = f" {normalized(source)} "
    return sum(f" {normalized(s)} " in haystack for s in sentences) / len(sentences)
