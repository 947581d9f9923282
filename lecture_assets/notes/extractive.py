"""The extractive summarizer: central, diverse sentences; chapters and key terms on MiniLM."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from lecture_assets.notes import on_screen
from lecture_assets.notes.chapters import chapter_bounds, chapter_lengths, snap
from lecture_assets.notes.embeddings import Embedder, LexicalEmbedder, embedder_for, load_embedder
from lecture_assets.records import Chapter, SlideDeck, Summary, Transcript
from lecture_assets.text import (
    Sentence,
    first_mention,
    split_sentences,
    surface_forms,
    term_candidates,
)

EXTRACTIVE = "extractive"


class ExtractiveSummarizer:
    """Picks the most central, mutually diverse sentences; chapters from similarity valleys."""

    backend = EXTRACTIVE

    def __init__(self, embedder: Embedder | LexicalEmbedder | None = None) -> None:
        self._fixed = embedder  # None: chosen by the transcript's language
        self.embedder = embedder or load_embedder()

    @property
    def model(self) -> str:
        return self.embedder.name

    def summarize(self, transcript: Transcript, slides: SlideDeck | None = None) -> Summary:
        """``slides`` (the deck the video showed) place the cuts, name the chapters and count
        as evidence for the key terms."""
        language = transcript.language or "en"
        self.embedder = self._fixed or embedder_for(language)
        info = {"backend": self.backend, "model": self.model}
        sentences = split_sentences(transcript.segments)
        if not sentences:
            return Summary("", [], [], [], info, language=language)
        vectors = self.embedder.embed([s.text for s in sentences])
        centroid = _unit(vectors.mean(axis=0))
        n = len(sentences)
        # "Step by step." is central but says nothing: prefer sentences of five words or more.
        pool = [i for i, s in enumerate(sentences) if len(s.text.split()) >= 5] or list(range(n))
        k = _clamp(round(n * 0.2), min(n, 3), 8)
        point_ids = sorted(mmr(vectors, centroid, k=k, diversity=0.5, pool=pool))
        self._term_vectors: dict[str, Any] = {}
        on_slides = slides.text if slides else ""
        lecture_counts = term_candidates(f"{transcript.text}\n{on_slides}", language=language)
        # Terms are counted by key (stems in Russian) and shown in their commonest form.
        shown = surface_forms(f"{transcript.text}\n{on_slides}", language=language)
        starts = [s.start for s in sentences]
        duration = max(transcript.duration, sentences[-1].end)
        bounds = chapter_bounds(vectors, starts, duration, getattr(self.embedder, "min_window", 2))
        bounds = snap(bounds, starts, on_screen.changes(slides), chapter_lengths(duration)[0] / 2)
        spans = [
            (starts[a], starts[b] if b < n else duration) for a, b in bounds
        ]  # a chapter's time on screen, for the slides shown during it
        per_chapter = [
            self.ranked_terms(
                " ".join(s.text for s in sentences[a:b])
                + "\n"
                + on_screen.text_during(slides, *span),
                _unit(vectors[a:b].mean(0)),
                lecture_counts,
                language,
            )
            for (a, b), span in zip(bounds, spans, strict=True)
        ]
        chapters = [
            on_screen.with_slides(
                self._chapter(
                    sentences[a:b],
                    vectors[a:b],
                    [shown.get(t, t) for t in terms],
                    transcript.duration if b == n else None,
                ),
                slides,
            )
            for (a, b), terms in zip(bounds, per_chapter, strict=True)
        ]
        terms = [shown.get(t, t) for t in _round_robin(per_chapter, limit=10)]
        times = {t: first_mention(t, sentences, language) for t in terms}
        if 2 <= len(chapters) <= 5:
            abstract = " ".join(c.summary for c in chapters)  # one line per topic, in order
        else:
            k = _clamp(round(n * 0.1), min(len(pool), 2), 4)
            abstract = " ".join(
                sentences[i].text for i in sorted(mmr(vectors, centroid, k, pool=pool))
            )
        return Summary(
            abstract=abstract,
            key_points=[sentences[i].text for i in point_ids],
            key_terms=terms,
            chapters=chapters,
            summarizer=info,
            term_times={t: v for t, v in times.items() if v is not None},
            language=language,
        )

    def ranked_terms(
        self, text: str, centroid, lecture_counts: Counter[str], language: str = "en"
    ) -> list[str]:
        """Terms of a span (as keys), best first: close to its centroid (KeyBERT-like), frequent
        in it, and specific to it (a term spread over the lecture describes no one chapter)."""
        counts = term_candidates(text, language=language)
        # Embedding every n-gram of a long lecture is wasteful; frequent ones carry the topic.
        # Three-word phrases must recur to count as terms; once, they are just a clause.
        # Russian ASR output is noisier: there a phrase must recur to count at all.
        longest_once = 1 if language == "en" else 0
        pool = [t for t, c in counts.most_common(150) if c > 1 or t.count(" ") < longest_once + 1]
        # "carbon" that almost always comes as "carbon dioxide" is the longer term's fragment.
        pool = [
            t
            for t in pool
            if not any(
                t != o and f" {t} " in f" {o} " and counts[o] >= 0.6 * counts[t] for o in pool
            )
        ]
        if not pool:
            return []
        sims = self._embed_terms(pool) @ centroid
        scores = {
            # A named concept ("binary search") beats its head word ("array") at equal evidence.
            term: float(sim)
            * (1 + math.log(counts[term]))
            * (counts[term] / lecture_counts[term])
            * (1 + 0.3 * term.count(" "))
            for term, sim in zip(pool, sims, strict=True)
        }
        return sorted(pool, key=lambda t: -scores[t])

    def _embed_terms(self, terms: list[str]):
        import numpy as np

        missing = [t for t in terms if t not in self._term_vectors]
        if missing:
            self._term_vectors.update(zip(missing, self.embedder.embed(missing), strict=True))
        return np.stack([self._term_vectors[t] for t in terms])

    def _chapter(
        self, sentences: list[Sentence], vectors, terms: list[str], end: float | None
    ) -> Chapter:
        centroid = _unit(vectors.mean(axis=0))
        best = int((vectors @ centroid).argmax())
        title = terms[0].capitalize() if terms else sentences[0].text[:60]
        last = sentences[-1].end if end is None else max(end, sentences[-1].end)
        wanted = _clamp(round(len(sentences) / 4), 1, 4)
        pool = [i for i, s in enumerate(sentences) if len(s.text.split()) >= 5] or None
        points = sorted(mmr(vectors, centroid, k=wanted, diversity=0.5, pool=pool))
        return Chapter(
            sentences[0].start,
            last,
            title,
            sentences[best].text,
            [sentences[i].text for i in points],
        )


def mmr(vectors, query, k: int, diversity: float = 0.3, pool: list[int] | None = None) -> list[int]:
    """Maximal marginal relevance: relevant to ``query`` yet unlike what was already picked."""
    relevance = vectors @ query
    picked: list[int] = []
    candidates = list(range(len(vectors))) if pool is None else list(pool)
    while candidates and len(picked) < k:
        if picked:
            redundancy = (vectors[candidates] @ vectors[picked].T).max(axis=1)
        else:
            redundancy = relevance[candidates] * 0
        scores = (1 - diversity) * relevance[candidates] - diversity * redundancy
        best = candidates[int(scores.argmax())]
        picked.append(best)
        candidates.remove(best)
    return picked


def _round_robin(ranked: list[list[str]], limit: int) -> list[str]:
    """Take each chapter's best remaining term in turn, so every topic is represented."""
    chosen: list[str] = []
    for rank in range(max((len(r) for r in ranked), default=0)):
        for terms in ranked:
            # Skip a term that is a fragment of (or contains) one already chosen.
            if rank < len(terms) and not any(terms[rank] in c or c in terms[rank] for c in chosen):
                chosen.append(terms[rank])
                if len(chosen) == limit:
                    return chosen
    return chosen


def _unit(vector):
    import numpy as np

    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
