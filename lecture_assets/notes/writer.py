"""Notes written by a language model, grounded in the transcript.

Chapters (their times are facts) come from the extractive pass. Then, per chapter (map), the
model writes a title, 2-5 bullet notes and the terms it defines, a few consecutive chapters to a
call (each call costs ~2 s besides its tokens); then (reduce), from those notes, an abstract, key
points, a glossary and review questions. Every answer is JSON constrained by a schema, then
checked (notes/guards.py); a chapter whose notes are rejected is asked for once more on its own,
then keeps its extractive notes, and summary.json says which chapters did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from lecture_assets.notes import on_screen
from lecture_assets.notes.extractive import ExtractiveSummarizer
from lecture_assets.notes.guards import Rejected, check_lines, check_text, copied_share, grounded
from lecture_assets.notes.i18n import language_name
from lecture_assets.notes.llm import ChatModel
from lecture_assets.notes.prompts import (
    CHAPTERS_PROMPT,
    ECHO,
    EXCERPT,
    OVERVIEW_PROMPT,
    SHORT_WORDS,
    SLIDES,
    SYSTEM,
    chapter_limits,
    chapters_schema,
    in_language,
    overview_schema,
)
from lecture_assets.records import (
    Chapter,
    Question,
    SlideDeck,
    Summary,
    Term,
    Transcript,
    clock,
)
from lecture_assets.text import first_mention, split_sentences

log = logging.getLogger(__name__)
CHAPTER_TOKENS = (
    5000  # of one chapter's transcript (~25 minutes of speech); longer ones are thinned
)
BATCH_TOKENS = 1600  # of transcript per map call: about five minutes of speech
BATCH_CHAPTERS = 4
TOKENS_PER_CHAPTER = 260  # generation budget: title, 2-5 notes, terms, JSON punctuation


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

    def summarize(self, transcript: Transcript, slides: SlideDeck | None = None) -> Summary:
        base = self.extractive.summarize(transcript, slides)
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
        self.thinned = 0
        sentences = split_sentences(transcript.segments)
        # What the notes may say: what was said, and what the slides showed.
        source = f"{transcript.text}\n{slides.text}" if slides and slides.text else transcript.text
        self.on_slides = [on_screen.text_during(slides, c.start, c.end) for c in base.chapters]
        system = SYSTEM.format(language=language_name(language))
        texts = []
        for number, chapter in enumerate(base.chapters, 1):
            last = number == len(base.chapters)
            texts.append(
                self._budget(
                    [
                        s.text
                        for s in sentences
                        if chapter.start <= s.start < chapter.end
                        or (last and s.start >= chapter.start)
                    ]
                )
            )
        info["thinned_chapters"] = self.thinned  # sentences sampled to fit the model's window
        limits = chapter_limits(len(base.chapters))
        written: dict[int, tuple[str, list[str], list[Term]]] = {}
        for batch in self._batches(texts):
            first, last = batch[0] + 1, batch[-1] + 1
            span = f"{first}" if first == last else f"{first}-{last}"
            self.progress(f"notes: chapters {span} of {len(base.chapters)}")
            call = self._map(system, base.chapters, texts, batch, limits, source, language)
            done, rejected = call(0.2, 0)
            written |= done
            for index, reason in rejected.items():
                info["rejections"].append(f"chapter {index + 1}, try 1: {reason}")
            for index in rejected:  # once more, alone and less greedy
                call = self._map(system, base.chapters, texts, [index], limits, source, language)
                done, again = call(0.6, 1)
                written |= done
                for reason in again.values():
                    info["rejections"].append(f"chapter {index + 1}, try 2: {reason}")
        chapters: list[Chapter] = []
        for index, chapter in enumerate(base.chapters):
            if index not in written:
                info["fallback_chapters"].append(index)
                chapters.append(chapter)
                continue
            title, notes, terms = written[index]
            timed = [replace(t, start=first_mention(t.term, sentences, language)) for t in terms]
            if chapter.slides:  # a slide's title names the chapter it was shown in
                title = chapter.title
            chapters.append(
                Chapter(
                    chapter.start,
                    chapter.end,
                    title,
                    "",
                    notes,
                    timed,
                    written_by="llm",
                    slides=chapter.slides,
                )
            )
        for reason in info["rejections"]:
            log.warning("notes rejected: %s", reason)

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
        """The chapter's sentences, at most CHAPTER_TOKENS of them: a longer chapter (a long
        lecture's chapters reach an hour) keeps every k-th sentence, so all of it is seen."""
        sizes = [self.chat.count(text) + 1 for text in texts]
        total = sum(sizes)
        if total <= CHAPTER_TOKENS:
            return " ".join(texts)
        self.thinned += 1
        step = total / CHAPTER_TOKENS
        kept = [text for i, text in enumerate(texts) if int(i / step) != int((i - 1) / step)]
        return " ".join(kept)

    def _attempt(self, write, info: dict[str, Any], what: str):
        """Two tries (the second less greedy); None when both are rejected."""
        for attempt, (temperature, seed) in enumerate([(0.2, 0), (0.6, 1)], 1):
            try:
                return write(temperature, seed)
            except Exception as exc:  # llama.cpp errors too: the overview falls back
                reason = f"{what}, try {attempt}: {exc or type(exc).__name__}"
                log.warning("notes rejected: %s", reason)
                info["rejections"].append(reason)
        return None

    def _batches(self, texts: list[str]) -> list[list[int]]:
        """Consecutive chapters, up to BATCH_CHAPTERS and BATCH_TOKENS of transcript a call."""
        batches: list[list[int]] = []
        used = 0
        for index, text in enumerate(texts):
            size = self.chat.count(text)
            if not batches or len(batches[-1]) >= BATCH_CHAPTERS or used + size > BATCH_TOKENS:
                batches.append([])
                used = 0
            batches[-1].append(index)
            used += size
        return batches

    def _map(self, system, chapters, texts, batch, limits, source, language):
        """A call for the notes of the chapters in ``batch``: it returns the notes written
        (chapter index -> title, notes, terms) and why the others were rejected."""
        excerpts = "\n\n".join(
            EXCERPT.format(
                number=position,
                start=clock(chapters[index].start),
                end=clock(chapters[index].end),
                text=texts[index],
            )
            + (SLIDES.format(text=self.on_slides[index]) if self.on_slides[index] else "")
            for position, index in enumerate(batch, 1)
        )
        prompt = CHAPTERS_PROMPT.format(
            count=len(batch), excerpts=excerpts, notes=limits[0], terms=limits[1]
        ) + in_language(language)
        schema = chapters_schema(len(batch), *limits)

        def call(temperature: float, seed: int):
            written: dict[int, tuple[str, list[str], list[Term]]] = {}
            try:
                data = self.chat.json(
                    system, prompt, schema, TOKENS_PER_CHAPTER * len(batch), temperature, seed
                )
                parts = data["parts"]
                if not isinstance(parts, list) or len(parts) != len(batch):
                    raise Rejected(f"{len(parts)} parts for {len(batch)} excerpts")
            except Exception as exc:  # llama.cpp errors too: the chapters fall back
                return written, {index: str(exc) or type(exc).__name__ for index in batch}
            rejected = {}
            for index, part in zip(batch, parts, strict=True):
                try:
                    written[index] = self._chapter(part, limits, source, language)
                except (Rejected, KeyError, TypeError) as exc:
                    rejected[index] = str(exc)
            return written, rejected

        return call

    def _chapter(self, data, limits, source, language):
        title = " ".join(str(data["title"]).split()).strip(" .")
        if not title or len(title.split()) > 12:
            raise Rejected(f"title {title!r}")
        notes = check_lines([str(n) for n in data["notes"]], "notes", 2, limits[0])
        for line in [title, *notes]:
            check_text(line, source, language, ECHO)
        return title, notes, self._terms(data["terms"][: limits[1]], source, language)

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
