"""Abstractive summaries with any transformers seq2seq model (e.g. facebook/bart-large-cnn).

Map-reduce within the model's own input window: the transcript is packed into sentence-aligned
chunks (a new chunk at each chapter start when there is room to spare, a little overlap for
context), each chunk is summarised, and the summaries are summarised again until one window
holds them. Key terms and chapters come from the extractive summarizer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from konspekt.errors import ModelUnavailableError
from konspekt.settings import SUMMARIZER_VARIABLE
from lecture_assets.notes.extractive import ExtractiveSummarizer
from lecture_assets.records import SlideDeck, Summary, Transcript
from lecture_assets.text import split_sentences

SPECIAL_TOKEN_ROOM = 8  # BOS/EOS and the odd token a join adds between counted pieces


@dataclass(frozen=True)
class Chunk:
    first: int  # index of the first sentence this chunk summarises
    end: int  # one past its last sentence
    overlap: int  # sentences before ``first`` repeated as context
    text: str


def chunk_sentences(
    sentences: list[str],
    count: Callable[[str], int],
    limit: int,
    overlap_tokens: int = 0,
    breaks: frozenset[int] = frozenset(),
) -> list[Chunk]:
    """Pack sentences into chunks of at most ``limit`` tokens (overlap included).

    Every sentence is owned by exactly one chunk; a chunk also starts at a chapter ``break``
    once it is half full. Sentences must each fit in ``limit - overlap_tokens`` (see
    :func:`split_long`).
    """
    sizes = [count(s) for s in sentences]
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        overlap, used = 0, 0
        while chunks and i - overlap - 1 >= chunks[-1].first:
            size = sizes[i - overlap - 1]
            if used + size > overlap_tokens:
                break
            overlap, used = overlap + 1, used + size
        end = i
        while end < len(sentences) and used + sizes[end] <= limit:
            if end > i and end in breaks and used >= limit // 2:
                break
            used += sizes[end]
            end += 1
        if end == i:
            raise ValueError(f"sentence {i} has {sizes[i]} tokens, over the limit of {limit}")
        text = " ".join(sentences[i - overlap : end])
        chunks.append(Chunk(i, end, overlap, text))
        i = end
    return chunks


def split_long(text: str, count: Callable[[str], int], limit: int) -> list[str]:
    """Cut a sentence that alone exceeds ``limit`` tokens into word runs that fit."""
    if count(text) <= limit:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    for word in text.split():
        if current and count(" ".join([*current, word])) > limit:
            pieces.append(" ".join(current))
            current = []
        current.append(word)
    return [*pieces, " ".join(current)] if current else pieces


@cache
def load_seq2seq(name: str, device: str):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        model = AutoModelForSeq2SeqLM.from_pretrained(name).eval().to(device)
    except (OSError, ValueError) as exc:
        where = "folder" if Path(name).is_dir() else "model"
        raise ModelUnavailableError(
            f"The summarization {where} '{name}' could not be loaded (not cached and no network, "
            f"or not a seq2seq model); set {SUMMARIZER_VARIABLE}=extractive for the bundled "
            "offline summarizer, or to a local transformers model folder."
        ) from exc
    return tokenizer, model


class AbstractiveSummarizer:
    backend = "abstractive"

    def __init__(
        self,
        name: str,
        extractive: ExtractiveSummarizer,
        device: str = "auto",
        beams: int = 4,
        max_summary_tokens: int = 160,
        min_summary_tokens: int = 20,
    ):
        if device == "auto":
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model, self.device, self.beams = name, device, beams
        self.extractive = extractive
        self.tokenizer, self.seq2seq = load_seq2seq(name, device)
        config = self.seq2seq.config
        limits = [getattr(config, "max_position_embeddings", None), self.tokenizer.model_max_length]
        # The model's own input window (tokenizers report a huge sentinel when they don't know).
        self.window = min(x for x in limits if x and x < 1_000_000)
        self.limit = self.window - SPECIAL_TOKEN_ROOM
        # A summary must be well under a window, or summarising summaries would never shrink.
        self.max_new = min(max_summary_tokens, self.limit // 3)
        self.min_new = min(min_summary_tokens, self.max_new // 2)

    def count(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def summarize(self, transcript: Transcript, slides: SlideDeck | None = None) -> Summary:
        summary = self.extractive.summarize(transcript, slides)
        summary.summarizer = {"backend": self.backend, "model": self.model}
        # Sentences (long ones cut to fit) and the indices where a chapter begins.
        starts = {round(c.start, 3) for c in summary.chapters[1:]}
        sentences: list[str] = []
        chapter_starts: set[int] = set()
        for sentence in split_sentences(transcript.segments):
            if round(sentence.start, 3) in starts:
                chapter_starts.add(len(sentences))
            sentences += split_long(sentence.text, self.count, self.limit // 2)
        if not sentences:
            return summary
        breaks = frozenset(chapter_starts)
        chunks = chunk_sentences(sentences, self.count, self.limit, self.limit // 10, breaks)
        pieces = [self._generate(c.text) for c in chunks]
        summary.key_points = [p for p in pieces if p]
        rounds = 0
        while len(pieces) > 1 and rounds < 10:
            rounds += 1
            pieces = [
                self._generate(c.text) for c in chunk_sentences(pieces, self.count, self.limit)
            ]
        summary.abstract = " ".join(pieces)
        summary.summarizer.update(
            {"chunks": len(chunks), "reduce_rounds": rounds, "window": self.window}
        )
        return summary

    def _generate(self, text: str) -> str:
        import torch

        batch = self.tokenizer(
            text, truncation=True, max_length=self.window, return_tensors="pt"
        ).to(self.device)
        batch.pop("token_type_ids", None)  # BERT-style tokenizers add it; generate() rejects it
        with torch.inference_mode():
            out = self.seq2seq.generate(
                **batch,
                num_beams=self.beams,
                max_new_tokens=self.max_new,
                min_new_tokens=self.min_new,
                no_repeat_ngram_size=3,
            )
        return self.tokenizer.decode(out[0], skip_special_tokens=True).strip()
