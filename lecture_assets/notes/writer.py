"""Notes written by a language model, grounded in the transcript.

Chapters (their times are facts) come from the extractive pass. Then, per chapter (map), the
model writes a title, 2-5 bullet notes and the terms it defines; then (reduce), from those notes,
an abstract, key points, a glossary and review questions. Every answer is JSON constrained by a
schema, then checked (notes/guards.py); a chapter whose notes fail twice keeps its extractive
notes, and summary.json says which chapters did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from lecture_assets.notes.extractive import ExtractiveSummarizer
from lecture_assets.notes.guards import Rejected, check_lines, check_text, copied_share, grounded
from lecture_assets.notes.i18n import language_name
from lecture_assets.notes.llm import ChatModel, InvalidOutput
from lecture_assets.records import Chapter, Question, Summary, Term, Transcript, clock
from lecture_assets.text import first_mention, split_sentences

log = logging.getLogger(__name__)
CHAPTER_TOKENS = 5000  # of transcript per map call; a 15-minute chapter is ~3,000

_TERM = {
    "type": "object",
    "properties": {
        "term": {"type": "string", "minLength": 2, "maxLength": 60},
        "definition": {"type": "string", "minLength": 5, "maxLength": 200},
    },
    "required": ["term", "definition"],
}
CHAPTER_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 3, "maxLength": 80},
        "notes": {
            "type": "array",
            "items": {"type": "string", "minLength": 10, "maxLength": 240},
            "minItems": 2,
            "maxItems": 5,
        },
        "terms": {"type": "array", "items": _TERM, "maxItems": 4},
    },
    "required": ["title", "notes", "terms"],
}
# A lecture this short (a minute or so) has too little in it for 5 key points and 3 questions.
SHORT_WORDS = 300


def overview_schema(points: tuple[int, int], questions: tuple[int, int]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "abstract": {"type": "string", "minLength": 40, "maxLength": 900},
            "key_points": {
                "type": "array",
                "items": {"type": "string", "minLength": 10, "maxLength": 240},
                "minItems": points[0],
                "maxItems": points[1],
            },
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
CHAPTER_PROMPT = (
    "Lecture excerpt {start}-{end} (part {number} of {count}):\n<<<\n{text}\n>>>\n\n"
    'Return "title": a short title of this part (at most 8 words); "notes": 2 to 5 bullet '
    'notes, each one complete sentence stating something the lecturer explains; "terms": up '
    'to 4 technical terms the lecturer explains here, each with a one-line "definition".'
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
ECHO = ("bullet notes", "lecture excerpt", "at most 8 words", "answer with json", "one-line")


class LLMNotesWriter:
    backend = "llm"

    def __init__(
        self,
        chat: ChatModel,
        extractive: ExtractiveSummarizer,
        card: dict[str, str] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.chat = chat
        self.extractive = extractive
        self.model = chat.spec.name
        self.card = card or {"model": self.model}
        self.progress = progress or (lambda message: log.info(message))

    def summarize(self, transcript: Transcript) -> Summary:
        base = self.extractive.summarize(transcript)
        language = base.language
        info: dict[str, Any] = {
            "backend": self.backend,
            **self.card,
            "chapters_from": base.summarizer["model"],
            "fallback_chapters": [],
            "rejections": [],
        }
        if not base.chapters:
            return replace(base, summarizer=info)
        sentences = split_sentences(transcript.segments)
        source = transcript.text
        system = SYSTEM.format(language=language_name(language))
        chapters: list[Chapter] = []
        for number, chapter in enumerate(base.chapters, 1):
            self.progress(f"notes: chapter {number}/{len(base.chapters)}")
            last = number == len(base.chapters)
            text = self._budget(
                [
                    s.text
                    for s in sentences
                    if chapter.start <= s.start < chapter.end or (last and s.start >= chapter.start)
                ]
            )
            prompt = CHAPTER_PROMPT.format(
                start=clock(chapter.start),
                end=clock(chapter.end),
                number=number,
                count=len(base.chapters),
                text=text,
            ) + in_language(language)
            written = self._attempt(
                lambda temperature, seed, prompt=prompt, text=text: self._chapter(
                    system, prompt, text, source, language, temperature, seed
                ),
                info,
                f"chapter {number}",
            )
            if written is None:
                info["fallback_chapters"].append(number - 1)
                chapters.append(chapter)
                continue
            title, notes, terms = written
            timed = [replace(t, start=first_mention(t.term, sentences, language)) for t in terms]
            chapters.append(
                Chapter(chapter.start, chapter.end, title, "", notes, timed, written_by="llm")
            )

        self.progress("notes: abstract, key points, glossary, questions")
        digest = "\n".join(
            f"## {c.title} ({clock(c.start)})\n" + "\n".join(f"- {p}" for p in c.key_points)
            for c in chapters
        )
        overview = self._attempt(
            lambda temperature, seed: self._overview(
                system, digest, source, language, temperature, seed
            ),
            info,
            "overview",
        )
        if overview is None:
            info["overview"] = "extractive"
            abstract, key_points, glossary, questions = base.abstract, base.key_points, [], []
        else:
            info["overview"] = "llm"
            abstract, key_points, glossary, questions = overview
        # The glossary: the overview's terms, then those the chapters defined, each once.
        merged: dict[str, Term] = {}
        for term in [*glossary, *(t for c in chapters for t in c.terms)]:
            merged.setdefault(term.term.lower(), term)
        glossary = [
            replace(t, start=first_mention(t.term, sentences, language)) for t in merged.values()
        ]
        key_terms: dict[str, str] = {}  # lowercase -> the first spelling met
        for term in [*(t.term for t in glossary), *base.key_terms]:
            key_terms.setdefault(term.lower(), term)
        key_terms = list(key_terms.values())[:12]
        times = {t: first_mention(t, sentences, language) for t in key_terms}
        info["prompt_tokens"] = self.chat.prompt_tokens
        info["completion_tokens"] = self.chat.completion_tokens
        return Summary(
            abstract=abstract,
            key_points=key_points,
            key_terms=key_terms,
            chapters=chapters,
            summarizer=info,
            term_times={t: v for t, v in times.items() if v is not None},
            language=language,
            glossary=glossary,
            questions=questions,
        )

    def _budget(self, texts: list[str]) -> str:
        """The chapter's sentences up to CHAPTER_TOKENS (a 15-minute chapter fits whole)."""
        kept, used = [], 0
        for text in texts:
            used += self.chat.count(text) + 1
            if used > CHAPTER_TOKENS:
                break
            kept.append(text)
        return " ".join(kept)

    def _attempt(self, write, info: dict[str, Any], what: str):
        """Two tries (the second less greedy); None when both are rejected."""
        for attempt, (temperature, seed) in enumerate([(0.2, 0), (0.6, 1)], 1):
            try:
                return write(temperature, seed)
            except (Rejected, InvalidOutput, KeyError, TypeError) as exc:
                reason = f"{what}, try {attempt}: {exc}"
                log.warning("notes rejected: %s", reason)
                info["rejections"].append(reason)
        return None

    def _chapter(self, system, prompt, text, source, language, temperature, seed):
        data = self.chat.json(system, prompt, CHAPTER_SCHEMA, 450, temperature, seed)
        title = " ".join(str(data["title"]).split()).strip(" .")
        if not title or len(title.split()) > 12:
            raise Rejected(f"title {title!r}")
        notes = check_lines([str(n) for n in data["notes"]], "notes", 2, 5)
        for line in [title, *notes]:
            check_text(line, source, language, ECHO)
        return title, notes, self._terms(data["terms"], source, language)

    def _overview(self, system, digest, source, language, temperature, seed):
        short = len(source.split()) < SHORT_WORDS
        points, questions_range = ((2, 4), (1, 3)) if short else ((5, 8), (3, 5))
        prompt = OVERVIEW_PROMPT.format(
            notes=digest,
            sentences="2 to 3" if short else "3 to 5",
            points=points,
            questions=questions_range,
        )
        prompt += in_language(language)
        schema = overview_schema(points, questions_range)
        data = self.chat.json(system, prompt, schema, 900, temperature, seed)
        abstract = " ".join(str(data["abstract"]).split())
        key_points = check_lines([str(p) for p in data["key_points"]], "key points", *points)
        questions = [
            Question(" ".join(str(q["question"]).split()), " ".join(str(q["answer"]).split()))
            for q in data["questions"]
        ]
        check_lines([q.question for q in questions], "questions", *questions_range)
        for line in [abstract, *key_points, *(f"{q.question} {q.answer}" for q in questions)]:
            check_text(line, source, language, ECHO)
        if copied_share(abstract, source) > 0.5:
            raise Rejected("the abstract is copied from the transcript, not written")
        return abstract, key_points, self._terms(data["glossary"], source, language), questions

    def _terms(self, items, source: str, language: str) -> list[Term]:
        """Terms the lecture uses, with a definition that passes the text checks."""
        terms = []
        for item in items:
            term = " ".join(str(item["term"]).split()).strip(" .:")
            definition = " ".join(str(item["definition"]).split())
            if not grounded(term, source, language):
                log.info("glossary: dropped %r, which the lecture never says", term)
                continue
            try:
                check_text(definition, source, language, ECHO)
            except Rejected as exc:
                log.info("glossary: dropped %r (%s)", term, exc)
                continue
            terms.append(Term(term, definition))
        return terms


def in_language(language: str) -> str:
    return f" {IN_LANGUAGE[language]}" if language in IN_LANGUAGE else ""
